"""``resources.disk``: a service's ``/data`` volume as a size-limited ext4 filesystem of its own.

The volume ``.cleave/volumes/<name>/`` is then the mount point of ``.cleave/volumes/.<name>.ext4``, a sparse image
file made once with ``mkfs.ext4`` (no reserved blocks; the journal kept: the data must survive crashes) and
loop-mounted ``nosuid,nodev`` before any replica or the database needs it. A write past the size fails with ENOSPC
inside the service; the host's filesystem never fills. The image stays across ``down`` (the volume is unmounted;
``up`` mounts it again, the data intact) and goes with ``down --volumes``. A volume that held data before it got a
quota is copied into its new filesystem (refused, with nothing changed, when it does not fit). Growing the size
takes effect at the next ``up`` after a ``down`` (``resize2fs``); shrinking is refused: it could lose data.

Enforced only where the engine can mount (root: ``mount -o loop`` needs CAP_SYS_ADMIN of the host); elsewhere a
service with ``resources.disk`` is refused before anything starts, never run unbounded. Project quotas were the
alternative; the filesystems ``.cleave`` sits on are seldom mounted with ``prjquota`` (this machine's is not).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cleave.formats.topology import ServiceSpec, Topology
from runtime.errors import RuntimeEngineError


def image_of(volume: Path) -> Path:
    """``volumes/orders`` -> ``volumes/.orders.ext4``."""
    return volume.with_name(f".{volume.name}.ext4")


def wanted_size(topology: Topology, volume_name: str) -> int | None:
    """The quota of volume ``volume_name``: the ``disk`` of the services that mount it at their data dir (one
    value; two different ones are an error naming both), None without one."""
    sizes = {}
    for spec in topology.services:
        mounts = {v.name for v in spec.volumes if v.target == spec.data_dir} or {spec.name}
        if spec.resources.disk is not None and volume_name in mounts:
            sizes[spec.name] = spec.resources.disk
    if len(set(sizes.values())) > 1:
        named = ", ".join(f"{name} {size}" for name, size in sorted(sizes.items()))
        raise RuntimeEngineError(f"services sharing volume {volume_name!r} ask for different resources.disk ({named})",
                                 hint="give them the same disk in cleave.yaml, or set it on one of them only")
    return next(iter(sizes.values()), None)


def _run(argv: list[str], what: str, volume: Path) -> None:
    found = subprocess.run(argv, capture_output=True, text=True, check=False)
    if found.returncode != 0:
        detail = (found.stderr or found.stdout).strip().splitlines()
        last = detail[-1] if detail else f"exit {found.returncode}"
        raise RuntimeEngineError(f"{what} for the quota of {volume} failed: {last}", path=volume)


def _need(tool: str, volume: Path) -> str:
    path = shutil.which(tool) or next((p for p in (f"/usr/sbin/{tool}", f"/sbin/{tool}") if os.path.exists(p)), None)
    if path is None:
        raise RuntimeEngineError(f"resources.disk needs {tool}, which is not installed", path=volume,
                                 hint="apt-get install e2fsprogs mount, or remove resources.disk from cleave.yaml")
    return path


def refuse_unless_root(spec: ServiceSpec, volume: Path) -> None:
    """One line before anything starts when the quota cannot be enforced here."""
    if os.geteuid() != 0:
        raise RuntimeEngineError(
            f"resources.disk of {spec.name!r} cannot be enforced: its /data quota is a loop-mounted ext4 image, and "
            "mounting one needs root", path=volume,
            hint="run `cleave up` as root, or remove resources.disk from cleave.yaml (no unbounded stand-in is used)")


def _mounted_size(volume: Path) -> int | None:
    if not os.path.ismount(volume):
        return None
    found = os.statvfs(volume)
    return found.f_blocks * found.f_frsize


def ensure(volume: Path, size: int, spec: ServiceSpec) -> None:
    """Make ``volume`` the mount point of its own ``size``-byte ext4 filesystem (idempotent; see the module)."""
    refuse_unless_root(spec, volume)
    image = image_of(volume)
    if _mounted_size(volume) is not None:
        if image.exists() and image.stat().st_size != size:
            raise RuntimeEngineError(f"resources.disk of {spec.name!r} changed while its volume is in use",
                                     path=volume, hint="`cleave down`, then `cleave up` resizes it")
        return
    volume.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not image.exists():
        _make(image, size, volume)
    elif image.stat().st_size < size:
        os.truncate(image, size)
        _run([_need("e2fsck", volume), "-f", "-p", str(image)], "e2fsck", volume)
        _run([_need("resize2fs", volume), str(image)], "resize2fs", volume)
    elif image.stat().st_size > size:
        raise RuntimeEngineError(f"resources.disk of {spec.name!r} is smaller than its volume's "
                                 f"{image.stat().st_size} bytes: shrinking could lose data", path=volume,
                                 hint="keep the size, or `cleave down --volumes` to start empty")
    if any(volume.iterdir()):
        _move_in(image, volume)
    _run([_need("mount", volume), "-t", "ext4", "-o", "loop,nosuid,nodev", str(image), str(volume)], "mount",
         volume)


def _make(image: Path, size: int, volume: Path) -> None:
    fd = os.open(image, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    os.close(fd)
    try:
        os.truncate(image, size)
        _run([_need("mkfs.ext4", volume), "-q", "-F", "-m", "0", "-E", "nodiscard", str(image)], "mkfs.ext4",
             volume)
    except BaseException:
        image.unlink()
        raise


def _move_in(image: Path, volume: Path) -> None:
    """Copy what ``volume`` holds into the new filesystem, then empty the folder; nothing changes if it does not
    fit."""
    staging = Path(tempfile.mkdtemp(prefix=".quota-", dir=volume.parent))
    try:
        _run([_need("mount", volume), "-t", "ext4", "-o", "loop,nosuid,nodev", str(image), str(staging)], "mount",
             volume)
        try:
            copied = subprocess.run(["cp", "-a", f"{volume}/.", str(staging)], capture_output=True, text=True,
                                    check=False)
        finally:
            _run([_need("umount", volume), str(staging)], "umount", volume)
        if copied.returncode != 0:
            size = image.stat().st_size
            image.unlink()
            raise RuntimeEngineError(f"the data already in {volume} does not fit in resources.disk ({size} bytes)",
                                     path=volume, hint="raise resources.disk in cleave.yaml")
    finally:
        staging.rmdir()
    for child in volume.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def unmount_all(volumes: Path) -> None:
    """Unmount every quota filesystem under ``volumes`` (``down``); the images stay."""
    if not volumes.is_dir():
        return
    for image in volumes.glob(".*.ext4"):
        volume = volumes / image.name[1:-len(".ext4")]
        if os.path.ismount(volume):
            try:
                _run([_need("umount", volume), str(volume)], "umount", volume)
            except RuntimeEngineError:  # still busy (a process that outlived down): detach it now, freed when unused
                with contextlib.suppress(RuntimeEngineError):
                    _run([_need("umount", volume), "-l", str(volume)], "umount -l", volume)
