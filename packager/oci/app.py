"""The service's own layer: its tree (the service's modules, shared modules, stubs, ``cleave_kit``) at ``/app``."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from packager.oci.errors import ImageError
from packager.oci.sources import Source

APP_DIR: Final = "app"
_SKIP: Final = frozenset({"__pycache__", ".git", ".mypy_cache", ".pytest_cache", ".ruff_cache"})


def app_sources(app_dir: Path, image_dir: str = APP_DIR, *, exclude: frozenset[str] = frozenset()) -> list[Source]:
    """Every file, folder and inner symlink of ``app_dir`` (but its top-level entries named in ``exclude``);
    an escaping symlink or a special file is an error."""
    if not app_dir.is_dir():
        raise ImageError("the service tree is not a directory", path=app_dir,
                         hint="run `cleave build` so that it writes the service trees first")
    root = app_dir.resolve()
    sources: list[Source] = []
    for folder, dirs, files in os.walk(app_dir, followlinks=False):
        here = Path(folder)
        relative_dir = here.relative_to(app_dir).as_posix()
        prefix = image_dir if relative_dir == "." else f"{image_dir}/{relative_dir}"
        if relative_dir != ".":
            sources.append(Source(prefix, "dir", mode=0o755))
        dirs[:] = _descend(here, dirs, files, exclude if relative_dir == "." else frozenset())
        sources.extend(_file_source(here / name, f"{prefix}/{name}", root) for name in sorted(files)
                       if not name.endswith((".pyc", ".pyo")))
    return sources


def _descend(here: Path, dirs: list[str], files: list[str], exclude: frozenset[str]) -> list[str]:
    """The folders to walk into; symlinks to folders move to ``files`` (kept as links, not followed)."""
    kept = []
    for name in sorted(dirs):
        if name in _SKIP or name in exclude:
            continue
        if (here / name).is_symlink():
            files.append(name)
        else:
            kept.append(name)
    return kept


def _file_source(host: Path, image_path: str, root: Path) -> Source:
    """A regular file or an inner symlink; anything else (or unreadable) is an :class:`ImageError`."""
    try:
        info = host.lstat()
    except OSError as error:
        raise ImageError(f"cannot read: {error.strerror}", path=host) from error
    if stat.S_ISLNK(info.st_mode):
        return _symlink(host, image_path, root)
    if not stat.S_ISREG(info.st_mode):
        raise ImageError("not a regular file, folder or symlink (a socket, pipe or device?)", path=host,
                         hint="remove it from the source tree")
    if not os.access(host, os.R_OK):
        raise ImageError("the file is not readable", path=host,
                         hint="make it readable (chmod a+r) or remove it from the source tree")
    return Source(image_path, host=host, compile=host.name.endswith(".py"))


def _symlink(host: Path, image_path: str, root: Path) -> Source:
    """An inner symlink kept as a relative link; one leading outside the tree is refused."""
    target = os.readlink(host)
    try:
        resolved = host.resolve(strict=True)
    except (OSError, RuntimeError) as error:
        raise ImageError(f"symlink to {target!r} is dangling or loops", path=host,
                         hint="fix or remove the link") from error
    if resolved != root and root not in resolved.parents:
        raise ImageError(f"symlink points outside the service tree (to {target!r})", path=host,
                         hint="copy the file into the tree instead of linking to it")
    relative = os.path.relpath(resolved, host.parent.resolve())
    return Source(image_path, "symlink", linkname=relative)
