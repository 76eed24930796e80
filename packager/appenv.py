"""The monolith's own Python environment (``--python``): where the images' distributions come from.

Default: ``SRC/.venv`` or ``SRC/venv`` when present, else the graph's ``meta.python`` (the interpreter the analyzer
read), else the interpreter running cleave. The images' runtime layer is made from the interpreter running cleave,
so the environment must be the same Python version. Each image gets exactly the closure (its requirements, and
theirs) of what its service imports, looked up in that environment; ``tzdata`` is added to every edge image, from
cleave's own environment when the app's lacks it.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from cleave.formats.graph import PACKAGE_PREFIX, CodeGraph
from packager.errors import PackagerError

_PROBE = "import json, sys; print(json.dumps([sys.path, list(sys.version_info[:2])]))"


@dataclass(frozen=True)
class AppEnvironment:
    """An interpreter and the ``sys.path`` its distributions are found on."""

    python: str
    search_path: tuple[str, ...]

    def closure(self, names: Iterable[str]) -> tuple[list[tuple[str, str]], list[str]]:
        """(``(canonical name, version)`` of ``names`` and what they require, recursively; the names not found)."""
        found: dict[str, str] = {}
        missing: list[str] = []
        todo = sorted({canonicalize_name(name) for name in names}, reverse=True)
        asked = set(todo)
        while todo:
            name = todo.pop()
            if name in found:
                continue
            dist = self._find(name)
            if dist is None:
                if name in asked:
                    missing.append(name)
                continue
            found[name] = dist.version
            for line in dist.requires or ():
                try:
                    requirement = Requirement(line)
                except InvalidRequirement:
                    continue
                if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                    todo.append(canonicalize_name(requirement.name))
        return sorted(found.items()), sorted(missing)

    def _find(self, name: str) -> importlib.metadata.Distribution | None:
        for dist in importlib.metadata.distributions(path=list(self.search_path)):
            if canonicalize_name(dist.metadata["Name"] or "") == name:
                return dist
        return None


def resolve(src: Path, python: Path | str | None, code_graph: CodeGraph | None = None) -> AppEnvironment:
    """The app's environment (see the module docstring); an interpreter that does not run is an error."""
    chosen: str | None = os.path.abspath(python) if python is not None else None  # checks run elsewhere
    if chosen is None:
        for folder in (".venv", "venv"):
            candidate = src / folder / "bin" / "python"
            if candidate.exists():
                chosen = str(candidate)
                break
    if chosen is None and code_graph is not None and isinstance(code_graph.meta.get("python"), str):
        candidate = Path(code_graph.meta["python"])
        chosen = str(candidate) if candidate.exists() else None
    if chosen is None or Path(chosen).absolute() == Path(sys.executable).absolute():
        return AppEnvironment(sys.executable, tuple(sys.path))
    try:
        result = subprocess.run([chosen, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True)
        path, version = json.loads(result.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        raise PackagerError(f"--python {chosen} does not run: {error}",
                            hint="give the interpreter of the app's virtualenv (e.g. SRC/.venv/bin/python)") from None
    if tuple(version) != sys.version_info[:2]:
        raise PackagerError(f"--python {chosen} is Python {version[0]}.{version[1]}, the images' runtime is "
                            f"{sys.version_info[0]}.{sys.version_info[1]} (the interpreter running cleave)",
                            hint="make the app's virtualenv with the same Python version as cleave's")
    return AppEnvironment(chosen, tuple(p for p in path if p))


def where_imported(code_graph: CodeGraph | None, name: str, modules: Sequence[str] = ()) -> str:
    """``file:line`` where distribution ``name`` is imported (its first ``uses_package`` edge), or ``?``."""
    if code_graph is None:
        return "?"
    wanted = set(modules)
    for module, target, data in sorted(code_graph.edges_of_kind("uses_package"), key=lambda e: (e[0], e[1])):
        if canonicalize_name(str(target).removeprefix(PACKAGE_PREFIX)) != name or (wanted and module not in wanted):
            continue
        file = code_graph.graph.nodes[module].get("file", module)
        lines = data.get("lines") or [0]
        return f"{file}:{lines[0]}"
    return "?"


_IMPORT_ERRORS: Final = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _guarded_lines(path: Path) -> set[int]:
    """Lines of ``path`` inside a ``try:`` body one of whose handlers catches ImportError (or wider)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try) or not node.body:
            continue
        caught = [h.type for h in node.handlers]
        names = {getattr(t, "id", getattr(t, "attr", "")) for c in caught if c is not None
                 for t in (c.elts if isinstance(c, ast.Tuple) else [c])}
        if None in caught or names & _IMPORT_ERRORS:
            lines.update(range(node.body[0].lineno, (node.body[-1].end_lineno or node.body[-1].lineno) + 1))
    return lines


def optional_everywhere(code_graph: CodeGraph | None, name: str) -> bool:
    """Whether every import of distribution ``name`` is optional: guarded by ``except ImportError``, or in a
    module that is itself only imported under such guards (the app runs without it, as it does in an environment
    that lacks it: django-helpdesk's ``try: import helpdesk.tasks`` whose module imports celery)."""
    if code_graph is None:
        return False
    importers = [(module, list(data.get("lines") or ())) for module, target, data
                 in code_graph.edges_of_kind("uses_package")
                 if canonicalize_name(str(target).removeprefix(PACKAGE_PREFIX)) == name]
    return bool(importers) and all(_optional_site(code_graph, module, lines, {}) for module, lines in importers)


def _optional_site(code_graph: CodeGraph, module: str, lines: list[int], seen: dict[str, bool]) -> bool:
    """Whether lines ``lines`` of ``module`` are guarded, or ``module`` is only imported at optional sites."""
    file = str(code_graph.graph.nodes[module].get("file", "")) if module in code_graph.graph else ""
    if not file or not lines:
        return False
    if set(lines) <= _guarded_lines(Path(code_graph.source) / file):
        return True
    if module in seen:
        return seen[module]
    seen[module] = False  # an import cycle does not make a module optional
    users = [(user, list(data.get("lines") or ())) for user, _, data in code_graph.graph.in_edges(module, data=True)
             if data.get("kind") == "imports"]
    seen[module] = bool(users) and all(_optional_site(code_graph, user, where, seen) for user, where in users)
    return seen[module]


POSTGRESQL_DRIVERS: Final = ("psycopg", "psycopg-binary", "psycopg-c", "psycopg2", "psycopg2-binary")
"""What SQLAlchemy and Django load by name for PostgreSQL: no import of the app names them."""


def image_distributions(env: AppEnvironment, service: str, names: Iterable[str], code_graph: CodeGraph | None,
                        *, modules: Sequence[str] = (), engine: str | None = None) -> list[tuple[str, str]]:
    """The closure of ``names`` in ``env`` for one image; a missing one stops the build naming where it is
    imported (``tzdata`` may come from cleave's own environment instead; one imported only under ``except
    ImportError`` is left out, as the app runs without it). ``engine: postgresql`` adds the
    PostgreSQL drivers the environment has, and stops the build when it has none."""
    wanted = set(names)
    if engine == "postgresql":
        drivers = [name for name in POSTGRESQL_DRIVERS if env.closure([name])[0]]
        if not drivers:
            raise PackagerError(f"service {service!r} uses the PostgreSQL database, but {env.python}'s environment "
                                "has no PostgreSQL driver", hint=f"{env.python} -m pip install 'psycopg[binary]'")
        wanted |= set(drivers)
    found, missing = env.closure(wanted)
    if "tzdata" in missing:
        missing.remove("tzdata")
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found.append(("tzdata", importlib.metadata.version("tzdata")))
    missing = [name for name in missing if not optional_everywhere(code_graph, name)]
    if missing:
        name = missing[0]
        raise PackagerError(f"service {service!r} needs distribution {name} (imported at "
                            f"{where_imported(code_graph, name, modules)}), which is not installed in {env.python}",
                            hint=f"install it there ({env.python} -m pip install {name}) or pass --python")
    return sorted(set(found))
