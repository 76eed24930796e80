"""The engine's log keeper: each replica writes to ``.cleave/logs/<replica>.log`` directly (so it survives the
engine); a thread of the engine bounds those files and notes when they grew (``runtime/logtimes.py``, for
``cleave logs -t`` and ``--since``). Reading them is ``runtime/logview.py``.

Rotation: the keeper looks at every log five times a second; one larger than
``CLEAVE_LOG_MAX_BYTES`` (16 MiB) has its last ``CLEAVE_LOG_MAX_BYTES`` (from a line start) copied to
``X.log.1`` (older ones shifted to ``X.log.2`` ... up to ``CLEAVE_LOG_KEEP``, 2) and is truncated in place: the
replica keeps its O_APPEND descriptor and goes on writing at the start. A log is thus bounded by the limit plus
what the replica writes in a fifth of a second; lines written between the copy and the truncation are lost.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Final

from runtime import logtimes

DEFAULT_MAX_BYTES: Final = 16 << 20
DEFAULT_KEEP: Final = 2
ROTATE_EVERY: Final = logtimes.EVERY


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
    """The keeper thread of an engine (a daemon; it ends with ``done``): rotation, then time checkpoints."""
    max_bytes = int(os.environ.get("CLEAVE_LOG_MAX_BYTES", DEFAULT_MAX_BYTES))
    keep = int(os.environ.get("CLEAVE_LOG_KEEP", DEFAULT_KEEP))
    seen: dict[Path, int] = {}

    def loop() -> None:
        while not done.wait(ROTATE_EVERY):
            keep_round(logs, seen, max_bytes, keep)

    thread = threading.Thread(target=loop, name="log-keeper", daemon=True)
    thread.start()
    return thread


def keep_round(logs: Path, seen: dict[Path, int], max_bytes: int, keep: int) -> None:
    """One look at every log: rotate a large one (and start its time index over); note the size of one that grew.
    ``seen`` holds each log's size at the previous look."""
    for path in logs.glob("*.log"):
        with contextlib.suppress(OSError):  # a log removed meanwhile, a full disk: next round
            if rotate_if_large(path, max_bytes, keep):
                logtimes.reset(path)
            found = path.stat()  # the checkpoint's time is the log's mtime: its last write, not this look
            if found.st_size != seen.get(path, 0):
                if found.st_size < seen.get(path, 0):
                    logtimes.reset(path)  # truncated by someone else: its old checkpoints mean nothing now
                if found.st_size:
                    logtimes.note(path, found.st_size, found.st_mtime)
                seen[path] = found.st_size
