"""``package``: the whole packager stage, from a plan and the monolith's source to a complete build folder.

The build is written aside (a staging sibling of ``out``) and swapped in whole at the end: an error or a Ctrl-C at
any step leaves the previous build exactly as it was, never ``services/`` new and ``oci/`` old.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from cleave.formats.atomic import staged_directory
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan
from cleave.formats.topology import Topology, save_topology
from cleave.settings import Settings
from packager.build import BuildResult, build_services, check_blockers
from packager.deploy import DeployOptions, write_compose, write_k8s
from packager.oci import ImageInput, build_images
from packager.requirements import installed_closure
from packager.topology import build_topology

BUILD_OUTPUTS = frozenset({"services", "oci", "compose.yaml", "k8s", "topology.json"})
"""What a build writes; anything else found in the build folder is carried over to the new one."""

StepProgress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: ``step`` says what is counted (``"images: layers"``, ``"manifests: files"``)."""


@dataclass(frozen=True)
class BuildOutcome:
    """What a build wrote: the service trees, the topology, image digests and deployment files."""

    result: BuildResult
    topology: Topology
    digests: Mapping[str, str]
    deployed: tuple[str, ...]

    @property
    def out(self) -> Path:
        """The build folder."""
        return self.result.out

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the user should know about the build (modules left out, ...)."""
        return self.result.warnings


def package(src: Path, plan: Plan, out: Path, code_graph: CodeGraph, *, images: bool = True,
            settings: Settings | None = None, deploy: DeployOptions | None = None,
            progress: StepProgress | None = None) -> BuildOutcome:
    """Build ``plan`` into ``out``: service trees, OCI images, compose and k8s, topology.json; all or nothing.

    Raises ``BlockedPlanError`` for unaccepted blockers (before anything is written), ``StubError`` and other
    ``PackagerError``s for code that cannot be split as planned.
    """
    check_blockers(plan)
    config = settings or Settings.from_env()
    report = progress or (lambda step, done, total: None)
    out = out.absolute()
    with staged_directory(out) as staging:
        result = build_services(src, plan, code_graph, staging)
        digests = _images(staging, result, config, report) if images else {}
        topology = build_topology(result, plan, src.resolve().name, digests)
        deployed = _deploy(staging, topology, deploy or DeployOptions(), report) if images else []
        save_topology(topology, staging / "topology.json")
        _keep_local_state(out, staging)
    moved = replace(result, out=out, services=tuple(replace(s, path=out / "services" / s.name)
                                                     for s in result.services))
    return BuildOutcome(moved, topology, digests, tuple(str(out / path) for path in deployed))


def _images(staging: Path, result: BuildResult, settings: Settings, report: StepProgress) -> dict[str, str]:
    """Build the OCI images from the service trees; the manifest digest per service."""
    inputs = [ImageInput(name=s.name, app_dir=s.path, distributions=tuple(installed_closure(s.distributions)),
                         env={"CLEAVE_SERVICE": s.name}, health_path=s.health_path)
              for s in result.services]
    built = build_images(inputs, staging / "oci", cache_dir=settings.cache_dir,
                         progress=lambda done, total: report("images: layers", done, total))
    return {name: image.manifest_digest for name, image in built.items()}


def _deploy(staging: Path, topology: Topology, options: DeployOptions, report: StepProgress) -> list[Path]:
    """compose.yaml and k8s/ (paths relative to the build folder)."""
    report("manifests: files", 0, 2)
    written = [write_compose(topology, staging / "compose.yaml", options=options)]
    report("manifests: files", 1, 2)
    written += write_k8s(topology, staging / "k8s", options=options)
    report("manifests: files", 2, 2)
    return [path.relative_to(staging) for path in written]


def _keep_local_state(out: Path, staging: Path) -> None:
    """Files a user or another tool put in the build folder that a build does not write are carried over."""
    if not out.is_dir():
        return
    for entry in out.iterdir():
        target = staging / entry.name
        if entry.name in BUILD_OUTPUTS or entry.name.startswith(".") or target.exists() or target.is_symlink():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True)
        else:
            shutil.copy2(entry, target, follow_symlinks=False)
