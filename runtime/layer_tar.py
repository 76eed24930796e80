"""Unpacking one image layer (an uncompressed tar) into a private staging folder, strictly.

Every entry name, whiteout and link target is checked against one grammar before anything is written: a relative
path of components that are not empty, ``.`` or ``..``, hold no NUL and no more than 255 bytes, 4096 bytes in all;
nothing is written through a symlink or below a non-directory; a whiteout hides exactly one name in its folder
(``.wh.`` followed by a valid component: ``.wh...`` hid ``..`` and once deleted the whole store); a hard link points
at a regular file unpacked earlier in the same layer. Refusal is one line naming the layer and the entry. Set-uid,
set-gid bits never survive (``mode & 0o1777``). The staging folder is the engine's own (under ``.cleave``, 0700), so
no other process races the checks; callers rename it into place only when the whole layer went in.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final

from runtime.errors import UnsafeLayerError

WHITEOUT_PREFIX: Final = ".wh."
OPAQUE_MARKER: Final = ".wh..wh..opq"
OPAQUE_XATTR: Final = "trusted.overlay.opaque"
USER_OPAQUE_XATTR: Final = "user.overlay.opaque"  # what overlayfs reads when mounted with userxattr
MAX_COMPONENT: Final = 255
MAX_PATH: Final = 4096
MODE_MASK: Final = 0o1777  # permission bits and sticky; never set-uid or set-gid


def _refuse(layer: str, what: str) -> UnsafeLayerError:
    return UnsafeLayerError(f"layer {layer} {what}", hint="rebuild the image; this layer was not unpacked")


def valid_component(part: str) -> bool:
    """One path component as the store accepts it."""
    return (part not in ("", ".", "..") and "/" not in part and "\x00" not in part
            and len(part.encode("utf-8", "surrogateescape")) <= MAX_COMPONENT)


def safe_relative(name: str, layer: str) -> PurePosixPath | None:
    """The member's path relative to the layer root, or ``None`` for the root itself; refuses escapes."""
    if "\x00" in name or len(name.encode("utf-8", "surrogateescape")) > MAX_PATH:
        raise _refuse(layer, f"has an entry name that is too long or holds NUL: {name[:80]!r}")
    path = PurePosixPath(name)
    if path.is_absolute():
        raise _refuse(layer, f"has an absolute path {name!r}")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _refuse(layer, f"has a path with '..': {name!r}")
    for part in parts:
        if not valid_component(part):
            raise _refuse(layer, f"has an invalid path component {part[:80]!r} in {name[:120]!r}")
    return PurePosixPath(*parts) if parts else None


def prepare_parents(root: Path, relative: PurePosixPath, layer: str) -> Path:
    """Make the member's parent folders, refusing to go through a symlink (which could point outside)."""
    current = root
    for part in relative.parts[:-1]:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            os.mkdir(current, 0o755)
            continue
        if stat.S_ISLNK(info.st_mode):
            raise _refuse(layer, f"writes {str(relative)!r} through the symlink {str(current.relative_to(root))!r}")
        if not stat.S_ISDIR(info.st_mode):
            raise _refuse(layer, f"writes {str(relative)!r} below a non-directory")
    return root / relative


def clear(target: Path) -> None:
    """Remove whatever is at ``target`` (never following a symlink)."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(target)
    else:
        os.unlink(target)


def _whiteout(relative: PurePosixPath, layer: str, name: str) -> PurePosixPath:
    hidden = relative.name[len(WHITEOUT_PREFIX):]
    if not valid_component(hidden) or hidden.startswith(WHITEOUT_PREFIX):
        raise _refuse(layer, f"has a whiteout that hides no single name: {name!r}")
    return relative.parent / hidden


def _check_link_target(target: str, layer: str, name: str) -> None:
    if not target or "\x00" in target or len(target.encode("utf-8", "surrogateescape")) > MAX_PATH:
        raise _refuse(layer, f"has a symlink {name!r} with an empty, overlong or NUL-holding target")


def extract_layer(tar_bytes: bytes, destination: Path, layer: str, *, overlay: bool) -> dict[str, list[str]]:
    """Unpack one uncompressed layer tar into ``destination`` (which must not exist); returns its whiteouts and
    opaque folders. Raises :class:`UnsafeLayerError` on the first entry that breaks the grammar."""
    job = _Unpacking(destination, layer, overlay, os.geteuid() == 0)
    destination.mkdir(parents=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as archive:
            for member in archive:
                _extract_member(archive, member, job)
    except tarfile.TarError as error:
        raise _refuse(layer, f"is not a readable tar: {error}") from error
    return {"whiteouts": job.whiteouts, "opaque": job.opaque}


@dataclass
class _Unpacking:
    destination: Path
    layer: str
    overlay: bool
    as_root: bool
    whiteouts: list[str] = field(default_factory=list)
    opaque: list[str] = field(default_factory=list)


def _extract_member(archive: tarfile.TarFile, member: tarfile.TarInfo, job: _Unpacking) -> None:
    relative = safe_relative(member.name, job.layer)
    if relative is None:
        return
    target = prepare_parents(job.destination, relative, job.layer)
    if relative.name == OPAQUE_MARKER:
        job.opaque.append(str(relative.parent))
        if job.overlay:
            os.setxattr(target.parent, OPAQUE_XATTR if job.as_root else USER_OPAQUE_XATTR, b"y")
        return
    if relative.name.startswith(WHITEOUT_PREFIX):
        hidden = _whiteout(relative, job.layer, member.name)
        job.whiteouts.append(str(hidden))
        if job.overlay:
            clear(job.destination / hidden)
            os.mknod(job.destination / hidden, stat.S_IFCHR | 0o000, os.makedev(0, 0))
        return
    if not _write_entry(archive, member, target, job):
        return
    if job.as_root:
        os.lchown(target, member.uid, member.gid)
    if not member.issym():  # timestamp-checked .pyc files stay valid only with their sources' mtimes
        os.utime(target, (member.mtime, member.mtime))


def _write_entry(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path, job: _Unpacking) -> bool:
    """Write a folder, file, symlink or hard link at ``target``; ``False`` for what is skipped."""
    if member.isdir():
        if not target.is_dir() or target.is_symlink():
            clear(target)
            os.mkdir(target)
        os.chmod(target, member.mode & MODE_MASK)
    elif member.isreg():
        clear(target)
        source = archive.extractfile(member)
        assert source is not None
        with open(target, "xb") as handle:
            shutil.copyfileobj(source, handle)
        os.chmod(target, member.mode & MODE_MASK)
    elif member.issym():
        _check_link_target(member.linkname, job.layer, member.name)
        clear(target)
        os.symlink(member.linkname, target)
    elif member.islnk():
        return _hard_link(member, target, job)
    else:
        return False  # devices and fifos: the runtime provides /dev itself
    return True


def _hard_link(member: tarfile.TarInfo, target: Path, job: _Unpacking) -> bool:
    link = safe_relative(member.linkname, job.layer)
    if link is None:
        raise _refuse(job.layer, f"hard-links {member.name!r} to the root folder")
    source_path = prepare_parents(job.destination, link, job.layer)
    if not source_path.is_file() or source_path.is_symlink():
        raise _refuse(job.layer, f"hard-links {member.name!r} to {member.linkname!r}, which is not a regular file "
                                 "of this layer")
    if source_path == target:
        return False
    clear(target)
    os.link(source_path, target)
    return True


def fingerprint(root: Path) -> str:
    """A digest of the unpacked tree's shape: every path with its type, mode, owner, size, mtime and link target
    (whiteout devices and xattrs left out: they are added later for overlay runs). Cheap enough to check before
    every use; a layer whose fingerprint changed is unpacked again from its verified blob."""
    digest = hashlib.sha256()
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted([*dirnames, *filenames]):
            path = os.path.join(folder, name)
            info = os.lstat(path)
            if stat.S_ISCHR(info.st_mode):
                continue
            link = os.readlink(path) if stat.S_ISLNK(info.st_mode) else ""
            size = info.st_size if stat.S_ISREG(info.st_mode) else 0
            mtime = 0 if stat.S_ISLNK(info.st_mode) or stat.S_ISDIR(info.st_mode) else info.st_mtime_ns
            digest.update(f"{os.path.relpath(path, root)}\0{info.st_mode:o}\0{info.st_uid}\0{info.st_gid}\0"
                          f"{size}\0{mtime}\0{link}\n".encode("utf-8", "surrogateescape"))
    return "sha256:" + digest.hexdigest()
