"""One option vocabulary for every command: the same flag means the same thing everywhere.

``-o/--output`` what the command writes, ``-g/--graph`` the analyzer's graph.json, ``-p/--plan`` the plan,
``-C/--project`` the folder to run in (like ``git -C``), ``--json`` one JSON document on stdout. Metavars name
what is expected (FILE, DIR, N), never a Python type.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Final

import typer
from typer.core import TyperCommand

from cleave.errors import UsageError

EXIT_CODES: Final = ("Exit codes: 0 done; 1 failed (the message says what, where and what to do); "
                     "2 usage error (a bad option or value); 130 interrupted.")
"""The epilog of every command's ``--help``."""


def epilog(*examples: str) -> str:
    """``--help``'s closing part: examples, one per line, then the exit codes."""
    lines = "\n".join(f"  {example}" for example in examples)
    return f"\b\nExamples:\n{lines}\n\n{EXIT_CODES}"


class Command(TyperCommand):
    """A command whose ``--help`` names arguments by their metavar (``SRC``, ``SERVICE...``) without typer's label
    of the Python type (``<path>``, ``<list[str]>``) that typer adds to arguments whatever their metavar."""

    def format_options(self, ctx: Any, formatter: Any) -> None:  # typer vendors click: its Context, HelpFormatter
        sections: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None and param.param_type_name in sections:
                name, text = record
                if param.param_type_name == "argument":
                    name = _TYPE_LABEL.sub("", name)
                sections[param.param_type_name].append((name, text))
        for title, key in (("Arguments", "argument"), ("Options", "option")):
            if sections[key]:
                with formatter.section(title):
                    formatter.write_dl(sections[key])


_TYPE_LABEL: Final = re.compile(r" <[^<>]*>$")


def command_settings(*examples: str) -> dict[str, Any]:
    """Keyword arguments for ``app.command``: the epilog with examples and exit codes, and :class:`Command`."""
    return {"epilog": epilog(*examples), "no_args_is_help": False, "cls": Command}


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


def python_option() -> Any:
    """``--python INTERPRETER``: the monolith's own environment, for the analysis and the images."""
    return typer.Option(None, "--python", metavar="INTERPRETER",
                        help="The app's interpreter: its installed distributions name the third-party imports and "
                        "fill the images (default: SRC/.venv or SRC/venv, else cleave's).")


def flow_option() -> Any:
    """``--flow/--no-flow``: follow values across the whole program (None: neither flag given, the default: on)."""
    return typer.Option(None, "--flow/--no-flow",
                        help="Follow values across the whole program for the calls names alone miss (callbacks, "
                        "returned functions, methods through subclasses). Default: on; on Django it adds about "
                        "20 % to a cold analysis. --no-flow: names only.")


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


_DURATION: Final = re.compile(r"(?:(\d+(?:\.\d+)?)(ms|s|m|h|d))")
_UNIT_SECONDS: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_since(value: str | None, now: float, option: str = "--since") -> float | None:
    """``--since``: a duration back from ``now`` (``90s``, ``10m``, ``1h30m``, ``2d``, as ``docker compose logs``
    takes it), an RFC 3339 / ISO 8601 time (``2026-12-03T08:00:00Z``; without a zone: local time) or Unix seconds;
    the epoch seconds it means. A value that is none of these is a usage error naming the option."""
    if value is None:
        return None
    text = value.strip()
    if text and _DURATION.sub("", text) == "":
        return now - sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION.findall(text))
    try:
        return float(text)
    except ValueError:
        pass
    from datetime import datetime

    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise UsageError(f"{option} {value!r}: expected a duration like 10m or 1h30m, or an RFC 3339 time like "
                         "2026-12-03T08:00:00Z", hint="as `docker compose logs --since` takes it") from None
