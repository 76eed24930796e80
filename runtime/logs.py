"""Replica output: each replica writes to ``.cleave/logs/<replica>.log`` directly (so it survives the engine);
``cleave logs`` prints them with the replica's name in front of every line.

Rotation (the writer's side): a thread of the engine looks at every log twice a second; one larger than
``CLEAVE_LOG_MAX_BYTES`` (16 MiB) has its last ``CLEAVE_LOG_MAX_BYTES`` (from a line start) copied to
``X.log.1`` (older ones shifted to ``X.log.2`` ... up to ``CLEAVE_LOG_KEEP``, 2) and is truncated in place: the
replica keeps its O_APPEND descriptor and goes on writing at the start. A log is thus bounded by the limit plus
what the replica writes in half a second; lines written between the copy and the truncation are lost.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Final, TextIO

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


DEFAULT_MAX_BYTES: Final = 16 << 20
DEFAULT_KEEP: Final = 2
ROTATE_EVERY: Final = 0.5


def rotate_if_large(path: Path, max_bytes: int, keep: int) -> bool:
    """Rotate ``path`` when it is larger than ``max_bytes`` (see the module's docstring); ``True`` if it did."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size <= max_bytes:
        return False
    if keep > 0:
        for index in range(keep, 1, -1):
            with contextlib.suppress(FileNotFoundError):
                os.replace(path.with_name(f"{path.name}.{index - 1}"), path.with_name(f"{path.name}.{index}"))
        staging = path.with_name(f".{path.name}.rotating")
        with open(path, "rb") as source, \
                open(os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600), "wb") as out:
            source.seek(size - max_bytes)
            data = source.read(max_bytes)
            cut = data.find(b"\n")
            out.write(data[cut + 1:] if 0 <= cut < len(data) - 1 else data)
        os.replace(staging, path.with_name(f"{path.name}.1"))
    os.truncate(path, 0)
    return True


def start_rotation(logs: Path, done: threading.Event) -> threading.Thread:
    """The rotation thread of an engine (a daemon; it ends with ``done``)."""
    max_bytes = int(os.environ.get("CLEAVE_LOG_MAX_BYTES", DEFAULT_MAX_BYTES))
    keep = int(os.environ.get("CLEAVE_LOG_KEEP", DEFAULT_KEEP))

    def loop() -> None:
        while not done.wait(ROTATE_EVERY):
            for path in logs.glob("*.log"):
                with contextlib.suppress(OSError):  # a log removed meanwhile, a full disk: next round
                    rotate_if_large(path, max_bytes, keep)

    thread = threading.Thread(target=loop, name="log-rotation", daemon=True)
    thread.start()
    return thread
