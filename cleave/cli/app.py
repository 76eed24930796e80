"""The ``cleave`` application: assembles the command modules and turns errors into exit codes.

Exit codes: 0 done, 1 a :class:`CleaveError` (one line on stderr, never a traceback), 2 a usage error (click's own
or a :class:`UsageError`), 130 interrupted. A Ctrl-C is never swallowed: if one arrives where Python can only print
``Exception ignored`` (a finalizer, a worker's callback), the command still ends with 130 once control returns.
"""

from __future__ import annotations

import gc
import signal
import sys
from collections.abc import Sequence
from types import FrameType

import typer

from cleave import __version__
from cleave.cli import lifetime, output
from cleave.errors import CleaveError
from cleave.settings import Settings

app = typer.Typer(
    name="cleave",
    help="Take a Python monolith apart along its seams and run the pieces as microservices.\n\n"
    "analyze -> split -> build -> up; or all four at once with `cleave migrate SRC`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Shell completion: cleave --install-completion (bash, zsh, fish). " + "Exit codes: 0 done; 1 failed; "
           "2 usage error; 130 interrupted.",
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


_registered = False


def _register() -> None:
    global _registered  # noqa: PLW0603 (commands are added once, on first use: `import cleave.cli.app` stays cheap)
    if _registered:
        return
    from cleave.cli import commands

    commands.register(app)
    _registered = True


class _Interrupts:
    """Counts SIGINTs so that one swallowed by a finalizer still makes the command exit 130."""

    def __init__(self) -> None:
        self.seen = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.seen += 1
        raise KeyboardInterrupt


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``) and return its exit code (what tests call)."""
    interrupts = _Interrupts()
    previous = signal.signal(signal.SIGINT, interrupts) if _main_thread() else None
    try:
        Settings.from_env()  # a bad CLEAVE_* value is one line before anything runs
        _register()
        app(args=list(argv) if argv is not None else None, prog_name="cleave")  # standalone: usage errors exit 2
        code = output.EXIT_OK
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (output.EXIT_OK if done.code is None else 1)
        if code == output.EXIT_INTERRUPTED:  # typer turns a Ctrl-C into a silent exit 130
            output.error("interrupted")
    except CleaveError as problem:
        output.error(str(problem))
        code = problem.exit_code
    except KeyboardInterrupt:
        output.error("interrupted")
        code = output.EXIT_INTERRUPTED
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if interrupts.seen and code == output.EXIT_OK:
        output.error("interrupted")
        code = output.EXIT_INTERRUPTED
    return code


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def main() -> None:
    """Console entry point.

    The process exits right after the command: what the command built (a graph of a million objects on a Django-size
    tree) is moved out of the cyclic collector's sight first (``gc.freeze``), so the interpreter's last collection
    does not walk it only to free memory the exit hands back anyway (warm ``cleave analyze`` on Django 5.2: 0.9 ->
    0.7 s CPU). Only here, never in :func:`run` or the library: a caller's process keeps its collector as it was.
    """
    lifetime.console()
    code = run()
    gc.freeze()
    sys.exit(code)
