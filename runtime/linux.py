"""The Linux system calls Python 3.11's ``os`` lacks, through ctypes (x86_64 and aarch64 numbers)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import platform
import socket
import stat
import struct
from typing import Final

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_libc.syscall.restype = ctypes.c_long

CLONE_NEWNS: Final = 0x00020000
CLONE_NEWCGROUP: Final = 0x02000000
CLONE_NEWUTS: Final = 0x04000000
CLONE_NEWIPC: Final = 0x08000000
CLONE_NEWUSER: Final = 0x10000000
CLONE_NEWPID: Final = 0x20000000
CLONE_NEWNET: Final = 0x40000000

MS_RDONLY: Final = 1
MS_NOSUID: Final = 2
MS_NODEV: Final = 4
MS_NOEXEC: Final = 8
MS_REMOUNT: Final = 32
MS_BIND: Final = 4096
MS_REC: Final = 16384
MS_PRIVATE: Final = 1 << 18
MNT_DETACH: Final = 2

PR_SET_PDEATHSIG: Final = 1
PR_CAPBSET_DROP: Final = 24
PR_SET_CHILD_SUBREAPER: Final = 36
PR_SET_NO_NEW_PRIVS: Final = 38
CAP_LAST_CAP_FILE: Final = "/proc/sys/kernel/cap_last_cap"

_SYSCALLS: Final = {
    "x86_64": {"pivot_root": 155, "capset": 126, "pidfd_send_signal": 424, "pidfd_open": 434, "pidfd_getfd": 438,
               "openat2": 437, "landlock_create_ruleset": 444, "landlock_restrict_self": 446},
    "aarch64": {"pivot_root": 41, "capset": 91, "pidfd_send_signal": 424, "pidfd_open": 434, "pidfd_getfd": 438,
                "openat2": 437, "landlock_create_ruleset": 444, "landlock_restrict_self": 446},
}
_NR: Final = _SYSCALLS.get(platform.machine(), _SYSCALLS["x86_64"])


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")
    return result


def unshare(flags: int) -> None:
    """unshare(2): move the caller into new namespaces."""
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def setns(fd: int, nstype: int = 0) -> None:
    """setns(2): join the namespace ``fd`` refers to."""
    _check(_libc.setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    """mount(2)."""
    result = _libc.mount(
        source.encode() if source is not None else None, target.encode(),
        fstype.encode() if fstype is not None else None, ctypes.c_ulong(flags),
        data.encode() if data is not None else None)
    _check(result, f"mount {source or fstype} on {target}")


def umount2(target: str, flags: int = 0) -> None:
    """umount2(2)."""
    _check(_libc.umount2(target.encode(), ctypes.c_int(flags)), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    """pivot_root(2)."""
    _check(_libc.syscall(_NR["pivot_root"], new_root.encode(), put_old.encode()), "pivot_root")


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    """prctl(2)."""
    return _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3),
                              ctypes.c_ulong(arg4), ctypes.c_ulong(arg5)), "prctl")


def pidfd_open(pid: int) -> int:
    """pidfd_open(2): a file descriptor that stays bound to this very process (readable once it exits)."""
    return _check(_libc.syscall(_NR["pidfd_open"], ctypes.c_int(pid), ctypes.c_uint(0)), f"pidfd_open {pid}")


def pidfd_getfd(pidfd: int, targetfd: int) -> int:
    """pidfd_getfd(2): a duplicate of another process's file descriptor (Linux >= 5.6)."""
    return _check(_libc.syscall(_NR["pidfd_getfd"], ctypes.c_int(pidfd), ctypes.c_int(targetfd), ctypes.c_uint(0)),
                  "pidfd_getfd")


def pidfd_send_signal(pidfd: int, sig: int) -> None:
    """pidfd_send_signal(2): signal a process without the risk of pid reuse."""
    _check(_libc.syscall(_NR["pidfd_send_signal"], ctypes.c_int(pidfd), ctypes.c_int(sig), None, ctypes.c_uint(0)),
           "pidfd_send_signal")


RESOLVE_NO_MAGICLINKS: Final = 0x02
RESOLVE_BENEATH: Final = 0x08
RESOLVE_IN_ROOT: Final = 0x10


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


def openat2(dirfd: int, path: str, flags: int, resolve: int) -> int:
    """openat2(2) (Linux >= 5.6): ``OSError`` with ENOSYS where the kernel lacks it, EXDEV for an escape."""
    how = _OpenHow(flags | os.O_CLOEXEC, 0, resolve)
    return _check(_libc.syscall(_NR["openat2"], ctypes.c_int(dirfd), path.encode("utf-8", "surrogateescape"),
                                ctypes.byref(how), ctypes.c_size_t(ctypes.sizeof(how))), f"openat2 {path}")


def resolve_beneath(root: str, relative: str) -> str:
    """The real path of ``root/relative`` when resolving it never leaves ``root`` (symlinks included): openat2 with
    RESOLVE_BENEATH, or, on kernels without it, each component opened with O_NOFOLLOW (no symlink at all).
    Raises ``OSError`` (EXDEV or ELOOP) for an escape, ENOENT when missing."""
    base = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        try:
            fd = openat2(base, relative, os.O_PATH, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
        except OSError as error:
            if error.errno != 38:  # ENOSYS
                raise
            fd = os.dup(base)
            for part in [p for p in relative.split("/") if p not in ("", ".")]:
                if part == "..":
                    os.close(fd)
                    raise OSError(18, f"{relative}: '..' leaves {root}") from None
                try:
                    following = os.open(part, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                finally:
                    os.close(fd)
                fd = following
                if stat.S_ISLNK(os.fstat(fd).st_mode):
                    os.close(fd)
                    raise OSError(40, f"{relative}: {part} is a symlink") from None
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        finally:
            os.close(fd)
    finally:
        os.close(base)


def landlock_create_ruleset(attr: object, size: int, flags: int) -> int:
    """landlock_create_ruleset(2); with ``flags`` 1 (and no attr) it returns the ABI version."""
    return _check(_libc.syscall(_NR["landlock_create_ruleset"], attr, ctypes.c_size_t(size), ctypes.c_uint32(flags)),
                  "landlock_create_ruleset")


def landlock_restrict_self(ruleset_fd: int) -> None:
    """landlock_restrict_self(2): enter the ruleset's domain (for good, inherited across fork and exec)."""
    _check(_libc.syscall(_NR["landlock_restrict_self"], ctypes.c_int(ruleset_fd), ctypes.c_uint32(0)),
           "landlock_restrict_self")


def last_capability() -> int:
    try:
        with open(CAP_LAST_CAP_FILE) as handle:
            return int(handle.read())
    except OSError:
        return 40


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities(keep: frozenset[int]) -> None:
    """Drop every capability not in ``keep`` from the bounding, effective, permitted and inheritable sets."""
    for cap in range(last_capability() + 1):
        if cap not in keep:
            try:
                prctl(PR_CAPBSET_DROP, cap)
            except OSError as error:
                if error.errno != 22:  # EINVAL: capability unknown to this kernel
                    raise
    mask = 0
    for cap in keep:
        mask |= 1 << cap
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    for i in range(2):
        word = (mask >> (32 * i)) & 0xFFFFFFFF
        data[i].effective = word
        data[i].permitted = word
        data[i].inheritable = 0
    _check(_libc.syscall(_NR["capset"], ctypes.byref(header), ctypes.byref(data)), "capset")


PR_CAP_AMBIENT: Final = 47
PR_CAP_AMBIENT_RAISE: Final = 2
CAP_NET_ADMIN: Final = 12
CAP_SYS_ADMIN: Final = 21


def keep_ambient(keep: frozenset[int]) -> None:
    """Keep only ``keep`` (bounding, effective, permitted, inheritable) and raise them as ambient capabilities, so
    that they survive an exec as a non-root user. Meant for a user namespace of our own: they act only there."""
    for cap in range(last_capability() + 1):
        if cap not in keep:
            with contextlib.suppress(OSError):
                prctl(PR_CAPBSET_DROP, cap)
    mask = 0
    for cap in keep:
        mask |= 1 << cap
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    for i in range(2):
        word = (mask >> (32 * i)) & 0xFFFFFFFF
        data[i].effective, data[i].permitted, data[i].inheritable = word, word, word
    _check(_libc.syscall(_NR["capset"], ctypes.byref(header), ctypes.byref(data)), "capset")
    for cap in sorted(keep):
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap)


def loopback_up() -> None:
    """Bring ``lo`` up in the caller's network namespace (SIOCGIFFLAGS / SIOCSIFFLAGS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, 0x8913, request))[1]
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14x", b"lo", flags | 0x1 | 0x40))  # IFF_UP | IFF_RUNNING


def process_start_time(pid: int) -> int | None:
    """Field 22 of ``/proc/PID/stat`` (clock ticks since boot): with the pid, it names one process for good."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2:].split()
    if fields[0] in (b"Z", b"X"):
        return None  # a zombie is no longer a running process (its parent has not reaped it yet)
    return int(fields[19])


# Capabilities a replica that runs as root keeps (Docker's default set, without NET_RAW, MKNOD and AUDIT_WRITE).
CAP_CHOWN: Final = 0
CAP_DAC_OVERRIDE: Final = 1
CAP_FOWNER: Final = 3
CAP_FSETID: Final = 4
CAP_KILL: Final = 5
CAP_SETGID: Final = 6
CAP_SETUID: Final = 7
CAP_SETPCAP: Final = 8
CAP_NET_BIND_SERVICE: Final = 10
CAP_SYS_CHROOT: Final = 18
CAP_SETFCAP: Final = 31
REDUCED_CAPABILITIES: Final = frozenset({CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID,
                                         CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
                                         CAP_SETFCAP})


USERNS_SYSCTLS: Final = (("/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone is 0"),
                         ("/proc/sys/user/max_user_namespaces", "user.max_user_namespaces is 0"))


def map_to_user(outside_uid: int, outside_gid: int, inside_uid: int, inside_gid: int) -> None:
    """In a user namespace just unshared: map our uid and gid to ``inside_*`` (one id each, no setgroups)."""
    with open("/proc/self/setgroups", "w") as handle:
        handle.write("deny")  # an unprivileged gid_map requires it
    with open("/proc/self/uid_map", "w") as handle:
        handle.write(f"{inside_uid} {outside_uid} 1")
    with open("/proc/self/gid_map", "w") as handle:
        handle.write(f"{inside_gid} {outside_gid} 1")


def probe_user_namespace() -> str | None:
    """``None`` when this user can create a user namespace with mount, pid, uts, ipc and net namespaces in it and
    mount a tmpfs there; otherwise why not (a sysctl that forbids it, or the error of the attempt)."""
    for path, reason in USERNS_SYSCTLS:
        try:
            with open(path) as handle:
                if handle.read().strip() == "0":
                    return reason
        except OSError:
            pass
    uid, gid = os.getuid(), os.getgid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET)
            map_to_user(uid, gid, uid, gid)
            mount(None, "/", None, MS_REC | MS_PRIVATE)
            mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=4k")
        except BaseException as error:
            os.write(write_end, f"user namespaces refused: {error}".encode())
            os._exit(1)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        message = reader.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        return message or "user namespaces refused"
    return None
