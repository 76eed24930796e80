"""``cleave migrate SRC``: analyze, split, build and up with sensible defaults: the one-command migration."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer

from cleave.cli import lifetime, options, output
from cleave.errors import CleaveError, UsageError
from cleave.formats.plan import Plan, load_plan, save_plan
from cleave.settings import Settings


class MigrateError(CleaveError):
    """A bad ``--replicas`` assignment or a stage that cannot go on."""


def with_replicas(plan: Plan, wanted: dict[str, int]) -> Plan:
    """The plan with the replicas of the named services changed; unknown names are an error listing the known."""
    names = [s.name for s in plan.services]
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        raise MigrateError(f"--replicas names no such service: {', '.join(unknown)}",
                           path=plan.origin, hint=f"the plan's services are {', '.join(names)}")
    services = tuple(dataclasses.replace(s, replicas=wanted.get(s.name, s.replicas)) for s in plan.services)
    return dataclasses.replace(plan, services=services)


def _stage(title: str) -> None:
    output.stderr.print(f"[bold]==>[/] {title}", markup=True)


def register(app: typer.Typer) -> None:
    @app.command("migrate", **options.command_settings(
        "cleave migrate samples/shop",
        "cleave migrate samples/shop --replicas catalog=3 --replicas orders=3",
        "cleave migrate . --no-up --json"))
    def migrate(  # noqa: PLR0917 (typer: one parameter per option)
        src: Path = typer.Argument(..., metavar="SRC",
                                   help="The monolith's root folder (the one holding its top-level package)."),
        services: int | None = typer.Option(None, "--services", "-n", min=1, metavar="N",
                                            help="Exactly this many services."),
        replicas: list[str] = typer.Option([], "--replicas", "-r", metavar="SERVICE=N",
                                           help="Replicas of a service (repeatable)."),
        entry: str | None = typer.Option(None, "--entry", metavar="MODULE:ATTR",
                                         help="The WSGI/ASGI app (default: found)."),
        plan_path: Path = options.plan_option(help_text="The plan: reused (pins, names, edits kept) when it exists."),
        out: Path = options.output_option(Path(".cleave/build"), "The build folder.", metavar="DIR"),
        up: bool = typer.Option(True, "--up/--no-up", help="Run the services once built."),
        as_json: bool = options.json_option(),
        project: Path | None = options.project_option(),
        python: Path | None = options.python_option(),
        flow: bool | None = options.flow_option(),
        seam: str | None = typer.Option(None, "--seam", metavar="edge|interior",
                                        help="Split at the URL routes (default for web apps) or at function calls."),
        database: str | None = typer.Option(None, "--database", metavar="sqlite|postgresql",
                                            help="The shared database cleave provisions (default: sqlite)."),
    ) -> None:
        """Analyze SRC, propose services, build them and run them: the whole migration in one command."""
        from analyzer import analyze
        from cleave.cli.build_cmd import run_build
        from cleave.cli.project import state_dir
        from cleave.cli.runtime_cmd import bring_up
        from cleave.formats.graph import save_graph
        from splitter import split

        options.enter_project(project)
        for value, allowed, flag in ((seam, ("edge", "interior"), "--seam"),
                                     (database, ("sqlite", "postgresql"), "--database")):
            if value is not None and value not in allowed:
                raise UsageError(f"{flag} {value!r} is not one of {', '.join(allowed)}")
        wanted = output.parse_counts(replicas, "cleave migrate SRC --replicas catalog=3")
        state = state_dir(out)

        _stage(f"analyze {src}")
        with output.progress("analyzing", "files", enabled=not as_json) as report, lifetime.building():
            code_graph = analyze(src, cache_dir=state / "cache", progress=report, python=python, flow=flow)
        save_graph(code_graph, state / "graph.json")
        for diagnostic in code_graph.diagnostics:
            output.warn(diagnostic.render())
        counts = {label: len(code_graph.nodes_of_kind(kind)) for kind, label in
                  (("module", "modules"), ("class", "classes"), ("function", "functions"), ("table", "tables"))}
        output.stderr.print("    " + ", ".join(f"{n} {label}" for label, n in counts.items()))

        _stage(f"split -> {plan_path}")
        previous = load_plan(plan_path) if plan_path.exists() else None
        plan = split(code_graph, services=services, entry=entry, previous=previous,
                     seed=previous.seed if previous else 42, seam=seam)
        plan = with_replicas(plan, wanted)
        if database is not None and plan.database is not None:
            plan = dataclasses.replace(plan, database=dataclasses.replace(plan.database, engine=database))
        save_plan(plan, plan_path)
        plan = load_plan(plan_path)  # as `cleave build` would read it: errors name cleave.yaml and its lines
        blockers = plan.blockers(unaccepted_only=True)
        output.stderr.print(f"    {len(plan.services)} services, {len(plan.shared)} shared patterns, "
                            f"{len(plan.boundaries)} boundaries ({len(blockers)} blockers)")

        _stage(f"build -> {out}")
        outcome = run_build(src, plan, out, graph=code_graph, images=True, settings=Settings.from_env(),
                            show_progress=not as_json, python=python)
        output.stderr.print(f"    {len(outcome.result.services)} service trees and images, gateway "
                            f"{outcome.result.gateway or '-'}")

        summary: dict[str, Any] = {
            "plan": str(plan_path), "build": str(out), "gateway": outcome.result.gateway,
            "services": {s.name: {"replicas": s.replicas, "modules": list(s.modules)} for s in plan.services},
            "images": dict(outcome.digests),
        }
        if not up:
            if as_json:
                output.print_json(summary)
            return
        _stage("up")
        started = bring_up(out, announce=False)
        gateway_url = started.gateway_url if started is not None else None
        if as_json:
            output.print_json({**summary, "gateway_url": gateway_url})
            return
        output.stdout.print(gateway_url or "ready (no gateway service)", markup=False, highlight=False)
        output.stderr.print("")
        for service in plan.services:
            role = " (gateway)" if service.name == outcome.result.gateway else ""
            output.stderr.print(f"    {service.name}{role}: {service.replicas} replica(s)")
        output.stderr.print("\nwatch:  cleave ps        logs: cleave logs SERVICE -f\n"
                            "scale:  cleave scale SERVICE=N   stop: cleave down")
