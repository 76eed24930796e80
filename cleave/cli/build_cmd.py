"""``cleave build [SRC]``: per-service source trees, images, compose and Kubernetes manifests, topology.json.

The packager does the work (:func:`packager.package`: written aside, swapped in whole); this module reads the
options, the plan and the graph, and prints the summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cleave.cli import options, output
from cleave.cli.project import graph_or_analysis, source_of, state_dir
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Plan, load_plan
from cleave.settings import Settings

if TYPE_CHECKING:  # the packager loads lazily: `cleave --help` stays fast
    from packager import BuildOutcome


def code_graph_for(src: Path, graph: Path | None, out: Path, python: Path | None = None,
                   flow: bool | None = None) -> CodeGraph:
    """The given graph.json, or an analysis of SRC through the per-file cache `cleave analyze` keeps
    (:func:`cleave.cli.project.graph_or_analysis`)."""
    return graph_or_analysis(graph, lambda: src, state_dir(out) / "cache", python=python, flow=flow)


def run_build(src: Path, plan: Plan, out: Path, *, graph: Path | CodeGraph | None = None, images: bool = True,
              settings: Settings | None = None, registry: str | None = None, show_progress: bool = True,
              python: Path | None = None, flow: bool | None = None) -> BuildOutcome:
    """Build ``plan`` into ``out`` (what ``build`` and ``migrate`` call); blockers are refused before analysis."""
    import packager

    packager.check_blockers(plan)
    deploy = None
    if registry is not None:
        deploy = packager.DeployOptions(image_prefix=packager.registry_reference(registry), pin_digest=True)
    code_graph = graph if isinstance(graph, CodeGraph) else code_graph_for(src, graph, out, python, flow)
    with output.step_progress(enabled=show_progress) as report:
        outcome = packager.package(src, plan, out, code_graph, images=images, settings=settings, deploy=deploy,
                                   progress=report, python=python)
    for warning in outcome.warnings:
        output.warn(warning)
    return outcome


def register(app: typer.Typer) -> None:
    """Add ``build`` to the app."""

    @app.command("build", **options.command_settings(
        "cleave build                      # SRC from the plan's source:, plan cleave.yaml",
        "cleave build samples/shop -p cleave.yaml -o .cleave/build",
        "cleave build --registry registry.example.com/shop   # manifests pull by digest from there"))
    def build(  # noqa: PLR0917 (typer maps parameters to options)
        src: Path | None = typer.Argument(None, metavar="[SRC]", show_default=False,
                                          help="The monolith's root folder (default: the plan's source:)."),
        plan_path: Path = options.plan_option(help_text="The plan to build."),
        out: Path = options.output_option(Path(".cleave/build"), "The build folder (replaced whole at the end).",
                                          metavar="DIR"),
        graph: Path | None = options.graph_option(None, "Use this graph.json instead of analyzing SRC."),
        images: bool = typer.Option(True, "--images/--no-images", help="Also build OCI images, compose and k8s."),
        registry: str | None = typer.Option(None, "--registry", metavar="HOST[:PORT][/PREFIX]",
                                            help="Name the images in compose and k8s after this registry, pinned "
                                                 "by digest (then `cleave push` them there)."),
        as_json: bool = options.json_option(),
        project: Path | None = options.project_option(),
        python: Path | None = options.python_option(),
        flow: bool | None = options.flow_option(),
    ) -> None:
        """Write one source tree per service (own code, shared code, RPC stubs), images and topology.json.

        Nothing changes in the build folder unless the whole build succeeds (Ctrl-C included).
        """
        options.enter_project(project)
        plan = load_plan(plan_path)
        source = source_of(src, plan)
        outcome = run_build(source, plan, out, graph=graph, images=images, settings=Settings.from_env(),
                            registry=registry, show_progress=not as_json, python=python, flow=flow)
        result = outcome.result
        if as_json:
            output.print_json({**result.to_json(), "topology": str(out / "topology.json"),
                               "images": dict(outcome.digests), "deployment": list(outcome.deployed)})
            return
        for service in result.services:
            role = " (gateway)" if service.name == result.gateway else ""
            output.say(f"{service.name}{role}: {len(service.modules)} modules, {len(service.stubs)} stubs, "
                       f"{len(service.interface)} exposed, calls {', '.join(service.calls) or 'nothing'}")
        output.say(f"wrote {out / 'services'} and {out / 'topology.json'}")
