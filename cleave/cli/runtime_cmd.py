"""``cleave up``, ``ps``, ``scale``, ``down``, ``restart``, ``stop``, ``start``: run a build's services and manage them
while they run. Everything goes through the runtime's public API (``runtime/__init__.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

import runtime
from cleave.cli import options, output
from cleave.cli.runtime_format import age, memory, ps_rows, service_rows

_PROJECT = typer.Option(None, "--project", "-C", metavar="DIR",
                        help="The folder holding .cleave/ (default: here or above).")
_JSON = typer.Option(False, "--json", help="Print one JSON document.")


def usage_error(message: str, hint: str | None = None) -> typer.Exit:
    """Print a usage error (one line) and return the exit to raise: code 2."""
    output.error(message + (f" ({hint})" if hint else ""))
    return typer.Exit(output.EXIT_USAGE)


def parse_assignments(assignments: list[str], example: str) -> dict[str, int]:
    """``SERVICE=N`` items; a malformed one, a name given twice or a count above this machine's bound: exit 2."""
    names = [item.partition("=")[0] for item in assignments]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise usage_error(f"{', '.join(twice)} given more than once", f"example: {example}")
    try:
        wanted = output.parse_counts(assignments, example)
    except output.UsageError as error:
        raise usage_error(str(error)) from None
    bound = runtime.replica_bound()
    for name, count in wanted.items():
        if count > bound:
            raise usage_error(f"{name}={count}: more replicas than this machine can run (at most {bound})",
                              "16 per CPU, 32 MiB of available memory each")
    return wanted


def _warn_missing(status: dict[str, Any]) -> None:
    for missing in status.get("isolation", {}).get("missing", []):
        output.warn(f"isolation missing: {missing}")


def _progress(service: str, stage: str) -> None:
    output.stderr.print(f" [green]✔[/] {service:<24} {stage}", markup=True, soft_wrap=True)


def bring_up(build: Path, *, foreground: bool = False, as_json: bool = False,
             announce: bool = True) -> runtime.UpResult | None:
    """Start (or apply) BUILD and print the gateway URL on stdout (or one JSON document; nothing with
    ``announce=False``, for callers that print their own); returns the result (None in the foreground, which
    returns only after the engine stopped). Ctrl-C while waiting cancels the start."""
    if foreground:
        runtime.run_foreground(build, lambda result: _announce(result, as_json))
        return None
    try:
        result = runtime.up(build, on_progress=None if as_json else _progress)
    except runtime.UpFailed as failure:
        output.error(failure.message)
        if failure.log_tail:
            output.stderr.print(f"last lines of {failure.replica}:", soft_wrap=True)
            for line in failure.log_tail:
                output.stderr.print(f"  {failure.replica} | {line}", markup=False, soft_wrap=True)
        output.stderr.print(failure.hint or "", markup=False, soft_wrap=True)
        raise typer.Exit(output.EXIT_ERROR) from None
    except runtime.UpCancelled as cancelled:
        output.stderr.print(str(cancelled), markup=False, soft_wrap=True)
        raise typer.Exit(130) from None
    if announce:
        _announce(result, as_json)
    return result


def _announce(result: runtime.UpResult, as_json: bool) -> None:
    if as_json:
        output.print_json(result.as_json())
        return
    for missing in result.missing:
        output.warn(f"isolation missing: {missing}")
    for line in result.change_lines():
        output.stderr.print(line, soft_wrap=True)  # one line per service, whatever the terminal's width
    if result.adopted:
        output.stderr.print(f"re-adopted {result.adopted} running replica(s)")
    output.stdout.print(result.gateway_url or "ready (no gateway service)", markup=False, highlight=False)


def _names(services: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(services))


def register(app: typer.Typer) -> None:
    @app.command("up", **options.command_settings("cleave up", "cleave up -C ~/shop --json",
                                                   "cleave up --foreground     # attached; Ctrl-C stops everything"))
    def up(
        build: Path = typer.Argument(Path(".cleave/build"), metavar="BUILD",
                                     help="The build folder (holds topology.json and oci/); relative to -C."),
        foreground: bool = typer.Option(False, "--foreground", "-F",
                                        help="Stay attached and stop everything on Ctrl-C (default: the engine runs "
                                             "in the background, as `docker compose up -d`)."),
        _detach: bool = typer.Option(False, "--detach", "-d", hidden=True,
                                     help="Accepted for compose habits; detached is already the default."),
        as_json: bool = _JSON,
        project: Path | None = _PROJECT,
    ) -> None:
        """Run every service of BUILD at its planned replicas and print the gateway's URL.

        Shows each service as it is Created, Started and Healthy; stops within seconds, with the last lines of its
        log, when a replica keeps crashing. Ctrl-C while it starts stops what it started.
        When the engine already runs this project, apply BUILD to it: only changed services restart (rolling, no
        request lost), replicas-only changes scale, new services start, removed ones stop.
        Example: cleave up .cleave/build
        """
        if project is not None and not build.is_absolute():
            build = project / build  # as if started in DIR
        bring_up(build, foreground=foreground, as_json=as_json)

    @app.command("ps", **options.command_settings("cleave ps", "cleave ps --json"))
    def ps(as_json: bool = _JSON, project: Path = _PROJECT) -> None:
        """Services (READY x/y, desired against the plan) and replicas (like `kubectl get pods`).

        Example: cleave ps --json | jq '.replicas[] | select(.state != "running")'
        """
        answer = runtime.ps(runtime.project(project))
        if as_json:
            output.print_json(answer)
            return
        _warn_missing(answer)
        output.stdout.print(_table(service_rows(answer)))
        output.stdout.print("")
        output.stdout.print(_table(ps_rows(answer)))
        output.stdout.print(f"phase: {answer['phase']}  gateway: {answer['gateway_url'] or '-'}", markup=False)

    @app.command("scale", **options.command_settings("cleave scale orders=3 catalog=1 --wait"))
    def scale(
        assignments: list[str] = typer.Argument(..., metavar="SERVICE=N", help="One or more."),
        wait: bool = typer.Option(False, "--wait", help="Return once every new replica listens."),
        as_json: bool = _JSON,
        project: Path = _PROJECT,
    ) -> None:
        """Change the replicas of running services without touching the others. Example: cleave scale orders=3"""
        wanted = parse_assignments(assignments, "cleave scale orders=3 catalog=1")
        answer = runtime.scale(runtime.project(project), wanted, wait=wait)
        if as_json:
            output.print_json(answer)
            return
        output.stderr.print(", ".join(f"{n}={c}" for n, c in wanted.items()))

    _register_changes(app)

    from cleave.cli import runtime_ops_cmd

    runtime_ops_cmd.register(app)


def _register_changes(app: typer.Typer) -> None:
    """``restart``, ``stop``, ``start``, ``down``."""

    @app.command("restart", **options.command_settings("cleave restart orders"))
    def restart(services: list[str] = typer.Argument(..., metavar="SERVICE", help="The services to restart."),
                as_json: bool = _JSON, project: Path = _PROJECT) -> None:
        """Replace every replica of SERVICES, rolling: new replicas listen, then the old ones drain.

        Example: cleave restart orders
        """
        answer = runtime.restart(runtime.project(project), _names(services))
        if as_json:
            output.print_json(answer)
            return
        output.stderr.print(f"restarted: {', '.join(answer.get('restarted', []))}")

    @app.command("stop", **options.command_settings("cleave stop orders"))
    def stop(services: list[str] = typer.Argument(..., metavar="SERVICE", help="The services to stop."),
             as_json: bool = _JSON, project: Path = _PROJECT) -> None:
        """Scale SERVICES to zero (callers get 503 meanwhile); `cleave start` brings them back. Example: cleave stop
        orders"""
        answer = runtime.stop_services(runtime.project(project), _names(services))
        if as_json:
            output.print_json(answer)
            return
        output.stderr.print(f"stopped: {', '.join(services)}")

    @app.command("start", **options.command_settings("cleave start orders"))
    def start(services: list[str] = typer.Argument(..., metavar="SERVICE", help="The services to start."),
              as_json: bool = _JSON, project: Path = _PROJECT) -> None:
        """Bring stopped SERVICES back to their planned replicas. Example: cleave start orders"""
        answer = runtime.start_services(runtime.project(project), _names(services))
        if as_json:
            output.print_json(answer)
            return
        output.stderr.print(f"started: {', '.join(services)}")

    @app.command("down", **options.command_settings("cleave down", "cleave down --volumes"))
    def down(
        volumes: bool = typer.Option(False, "--volumes", help="Remove the services' volumes too."),
        as_json: bool = _JSON,
        project: Path = _PROJECT,
    ) -> None:
        """Stop every replica; remove cgroups, sockets and state (mounts and namespaces go with the replicas).

        Running it again, or with nothing running, succeeds. Example: cleave down --volumes
        """
        result = runtime.down(runtime.project(project), volumes=volumes)
        if as_json:
            output.print_json({"engine_was_running": result.engine_was_running,
                               "stopped_without_engine": result.stopped_without_engine, "warning": result.warning})
            return
        if result.warning:
            output.warn(result.warning)
        if result.engine_was_running:
            output.stderr.print("stopped")
        elif result.stopped_without_engine:
            output.stderr.print(f"no engine was running; stopped {result.stopped_without_engine} replica(s) it left")
        else:
            output.stderr.print("nothing was running")


def _table(rows: list[list[str]]) -> Table:
    table = Table(box=None, pad_edge=False)
    for title in rows[0]:
        table.add_column(title, no_wrap=True)
    for row in rows[1:]:
        table.add_row(*row)
    return table


__all__ = ["age", "bring_up", "memory", "parse_assignments", "register", "usage_error"]
