"""The Python runtime layer: the interpreter cleave runs on, placed at ``/usr/local``, with the shared libraries
``ldd`` lists for it and its extension modules (at their real paths, with the dynamic loader), a minimal
``/etc/passwd`` and ``/etc/group`` for uid 65532, ``/tmp`` and ``/data``. Identical for every service.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from packager.oci.sources import Source, host_path_sources, ldd

IMAGE_PREFIX: Final = "usr/local"
PY_VERSION: Final = f"python{sys.version_info.major}.{sys.version_info.minor}"
STDLIB: Final = f"{IMAGE_PREFIX}/lib/{PY_VERSION}"
SITE_PACKAGES: Final = f"{STDLIB}/site-packages"
USER_ID: Final = 65532

# Left out: tests, GUI and installer pieces, the host's own packages and bytecode, the static library.
_SKIP_DIRS: Final = frozenset({"test", "tests", "idlelib", "tkinter", "turtledemo", "ensurepip", "site-packages",
                               "__pycache__", "lib2to3", f"config-{sys.version_info.major}.{sys.version_info.minor}"
                               f"-{getattr(sys.implementation, '_multiarch', 'x86_64-linux-gnu')}"})
_SKIP_EXTENSIONS: Final = ("_tkinter", "_test", "xxlimited", "_xxtestfuzz", "_ctypes_test", "xxsubtype")

PASSWD: Final = b"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
GROUP: Final = b"root:x:0:\nnonroot:x:65532:\n"


def host_prefix() -> Path:
    """The prefix of the interpreter cleave runs on (outside any virtual environment)."""
    return Path(sys.base_prefix)


def runtime_sources(prefix: Path | None = None) -> tuple[list[Source], list[Path]]:
    """The interpreter's own members of the runtime layer and its ELF files (read only when the cache misses)."""
    prefix = prefix or host_prefix()
    sources: list[Source] = []
    binary = prefix / "bin" / PY_VERSION
    sources.append(Source(f"{IMAGE_PREFIX}/bin/{PY_VERSION}", host=binary, strip=True, mode=0o755))
    for alias in ("python3", "python"):
        sources.append(Source(f"{IMAGE_PREFIX}/bin/{alias}", "symlink", linkname=PY_VERSION))
    elves: list[Path] = [binary]
    for lib in _libpython(prefix):
        image = f"{IMAGE_PREFIX}/lib/{lib.name}"
        if lib.is_symlink():
            sources.append(Source(image, "symlink", linkname=os.readlink(lib)))
        else:
            sources.append(Source(image, host=lib, strip=True, mode=0o755))
            elves.append(lib)
    stdlib = prefix / "lib" / PY_VERSION
    for folder, dirs, files in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        here = Path(folder)
        relative = here.relative_to(stdlib).as_posix()
        base = STDLIB if relative == "." else f"{STDLIB}/{relative}"
        for name in sorted(files):
            host = here / name
            if name.endswith((".pyc", ".pyo")) or host.is_symlink():
                continue
            if relative == "lib-dynload":
                if name.startswith(_SKIP_EXTENSIONS):
                    continue
                elves.append(host)
                sources.append(Source(f"{base}/{name}", host=host, strip=True, mode=0o755))
                continue
            sources.append(Source(f"{base}/{name}", host=host, compile=name.endswith(".py")))
    sources += [
        Source(SITE_PACKAGES, "dir", mode=0o755),
        Source("etc/passwd", data=PASSWD, mode=0o644),
        Source("etc/group", data=GROUP, mode=0o644),
        Source("tmp", "dir", mode=0o1777),
        Source("data", "dir", mode=0o755, uid=USER_ID, gid=USER_ID),
        Source("app", "dir", mode=0o755),
    ]
    return sources, elves


def _libpython(prefix: Path) -> list[Path]:
    return sorted((prefix / "lib").glob(f"libpython{sys.version_info.major}.{sys.version_info.minor}*.so*"))


def needed_libraries(elves: list[Path], prefix: Path | None = None) -> list[str]:
    """Host paths of the shared libraries ``ldd`` lists for ``elves`` (outside the interpreter's prefix)."""
    prefix = prefix or host_prefix()
    return sorted({lib for libs in ldd(elves).values() for lib in libs if not lib.startswith(str(prefix))})


def place_libraries(libraries: list[str], prefix: Path | None = None) -> list[Source]:
    """``libraries`` at their real paths with the symlinks on the way, and a link from the loader's default folder
    to libpython (the interpreter's RUNPATH names the host prefix, which the image does not have)."""
    prefix = prefix or host_prefix()
    seen: set[str] = set()
    sources: list[Source] = []
    libc_dir = ""
    for library in libraries:
        placed = host_path_sources(library, seen=seen)
        sources.extend(placed)
        if Path(library).name.startswith("libc.so"):
            libc_dir = placed[-1].path.rpartition("/")[0]
    for lib in _libpython(prefix):
        if libc_dir and not lib.is_symlink():
            depth = libc_dir.count("/") + 1
            sources.append(Source(f"{libc_dir}/{lib.name}", "symlink",
                                  linkname="../" * depth + f"{IMAGE_PREFIX}/lib/{lib.name}"))
    return sources
