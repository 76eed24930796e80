"""When each log line was written: the time index behind ``cleave logs -t`` and ``--since``.

Replicas write their output straight to ``.cleave/logs/<replica>.log`` (so it survives the engine), which leaves no
per-line time. The engine's log keeper (``runtime/logs.py``) therefore looks at every log every ``EVERY`` seconds
and, when it grew, appends ``SIZE EPOCH`` to ``<replica>.times``: its size and mtime (last write) then. A line at
byte X was written no later than the first checkpoint whose SIZE exceeds X, and after the one before it: that first
checkpoint's time is the line's time, exact to ``EVERY`` seconds. Lines after the last checkpoint (written since the
keeper's last look, or while no engine ran) take the log's mtime, the time of its last write.

The index is bounded: past ``MAX_BYTES`` it keeps every other checkpoint of its older half (older lines get coarser
times, recent ones stay exact); a rotated log starts a new index.
"""

from __future__ import annotations

import bisect
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

EVERY: Final = 0.2
MAX_BYTES: Final = 64 << 10


def index_of(log: Path) -> Path:
    """``web-0.log`` -> ``web-0.times``."""
    return log.with_suffix(".times")


def note(log: Path, size: int, now: float) -> None:
    """Append the checkpoint ``(size, now)`` to ``log``'s index, thinning it when it outgrew ``MAX_BYTES``."""
    index = index_of(log)
    fd = os.open(index, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    with open(fd, "a") as handle:
        handle.write(f"{size} {now:.3f}\n")
        grown = handle.tell() > MAX_BYTES
    if grown:
        lines = index.read_text().splitlines()
        half = len(lines) // 2
        staging = index.with_name(f".{index.name}.thin")
        staging.write_text("".join(f"{line}\n" for line in lines[:half][1::2] + lines[half:]))
        os.replace(staging, index)


def reset(log: Path) -> None:
    """Forget ``log``'s checkpoints (the log was truncated by rotation and starts over)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(index_of(log))


@dataclass(frozen=True)
class LogTimes:
    """One log's checkpoints: sizes (non-decreasing) and their times, plus the log's mtime for what follows."""

    sizes: tuple[int, ...]
    times: tuple[float, ...]
    last_write: float

    @classmethod
    def load(cls, log: Path) -> LogTimes:
        """The index of ``log`` (empty when there is none); malformed lines are skipped, sizes kept in order."""
        try:
            last_write = log.stat().st_mtime
        except OSError:
            return cls((), (), 0.0)
        try:
            text = index_of(log).read_text()
        except OSError:
            return cls((), (), last_write)
        sizes: list[int] = []
        times: list[float] = []
        for line in text.splitlines():
            size, _, stamp = line.partition(" ")
            try:
                point = (int(size), float(stamp))
            except ValueError:
                continue
            if not sizes or point[0] >= sizes[-1]:
                sizes.append(point[0])
                times.append(point[1])
        return cls(tuple(sizes), tuple(times), last_write)

    def time_of(self, offset: int) -> float:
        """When the line starting at byte ``offset`` was written (at the latest)."""
        at = bisect.bisect_right(self.sizes, offset)
        return self.times[at] if at < len(self.sizes) else self.last_write

    def first_offset_since(self, since: float, end: int) -> int:
        """The lowest byte offset whose lines were written at ``since`` or later (``end`` when none was)."""
        at = bisect.bisect_left(self.times, since)  # checkpoints before ``at`` are older than ``since``
        if at < len(self.times):
            return self.sizes[at - 1] if at else 0
        return (self.sizes[-1] if self.sizes else 0) if self.last_write >= since else end
