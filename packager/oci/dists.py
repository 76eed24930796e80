"""Distribution layers: the files an installed distribution's RECORD lists, placed in the image's site-packages,
plus the shared libraries its extension modules need that the runtime layer lacks (libstdc++, libgcc_s ...).
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from packager.oci.errors import ImageError
from packager.oci.runtime import SITE_PACKAGES
from packager.oci.sources import Source, host_path_sources, ldd


def find_distribution(name: str, version: str, search_path: Sequence[str] | None
                      ) -> importlib.metadata.Distribution:
    """The installed distribution ``name`` at exactly ``version``."""
    wanted = canonicalize_name(name)
    found = None
    for dist in importlib.metadata.Distribution.discover(name=name, path=list(search_path or sys.path)):
        if canonicalize_name(dist.metadata["Name"] or "") == wanted:
            found = dist
            break
    if found is None:
        raise ImageError(f"distribution {name}=={version} is not installed where cleave looks",
                         hint="install it (pip install) in the environment cleave runs in")
    if found.version != version:
        raise ImageError(f"distribution {name} is installed at version {found.version}, the service needs {version}",
                         hint="install the version the requirements pin, or change the pin")
    return found


def distribution_sources(dist: importlib.metadata.Distribution) -> list[Source]:
    """The layer members from the RECORD (no ``.pyc``: they are compiled again, unchecked-hash)."""
    name = dist.metadata["Name"]
    files = dist.files
    if files is None:
        raise ImageError(f"distribution {name} has no RECORD file listing its files",
                         hint="reinstall it with pip (not as an editable or egg install)")
    sources: list[Source] = []
    for item in files:
        relative = item.as_posix()
        if relative.startswith("/"):
            raise ImageError(f"distribution {name} lists an absolute path {relative!r} in its RECORD",
                             hint="reinstall it from a wheel")
        if relative.startswith("../") or "/../" in relative or relative.endswith((".pyc", ".pyo")):
            continue  # console scripts and headers live outside site-packages; bytecode is rebuilt
        host = Path(str(dist.locate_file(item)))
        if not host.is_file():
            if relative.endswith(".dist-info/RECORD") or "__pycache__" in relative:
                continue
            raise ImageError(f"distribution {name} is damaged: {relative} is listed but missing", path=host,
                             hint=f"reinstall it: pip install --force-reinstall {name}")
        is_elf = relative.endswith(".so") or ".so." in relative
        sources.append(Source(f"{SITE_PACKAGES}/{relative}", host=host, compile=relative.endswith(".py"),
                              mode=0o755 if is_elf else None))
    return sources


def needed_libraries(sources: Sequence[Source], dist_root: Path) -> list[str]:
    """Host paths of the shared libraries the distribution's ELF files load from outside itself."""
    elves = [s.host for s in sources if s.host is not None and (s.path.endswith(".so") or ".so." in s.path)]
    if not elves:
        return []
    root = str(dist_root.resolve())
    found = {lib for libs in ldd(elves).values() for lib in libs}
    return sorted(lib for lib in found if not str(Path(lib).resolve()).startswith(root))


def place_libraries(libraries: Sequence[str], provided: frozenset[str]) -> list[Source]:
    """``libraries`` at their real paths, leaving out what the runtime layer already has."""
    seen = set(provided)
    extra: list[Source] = []
    for lib in libraries:
        extra.extend(host_path_sources(lib, seen=seen))
    return extra
