"""``cleave logs``, ``exec``, ``top`` (``stats``) and ``events``: look into running (or stopped) services."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

import runtime
from cleave.cli import options, output
from cleave.cli.runtime_format import memory

_PROJECT = typer.Option(None, "--project", "-C", metavar="DIR",
                        help="The folder holding .cleave/ (default: here or above).")
_JSON = typer.Option(False, "--json", help="Print JSON (one document; with --follow, one object per line).")


def _usage(message: str) -> typer.Exit:
    output.error(message)
    return typer.Exit(output.EXIT_USAGE)


def register(app: typer.Typer) -> None:
    @app.command("logs", **options.command_settings(
        "cleave logs", "cleave logs orders catalog --tail 20 -f", "cleave logs -t --since 10m",
        "cleave logs orders --previous", "cleave logs --since 2026-12-03T08:00:00Z --json | jq -r '.[].line'"))
    def logs(
        services: list[str] = typer.Argument(None, metavar="SERVICE", help="The services (default: all)."),
        *,
        follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines (Ctrl-C stops)."),
        tail: int | None = typer.Option(None, "--tail", "-n", min=0, metavar="N",
                                        help="Only the last N lines of each replica."),
        since: str | None = typer.Option(None, "--since", metavar="WHEN",
                                         help="Only lines written since then: a duration back from now (10m, 1h30m, "
                                              "2d) or an RFC 3339 time (2026-12-03T08:00:00Z)."),
        timestamps: bool = typer.Option(False, "--timestamps", "-t",
                                        help="Show when each line was written (UTC, RFC 3339; exact to 0.2 s)."),
        previous: bool = typer.Option(False, "--previous", "-p",
                                      help="What the previous process of each replica wrote (a crash's output)."),
        as_json: bool = _JSON,
        project: Path = _PROJECT,
    ) -> None:
        """Each replica's output, prefixed by the replica's name; every service by default, also after `cleave down`.

        Example: cleave logs orders catalog --tail 20 -f
        """
        # usage errors first: they are ones whether or not a project is found
        if follow and previous:
            raise _usage("--previous and --follow cannot go together (the previous process has exited)")
        after = options.parse_since(since, time.time())
        paths = runtime.project(project)
        names = tuple(dict.fromkeys(services or []))
        if follow:
            runtime.follow_logs(paths, names, _emitter(as_json, timestamps), tail=tail, since=after)
            return
        if as_json:
            output.print_json([line.as_json() for line in runtime.read_logs(
                paths, names, tail=tail, previous=previous, since=after)])
            return
        if runtime.print_logs(paths, names, sys.stdout, tail=tail, previous=previous, since=after,
                              timestamps=timestamps) == 0:
            output.stderr.print("no previous process wrote anything (a replica that never restarted has none)"
                                if previous else "nothing written since then" if since
                                else "no output yet: the replicas have written nothing")

    @app.command("exec", **options.command_settings(
        "cleave exec orders-0", "cleave exec orders-0 -- python3 -c 'import os; print(os.getuid())'"))
    def exec_(
        replica: str = typer.Argument(..., metavar="REPLICA",
                                      help="The replica, as `cleave ps` names it (e.g. orders-0)."),
        command: list[str] = typer.Argument(None, metavar="COMMAND",
                                            help="The command (default: sh). Put it after --."),
        project: Path = _PROJECT,
    ) -> None:
        """Run a command inside a replica: its namespaces, its root, its user. Example: cleave exec orders-0 --
        python3 -c 'import os; print(os.getpid())'"""
        answer = runtime.ps(runtime.project(project), usage=False)
        row = next((r for r in answer["replicas"] if r["replica"] == replica and r["pid"]), None)
        if row is None:
            known = ", ".join(r["replica"] for r in answer["replicas"] if r["pid"]) or "none"
            raise _usage(f"no running replica {replica!r} (running: {known})")
        if shutil.which("nsenter") is None:
            raise runtime.RuntimeEngineError("exec needs nsenter (util-linux)", hint="apt-get install util-linux")
        user = _user_of(row["pid"])
        argv = ["nsenter", "--target", str(row["pid"]), "--mount", "--uts", "--ipc", "--net", "--pid", "--root",
                "--wd", f"--setuid={user[0]}", f"--setgid={user[1]}", "--", *(command or ["sh"])]
        raise typer.Exit(subprocess.run(argv, check=False).returncode)

    @app.command("top", **options.command_settings("cleave top", "cleave top --json"))
    def top(as_json: bool = _JSON, project: Path = _PROJECT) -> None:
        """CPU (% of one core, over half a second) and memory per replica, from their cgroups.

        Example: cleave top --json
        """
        print_top(runtime.project(project), as_json)

    @app.command("stats", **options.command_settings("cleave stats --json"))
    def stats(as_json: bool = _JSON, project: Path = _PROJECT) -> None:
        """The same as `cleave top` (docker's name). Example: cleave stats"""
        print_top(runtime.project(project), as_json)

    @app.command("events", **options.command_settings("cleave events --since 10m", "cleave events -f --json"))
    def events(
        since: str | None = typer.Option(None, "--since", metavar="WHEN",
                                         help="Only events since then (10m, 1h30m, or an RFC 3339 time)."),
        follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new events (Ctrl-C stops)."),
        as_json: bool = _JSON,
        project: Path = _PROJECT,
    ) -> None:
        """What the engine did: starts, exits, kills, scaling, rollouts, phases; kept after `cleave down`.

        Example: cleave events --since 10m --json
        """
        after = options.parse_since(since, time.time()) or 0.0  # a usage error first, project or not
        print_events(runtime.project(project), after, follow=follow, as_json=as_json)


def _emitter(as_json: bool, timestamps: bool) -> Callable[[runtime.LogLine], None]:
    """How ``logs -f`` prints a line: as text, or one JSON object per line."""

    def emit(line: runtime.LogLine) -> None:
        sys.stdout.write(json.dumps(line.as_json(), sort_keys=True) if as_json else line.render(timestamps))
        sys.stdout.write("\n")
        sys.stdout.flush()

    return emit


def print_events(paths: runtime.ProjectPaths, after: float, *, follow: bool, as_json: bool) -> None:
    """The events since ``after``: a JSON array, or one line (one JSON object with ``--follow``) per event."""
    seen = 0
    while True:
        found = list(runtime.read_events(paths, after))
        fresh, seen = found[seen:], len(found)
        if as_json and not follow:
            output.print_json(fresh)
            return
        for event in fresh:
            if as_json:
                sys.stdout.write(json.dumps(event, sort_keys=True) + "\n")
            else:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(event["time"]))
                sys.stdout.write(f"{stamp} {event.get('kind', '-')} {event.get('message', '')}\n")
        sys.stdout.flush()
        if not follow:
            return
        time.sleep(0.5)


def _user_of(pid: int) -> tuple[int, int]:
    """The uid and gid the replica runs as (``/proc/PID/status``)."""
    uid = gid = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            uid = int(line.split()[1])
        elif line.startswith("Gid:"):
            gid = int(line.split()[1])
    return uid, gid


def print_top(paths: runtime.ProjectPaths, as_json: bool) -> None:
    first = runtime.ps(paths)
    time.sleep(0.5)
    second = runtime.ps(paths)
    before = {r["replica"]: (r["pid"], r["cpu_seconds"]) for r in first["replicas"]}
    rows: list[dict[str, Any]] = []
    for row in second["replicas"]:
        pid, cpu = before.get(row["replica"], (None, None))
        percent = None
        if pid == row["pid"] and cpu is not None and row["cpu_seconds"] is not None:
            percent = round(max(0.0, row["cpu_seconds"] - cpu) / 0.5 * 100, 1)
        rows.append({"replica": row["replica"], "service": row["service"], "pid": row["pid"], "cpu_percent": percent,
                     "memory_bytes": row["memory_bytes"], "state": row["state"]})
    if as_json:
        output.print_json(rows)
        return
    table = Table(box=None, pad_edge=False)
    for title in ("NAME", "CPU%", "MEMORY", "PID", "STATE"):
        table.add_column(title, no_wrap=True)
    for row in rows:
        table.add_row(row["replica"], "-" if row["cpu_percent"] is None else f"{row['cpu_percent']:.1f}",
                      memory(row["memory_bytes"]), str(row["pid"] or "-"), row["state"])
    output.stdout.print(table)
