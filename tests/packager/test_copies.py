"""Copies keep behaviour (the copy rule in packager/resolve.py): one small program per rule, built, then the caller's
tree imported in a fresh interpreter and the copy called, as the service would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from packager.build import BuildResult
from packager.importcheck import ImportTarget, check_imports, tree_modules

from .helpers import build

SERVICES = {"web": ["app", "app.web"], "core": ["app.*"]}


def run_in(result: BuildResult, service: str, code: str, env: Mapping[str, str] | None = None) -> str:
    """Import every module of ``service``'s tree (as `cleave build` does), then run ``code`` there; its stdout."""
    tree = result.service(service).path
    failures = check_imports([ImportTarget(service, tree, tree_modules(tree), env=dict(env or {}))],
                             python=sys.executable, site=sys.path, src=tree.parent)
    assert [failure.line() for failure in failures] == []
    done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", f"import sys; sys.path.insert(0, '.')\n{code}"],
                          cwd=tree, capture_output=True, text=True, timeout=60, check=False,
                          env={"PATH": "/usr/bin:/bin", **(env or {})})
    assert done.returncode == 0, done.stderr
    return done.stdout


def copied(result: BuildResult, relpath: str) -> str:
    return (result.service("web").path / relpath).read_text()


def test_module_level_effects_on_a_copy_are_kept(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/codecs.py": "ENCODERS = {}\n\n\ndef register(cls, encode):\n    ENCODERS[cls] = encode\n",
        "app/models.py": '''
            from dataclasses import dataclass

            from app import codecs, jobs


            @dataclass(frozen=True)
            class Order:
                id: int


            def _first_id():
                return 1


            codecs.register(Order, lambda order: {"order": order.id})
            Order.kind = "order"
            Order.FIRST = Order(_first_id())
            jobs.schedule(Order)
        ''',
        "app/jobs.py": "QUEUE = []\n\n\ndef schedule(cls):\n    QUEUE.append(cls)\n",
        "app/web.py": '''
            from app.codecs import ENCODERS
            from app.models import Order


            def show(order):
                return ENCODERS[Order](order), Order.kind, Order.FIRST
        ''',
    }, SERVICES, shared=["app.codecs"])
    assert run_in(result, "web", "from app.web import show\nfrom app.models import Order\nprint(show(Order(7)))") \
        == "({'order': 7}, 'order', Order(id=1))\n"
    # an effect that needs the owner's state (jobs.QUEUE, through the function it calls) is the owner's
    # registration: it stays there, and the build does not fail for it
    assert "jobs.schedule(Order)" not in copied(result, "app/models.py")
    assert "app.jobs.schedule" not in result.service("core").interface


def test_an_import_made_for_its_effect_is_kept_when_that_module_runs_here(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/registry.py": "HANDLERS = {}\n\n\ndef handler(name):\n    def add(f):\n        HANDLERS[name] = f\n"
                           "        return f\n    return add\n",
        "app/handlers.py": "from app.registry import handler\n\n\n@handler('greet')\ndef greet(who):\n"
                           "    return 'hello ' + who\n",
        "app/config.py": "from app import handlers  # noqa: F401 (registers the handlers)\n\nGREETING = 'greet'\n",
        "app/web.py": "from app.config import GREETING\nfrom app.registry import HANDLERS\n\n\n"
                      "def answer():\n    return HANDLERS[GREETING]('ann')\n",
    }, SERVICES, shared=["app.registry", "app.handlers"])
    assert run_in(result, "web", "from app.web import answer\nprint(answer())") == "hello ann\n"


def test_imports_inside_copied_functions_are_in_the_tree(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/fmt.py": "SUFFIX = '!'\n\n\ndef euros(cents):\n    return f'{cents / 100:.2f} EUR'\n",
        "app/money.py": '''
            from dataclasses import dataclass


            @dataclass(frozen=True)
            class Money:
                cents: int

                def show(self) -> str:
                    from app.fmt import euros
                    import app.fmt as fmt_module
                    return euros(self.cents) + fmt_module.SUFFIX
        ''',
        "app/web.py": "from app.money import Money\n\n\ndef price():\n    return Money(250).show()\n",
    }, SERVICES, shared=["app.fmt"])
    assert "app.fmt" in result.service("web").shared
    assert run_in(result, "web", "from app.web import price\nprint(price())") == "2.50 EUR!\n"


def test_the_binding_that_runs_is_the_one_copied(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/compat.py": '''
            import os
            import sys
            from typing import TYPE_CHECKING

            if sys.version_info[0] == 2:
                basestring = basestring  # noqa: F821
            else:
                basestring = str

            try:
                import simplejson_not_installed as json
            except ImportError:
                import json

            DEBUG = False
            if os.environ.get("APP_DEBUG"):
                DEBUG = True

            if TYPE_CHECKING:
                from app.heavy import Engine
                Base = Engine
            else:
                Base = object
        ''',
        "app/heavy.py": "class Engine:\n    pass\n",
        "app/web.py": '''
            from app.compat import DEBUG, Base, basestring, json


            def check(value):
                return isinstance(value, basestring), json.dumps([1]), DEBUG, Base.__name__
        ''',
    }, SERVICES)
    text = copied(result, "app/compat.py")
    assert "else:\n    basestring = str" in text and "except ImportError:\n    import json" in text
    call = "from app.web import check\nprint(check('x'))"
    assert run_in(result, "web", call) == "(True, '[1]', False, 'object')\n"
    assert run_in(result, "web", call, {"APP_DEBUG": "1"}) == "(True, '[1]', True, 'object')\n"
    assert not (result.service("web").path / "app" / "heavy.py").exists()  # imported only for the type checker


def test_an_alias_of_itself_keeps_its_import(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/types.py": "from decimal import Decimal\n\nDecimal = Decimal  # re-exported for callers\nRATE = 1\n"
                        "RATE = 2\n",
        "app/web.py": "from app.types import RATE, Decimal\n\n\ndef total():\n    return Decimal('1.5') * RATE\n",
    }, SERVICES)
    assert "RATE = 1" not in copied(result, "app/types.py")
    assert run_in(result, "web", "from app.web import total\nprint(total())") == "3.0\n"


def test_a_helper_called_at_class_definition_time_is_copied_not_called_over_rpc(tmp_path: Path) -> None:
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/columns.py": '''
            def money_column(name):
                return _column("NUMERIC(10, 2)", name)


            def _column(kind, name):
                return (kind, name)


            def describe(column):
                return " ".join(column)
        ''',
        "app/catalog.py": '''
            from dataclasses import dataclass


            def _default_tags():
                return ("new",)


            @dataclass(frozen=True)
            class Product:
                name: str
                tags: tuple = _default_tags()
        ''',
        "app/web.py": '''
            from app.catalog import Product
            from app.columns import describe, money_column


            class Order:
                total = money_column("total")


            ROUTES = {"describe": describe}  # only named at import, called later: it may stay remote


            def show():
                return Order.total, Product("pen").tags, describe(Order.total)
        ''',
    }, SERVICES)
    web = result.service("web")
    assert web.calls == ("core",)
    assert "app.columns.money_column" not in result.service("core").interface
    assert "app.columns.describe" in result.service("core").interface  # called at run time: still an RPC
    assert "app.columns.money_column" not in result.service("core").interface
    assert any("money_column" in warning and "import time" in warning for warning in result.warnings)
    code = "from app.web import Order, Product\nprint(Order.total, Product('pen').tags)"
    assert run_in(result, "web", code) == "('NUMERIC(10, 2)', 'total') ('new',)\n"


def test_an_accepted_copy_of_an_object_keeps_its_configuration(tmp_path: Path) -> None:
    """`login.login_view = ...` after `login = LoginManager()`: each service's own copy is configured the same."""
    from cleave.formats.plan import Boundary

    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/auth.py": '''
            class LoginManager:
                def __init__(self):
                    self.login_view = None


            login = LoginManager()
            login.login_view = "auth.login"
        ''',
        "app/web.py": "from app.auth import login\n\n\ndef view():\n    return login.login_view\n",
    }, SERVICES, boundaries=[Boundary("app.web", "app.auth", "blocker", accepted=True)])
    assert run_in(result, "web", "from app.web import view\nprint(view())") == "auth.login\n"


def test_a_function_first_called_at_run_time_then_at_import_time_is_copied(tmp_path: Path) -> None:
    """The same function used by two modules of one service, at run time by the first one scanned: the RPC made
    for it gives way to a copy."""
    result = build(tmp_path, {
        "app/__init__.py": "",
        "app/columns.py": "def money_column(name):\n    return ('NUMERIC', name)\n",
        "app/a_views.py": "from app.columns import money_column\n\n\ndef show():\n    return money_column('x')\n",
        "app/b_models.py": "from app import columns\n\n\nclass Order:\n    total = columns.money_column('total')\n",
    }, {"web": ["app", "app.a_views", "app.b_models"], "core": ["app.columns"]})
    assert result.service("core").interface == ()
    assert run_in(result, "web", "from app.a_views import show\nfrom app.b_models import Order\n"
                                 "print(show(), Order.total)") == "('NUMERIC', 'x') ('NUMERIC', 'total')\n"
