"""What a layer is made of before it becomes tar entries: host files placed at image paths.

A layer's cache key is the fingerprint of its sources, so an unchanged input is never read, stripped, compiled or
compressed again. App layers are fingerprinted by content; the interpreter and installed distributions by
``(size, mtime_ns, inode)``, which is cheap for thousands of files and changes whenever a package manager rewrites one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packager.oci.errors import ImageError
from packager.oci.pyc import compile_many, pyc_path
from packager.oci.tarwriter import Entry, EntryKind, file_mode


@dataclass(frozen=True)
class Source:
    """One layer member: image ``path`` (no leading slash) and where its bytes come from."""

    path: str
    kind: EntryKind = "file"
    host: Path | None = None
    data: bytes | None = None
    linkname: str = ""
    mode: int | None = None
    strip: bool = False
    compile: bool = False
    uid: int = 0
    gid: int = 0


def fingerprint(sources: Iterable[Source], *, salt: str, by_content: bool) -> str:
    """A hex key naming everything that decides a layer's bytes."""
    digest = hashlib.sha256(salt.encode())
    for source in sorted(sources, key=lambda s: s.path):
        head = (source.path, source.kind, source.linkname, source.mode, source.strip, source.compile,
                source.uid, source.gid)
        digest.update(repr(head).encode())
        if source.data is not None:
            digest.update(hashlib.sha256(source.data).digest())
        elif source.host is not None:
            if by_content:
                digest.update(hashlib.sha256(_read(source.host)).digest())
            else:
                st = _stat(source.host)
                digest.update(repr((st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)).encode())
    return digest.hexdigest()


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except OSError as error:
        raise ImageError(f"cannot read: {error.strerror}", path=path,
                         hint="make the file readable or remove it from the input") from error


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ImageError(f"cannot read: {error.strerror}", path=path,
                         hint="make the file readable or remove it from the input") from error


def materialize(sources: Sequence[Source]) -> list[Entry]:
    """Tar entries for ``sources``: files read, ELF copies stripped of debug info, ``.py`` compiled unchecked-hash."""
    stripped = _strip_all([s.host for s in sources if s.strip and s.host is not None])
    entries: list[Entry] = []
    to_compile: list[tuple[str, bytes]] = []
    for source in sources:
        if source.kind != "file":
            entries.append(Entry(source.path, source.kind, source.mode if source.mode is not None else 0o755,
                                 linkname=source.linkname, uid=source.uid, gid=source.gid))
            continue
        if source.data is not None:
            data = source.data
            mode = source.mode if source.mode is not None else 0o644
        else:
            assert source.host is not None
            data = stripped.get(source.host) or _read(source.host)
            mode = source.mode if source.mode is not None else file_mode(_stat(source.host).st_mode)
        entries.append(Entry(source.path, "file", mode, data, uid=source.uid, gid=source.gid))
        if source.compile and source.path.endswith(".py"):
            to_compile.append((source.path, data))
    for (path, _), compiled in zip(to_compile, compile_many([("/" + p, d) for p, d in to_compile]), strict=True):
        if compiled is not None:
            entries.append(Entry(pyc_path(path), "file", 0o644, compiled))
    return entries


def _strip_all(hosts: Sequence[Path]) -> dict[Path, bytes]:
    """Copies of ``hosts`` with debug sections removed by one ``strip --strip-debug`` call (deterministic)."""
    if not hosts or shutil.which("strip") is None:
        return {}
    result: dict[Path, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="cleave-strip-") as scratch:
        copies = []
        for number, host in enumerate(hosts):
            copy = Path(scratch) / f"{number}.so"
            copy.write_bytes(_read(host))
            copies.append(copy)
        done = subprocess.run(["strip", "--strip-debug", *map(str, copies)], capture_output=True, check=False)
        if done.returncode != 0:  # a file strip does not understand: keep every original
            return {}
        for host, copy in zip(hosts, copies, strict=True):
            result[host] = copy.read_bytes()
    return result


def host_path_sources(path: str, *, seen: set[str]) -> list[Source]:
    """A host file at its real path, with every symlink met on the way (``/lib -> usr/lib`` ...) reproduced."""
    sources: list[Source] = []
    queue = [part for part in path.split("/") if part]
    current = ""
    hops = 0
    while queue:
        part = queue.pop(0)
        candidate = f"{current}/{part}" if current else part
        host = Path("/" + candidate)
        if host.is_symlink():
            hops += 1
            if hops > 40:
                raise ImageError("too many levels of symbolic links", path=path)
            target = os.readlink(host)
            if candidate not in seen:
                seen.add(candidate)
                sources.append(Source(candidate, "symlink", linkname=target))
            base = "/" if target.startswith("/") else "/" + current
            resolved = os.path.normpath(os.path.join(base, target))
            queue = [p for p in resolved.split("/") if p] + queue
            current = ""
        else:
            current = candidate
    if current not in seen:
        seen.add(current)
        sources.append(Source(current, host=Path("/" + current), strip=current.endswith(tuple(_ELF_SUFFIXES))
                              or ".so." in current))
    return sources


_ELF_SUFFIXES = (".so",)


def ldd(paths: Sequence[Path]) -> dict[Path, list[str]]:
    """The shared libraries each ELF file in ``paths`` loads, as ``ldd`` resolves them (absolute host paths)."""
    result: dict[Path, list[str]] = {}
    for start in range(0, len(paths), 200):
        chunk = list(paths[start:start + 200])
        done = subprocess.run(["ldd", *map(str, chunk)], capture_output=True, text=True, check=False,
                              env={"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        current: Path | None = chunk[0] if len(chunk) == 1 else None
        for line in done.stdout.splitlines():
            if not line.startswith(("\t", " ")) and line.endswith(":"):
                current = Path(line[:-1])
                continue
            if current is None:
                continue
            text = line.strip()
            libs = result.setdefault(current, [])
            if "=>" in text:
                name, _, rest = text.partition("=>")
                target = rest.strip().split(" (")[0].strip()
                if target == "not found":
                    raise ImageError(f"needs {name.strip()}, which the loader cannot find", path=current,
                                     hint="install the library on the host or remove the distribution")
                if target.startswith("/"):
                    libs.append(target)
            elif text.startswith("/"):
                libs.append(text.split(" (")[0])
    return result
