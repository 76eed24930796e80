"""How commands talk to people and scripts: progress and errors on stderr, results on stdout, exit codes.

Results and summaries go to stdout (one JSON document with ``--json``); progress, warnings and errors to stderr.
Neither console hard-wraps: piped output keeps each line whole (``cleave split | grep``), tables keep their width.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any, Final

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from cleave.errors import UsageError

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130

stderr: Final = Console(stderr=True, highlight=False, soft_wrap=True)
stdout: Final = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 240)
"""Results; piped (``cleave ps | less``), tables keep their natural width instead of being cut at 80 columns."""

ProgressCallback = Callable[[int, int], None]
"""``callback(done, total)``: what stages call as they work."""


def print_json(value: Any) -> None:
    """A machine-readable result on stdout: one JSON document."""
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def say(text: str) -> None:
    """One line of a command's summary on stdout, printed as is (no markup, no wrapping)."""
    stdout.print(text, markup=False, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """``error: message`` on stderr."""
    stderr.print(f"[bold red]error:[/] {escape(message)}", markup=True, soft_wrap=True)


def warn(message: str) -> None:
    """``warning: message`` on stderr."""
    stderr.print(f"[yellow]warning:[/] {escape(message)}", markup=True, soft_wrap=True)


class _Count(ProgressColumn):
    """``12/40 files``; ``starting`` until the stage knows its total (never ``0/?``)."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("starting")
        unit = task.fields.get("unit", "")
        return Text(f"{int(task.completed)}/{int(task.total)} {unit}".rstrip())


def _bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), _Count(), TimeElapsedColumn(),
                    console=stderr, transient=True)


@contextlib.contextmanager
def progress(description: str, unit: str = "", *, enabled: bool = True) -> Iterator[ProgressCallback]:
    """A progress bar on stderr (only on a terminal) counting ``unit``; yields the ``callback(done, total)``."""
    if not enabled or not stderr.is_terminal:
        yield lambda done, total: None
        return
    bar = _bar()
    task = bar.add_task(description, total=None, unit=unit)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


@contextlib.contextmanager
def step_progress(*, enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """One bar per step: yields ``callback(step, done, total)`` where ``step`` reads ``"images: layers"``
    (the step, then what it counts)."""
    if not enabled or not stderr.is_terminal:
        yield lambda step, done, total: None
        return
    bar = _bar()
    tasks: dict[str, Any] = {}

    def report(step: str, done: int, total: int) -> None:
        name, _, unit = step.partition(": ")
        if step not in tasks:
            tasks[step] = bar.add_task(name, total=None, unit=unit)
        bar.update(tasks[step], completed=done, total=total)

    with bar:
        yield report


def parse_counts(assignments: list[str], example: str) -> dict[str, int]:
    """``["orders=3", "catalog=1"]`` -> ``{"orders": 3, "catalog": 1}``; a malformed or repeated item is a
    :class:`UsageError` (exit 2)."""
    wanted: dict[str, int] = {}
    for item in assignments:
        name, _, count = item.partition("=")
        if not name or not count.isdigit():
            raise UsageError(f"{item!r}: expected SERVICE=N with N a whole number", hint=f"example: {example}")
        if name in wanted:
            raise UsageError(f"{name} is given twice ({name}={wanted[name]} and {item})",
                             hint="give each service once")
        wanted[name] = int(count)
    return wanted


__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "ProgressCallback",
    "UsageError",
    "error",
    "parse_counts",
    "print_json",
    "progress",
    "say",
    "stderr",
    "stdout",
    "step_progress",
    "warn",
]
