"""Building a replica's root before it pivots into it: folders made without following the image's symlinks, a
minimal /dev, and the empty /proc a zygote gets (see runtime/launch.py)."""

from __future__ import annotations

import os
from typing import Final

from runtime import linux
from runtime.errors import LaunchError

DEVICES: Final = ("null", "zero", "full", "random", "urandom", "tty")


def make_dir_in_root(root: str, relative: str) -> None:
    """Make ``root/relative`` a folder without following any symlink of the image: the root is not pivoted yet, so
    an image symlink (``app -> /etc``) would otherwise lead mkdir and mount onto the host's own folders."""
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        done = ""
        for part in [p for p in relative.split("/") if p not in ("", ".")]:
            if part == "..":
                raise LaunchError(f"mount point /{relative} has '..'", hint="fix the image's config or topology")
            done += "/" + part
            try:
                following = os.open(part, os.O_PATH | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=fd)
            except FileNotFoundError:
                os.mkdir(part, 0o755, dir_fd=fd)
                following = os.open(part, os.O_PATH | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=fd)
            except NotADirectoryError:
                raise LaunchError(f"the image has a symlink or a file at {done}, where the runtime mounts "
                                  f"/{relative}", hint="make it a folder in the image") from None
            os.close(fd)
            fd = following
    finally:
        os.close(fd)


def mount_dev(root: str) -> None:
    """A minimal /dev: a small tmpfs with the harmless devices bind-mounted, the std links and a private /dev/shm."""
    linux.mount("tmpfs", f"{root}/dev", "tmpfs", linux.MS_NOSUID | linux.MS_NOEXEC, "mode=755,size=64k")
    for device in DEVICES:
        if os.path.exists(f"/dev/{device}"):
            open(f"{root}/dev/{device}", "w").close()
            linux.mount(f"/dev/{device}", f"{root}/dev/{device}", None, linux.MS_BIND)
    for index, stream in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{index}", f"{root}/dev/{stream}")
    os.symlink("/proc/self/fd", f"{root}/dev/fd")
    os.mkdir(f"{root}/dev/shm")
    linux.mount("tmpfs", f"{root}/dev/shm", "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "mode=1777,size=16m")


def mount_empty_proc(target: str) -> None:
    """Mount at ``target`` the /proc of a pid namespace that held one process, gone by now: the zygote sees no
    process through it, and its replicas may mount their own /proc (the kernel allows that in a user namespace only
    where a full /proc is already mounted)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            linux.unshare(linux.CLONE_NEWPID)
            inner = os.fork()
            if inner == 0:
                try:
                    linux.mount("proc", target, "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
                finally:
                    os._exit(0 if os.path.exists(f"{target}/self") else 1)
            code = os.waitstatus_to_exitcode(os.waitpid(inner, 0)[1])
        finally:
            os._exit(code)
    if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
        raise OSError(f"could not mount an empty /proc on {target}")
