"""The engine's event log, ``.cleave/logs/events.jsonl``: one JSON object per line (``time``, ``kind``, ``message``,
and ``replica`` or ``service`` when it is about one), appended as things happen and kept after ``down``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from runtime.paths import ProjectPaths


def events_file(paths: ProjectPaths) -> Path:
    return paths.logs / "events.jsonl"


def append(paths: ProjectPaths, kind: str, message: str, **about: str) -> None:
    """Add one event (the engine calls this; a write that fails is not worth stopping supervision for)."""
    record = {"time": round(time.time(), 3), "kind": kind, "message": message, **about}
    try:
        fd = os.open(events_file(paths), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        with open(fd, "a") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
    except OSError:
        pass


def read(paths: ProjectPaths, since: float = 0.0) -> Iterator[dict[str, Any]]:
    """The events at or after ``since`` (epoch seconds), oldest first; lines that are not events are skipped."""
    try:
        handle = open(events_file(paths))  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("time"), (int, float)) and record["time"] >= since:
                yield record
