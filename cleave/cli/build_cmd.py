"""``cleave build``: per-service source trees, then images, compose and Kubernetes manifests, then topology.json."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cleave.cli import output
from cleave.formats.graph import CodeGraph, load_graph
from cleave.formats.plan import Plan, load_plan
from cleave.formats.topology import Topology, save_topology
from runtime.paths import ProjectPaths

if TYPE_CHECKING:
    from packager.build import BuildResult  # the packager loads lazily: `cleave --help` stays fast


def state_dir(build: Path) -> Path:
    """The project's ``.cleave/`` folder for a build folder (where the graph, caches and runtime state live)."""
    return ProjectPaths.for_build(build).state_dir


def _analyze(src: Path, graph: Path | None, out: Path) -> CodeGraph:
    """The given graph.json, or an analysis of SRC through the same per-file cache `cleave analyze` keeps."""
    if graph is not None:
        return load_graph(graph)
    from analyzer import analyze

    return analyze(src, cache_dir=state_dir(out) / "cache")


def _images(out: Path, result: object, enabled: bool) -> dict[str, str]:
    """Build the OCI images from the service trees when the image step is installed; the manifest digests."""
    if not enabled:
        return {}
    from packager.build import BuildResult
    from packager.oci import ImageInput, build_images, default_cache_dir
    from packager.requirements import installed_closure

    assert isinstance(result, BuildResult)
    inputs = [ImageInput(name=s.name, app_dir=s.path, distributions=tuple(installed_closure(s.distributions)),
                         env={"CLEAVE_SERVICE": s.name}, health_path=s.health_path)
              for s in result.services]
    with output.progress("images") as report:
        images = build_images(inputs, out / "oci", cache_dir=default_cache_dir(), progress=report)
    return {name: image.manifest_digest for name, image in images.items()}


def _deploy(out: Path, topology: Topology, enabled: bool) -> list[str]:
    """compose.yaml and k8s/ from the topology (packager.deploy); the files written."""
    if not enabled:
        return []
    from packager.deploy import write_compose, write_k8s

    with output.progress("manifests") as report:
        report(0, 2)
        written = [write_compose(topology, out / "compose.yaml")]
        report(1, 2)
        written += write_k8s(topology, out / "k8s")
        report(2, 2)
    return [str(path) for path in written]


@dataclass(frozen=True)
class BuildOutcome:
    """What a build wrote: the service trees, the topology, image digests and deployment files."""

    result: BuildResult
    topology: Topology
    digests: Mapping[str, str]
    deployed: tuple[str, ...]


def run_build(src: Path, plan: Plan, out: Path, *, graph: Path | CodeGraph | None = None,
              images: bool = True) -> BuildOutcome:
    """Build ``plan`` into ``out``: service trees, images, compose and k8s, topology.json (used by migrate too)."""
    from packager.build import build_services, check_blockers
    from packager.topology import build_topology

    check_blockers(plan)  # before the analysis: a blocked plan writes nothing
    code_graph = graph if isinstance(graph, CodeGraph) else _analyze(src, graph, out)
    result = build_services(src, plan, code_graph, out)
    for warning in result.warnings:
        output.warn(warning)
    digests: Mapping[str, str] = _images(out, result, images)
    topology = build_topology(result, plan, src.resolve().name, digests)
    deployed = _deploy(out, topology, images)
    save_topology(topology, out / "topology.json")
    return BuildOutcome(result, topology, digests, tuple(deployed))


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build(  # noqa: PLR0917 (typer maps parameters to options)
        src: Path = typer.Argument(..., help="The monolith's root folder (the one that holds its top package)."),
        plan_path: Path = typer.Option(Path("cleave.yaml"), "--plan", "-p", help="The plan to build."),
        out: Path = typer.Option(Path(".cleave/build"), "--out", "-o", help="The build directory."),
        graph: Path | None = typer.Option(None, "--graph", help="Use this graph.json instead of analyzing SRC."),
        images: bool = typer.Option(True, "--images/--no-images", help="Also build OCI images, compose and k8s."),
        json_output: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    ) -> None:
        """Write one source tree per service (own code, shared code, RPC stubs), images and topology.json.

        Example: cleave build samples/shop --plan cleave.yaml -o .cleave/build
        """
        plan = load_plan(plan_path)
        outcome = run_build(src, plan, out, graph=graph, images=images)
        result = outcome.result
        if json_output:
            output.print_json({**result.to_json(), "topology": str(out / "topology.json"),
                               "images": dict(outcome.digests), "deployment": list(outcome.deployed)})
            return
        for service in result.services:
            role = " (gateway)" if service.name == result.gateway else ""
            output.stdout.print(f"{service.name}{role}: {len(service.modules)} modules, {len(service.stubs)} stubs, "
                                f"{len(service.interface)} exposed, calls {', '.join(service.calls) or 'nothing'}")
        output.stdout.print(f"wrote {out / 'services'} and {out / 'topology.json'}")
