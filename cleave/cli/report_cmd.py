"""``cleave report``: the plan as one offline HTML page (service graph, blockers first, boundaries, metrics, data)."""

from __future__ import annotations

from pathlib import Path

import typer

from cleave.cli import options, output
from cleave.formats.atomic import write_text_atomic
from cleave.formats.graph import load_graph
from cleave.formats.plan import load_plan


def register(app: typer.Typer) -> None:
    """Add ``report`` to the app."""

    @app.command("report", **options.command_settings(
        "cleave report && xdg-open .cleave/report.html",
        "cleave report -g .cleave/graph.json -p cleave.yaml -o report.html",
        "cleave report --json | jq .blockers     # the same facts, for a script"))
    def report(
        graph: Path = options.graph_option(),
        plan: Path = options.plan_option(help_text="The plan to show (without one: the graph and its tables)."),
        out: Path = options.output_option(Path(".cleave/report.html"), "The HTML file to write."),
        as_json: bool = options.json_option(),
        project: Path | None = options.project_option(),
    ) -> None:
        """Write one self-contained HTML page: the service graph, blockers, the boundary table, metrics explained,
        data ownership. Before a plan exists it shows the module graph and the tables."""
        from splitter import render_report, report_facts

        options.enter_project(project)
        code_graph = load_graph(graph)
        the_plan = load_plan(plan) if plan.exists() else None
        write_text_atomic(out, render_report(code_graph, the_plan))
        facts = report_facts(code_graph, the_plan)
        if as_json:
            output.print_json({**facts, "output": str(out)})
            return
        services = facts["services"]
        output.say(f"{len(services)} services, {len(facts['boundaries'])} boundaries "
                   f"({facts['open_blockers']} open blockers)" if the_plan is not None
                   else f"no plan at {plan}: the report shows the module graph only")
        output.say(f"wrote {out}")
