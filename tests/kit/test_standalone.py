"""The kit is copied into every service tree as ``cleave_kit``: standard library only, relative imports only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.kit.conftest import KIT

MODULES = sorted(KIT.glob("*.py"))


def leaving_imports(source: str) -> list[str]:
    """Every import in ``source`` that reaches beyond the standard library and the kit itself.

    The kit is a flat package, so a relative import stays inside it only at level 1 (``from . import codec``,
    ``from .errors import X``); ``from .. import build`` would reach the packager, which no image holds.
    """
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 1:
                problems.append(f"{node.lineno}: {'.' * node.level}{node.module or ''} (leaves the kit)")
            continue
        else:
            continue
        problems += [f"{node.lineno}: {name}" for name in names
                     if name.split(".")[0] != "__future__" and name.split(".")[0] not in sys.stdlib_module_names]
    return problems


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_imports_are_stdlib_or_relative(path: Path) -> None:
    assert leaving_imports(path.read_text()) == [], path.name


@pytest.mark.parametrize(("source", "found"), [
    ("from .. import build\n", ["1: .. (leaves the kit)"]),
    ("from ..oci import push\n", ["1: ..oci (leaves the kit)"]),
    ("import yaml\n", ["1: yaml"]),
    ("from cleave.errors import CleaveError\n", ["1: cleave.errors"]),
    ("from . import codec\nfrom .errors import KitError\nimport json\n", []),
])
def test_the_check_sees_every_way_out_of_the_kit(source: str, found: list[str]) -> None:
    assert leaving_imports(source) == found


def test_public_api_is_where_stubs_and_the_runtime_expect_it() -> None:
    import inspect

    from packager.kit import client, codec, errors, wsgi

    assert list(inspect.signature(client.call).parameters) == ["service", "function", "args", "kwargs"]
    assert callable(codec.encode) and callable(codec.decode) and callable(codec.dumps) and callable(codec.loads)
    assert errors.ServiceUnavailable("orders").service == "orders"
    assert issubclass(errors.ServiceTimeout, errors.ServiceUnavailable)
    assert not issubclass(errors.ServiceUnavailable, Exception)  # passes the monolith's `except Exception`
    assert issubclass(errors.CodecError, errors.KitError) and issubclass(errors.RemoteError, errors.KitError)
    assert callable(wsgi.unavailable_middleware)
    assert (KIT / "__main__.py").exists()
