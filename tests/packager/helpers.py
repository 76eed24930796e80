"""Small monoliths written from dedented strings, hand-written plans, and builds of them."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

from cleave.formats.plan import Boundary, Plan, ServicePlan
from packager.build import BuildResult, build_services


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``{"pkg/mod.py": source}`` under ``root`` (sources dedented)."""
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def make_plan(services: Mapping[str, Sequence[str]], *, shared: Sequence[str] = (), entry: str | None = None,
              boundaries: Sequence[Boundary] = (), requirements: Mapping[str, Sequence[str]] | None = None) -> Plan:
    return Plan(services=tuple(ServicePlan(name, tuple(modules), requirements=tuple((requirements or {}).get(name, ())))
                               for name, modules in services.items()),
                entry=entry, shared=tuple(shared), boundaries=tuple(boundaries))


def build(tmp_path: Path, files: Mapping[str, str], services: Mapping[str, Sequence[str]], **plan: object
          ) -> BuildResult:
    src = write_tree(tmp_path / "src", files)
    return build_services(src, make_plan(services, **plan), None, tmp_path / "build")  # type: ignore[arg-type]


def stub_text(result: BuildResult, service: str, relpath: str) -> str:
    return (result.service(service).path / relpath).read_text()


def body(text: str) -> str:
    """A generated stub without its docstring and ``from __future__`` header."""
    marker = "from __future__ import annotations\n"
    return text.split(marker, 1)[1].strip("\n") + "\n"


def dedent(text: str) -> str:
    return textwrap.dedent(text).strip("\n") + "\n"
