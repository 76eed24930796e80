"""Reading replica logs like ``docker compose logs``: every service or several, ``--tail``, ``--previous``, follow.

Each replica appends to ``.cleave/logs/<service>-<index>.log`` across restarts; the engine notes where each process
began in ``<service>-<index>.starts`` (one ``offset epoch pid`` line per start), so ``--previous`` prints what the
process before the current one wrote (what a crashed replica said). The files stay after ``down``, so logs can be
read then too. Reads are bounded: ``--tail`` seeks from the end instead of reading a large file whole.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from runtime.errors import RuntimeEngineError
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


def _tail_lines(path: Path, count: int, start: int, end: int) -> list[str]:
    """The last ``count`` lines between byte ``start`` and ``end``, reading backwards block by block."""
    with open(path, "rb") as handle:
        position, data = end, b""
        while position > start and data.count(b"\n") <= count:
            size = min(_BLOCK, position - start)
            position -= size
            handle.seek(position)
            data = handle.read(size) + data
    lines = data.decode(errors="replace").splitlines()
    return lines[-count:] if count else []


def _lines(path: Path, start: int, end: int) -> Iterator[str]:
    with open(path, "rb") as handle:
        handle.seek(start)
        left = end - start
        for raw in handle:
            if left <= 0:
                return
            left -= len(raw)
            yield raw.decode(errors="replace").rstrip("\n")


def _window(log: LogFile, previous: bool) -> tuple[int, int] | None:
    size = log.path.stat().st_size
    starts = [s for s in log.starts if s <= size]  # a rotated log starts over
    if not previous:
        return (0, size)
    if len(starts) < 2:
        return None
    return (starts[-2], starts[-1])


def print_logs(paths: ProjectPaths, services: tuple[str, ...], out: TextIO, *, tail: int | None = None,
               previous: bool = False) -> int:
    """Print each replica's lines prefixed by its name; returns how many lines were printed."""
    printed = 0
    for log in log_files(paths, services):
        window = _window(log, previous)
        if window is None:
            continue
        start, end = window
        lines = _tail_lines(log.path, tail, start, end) if tail is not None else _lines(log.path, start, end)
        for line in lines:
            out.write(f"{log.replica} | {line}\n")
            printed += 1
    out.flush()
    return printed


def follow_logs(paths: ProjectPaths, services: tuple[str, ...], out: TextIO, *, tail: int | None = None,
                until: float | None = None) -> None:
    """Print what is there (the last ``tail`` lines of each), then new lines as replicas write them (new replicas
    included) until Ctrl-C or ``until``."""
    offsets: dict[Path, int] = {}
    for log in log_files(paths, services):
        size = log.path.stat().st_size
        if tail is not None:
            for line in _tail_lines(log.path, tail, 0, size):
                out.write(f"{log.replica} | {line}\n")
            offsets[log.path] = size
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
            if data:
                text = partial.pop(log.path, "") + data.decode(errors="replace")
                complete, _, rest = text.rpartition("\n")
                if rest:
                    partial[log.path] = rest
                if complete:
                    out.write("".join(f"{log.replica} | {line}\n" for line in complete.split("\n")))
        out.flush()
        time.sleep(0.2)
