"""Reading replica logs like ``docker compose logs``: every service or several, ``--tail``, ``--since``, ``-t``,
``--previous``, follow.

Each replica appends to ``.cleave/logs/<service>-<index>.log`` across restarts; the engine notes where each process
began in ``<service>-<index>.starts`` (one ``offset epoch pid`` line per start), so ``--previous`` prints what the
process before the current one wrote (what a crashed replica said). The files stay after ``down``, so logs can be
read then too. Each line's time comes from the keeper's index (``runtime/logtimes.py``). Reads are bounded:
``--tail`` and ``--since`` seek instead of reading a large file whole.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from runtime.errors import RuntimeEngineError
from runtime.logtimes import LogTimes
from runtime.paths import ProjectPaths

_BLOCK = 65536


@dataclass(frozen=True)
class LogFile:
    """One replica's log and where its processes began (byte offsets, oldest first)."""

    replica: str
    path: Path
    starts: tuple[int, ...]


def record_start(paths: ProjectPaths, replica: str, pid: int) -> None:
    """Note that a new process of ``replica`` begins at the log's current end (called by the engine)."""
    log = paths.replica_log(replica)
    try:
        offset = log.stat().st_size
    except FileNotFoundError:
        offset = 0
    fd = os.open(paths.logs / f"{replica}.starts", os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    with open(fd, "a") as handle:
        handle.write(f"{offset} {time.time():.3f} {pid}\n")


def _starts(path: Path) -> tuple[int, ...]:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return ()
    offsets = []
    for line in lines:
        first = line.split(" ", 1)[0]
        if first.isdigit():
            offsets.append(int(first))
    return tuple(offsets)


def log_files(paths: ProjectPaths, services: tuple[str, ...] = ()) -> list[LogFile]:
    """The replica logs of ``services`` (all services when empty), service by service, by replica index; an
    unknown service is an error naming the ones that have logs."""
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in paths.logs.glob("*.log") if paths.logs.is_dir() else ():
        service, _, index = path.stem.rpartition("-")
        if service and index.isdigit():
            found.setdefault(service, []).append((int(index), path))
    unknown = [s for s in services if s not in found]
    if unknown:
        raise RuntimeEngineError(f"no logs for service {unknown[0]!r}", path=paths.logs,
                                 hint=f"services with logs: {', '.join(sorted(found)) or 'none'}")
    chosen = services or tuple(sorted(found))
    return [LogFile(path.stem, path, _starts(path.with_suffix(".starts")))
            for service in chosen for _, path in sorted(found[service])]


@dataclass(frozen=True)
class LogLine:
    """One line of a replica's output and when it was written (see ``runtime/logtimes.py`` for how exactly)."""

    replica: str
    time: float
    text: str

    def render(self, timestamps: bool = False) -> str:
        """``web-0 | text``, or ``web-0 | 2026-12-03T08:01:19.123Z text`` with ``timestamps``."""
        return f"{self.replica} | {rfc3339(self.time)} {self.text}" if timestamps else f"{self.replica} | {self.text}"

    def as_json(self) -> dict[str, str]:
        return {"replica": self.replica, "service": self.replica.rpartition("-")[0], "time": rfc3339(self.time),
                "line": self.text}


def rfc3339(epoch: float) -> str:
    """``2026-12-03T08:01:19.123Z`` (UTC, milliseconds)."""
    stamp = datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _tail_lines(path: Path, count: int, start: int, end: int) -> list[tuple[int, str]]:
    """The last ``count`` lines between byte ``start`` and ``end`` with their offsets, reading backwards block by
    block."""
    with open(path, "rb") as handle:
        position, data = end, b""
        while position > start and data.count(b"\n") <= count:
            size = min(_BLOCK, position - start)
            position -= size
            handle.seek(position)
            data = handle.read(size) + data
    found: list[tuple[int, str]] = []
    offset = position
    for raw in data.splitlines(keepends=True):
        found.append((offset, raw.decode(errors="replace").rstrip("\r\n")))
        offset += len(raw)
    if position > start and found:
        found = found[1:]  # the first block may start mid-line
    return found[-count:] if count else []


def _lines(path: Path, start: int, end: int) -> Iterator[tuple[int, str]]:
    with open(path, "rb") as handle:
        handle.seek(start)
        offset = start
        for raw in handle:
            if offset >= end:
                return
            yield offset, raw.decode(errors="replace").rstrip("\n")
            offset += len(raw)


def _line_start_at_or_after(path: Path, offset: int) -> int:
    """``offset`` when a line starts there, else where the next line starts."""
    if offset == 0:
        return 0
    with open(path, "rb") as handle:
        handle.seek(offset - 1)
        while chunk := handle.read(_BLOCK):
            cut = chunk.find(b"\n")
            if cut >= 0:
                return handle.tell() - len(chunk) + cut + 1
    return offset


def _window(log: LogFile, previous: bool) -> tuple[int, int] | None:
    size = log.path.stat().st_size
    starts = [s for s in log.starts if s <= size]  # a rotated log starts over
    if not previous:
        return (0, size)
    if len(starts) < 2:
        return None
    return (starts[-2], starts[-1])


def _read_one(log: LogFile, *, tail: int | None, previous: bool, since: float | None) -> Iterator[LogLine]:
    window = _window(log, previous)
    if window is None:
        return
    start, end = window
    times = LogTimes.load(log.path)
    if since is not None:
        start = max(start, _line_start_at_or_after(log.path, times.first_offset_since(since, end)))
    if start >= end:
        return
    lines = _tail_lines(log.path, tail, start, end) if tail is not None else _lines(log.path, start, end)
    for offset, text in lines:
        yield LogLine(log.replica, times.time_of(offset), text)


def read_logs(paths: ProjectPaths, services: tuple[str, ...] = (), *, tail: int | None = None,
              previous: bool = False, since: float | None = None) -> Iterator[LogLine]:
    """The lines of ``services``' replicas (all when empty), replica by replica: the last ``tail`` of each, only
    those written at ``since`` (epoch seconds) or later, or what each replica's previous process wrote."""
    for log in log_files(paths, services):
        yield from _read_one(log, tail=tail, previous=previous, since=since)


def print_logs(paths: ProjectPaths, services: tuple[str, ...], out: TextIO, *, tail: int | None = None,
               previous: bool = False, since: float | None = None, timestamps: bool = False) -> int:
    """Print each replica's lines prefixed by its name (and their time); returns how many lines were printed."""
    printed = 0
    for line in read_logs(paths, services, tail=tail, previous=previous, since=since):
        out.write(line.render(timestamps) + "\n")
        printed += 1
    out.flush()
    return printed


def follow_logs(paths: ProjectPaths, services: tuple[str, ...], emit: Callable[[LogLine], None], *,
                tail: int | None = None, since: float | None = None, until: float | None = None) -> None:
    """Emit what is there (the last ``tail`` lines of each, those since ``since``), then new lines as replicas write
    them (new replicas included) until Ctrl-C or ``until`` (a monotonic time)."""
    offsets: dict[Path, int] = {}
    if tail is not None or since is not None:
        for log in log_files(paths, services):
            offsets[log.path] = log.path.stat().st_size
            for line in _read_one(log, tail=tail, previous=False, since=since):
                emit(line)
    partial: dict[Path, str] = {}
    while until is None or time.monotonic() < until:
        for log in log_files(paths, services):
            with open(log.path, "rb") as handle:
                offset = offsets.get(log.path, 0)
                if os.fstat(handle.fileno()).st_size < offset:
                    offset = 0  # rotated
                handle.seek(offset)
                data = handle.read(_BLOCK * 16)
                offsets[log.path] = handle.tell()
            text = partial.pop(log.path, "") + data.decode(errors="replace")
            complete, newline, rest = text.rpartition("\n")
            if rest:
                partial[log.path] = rest
            now = time.time()  # read within a fifth of a second of being written
            for written in complete.split("\n") if newline else ():
                emit(LogLine(log.replica, now, written))
        time.sleep(0.2)
