"""Per-service ``requirements.txt``: only the distributions the service's code imports, pinned as the monolith
pins them (its requirements.txt or pyproject.toml), else at the installed version; the plan may override."""

from __future__ import annotations

import importlib.metadata
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from cleave.formats.graph import PACKAGE_PREFIX, CodeGraph
from packager.errors import PackagerError


def monolith_requirements(src: Path) -> dict[str, Requirement]:
    """The monolith's own pins, by canonical name: ``requirements.txt`` lines, then ``[project].dependencies``."""
    found: dict[str, Requirement] = {}
    path = src / "requirements.txt"
    if path.is_file():
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith(("#", "-")):
                continue
            try:
                requirement = Requirement(line)
            except InvalidRequirement as error:
                raise PackagerError(f"cannot read requirement {line!r}: {error}", path=path, line=number,
                                    hint="fix the line (PEP 508 syntax)") from error
            found.setdefault(canonicalize_name(requirement.name), requirement)
    pyproject = src / "pyproject.toml"
    if pyproject.is_file():
        try:
            document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise PackagerError(f"cannot read pyproject.toml: {error}", path=pyproject) from error
        for line in document.get("project", {}).get("dependencies", []):
            try:
                requirement = Requirement(str(line))
            except InvalidRequirement as error:
                raise PackagerError(f"cannot read dependency {line!r}: {error}", path=pyproject) from error
            found.setdefault(canonicalize_name(requirement.name), requirement)
    return found


class Distributions:
    """Maps import names to distributions and distributions to pinned requirement lines."""

    def __init__(self, src: Path, code_graph: CodeGraph | None) -> None:
        self.pins = monolith_requirements(src)
        self.nodes: dict[str, dict[str, object]] = {}
        self.by_import: dict[str, str] = {}
        if code_graph is not None:
            for node, data in code_graph.graph.nodes(data=True):
                if data.get("kind") == "package" and str(node).startswith(PACKAGE_PREFIX):
                    name = canonicalize_name(str(node)[len(PACKAGE_PREFIX):])
                    self.nodes[name] = dict(data)
                    for import_name in data.get("import_names") or ():
                        self.by_import.setdefault(str(import_name), name)
        self._installed: Mapping[str, list[str]] | None = None

    def for_import(self, top: str) -> str:
        """The canonical distribution name that provides top-level import ``top``."""
        if top in self.by_import:
            return self.by_import[top]
        if self._installed is None:
            self._installed = importlib.metadata.packages_distributions()
        candidates = self._installed.get(top)
        if candidates:
            return canonicalize_name(candidates[0])
        return canonicalize_name(top)

    def pin(self, name: str) -> str:
        """The requirement line for canonical distribution ``name``."""
        if name in self.pins:
            return str(self.pins[name])
        data = self.nodes.get(name, {})
        requirement = data.get("requirement")
        if isinstance(requirement, str) and requirement:
            return requirement
        version = data.get("version")
        if not isinstance(version, str) or not version:
            try:
                version = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                return name
        return f"{name}=={version}"


def package_edges(code_graph: CodeGraph | None, modules: Iterable[str]) -> set[str]:
    """Canonical names of the distributions that ``modules`` import, per the graph's ``uses_package`` edges."""
    if code_graph is None:
        return set()
    wanted = set(modules)
    return {canonicalize_name(target[len(PACKAGE_PREFIX):])
            for source, target, _ in code_graph.edges_of_kind("uses_package")
            if source in wanted and target.startswith(PACKAGE_PREFIX)}


def service_requirements(distributions: Distributions, names: Iterable[str], overrides: Iterable[str],
                         origin: str) -> list[str]:
    """Sorted requirement lines: one per distribution, an override from the plan replacing the monolith's pin."""
    lines = {name: distributions.pin(name) for name in names}
    for raw in overrides:
        try:
            requirement = Requirement(raw)
        except InvalidRequirement as error:
            raise PackagerError(f"requirement {raw!r} in the plan is not valid: {error}", path=origin,
                                hint="write it like `pyyaml==6.0.1`") from error
        lines[canonicalize_name(requirement.name)] = str(requirement)
    return [lines[name] for name in sorted(lines)]


def installed_closure(names: Iterable[str]) -> list[tuple[str, str]]:
    """``(canonical name, installed version)`` for ``names`` and every distribution they require, recursively
    (what an image needs for ``import`` to work, e.g. MarkupSafe under Jinja2); names not installed are left out."""
    found: dict[str, str] = {}
    todo = sorted({canonicalize_name(name) for name in names})
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        found[name] = distribution.version
        for line in distribution.requires or ():
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return sorted(found.items())
