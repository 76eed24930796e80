"""Every built service imported in a clean interpreter, as a step of ``cleave build``, before any image is written.

A tree that only compiles can still fail when its service starts: a copy that lost the import a name needs, a
binding under a Python-2 guard, a helper the copy called over RPC at class-definition time. So each service's tree
is imported the way its image runs it, and a module that fails stops the build with its error.

How: one ``python -I -S -B`` run by the app's own interpreter (``--python``, packager/appenv.py) loads a few
standard-library modules, then forks one process per service, at most one per core (packager/importchild.py; no
``.pyc`` is written into the trees). ``sys.path`` is exactly the service's tree, that interpreter's standard library
and the site-packages of the app's environment; SRC is never on it, so a module the tree lacks is missing here as in
the image. The working directory, ``HOME``, ``TMPDIR`` and ``DATA_DIR`` are an empty temporary folder; the
environment holds only ``PATH``, ``CLEAVE_SERVICE`` and the plan's plain ``env:`` values. Never the plan's secrets
or ``database:``: a module that opens a database at import opens an empty SQLite file in that folder, so the check
cannot touch the user's data.

What is imported:

- interior services: every module of the tree (own, shared, stubs; ``__main__`` modules excepted: they run only
  with ``-m``), in name order, each even when an earlier one failed, so every failure is reported at once;
- edge services: their trees are SRC whole and identical, so the plan's entry module is imported once, in the first
  edge tree, and its factory (``create_app()``) is not called: the app connects to its database when it serves,
  not when the check runs.

A failure is one line: the service, the module being imported, the file and line in the tree where it raised (the
deepest frame inside the tree), the exception, and what to do.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from cleave.formats.plan import Plan
from packager.build import BuildResult
from packager.errors import ImportCheckError
from packager.service_tree import KIT_PACKAGE

TIMEOUT: Final = 120.0
"""Seconds one service's imports may take; a module that blocks at import (a server started unguarded) fails."""

CHILD: Final = Path(__file__).resolve().parent / "importchild.py"
"""The program run in the app's interpreter (standard library only)."""
PRELOAD: Final = ("__future__", "abc", "collections", "contextlib", "dataclasses", "datetime", "decimal", "enum",
                  "functools", "http.client", "inspect", "json", "logging", "re", "socket", "sqlite3", "threading",
                  "typing", "unicodedata", "urllib.parse", "uuid", "zoneinfo")
"""Standard-library modules loaded once before the per-service processes fork (each would load them anyway; the
image's runtime is the same interpreter). One a tree shadows with a top-level name of its own is not preloaded."""


@dataclass(frozen=True)
class ImportTarget:
    """One service tree and the modules to import in it."""

    service: str
    tree: Path
    modules: tuple[str, ...]
    generated: frozenset[str] = frozenset()
    """Modules of the tree that cleave wrote (stubs): a failure there is named as such."""
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportFailure:
    """A module that did not import in a service's tree."""

    service: str
    module: str
    where: str | None
    error: str
    generated: bool = False

    def line(self) -> str:
        """``service orders: importing shop.x fails at shop/x.py:3: NameError: ... (what to do)``."""
        place = f" at {self.where}" if self.where else ""
        origin = " (a copy cleave generated)" if self.generated else ""
        return f"service {self.service}: importing {self.module} fails{place}{origin}: {self.error} ({self.advice()})"

    def advice(self) -> str:
        """What to do, by the kind of failure."""
        if self.generated:
            return ("the copy lacks something the original has: put the module in this service or in `shared` in "
                    "the plan, and report it to cleave")
        if self.error.startswith(("ModuleNotFoundError", "ImportError")):
            return ("install the distribution in the app's environment (--python), or put the module it names in "
                    "this service or in `shared`")
        return "fix the module so it imports in a fresh interpreter, or move it out of this service"


def tree_modules(tree: Path) -> tuple[str, ...]:
    """Every importable module under ``tree`` in name order, except ``__main__`` modules and the kit (cleave's own,
    tested apart; its Django settings module needs the service's environment)."""
    names: list[str] = []
    for path in tree.rglob("*.py"):
        parts = path.relative_to(tree).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and parts[-1] != "__main__" and parts[0] != KIT_PACKAGE and all(p.isidentifier() for p in parts) \
                and all((tree.joinpath(*parts[:i]) / "__init__.py").is_file() for i in range(1, len(parts))):
            names.append(".".join(parts))
    return tuple(sorted(names))


def targets_of(result: BuildResult, plan: Plan) -> list[ImportTarget]:
    """What to import in each service tree of ``result`` (see the module docstring)."""
    by_name = {service.name: service for service in plan.services}

    def env(name: str) -> dict[str, str]:
        values = {**plan.env, **by_name[name].env} if name in by_name else dict(plan.env)
        return {key: value for key, value in values.items() if isinstance(value, str)}

    interior = [ImportTarget(service.name, service.path, tree_modules(service.path), frozenset(service.stubs),
                             env(service.name))
                for service in result.services if result.routing is None or service.name not in result.routing.rules]
    if result.routing is not None:  # edge services: the whole app, imported from its entry in one of them
        entry = (plan.entry or "").split(":", 1)[0]
        first = min((s for s in result.services if s.name in result.routing.rules), key=lambda s: s.name,
                    default=None)
        if first is None or not entry:
            return interior
        return [ImportTarget(first.name, first.path, (entry,), env=env(first.name)), *interior]
    return interior


def check_imports(targets: Sequence[ImportTarget], *, python: str, site: Sequence[str], src: Path,
                  timeout: float = TIMEOUT) -> list[ImportFailure]:
    """Import every target's modules in its own process; every failure, in target order.

    ``site``: the app environment's ``sys.path``; only its ``site-packages`` folders are taken (with their ``.pth``
    files), never the other folders a running tool put there.
    """
    if not targets:
        return []
    shadowed = {entry.name.removesuffix(".py") for target in targets for entry in target.tree.iterdir()}
    with tempfile.TemporaryDirectory(prefix="cleave-importcheck-") as scratch:
        documents = []
        for number, target in enumerate(targets):
            folder = Path(scratch) / str(number)
            folder.mkdir()
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **target.env, "CLEAVE_SERVICE": target.service,
                   "HOME": str(folder), "TMPDIR": str(folder), "DATA_DIR": str(folder)}
            documents.append({"service": target.service, "tree": str(target.tree.resolve()),
                              "modules": list(target.modules), "env": env, "scratch": str(folder)})
        config = {"src": str(src.resolve()), "timeout": timeout, "workers": max(1, min(len(targets),
                                                                                       os.cpu_count() or 1)),
                  "site": [folder for folder in site if Path(folder).name in {"site-packages", "dist-packages"}],
                  "preload": [name for name in PRELOAD if name.split(".", 1)[0] not in shadowed],
                  "targets": documents}
        try:
            done = subprocess.run([python, "-I", "-S", "-B", str(CHILD)], input=json.dumps(config),
                                  capture_output=True, text=True, cwd=scratch, env={"PATH": env["PATH"]},
                                  timeout=timeout * len(targets) + 60, check=False)
            found = json.loads(done.stdout)
        except (OSError, subprocess.TimeoutExpired, ValueError) as error:
            raise ImportCheckError([f"{python} could not run the import check: {error}"]) from None
    return [failure for target, (_, failures) in zip(targets, found, strict=True)
            for failure in _failures(target, failures, timeout)]


def require_imports(targets: Sequence[ImportTarget], *, python: str, site: Sequence[str], src: Path) -> None:
    """:func:`check_imports`, raising :class:`ImportCheckError` (one line per failure) when anything fails."""
    failures = check_imports(targets, python=python, site=site, src=src)
    if failures:
        raise ImportCheckError([failure.line() for failure in failures])


def _failures(target: ImportTarget, found: list[list[Any]], timeout: float) -> list[ImportFailure]:
    if found and found[0][2] == "Timeout":
        return [ImportFailure(target.service, ", ".join(target.modules[:3]), None,
                              f"its modules did not finish importing in {timeout:.0f} s (a module that blocks at "
                              "import, such as a server started without `if __name__ == '__main__':`)")]
    failures = [ImportFailure(target.service, module, f"{where[0]}:{where[1]}" if where else None,
                              f"{kind}: {text}" if text else kind, module in target.generated)
                for module, where, kind, text in found]
    return _distinct(failures)


def _distinct(failures: list[ImportFailure]) -> list[ImportFailure]:
    """One failure per place and error: a module that fails also fails every module importing it; the one named
    is the module whose own file raised, when it is among them."""
    by_cause: dict[tuple[str | None, str], ImportFailure] = {}
    for failure in failures:
        key = (failure.where, failure.error)
        known = by_cause.get(key)
        if known is None or (failure.where is not None and _raised_in_own_file(failure)
                             and not _raised_in_own_file(known)):
            by_cause[key] = failure
    return list(by_cause.values())


def _raised_in_own_file(failure: ImportFailure) -> bool:
    stem = (failure.where or "").rpartition(":")[0].removesuffix(".py").removesuffix("/__init__")
    return stem.replace("/", ".") == failure.module
