"""One option vocabulary for every command: the same flag means the same thing everywhere.

``-o/--output`` what the command writes, ``-g/--graph`` the analyzer's graph.json, ``-p/--plan`` the plan,
``-C/--project`` the folder to run in (like ``git -C``), ``--json`` one JSON document on stdout. Metavars name
what is expected (FILE, DIR, N), never a Python type.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

import typer

from cleave.errors import UsageError

EXIT_CODES: Final = ("Exit codes: 0 done; 1 failed (the message says what, where and what to do); "
                     "2 usage error (a bad option or value); 130 interrupted.")
"""The epilog of every command's ``--help``."""


def epilog(*examples: str) -> str:
    """``--help``'s closing part: examples, one per line, then the exit codes."""
    lines = "\n".join(f"  {example}" for example in examples)
    return f"\b\nExamples:\n{lines}\n\n{EXIT_CODES}"


def command_settings(*examples: str) -> dict[str, Any]:
    """Keyword arguments for ``app.command``: the epilog with examples and exit codes."""
    return {"epilog": epilog(*examples), "no_args_is_help": False}


def graph_option(default: Path | None = Path(".cleave/graph.json"), help_text: str = "The analyzer's graph.json."
                 ) -> Any:
    """``-g/--graph FILE``."""
    return typer.Option(default, "--graph", "-g", metavar="FILE", help=help_text)


def plan_option(default: Path = Path("cleave.yaml"), help_text: str = "The plan (cleave.yaml).") -> Any:
    """``-p/--plan FILE``."""
    return typer.Option(default, "--plan", "-p", metavar="FILE", help=help_text)


def output_option(default: Path | None, help_text: str, metavar: str = "FILE") -> Any:
    """``-o/--output FILE|DIR``."""
    return typer.Option(default, "--output", "-o", metavar=metavar, help=help_text)


def json_option() -> Any:
    """``--json``: the result as one JSON document on stdout (nothing else on stdout)."""
    return typer.Option(False, "--json", help="Print the result as one JSON document on stdout.")


def project_option() -> Any:
    """``-C/--project DIR``: run as if started in DIR (relative paths and defaults resolve there)."""
    return typer.Option(None, "--project", "-C", metavar="DIR",
                        help="Run as if started in DIR (relative paths and defaults resolve there).")


def enter_project(project: Path | None) -> None:
    """``-C DIR``: change into DIR, or a usage error naming it."""
    if project is None:
        return
    try:
        os.chdir(project)
    except OSError as error:
        raise UsageError(f"-C {project}: {error.strerror or error}", hint="pass an existing folder") from None
