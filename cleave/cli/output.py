"""How commands talk to people and scripts: progress and errors on stderr, results on stdout, exit codes."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any, Final

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cleave.errors import CleaveError

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2

stderr: Final = Console(stderr=True, highlight=False)
stdout: Final = Console(highlight=False, width=None if sys.stdout.isatty() else 240)
"""Results; piped (``cleave ps | less``), tables keep their natural width instead of being cut at 80 columns."""

ProgressCallback = Callable[[int, int], None]
"""``callback(done, total)``: what stages call as they work."""


def print_json(value: Any) -> None:
    """A machine-readable result on stdout: one JSON document."""
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def error(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)


def warn(message: str) -> None:
    stderr.print(f"[yellow]warning:[/] {escape(message)}", markup=True, soft_wrap=True)


@contextlib.contextmanager
def progress(description: str, *, enabled: bool = True) -> Iterator[ProgressCallback]:
    """A progress bar on stderr (only on a terminal); yields the ``callback(done, total)`` to feed it."""
    if not enabled or not stderr.is_terminal:
        yield lambda done, total: None
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=stderr, transient=True)
    task = bar.add_task(description, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


class UsageError(CleaveError):
    """A command-line value that is not what the option takes."""


def parse_counts(assignments: list[str], example: str) -> dict[str, int]:
    """``["orders=3", "catalog=1"]`` -> ``{"orders": 3, "catalog": 1}``; a malformed item is a :class:`UsageError`."""
    wanted: dict[str, int] = {}
    for item in assignments:
        name, _, count = item.partition("=")
        if not name or not count.isdigit():
            raise UsageError(f"{item!r}: expected SERVICE=N with N a whole number", hint=f"example: {example}")
        wanted[name] = int(count)
    return wanted
