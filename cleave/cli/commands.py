"""Where every command module plugs into the app (the one place that knows them all)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add every command to ``app``."""
    from cleave.cli import analyze_cmd, build_cmd, report_cmd, split_cmd

    analyze_cmd.register(app)
    build_cmd.register(app)
    split_cmd.register(app)
    report_cmd.register(app)

    from cleave.cli import push_cmd

    push_cmd.register(app)

    from cleave.cli import runtime_cmd

    runtime_cmd.register(app)

    from cleave.cli import migrate_cmd

    migrate_cmd.register(app)  # last: it reuses the commands registered above

    from cleave.cli import check_cmd

    check_cmd.register(app)

    from cleave.cli import config_cmd

    config_cmd.register(app)

    from cleave.cli.options import EXIT_CODES

    for info in app.registered_commands:  # every --help ends with the exit codes
        if not info.epilog:
            info.epilog = EXIT_CODES
