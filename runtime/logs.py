"""Replica output: each replica writes to ``.cleave/logs/<replica>.log`` directly (so it survives the engine);
``cleave logs`` prints them with the replica's name in front of every line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from runtime.errors import RuntimeEngineError
from runtime.paths import ProjectPaths


def replica_logs(paths: ProjectPaths, service: str) -> list[Path]:
    """The log files of ``service``'s replicas, by replica index."""
    found = [p for p in paths.logs.glob(f"{service}-*.log") if p.stem[len(service) + 1:].isdigit()]
    return sorted(found, key=lambda p: int(p.stem[len(service) + 1:]))


def _prefixed(name: str, text: str) -> str:
    return "".join(f"{name} | {line}\n" for line in text.splitlines())


def print_logs(paths: ProjectPaths, service: str, out: TextIO) -> None:
    files = replica_logs(paths, service)
    if not files:
        raise RuntimeEngineError(f"no logs for service {service!r}", path=paths.logs,
                                 hint="check the name with `cleave ps`")
    for path in files:
        out.write(_prefixed(path.stem, path.read_text(errors="replace")))
    out.flush()


def follow_logs(paths: ProjectPaths, service: str, out: TextIO, until: float | None = None) -> None:
    """Print what is there, then new lines as replicas write them (new replicas included) until Ctrl-C."""
    offsets: dict[Path, int] = {}
    partial: dict[Path, str] = {}
    while until is None or time.monotonic() < until:
        for path in replica_logs(paths, service):
            with open(path, "rb") as handle:
                handle.seek(offsets.get(path, 0))
                data = handle.read()
                offsets[path] = handle.tell()
            if data:
                text = partial.pop(path, "") + data.decode(errors="replace")
                complete, _, rest = text.rpartition("\n")
                if rest:
                    partial[path] = rest
                if complete:
                    out.write(_prefixed(path.stem, complete))
                    out.flush()
        time.sleep(0.2)
