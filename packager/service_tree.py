"""A service tree of a split at function calls: its :class:`ServiceBuild` record and the files written for it
(own modules byte for byte, shared modules, RPC stubs of other services' modules, the kit, ``service.json``,
``requirements.txt``, ``Dockerfile``). Used by packager/build.py, and by packager/edge_build.py for a mixed plan's
interior services."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan
from packager.dockerfile import render_dockerfile
from packager.errors import PackagerError
from packager.requirements import Distributions, package_edges, service_requirements
from packager.servicecode import ServiceCode
from packager.sources import SourceIndex
from packager.stubgen import render_stub

HEALTH_PATH: Final = "/healthz"
GATEWAY_HEALTH_PATH: Final = "/_cleave/healthz"
"""The gateway serves the monolith's own routes; its health check must not shadow one (``/healthz`` often is)."""
KIT_SOURCE: Final = Path(__file__).resolve().parent / "kit"
KIT_PACKAGE: Final = "cleave_kit"
KIT_COMMAND: Final = ("python3", "-m", KIT_PACKAGE)


@dataclass(frozen=True)
class ServiceBuild:
    """One built service tree and what later stages need to know about it."""

    name: str
    path: Path
    modules: tuple[str, ...]
    shared: tuple[str, ...]
    stubs: tuple[str, ...]
    interface: tuple[str, ...]
    calls: tuple[str, ...]
    requirements: tuple[str, ...]
    distributions: tuple[str, ...] = ()
    """Canonical names of the third-party distributions in ``requirements`` (for the image layers)."""
    entry: str | None = None
    health_path: str = HEALTH_PATH

    def service_json(self) -> dict[str, Any]:
        """The ``service.json`` document the kit reads."""
        return {"name": self.name, "interface": list(self.interface), "entry": self.entry,
                "health_path": self.health_path, "calls": list(self.calls),
                "requirements": list(self.requirements)}

    def to_json(self) -> dict[str, Any]:
        return {**self.service_json(), "path": str(self.path), "modules": list(self.modules),
                "distributions": list(self.distributions),
                "shared": list(self.shared), "stubs": list(self.stubs)}


def interior_build(name: str, plan: Plan, code: ServiceCode, *, interface: tuple[str, ...], out: Path,
                   distributions: Distributions, code_graph: CodeGraph | None) -> ServiceBuild:
    """The :class:`ServiceBuild` of a service split at function calls (its tree is written by :func:`write_tree`)."""
    service = plan.service(name)
    kept = [*code.own, *sorted(code.shared)]
    names = package_edges(code_graph, kept) | {distributions.for_import(top) for top in code.external}
    requirements = service_requirements(distributions, names, service.requirements, plan.origin)
    names |= {canonicalize_name(Requirement(line).name) for line in service.requirements}
    return ServiceBuild(name=name, path=out / "services" / name, modules=tuple(code.own),
                        shared=tuple(sorted(code.shared)), stubs=tuple(sorted(code.stubs)), interface=interface,
                        calls=tuple(sorted(set(code.rpc.values()))), requirements=tuple(requirements),
                        distributions=tuple(sorted(names)))


def write_tree(root: Path, index: SourceIndex, code: ServiceCode, build: ServiceBuild, kit: Path) -> None:
    """One service tree of a split at function calls."""
    root.mkdir(parents=True)
    for module in [*code.own, *sorted(code.shared)]:
        _write(root / index.modules[module].relpath, index.read_bytes(module))
        if index.modules[module].is_package:
            _copy_package_data(index, module, root)
    for module, stub in sorted(code.stubs.items()):
        _write(root / index.modules[module].relpath, render_stub(index, stub).encode("utf-8"))
    for module in sorted(code.empty_packages):
        if module not in code.stubs and module not in code.shared and module not in code.own:
            _write(root / index.modules[module].relpath,
                   b'"""Package placeholder written by cleave: this package is in no service."""\n')
    if not kit.is_dir():
        raise PackagerError("the service kit is missing", path=kit, hint="reinstall cleave")
    shutil.copytree(kit, root / KIT_PACKAGE, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "service.json").write_text(json.dumps(build.service_json(), indent=2, sort_keys=True) + "\n")
    (root / "requirements.txt").write_text("".join(f"{line}\n" for line in build.requirements))
    (root / "Dockerfile").write_text(render_dockerfile(build.name, list(build.requirements), build.health_path))


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _copy_package_data(index: SourceIndex, package: str, root: Path) -> None:
    """Non-Python files of a package (templates, data) whose nearest enclosing package is ``package``."""
    relative_dir = Path(index.modules[package].relpath).parent
    directory = index.src / relative_dir
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.suffix in {".py", ".pyc", ".pyo"} or "__pycache__" in path.parts:
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(index.src.resolve()):
            raise PackagerError(f"symlink points outside the source folder, to {path.resolve()}",
                                path=path.relative_to(index.src).as_posix(),
                                hint="copy the file into SRC or remove the link; a build holds only SRC's code")
        holder = path.parent
        while holder != directory and not (holder / "__init__.py").exists():
            holder = holder.parent
        if holder == directory:
            target = root / relative_dir / path.relative_to(directory)
            _write(target, path.read_bytes())
