"""The shape of the code (issue 12): stage facades, no private names across modules, a CLI that uses only facades,
small files. import-linter checks the import directions (tests/test_quality.py); these check what it cannot."""

from __future__ import annotations

import ast
import importlib
import inspect
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("cleave", "analyzer", "splitter", "packager", "runtime")
STAGES = ("analyzer", "splitter", "packager", "runtime")
MAX_LINES = 400


def _sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    """The module an ``from X import ...`` names, with relative imports resolved against ``path``."""
    if node.level == 0:
        return node.module or ""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _imports(path: Path) -> list[tuple[int, str, str | None]]:
    """``(line, module, name)`` for every import in ``path`` (``name`` None for ``import module``)."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(path, node)
            found += [(node.lineno, module, alias.name) for alias in node.names]
    return found


def _public_names(module: types.ModuleType) -> set[str]:
    """What a facade defines or imports at top level, but submodules, ``annotations`` and private names."""
    return {name for name, value in vars(module).items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"}


@pytest.mark.parametrize("name", ["analyzer", "splitter", "packager", "packager.oci", "packager.deploy", "runtime"])
def test_a_facade_exports_exactly_its_public_names_and_each_is_usable(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert sorted(exported) == sorted(set(exported)), f"{name}.__all__ repeats a name"
    assert set(exported) == _public_names(module), f"{name}.__all__ differs from what {name} defines"
    for public in exported:
        value = getattr(module, public)
        if public.isupper():
            assert isinstance(value, str | int | float | tuple | frozenset), f"{name}.{public} is not a constant"
            continue
        assert inspect.isclass(value) or inspect.isfunction(value), f"{name}.{public} is neither class nor function"
        assert value.__doc__ and value.__doc__.strip(), f"{name}.{public} has no docstring"


def test_the_packager_facade_builds_with_the_signature_the_cli_calls() -> None:
    import packager

    parameters = inspect.signature(packager.package).parameters
    assert list(parameters)[:4] == ["src", "plan", "out", "code_graph"]
    assert all(parameters[p].kind is inspect.Parameter.KEYWORD_ONLY for p in ("images", "settings", "progress"))
    assert packager.BuildOutcome.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_no_module_imports_another_modules_private_names() -> None:
    found = set()
    for path in _sources(*PACKAGES):
        for line, module, name in _imports(path):
            if name and name.startswith("_") and not name.startswith("__") and module != _module_name(path):
                found.add((_relative(path), name, line, module))
    unexpected = sorted(found)
    assert not unexpected, "\n".join(f"{path}:{line}: from {module} import {name}"
                                     for path, name, line, module in unexpected)


def test_the_cli_imports_only_facades_formats_errors_and_settings() -> None:
    allowed = ("cleave.cli", "cleave.formats", "cleave.errors", "cleave.settings")
    problems = []
    for path in _sources("cleave/cli"):
        for line, module, _name in _imports(path):
            top = module.split(".")[0]
            if top in STAGES:
                is_facade = module == top
                if is_facade:
                    continue
                problems.append(f"{_relative(path)}:{line}: imports {module} (use the {top} facade)")
            elif top == "cleave" and module != "cleave" and not any(  # `from cleave import __version__`
                    module == ok or module.startswith(ok + ".") for ok in allowed):
                problems.append(f"{_relative(path)}:{line}: imports {module}")
    assert not problems, "\n".join(problems)


def test_no_file_in_the_packages_is_over_400_lines() -> None:
    lengths = {_relative(path): len(path.read_text(encoding="utf-8").splitlines()) for path in _sources(*PACKAGES)}
    too_long = sorted(f"{path}: {count} lines" for path, count in lengths.items()
                      if count > MAX_LINES)
    assert not too_long, "split these into modules of at most 400 lines:\n" + "\n".join(too_long)


def test_the_kits_contract_forbids_every_other_module_of_the_packager() -> None:
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    kit = next(c for c in contracts if c.get("source_modules") == ["packager.kit"])
    named = {m for m in kit["forbidden_modules"] if m.startswith("packager.")}
    siblings = {f"packager.{path.stem if path.is_file() else path.name}" for path in (ROOT / "packager").iterdir()
                if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()}
    missing, stale = sorted(siblings - {"packager.kit"} - named), sorted(named - siblings)
    assert not missing and not stale, f"the kit's forbidden_modules in pyproject.toml: add {missing}, drop {stale}"
    assert {"cleave", "analyzer", "splitter", "runtime"} <= set(kit["forbidden_modules"])


def test_the_complexity_rules_have_no_exception_in_the_packages() -> None:
    import tomllib

    ruff = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "C90" in ruff["select"] and "PL" in ruff["select"]
    in_packages = sorted(glob for glob in ruff.get("per-file-ignores", {})
                         if glob.split("/")[0] not in ("tests", "samples", "bench"))
    assert not in_packages, f"split the functions into named steps instead of ignoring: {in_packages}"
