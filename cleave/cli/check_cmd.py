"""``cleave check``: for CI, a committed plan against today's code (like import-linter or tach).

Fails (exit 1) when the code crosses the plan's services where the plan records no boundary, or a blocker is not
accepted; each finding is one line ``file:line: from -> to: why``. Exports the service graph as DOT or Mermaid.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cleave.cli import options, output
from cleave.cli.project import graph_or_analysis, source_of
from cleave.errors import CleaveError, UsageError
from cleave.formats.atomic import write_text_atomic
from cleave.formats.graph import CodeGraph
from cleave.formats.plan import Boundary, Plan, load_plan


class CheckFailed(CleaveError):
    """The code crosses the plan where the plan does not say so."""


class CheckUsageError(UsageError):
    """Options of ``check`` that cannot go together."""


def _graph(graph: Path | None, plan: Plan, python: Path | None, flow: bool | None) -> CodeGraph:
    if graph is not None and python is not None:
        raise CheckUsageError("--python chooses the environment of an analysis; with --graph nothing is analyzed",
                              hint="drop one of them")
    return graph_or_analysis(graph, lambda: source_of(None, plan), Path(".cleave/cache"), python=python, flow=flow)


def _line(boundary: Boundary) -> str:
    where = boundary.where or "(no location)"
    return f"{where}: {boundary.source} -> {boundary.target} [{boundary.how}]: {boundary.why or ''}".rstrip(": ")


def register(app: typer.Typer) -> None:
    """Add ``check`` to the app."""

    @app.command("check", **options.command_settings(
        "cleave check                                  # analyze the plan's source:, compare with cleave.yaml",
        "cleave check -g .cleave/graph.json --mermaid services.mmd",
        "cleave check --dot - | dot -Tsvg > services.svg"))
    def check(  # noqa: PLR0917 (typer options)
        plan_path: Path = options.plan_option(help_text="The committed plan to hold the code to."),
        graph: Path | None = options.graph_option(None, "Use this graph.json (default: analyze the plan's source:)."),
        dot: Path | None = typer.Option(None, "--dot", metavar="FILE", help="Write the service graph as DOT (- for "
                                        "stdout)."),
        mermaid: Path | None = typer.Option(None, "--mermaid", metavar="FILE", help="Write the service graph as "
                                            "Mermaid (- for stdout)."),
        out: Path | None = options.output_option(None, "Also write the findings as JSON to this file."),
        as_json: bool = options.json_option(),
        project: Path | None = options.project_option(),
        python: Path | None = options.python_option(),
        flow: bool | None = options.flow_option(),
    ) -> None:
        """Hold today's code to the committed plan: exit 1 on a crossing the plan does not record or a blocker
        nobody accepted (one line each, file:line first); exit 0 otherwise."""
        import splitter

        options.enter_project(project)
        plan = load_plan(plan_path)
        result = splitter.check(_graph(graph, plan, python, flow), plan)
        for target, render in ((dot, splitter.service_graph_dot), (mermaid, splitter.service_graph_mermaid)):
            if target is not None:
                text = render(plan, result.edges)
                if str(target) == "-":
                    output.stdout.out(text, end="")
                else:
                    write_text_atomic(target, text)
        document = {
            "ok": not result.failed,
            "new": [b.to_dict() for b in result.new],
            "open_blockers": [b.to_dict() for b in result.open_blockers],
            "unplaced": list(result.unplaced),
            "route_errors": list(result.route_errors),
            "fallback_routes": list(result.fallback_routes),
            "services": [{"from": e.source, "to": e.target, "count": e.count, "blockers": e.blockers}
                         for e in result.edges],
        }
        if out is not None:
            import json

            write_text_atomic(out, json.dumps(document, indent=2, sort_keys=True) + "\n")
        if as_json:
            output.print_json(document)
        elif "-" not in {str(dot), str(mermaid)}:
            _say(result)
        if result.failed:
            raise CheckFailed(f"{len(result.new)} new crossing(s), {len(result.open_blockers)} open blocker(s), "
                              f"{len(result.route_errors)} stale route claim(s) against the plan", path=plan.origin,
                              hint="move the code back, or run `cleave split` and commit the new plan")


def _say(result: object) -> None:
    from splitter import CheckResult

    assert isinstance(result, CheckResult)
    for boundary in result.new:
        output.say(f"new: {_line(boundary)}")
    for boundary in result.open_blockers:
        output.say(f"blocker: {_line(boundary)}")
    for error in result.route_errors:
        output.say(f"route: {error}")
    if result.fallback_routes:
        output.say(f"{len(result.fallback_routes)} route(s) no service claims, answered by the fallback service: "
                   f"{', '.join(result.fallback_routes[:10])}")
    if result.unplaced:
        output.warn(f"{len(result.unplaced)} module(s) in no service of the plan: {', '.join(result.unplaced[:10])}")
    if not result.failed:
        output.say(f"ok: {len(result.boundaries)} boundaries, all recorded in the plan")
