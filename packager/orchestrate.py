"""``package``: the whole packager stage, from a plan and the monolith's source to a complete build folder.

The build is written aside (a staging sibling of ``out``) and swapped in whole at the end: an error or a Ctrl-C at
any step leaves the previous build exactly as it was, never ``services/`` new and ``oci/`` old.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from cleave.formats.atomic import staged_directory
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan
from cleave.formats.topology import Topology, save_topology
from cleave.settings import Settings
from packager import appenv, importcheck
from packager.build import BuildResult, build_services, check_blockers
from packager.deploy import DeployOptions, write_compose, write_k8s
from packager.deploy.k8s_workloads import scaling_refusal
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
    warnings: tuple[str, ...] = ()
    """What the user should know about the build (modules left out, services that cannot scale, ...)."""

    @property
    def out(self) -> Path:
        """The build folder."""
        return self.result.out


def package(src: Path, plan: Plan, out: Path, code_graph: CodeGraph, *, images: bool = True,
            settings: Settings | None = None, deploy: DeployOptions | None = None,
            progress: StepProgress | None = None, python: Path | None = None) -> BuildOutcome:
    """Build ``plan`` into ``out``: service trees, OCI images, compose and k8s, topology.json; all or nothing.

    ``python``: the app's own interpreter, whose environment the images' distributions come from
    (packager/appenv.py: default SRC/.venv, SRC/venv, else the interpreter running cleave).
    Every service's tree is imported in a clean interpreter before any image is written (packager/importcheck.py).
    Raises ``BlockedPlanError`` for unaccepted blockers (before anything is written), ``StubError``,
    ``ImportCheckError`` and other ``PackagerError``s for code that cannot be split as planned.
    """
    check_blockers(plan)
    config = settings or Settings.from_env()
    report = progress or (lambda step, done, total: None)
    out = out.absolute()
    with staged_directory(out) as staging:
        result = build_services(src, plan, code_graph, staging)
        env = appenv.resolve(src, python, code_graph)
        report("imports: services", 0, len(result.services))
        importcheck.require_imports(importcheck.targets_of(result, plan), python=env.python,
                                    site=env.search_path, src=src)
        report("imports: services", len(result.services), len(result.services))
        digests = _images(staging, result, config, report, image_labels(src), env=env,
                          code_graph=code_graph, plan=plan) if images else {}
        topology = build_topology(result, plan, src.resolve().name, digests)
        options = replace(deploy or DeployOptions(), stateful=data_owners(plan))
        deployed = _deploy(staging, topology, options, report) if images else []
        save_topology(topology, staging / "topology.json")
        _keep_local_state(out, staging)
    moved = replace(result, out=out, services=tuple(replace(s, path=out / "services" / s.name)
                                                     for s in result.services))
    owners = data_owners(plan)
    refusals = [f"service {s.name} cannot scale in Kubernetes: {scaling_refusal(s, owners[s.name])}"
                for s in topology.services if s.name in owners and s.replicas > 1]
    return BuildOutcome(moved, topology, digests, tuple(str(out / path) for path in deployed),
                        warnings=(*result.warnings, *refusals))


def data_owners(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Services that keep tables in their own ``DATA_DIR`` (service -> tables): not those whose data lives in the
    plan's shared ``database:``. Kubernetes gives them a volume claim and one replica."""
    in_database: set[str] = set()
    if plan.database is not None:
        in_database = set(plan.database.services) or {s.name for s in plan.services}
    planned = plan.metrics.get("tables")
    if isinstance(planned, dict) and planned:  # the splitter's ownership: the owner of each table keeps it
        owned: dict[str, list[str]] = {}
        for table, entry in sorted(planned.items()):
            owned.setdefault(str(entry.get("owner")), []).append(str(table))
        return {name: tuple(tables) for name, tables in owned.items()
                if name not in in_database and name in {s.name for s in plan.services}}
    per_service = plan.metrics.get("per_service", {})
    owners = {}
    for service in plan.services:
        tables = per_service.get(service.name, {}).get("tables", []) if isinstance(per_service, dict) else []
        if tables and service.name not in in_database:
            owners[service.name] = tuple(str(table) for table in tables)
    return owners


def image_labels(src: Path) -> dict[str, str]:
    """OCI labels ``source``, ``revision`` and ``version`` when SRC is the top of a git checkout (none otherwise)."""
    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", "-C", str(src), *args], capture_output=True, text=True, timeout=10,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    top = git("rev-parse", "--show-toplevel")
    if not top or Path(top).resolve() != src.resolve():
        return {}  # only a monolith that is its own repository: a copy elsewhere must build the same images
    found = {"org.opencontainers.image.source": git("config", "--get", "remote.origin.url"),
             "org.opencontainers.image.revision": git("rev-parse", "HEAD"),
             "org.opencontainers.image.version": git("describe", "--tags", "--always")}
    return {key: value for key, value in found.items() if value}


def _images(staging: Path, result: BuildResult, settings: Settings, report: StepProgress,
            labels: Mapping[str, str], *, env: appenv.AppEnvironment, code_graph: CodeGraph, plan: Plan
            ) -> dict[str, str]:
    """Build the OCI images from the service trees; the manifest digest per service. Distributions come from the
    app's environment (packager/appenv.py); an edge image missing one it imports stops the build."""
    own = env.python == sys.executable
    engines = {name: db.engine for db in [plan.database] if db is not None
               for name in (db.services or [s.name for s in plan.services])}
    inputs = [ImageInput(name=s.name, app_dir=s.path, distributions=tuple(
                  appenv.image_distributions(env, s.name, s.distributions, code_graph, engine=engines.get(s.name))
                  if result.routing is not None
                  else installed_closure(s.distributions) if own else env.closure(s.distributions)[0]),
                         env={"CLEAVE_SERVICE": s.name}, health_path=s.health_path, labels=dict(labels))
              for s in result.services]
    built = build_images(inputs, staging / "oci", cache_dir=settings.cache_dir,
                         search_path=None if own else (*env.search_path, *sys.path),
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
