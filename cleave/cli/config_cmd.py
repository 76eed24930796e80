"""``cleave config``: the effective plan, as cleave reads it (like ``docker compose config``)."""

from __future__ import annotations

from pathlib import Path

import typer

from cleave.cli import options, output
from cleave.formats.plan import dump_plan, load_plan, plan_to_dict


def register(app: typer.Typer) -> None:
    """Add ``config`` to the app."""

    @app.command("config", **options.command_settings(
        "cleave config", "cleave config --services", "cleave config --json | jq '.services.orders.replicas'",
        "cleave config -p other.yaml -o effective.yaml"))
    def config(
        plan: Path = options.plan_option(),
        services: bool = typer.Option(False, "--services", help="Only the service names, one per line."),
        out: Path | None = options.output_option(None, "Write it to FILE instead of stdout."),
        as_json: bool = options.json_option(),
        project: Path | None = options.project_option(),
    ) -> None:
        """Check the plan and print it as cleave reads it: every field in its normal form, defaults filled in,
        comments and key order of your file left out. A plan that does not parse is one line with its file:line.

        Example: cleave config --services
        """
        options.enter_project(project)
        the_plan = load_plan(plan)
        names = [service.name for service in the_plan.services]
        if as_json:
            output.print_json(names if services else plan_to_dict(the_plan))
            return
        text = "".join(f"{name}\n" for name in names) if services else dump_plan(the_plan)
        if out is None:
            output.stdout.file.write(text)
            return
        from cleave.formats.atomic import write_text_atomic

        write_text_atomic(out, text)
        output.say(f"wrote {out}")
