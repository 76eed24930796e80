"""``cleave report``: the plan as one offline HTML page (graph by service, blockers first, metrics)."""

from __future__ import annotations

from pathlib import Path

import typer

from cleave.cli import output
from cleave.formats.atomic import write_text_atomic
from cleave.formats.graph import load_graph
from cleave.formats.plan import load_plan


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        graph: Path = typer.Option(Path(".cleave/graph.json"), "--graph", "-g", help="The analyzer's graph."),
        plan: Path = typer.Option(Path("cleave.yaml"), "--plan", "-p", help="The plan to show."),
        out: Path = typer.Option(Path(".cleave/report.html"), "--output", "-o", help="The HTML file to write."),
    ) -> None:
        """Write one self-contained HTML page: services, boundaries (blockers first), metrics, the graph.

        Example: cleave report -o .cleave/report.html && xdg-open .cleave/report.html
        """
        from splitter.report import render

        page = render(load_graph(graph), load_plan(plan))
        write_text_atomic(out, page)
        output.stderr.print(f"wrote {out}")
