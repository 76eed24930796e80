"""The ``cleave`` application: assembles the command modules and turns errors into exit codes."""

from __future__ import annotations

import sys

import typer

from cleave import __version__
from cleave.cli import output
from cleave.errors import CleaveError

app = typer.Typer(
    name="cleave",
    help="Take a Python monolith apart along its seams and run the pieces as microservices.\n\n"
    "analyze -> split -> build -> up; or all four at once with `cleave migrate SRC`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cleave {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """cleave: from a Python monolith to running microservices."""


def _register() -> None:
    from cleave.cli import commands

    commands.register(app)


def main() -> None:
    """Console entry point: a :class:`CleaveError` becomes one line on stderr and exit 1; usage errors exit 2."""
    _register()
    try:
        app()  # standalone mode: prints usage errors itself and exits 2
    except CleaveError as problem:
        output.error(str(problem))
        sys.exit(output.EXIT_ERROR)
    except KeyboardInterrupt:
        output.error("interrupted")
        sys.exit(130)
