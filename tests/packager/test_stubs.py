"""One test per stub rule: the owner's source and the stub the caller gets, side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleave.formats.plan import Boundary
from packager.errors import StubError

from .helpers import body, build, dedent, stub_text

TWO = {"caller": ["app", "app.main"], "owner": ["app.lib*"]}


def test_signature_is_copied_and_parameters_mapped(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "from app.lib.api import place, spread\n",
        "app/lib/__init__.py": "",
        "app/lib/api.py": '''
            import functools

            @functools.cache
            def place(cart_id: str, /, qty: int = 1, *, coupon: str | None = None) -> dict[str, int]:
                """Place an order."""
                return {cart_id: qty}

            def spread(first, *rest: int, sep: str = ",", **options: bool):
                return sep.join(map(str, (first, *rest)))

            def unused(x):
                return x
        ''',
    }, TWO)
    assert body(stub_text(result, "caller", "app/lib/api.py")) == dedent('''
        from cleave_kit.client import call as _cleave_call


        def place(cart_id: str, /, qty: int = 1, *, coupon: str | None = None) -> dict[str, int]:
            """Place an order."""
            return _cleave_call("owner", "app.lib.api.place", (cart_id, qty), {"coupon": coupon})


        def spread(first, *rest: int, sep: str = ",", **options: bool):
            return _cleave_call("owner", "app.lib.api.spread", (first, *rest), {"sep": sep, **options})
    ''')
    assert result.service("owner").interface == ("app.lib.api.place", "app.lib.api.spread")
    assert result.service("caller").calls == ("owner",)
    assert result.service("owner").calls == ()


def test_value_types_are_copied_with_the_imports_they_need(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "from app.lib.api import Order, Status, OutOfStock, total\n",
        "app/lib/__init__.py": "",
        "app/lib/api.py": '''
            import enum
            from dataclasses import dataclass, field
            from decimal import Decimal
            import json


            class Status(enum.Enum):
                OPEN = "open"


            class ShopError(Exception):
                pass


            class OutOfStock(ShopError):
                """No more."""


            @dataclass(frozen=True)
            class Order:
                # the order
                total: Decimal
                status: Status = Status.OPEN
                lines: list[str] = field(default_factory=list)

                def show(self) -> str:
                    return json.dumps(self.lines)


            def total(order: Order) -> Decimal:
                return order.total
        ''',
    }, TWO)
    assert body(stub_text(result, "caller", "app/lib/api.py")) == dedent('''
        from cleave_kit.client import call as _cleave_call
        import enum
        from dataclasses import dataclass
        from dataclasses import field
        from decimal import Decimal
        import json


        class Status(enum.Enum):
            OPEN = "open"


        class ShopError(Exception):
            pass


        class OutOfStock(ShopError):
            """No more."""


        @dataclass(frozen=True)
        class Order:
            # the order
            total: Decimal
            status: Status = Status.OPEN
            lines: list[str] = field(default_factory=list)

            def show(self) -> str:
                return json.dumps(self.lines)


        def total(order: Order) -> Decimal:
            return _cleave_call("owner", "app.lib.api.total", (order,), {})
    ''')


def test_immutable_constants_are_copied(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "from app.lib import LIMIT, REGIONS, RATE\n",
        "app/lib/__init__.py": '''
            from decimal import Decimal
            from typing import Final

            LIMIT = 60 * 60
            REGIONS: Final = ("DE", "FR")
            RATE = Decimal("0.19")
            CACHE = {}
        ''',
    }, TWO)
    assert body(stub_text(result, "caller", "app/lib/__init__.py")) == dedent('''
        from decimal import Decimal
        from typing import Final


        LIMIT = 60 * 60


        REGIONS: Final = ("DE", "FR")


        RATE = Decimal("0.19")
    ''')


def test_package_init_reexports_what_callers_import(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "from app.lib import place\nfrom app import lib as l2\n\n\ndef run():\n    l2.api.other()\n",
        "app/lib/__init__.py": "from .api import place, helper\n",
        "app/lib/api.py": "def place():\n    pass\n\ndef helper():\n    pass\n\ndef other():\n    pass\n",
    }, TWO)
    assert body(stub_text(result, "caller", "app/lib/__init__.py")) == dedent('''
        from app.lib.api import place


        from app.lib import api  # noqa: E402 (a submodule callers use)
    ''')
    stub = stub_text(result, "caller", "app/lib/api.py")
    assert "def place():" in stub and "def other():" in stub and "helper" not in stub
    assert result.service("owner").interface == ("app.lib.api.other", "app.lib.api.place")


@pytest.mark.parametrize(("source", "problem"), [
    ("CACHE = {}\n", "app/lib/api.py:1) is a mutable module global"),
    ("def CACHE():\n    yield 1\n", "is a generator function"),
    ("async def CACHE():\n    yield 1\n", "is an async generator"),
    ("class CACHE:\n    def get(self):\n        return 1\n", "is a class that is not a dataclass, enum or exception"),
])
def test_what_cannot_cross_is_an_error(tmp_path: Path, source: str, problem: str) -> None:
    files = {"app/__init__.py": "", "app/main.py": "# main\nfrom app.lib.api import CACHE\n", "app/lib/__init__.py": "",
             "app/lib/api.py": source}
    with pytest.raises(StubError) as caught:
        build(tmp_path, files, TWO)
    message = str(caught.value)
    assert "app/main.py:2: app.lib.api.CACHE (" in message and problem in message
    assert not (tmp_path / "build").exists()


def test_an_accepted_blocker_gives_the_caller_its_own_copy(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "", "app/main.py": "from app.lib.api import CACHE\n", "app/lib/__init__.py": "",
        "app/lib/api.py": "CACHE = {}\n",
    }, TWO, boundaries=[Boundary("app.main", "app.lib.api.CACHE", "blocker", why="shared dict", accepted=True)])
    assert body(stub_text(result, "caller", "app/lib/api.py")) == "CACHE = {}\n"
    assert any("accepted blocker" in warning for warning in result.warnings)


def test_missing_name_is_an_error_naming_the_import(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/main.py": "from app.lib.api import nothing\n", "app/lib/__init__.py": "",
             "app/lib/api.py": "x = 1\n"}
    with pytest.raises(StubError, match=r"app/main.py:1: app.lib.api has no top-level name 'nothing'"):
        build(tmp_path, files, TWO)


def test_shared_modules_are_copied_whole_and_type_checking_imports_ignored(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": '''
            from typing import TYPE_CHECKING
            from app.util import fmt
            if TYPE_CHECKING:
                from app.lib.api import Repo
        ''',
        "app/util.py": "def fmt(x):\n    return str(x)\n",
        "app/lib/__init__.py": "",
        "app/lib/api.py": "class Repo:\n    def get(self):\n        pass\n",
    }, TWO, shared=["app.util"])
    caller = result.service("caller")
    assert caller.shared == ("app.util",) and caller.stubs == ()
    assert (caller.path / "app/util.py").read_text() == "def fmt(x):\n    return str(x)\n"
    assert result.service("owner").shared == ()


def test_an_async_function_awaits_the_call_in_a_thread(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "", "app/main.py": "from app.lib.api import get\n", "app/lib/__init__.py": "",
        "app/lib/api.py": "async def get(u: str, *, n: int = 2) -> bytes:\n    return b''\n",
    }, TWO)
    assert body(stub_text(result, "caller", "app/lib/api.py")) == dedent('''
        import asyncio as _cleave_asyncio
        from cleave_kit.client import call as _cleave_call


        async def get(u: str, *, n: int = 2) -> bytes:
            return await _cleave_asyncio.to_thread(_cleave_call, "owner", "app.lib.api.get", (u,), {"n": n})
    ''')


def test_annotations_naming_what_cannot_cross_are_left_out(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "from app.lib.api import load\n",
        "app/lib/__init__.py": "",
        "app/lib/api.py": '''
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from app.lib.other import Repo

            def load(key: str, repo: "Repo | None" = None) -> int:
                return 1
        ''',
        "app/lib/other.py": "class Repo:\n    pass\n",
    }, TWO)
    assert body(stub_text(result, "caller", "app/lib/api.py")) == dedent('''
        from cleave_kit.client import call as _cleave_call


        def load(key: str, repo: "Repo | None" = None) -> int:
            return _cleave_call("owner", "app.lib.api.load", (key, repo), {})
    ''')


def test_a_function_taking_or_returning_an_object_is_an_error(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/main.py": "from app.lib.api import book\n",
        "app/lib/__init__.py": "",
        "app/lib/models.py": "class Appointment:\n    def describe(self):\n        return 'x'\n",
        "app/lib/api.py": "from app.lib import models\n\n\ndef book(day: str) -> list[models.Appointment]:\n"
                          "    return [models.Appointment()]\n",
    }
    with pytest.raises(StubError, match=r"app/main.py:1: app.lib.api.book \(app/lib/api.py:4\) takes or returns "
                                        r"app.lib.models.Appointment, a class that is not a dataclass"):
        build(tmp_path, files, TWO)


def test_value_classes_that_can_arrive_unnamed_are_provided(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "from app.lib.api import place\n",
        "app/lib/__init__.py": "",
        "app/lib/errors.py": "class ShopError(Exception):\n    pass\n\n\nclass SoldOut(ShopError):\n    pass\n",
        "app/lib/api.py": "def place():\n    from app.lib.errors import SoldOut\n    raise SoldOut()\n",
    }, TWO)
    caller = result.service("caller")
    assert "app.lib.errors" in caller.stubs
    assert "class SoldOut(ShopError):" in stub_text(result, "caller", "app/lib/errors.py")


def test_an_accepted_copy_brings_its_helpers_along(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "from app.lib.api import rows\n",
        "app/lib/__init__.py": "",
        "app/lib/api.py": '''
            def _row(n):
                return {"n": n}

            def rows(count):
                for n in range(count):
                    yield _row(n)
        ''',
    }, TWO, boundaries=[Boundary("app.main", "app.lib.api.rows", "blocker", why="generator", accepted=True)])
    assert body(stub_text(result, "caller", "app/lib/api.py")) == dedent('''
        def _row(n):
            return {"n": n}


        def rows(count):
            for n in range(count):
                yield _row(n)
    ''')
    assert result.service("owner").interface == ()


def test_the_last_binding_of_a_name_is_the_one_stubbed(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "", "app/main.py": "from app.lib.api import RATE, get\n", "app/lib/__init__.py": "",
        "app/lib/api.py": "RATE = 1\nRATE = 2\n\n\ndef get():\n    return 1\n\n\ndef get(x=RATE):\n    return x\n",
    }, TWO)
    assert body(stub_text(result, "caller", "app/lib/api.py")) == dedent('''
        from cleave_kit.client import call as _cleave_call


        RATE = 2


        def get(x=RATE):
            return _cleave_call("owner", "app.lib.api.get", (x,), {})
    ''')


def test_plain_and_relative_imports_resolve_to_the_same_stub(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": "import app.lib.api\nimport app.lib.api as direct\n\n\ndef run():\n"
                       "    return app.lib.api.one(), direct.two()\n",
        "app/lib/__init__.py": "",
        "app/lib/api.py": "from .consts import LIMIT\n\n\ndef one(n=LIMIT):\n    return n\n\n\n"
                          "def two():\n    return 2\n\n\ndef three():\n    return 3\n",
        "app/lib/consts.py": "LIMIT = 3\nOTHER = 4\n",
    }, TWO)
    assert body(stub_text(result, "caller", "app/lib/api.py")) == dedent('''
        from cleave_kit.client import call as _cleave_call
        from app.lib.consts import LIMIT


        def one(n=LIMIT):
            return _cleave_call("owner", "app.lib.api.one", (n,), {})


        def two():
            return _cleave_call("owner", "app.lib.api.two", (), {})
    ''')
    assert body(stub_text(result, "caller", "app/lib/consts.py")) == "LIMIT = 3\n"


def test_a_package_in_no_service_gets_a_placeholder(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "import os\nSETTINGS = os.environ.copy()\n",
        "app/main.py": "from app.lib.api import one\n",
        "app/lib/__init__.py": "",
        "app/lib/api.py": "def one():\n    return 1\n",
    }, {"caller": ["app.main"], "owner": ["app.lib*"]})
    init = stub_text(result, "caller", "app/__init__.py")
    assert init.startswith('"""Package placeholder written by cleave') and "SETTINGS" not in init
    assert any("in no service and not shared" in warning for warning in result.warnings)
