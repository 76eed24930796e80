"""``cleave split``: graph.json -> cleave.yaml (keeps what the user pinned in an existing plan)."""

from __future__ import annotations

from pathlib import Path

import typer

from cleave.cli import options, output
from cleave.formats.graph import load_graph
from cleave.formats.plan import Plan, load_plan, plan_to_dict, save_plan


def _summary(plan: Plan) -> None:
    metrics = plan.metrics
    out = output.stdout
    for service in plan.services:
        pin = " (pinned)" if service.pinned else ""
        out.print(f"  {service.name}{pin}: {', '.join(service.modules)}", highlight=False, soft_wrap=True)
    if plan.shared:
        out.print(f"  shared: {', '.join(plan.shared)}", soft_wrap=True)
    if plan.infrastructure:
        out.print(f"  infrastructure (each service that uses it runs its own copy): {', '.join(plan.infrastructure)}",
                  soft_wrap=True)
    blockers = plan.blockers(unaccepted_only=True)
    out.print(f"{len(plan.services)} services, {len(plan.boundaries)} boundaries ({len(blockers)} blockers); "
              f"modularity {metrics.get('modularity')}, SM {metrics.get('sm')}, ICP {metrics.get('icp')}, "
              f"IFN {metrics.get('ifn')}, NED {metrics.get('ned')}")
    for blocker in blockers[:10]:
        out.print(f"  blocker: {blocker.where or blocker.source}: {blocker.why}", soft_wrap=True)
    if len(blockers) > 10:
        out.print(f"  ... and {len(blockers) - 10} more (see the plan or `cleave report`)")


def register(app: typer.Typer) -> None:
    """Add ``split`` to the app."""

    @app.command("split", **options.command_settings(
        "cleave split                          # .cleave/graph.json -> cleave.yaml",
        "cleave split --services 4 -o cleave.yaml",
        "cleave split --json | jq '.services | keys'"))
    def split(  # noqa: PLR0917 (typer options)
        graph: Path = options.graph_option(),
        out: Path = options.output_option(Path("cleave.yaml"), "The plan to write (or update)."),
        services: int | None = typer.Option(None, "--services", "-n", min=1, metavar="N",
                                            help="Exactly this many services."),
        entry: str | None = typer.Option(None, "--entry", metavar="MODULE:ATTR",
                                         help="The WSGI/ASGI app (default: found)."),
        seed: int | None = typer.Option(None, "--seed", metavar="N",
                                         help="Random seed (default: the plan's, else 42)."),
        as_json: bool = options.json_option(),
        project: Path | None = options.project_option(),
    ) -> None:
        """Propose services and write the plan; pinned services, names and rules of an existing plan survive."""
        from splitter import split as propose

        options.enter_project(project)
        code_graph = load_graph(graph)
        previous = load_plan(out) if out.exists() else None
        chosen_seed = seed if seed is not None else (previous.seed if previous else 42)
        plan = propose(code_graph, services=services, entry=entry, previous=previous, seed=chosen_seed)
        save_plan(plan, out)
        if as_json:
            output.print_json(plan_to_dict(plan))
        else:
            _summary(plan)
            output.say(f"wrote {out}")
