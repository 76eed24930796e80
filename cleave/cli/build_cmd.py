"""``cleave build``: per-service source trees, then images, compose and Kubernetes manifests, then topology.json."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path

import typer

from cleave.cli import output
from cleave.formats.graph import CodeGraph, load_graph
from cleave.formats.plan import load_plan
from cleave.formats.topology import Topology, save_topology


def _analyze(src: Path, graph: Path | None) -> CodeGraph:
    if graph is not None:
        return load_graph(graph)
    analyzer = importlib.import_module("analyzer")
    code_graph = analyzer.analyze(src)
    assert isinstance(code_graph, CodeGraph)
    return code_graph


def _images(out: Path, result: object, enabled: bool) -> dict[str, str]:
    """Build the OCI images from the service trees when the image step is installed; the manifest digests."""
    if not enabled:
        return {}
    from packager.build import BuildResult
    from packager.oci import ImageInput, build_images
    from packager.requirements import installed_closure

    assert isinstance(result, BuildResult)
    inputs = [ImageInput(name=s.name, app_dir=s.path, distributions=tuple(installed_closure(s.distributions)),
                         env={"CLEAVE_SERVICE": s.name}, health_path=s.health_path)
              for s in result.services]
    with output.progress("images") as report:
        images = build_images(inputs, out / "oci", cache_dir=out / ".cache", progress=report)
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
        from packager.build import build_services, check_blockers
        from packager.topology import build_topology

        plan = load_plan(plan_path)
        check_blockers(plan)  # before the analysis: a blocked plan writes nothing
        code_graph = _analyze(src, graph)
        result = build_services(src, plan, code_graph, out)
        for warning in result.warnings:
            output.warn(warning)
        digests: Mapping[str, str] = _images(out, result, images)
        project = src.resolve().name
        topology = build_topology(result, plan, project, digests)
        deployed = _deploy(out, topology, images)
        save_topology(topology, out / "topology.json")
        if json_output:
            output.print_json({**result.to_json(), "topology": str(out / "topology.json"), "images": dict(digests),
                               "deployment": deployed})
            return
        for service in result.services:
            role = " (gateway)" if service.name == result.gateway else ""
            output.stdout.print(f"{service.name}{role}: {len(service.modules)} modules, {len(service.stubs)} stubs, "
                                f"{len(service.interface)} exposed, calls {', '.join(service.calls) or 'nothing'}")
        output.stdout.print(f"wrote {out / 'services'} and {out / 'topology.json'}")
