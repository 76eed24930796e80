"""The one canonical tar writer and the one gzip writer every layer goes through.

Reproducibility rests here: entries are sorted by path, TarInfo is built by hand (integer mtime from
``SOURCE_DATE_EPOCH`` or a fixed epoch, uid/gid 0 unless given, empty uname/gname, normalised modes), the format is
plain ustar/GNU without PAX time records, and gzip carries mtime 0 through one deflate writer.
"""

from __future__ import annotations

import io
import os
import struct
import tarfile
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, Literal

DEFAULT_EPOCH: Final = 315532800  # 1980-01-01T00:00:00Z, the earliest date zip and many tools accept
GZIP_LEVEL: Final = 6

EntryKind = Literal["file", "dir", "symlink"]


def source_date_epoch() -> int:
    """The mtime every entry carries: ``SOURCE_DATE_EPOCH`` when set to an integer, else 1980-01-01."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(value) if value.isdigit() else DEFAULT_EPOCH


@dataclass(frozen=True)
class Entry:
    """One member of a layer: ``path`` is relative to the image root, without a leading slash."""

    path: str
    kind: EntryKind
    mode: int = 0o644
    data: bytes = b""
    linkname: str = ""
    uid: int = 0
    gid: int = 0


def file_mode(st_mode: int) -> int:
    """Normalise a host file mode: executable for anyone when executable for the owner, else 0644."""
    return 0o755 if st_mode & 0o100 else 0o644


def with_parents(entries: Iterable[Entry]) -> list[Entry]:
    """``entries`` plus a 0755 directory for every missing parent, sorted by path, duplicates rejected."""
    by_path: dict[str, Entry] = {}
    for entry in entries:
        if entry.path in by_path and by_path[entry.path] != entry:
            raise ValueError(f"two different entries for {entry.path!r}")
        by_path[entry.path] = entry
    for path in list(by_path):
        parent = path.rpartition("/")[0]
        while parent and parent not in by_path:
            by_path[parent] = Entry(parent, "dir", 0o755)
            parent = parent.rpartition("/")[0]
    return [by_path[path] for path in sorted(by_path)]


def write_tar(entries: Iterable[Entry], *, mtime: int | None = None) -> bytes:
    """The uncompressed layer: the same entries always give the same bytes."""
    stamp = source_date_epoch() if mtime is None else mtime
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for entry in with_parents(entries):
            info = tarfile.TarInfo(entry.path + ("/" if entry.kind == "dir" else ""))
            info.mtime = stamp
            info.uid, info.gid = entry.uid, entry.gid
            info.uname = info.gname = ""
            info.mode = entry.mode
            if entry.kind == "file":
                info.type = tarfile.REGTYPE
                info.size = len(entry.data)
                archive.addfile(info, io.BytesIO(entry.data))
            elif entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.type = tarfile.SYMTYPE
                info.mode = 0o777
                info.linkname = entry.linkname
                archive.addfile(info)
    return buffer.getvalue()


def gzip_bytes(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    """gzip with mtime 0 and no file name: the only compressor layers go through.

    Like pigz: the data is cut into 1 MiB chunks deflated in parallel threads (zlib releases the GIL), each primed
    with the 32 KiB before it and ended by a sync flush, so the result is one ordinary deflate stream. The bytes
    depend only on the data and the level, never on the number of cores.
    """
    starts = range(0, max(len(data), 1), _CHUNK)
    if len(starts) == 1:
        body = _deflate(data, 0, True, level)
    else:
        with ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1)) as pool:
            body = b"".join(pool.map(lambda start: _deflate(data, start, start + _CHUNK >= len(data), level), starts))
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no flags, mtime 0, OS unknown
    return header + body + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)


_CHUNK: Final = 1 << 20
_WINDOW: Final = 1 << 15


def _deflate(data: bytes, start: int, last: bool, level: int) -> bytes:
    if start:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY,
                                      data[start - _WINDOW:start])
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    out = compressor.compress(data[start:start + _CHUNK])
    return out + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
