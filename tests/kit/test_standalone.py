"""The kit is copied into every service tree as ``cleave_kit``: standard library only, relative imports only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.kit.conftest import KIT

MODULES = sorted(KIT.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_imports_are_stdlib_or_relative(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top == "__future__" or top in sys.stdlib_module_names, f"{path.name}:{node.lineno} imports {name}"


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
