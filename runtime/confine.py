"""The last steps of confining a replica or a zygote, applied after its setup and before the image's code runs:
a seccomp filter like podman's default and, where the kernel has it (Landlock ABI >= 6), a Landlock domain that
scopes signals and abstract unix sockets to the replica's own processes.

The filter is classic BPF written here (no libseccomp needed): on the native architecture (other ABIs, x32 and
i386 entry points, get ENOSYS) it refuses with EPERM the kernel keyring (``keyctl``, ``add_key``,
``request_key``), kernel modules, kexec, reboot, swap, accounting, clock and time setting, ``bpf``,
``perf_event_open``, file handles (``open_by_handle_at``), quotas, ``userfaultfd``, I/O port access, ``setns``,
``pivot_root``, the new mount API (``fsopen``, ``open_tree``, ``move_mount``, ...), and ``clone``/``unshare`` with
``CLONE_NEWUSER``; ``clone3`` gets ENOSYS (its flags are behind a pointer, which BPF cannot read; libc then falls back
to ``clone``, as under podman and Docker). Everything else is allowed: a replica without capabilities cannot mount
or unshare anyway; a zygote keeps ``mount`` and ``unshare`` (of the other namespaces) inside its own user namespace.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
from typing import Final

from runtime import linux

_DENIED: Final = ("keyctl", "add_key", "request_key", "init_module", "finit_module", "delete_module", "kexec_load",
                  "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime",
                  "clock_adjtime", "adjtimex", "bpf", "perf_event_open", "lookup_dcookie", "open_by_handle_at",
                  "name_to_handle_at", "quotactl", "nfsservctl", "userfaultfd", "vhangup", "pivot_root", "setns",
                  "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "iopl",
                  "ioperm", "uselib", "_sysctl", "create_module", "get_kernel_syms", "query_module")
_NUMBERS: Final = {
    "x86_64": (0xC000003E, {
        "keyctl": 250, "add_key": 248, "request_key": 249, "init_module": 175, "finit_module": 313,
        "delete_module": 176, "kexec_load": 246, "kexec_file_load": 320, "reboot": 169, "swapon": 167,
        "swapoff": 168, "acct": 163, "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305,
        "adjtimex": 159, "bpf": 321, "perf_event_open": 298, "lookup_dcookie": 212, "open_by_handle_at": 304,
        "name_to_handle_at": 303, "quotactl": 179, "nfsservctl": 180, "userfaultfd": 323, "vhangup": 153,
        "pivot_root": 155, "setns": 308, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
        "fsmount": 432, "fspick": 433, "mount_setattr": 442, "iopl": 172, "ioperm": 173, "uselib": 134,
        "_sysctl": 156, "create_module": 174, "get_kernel_syms": 177, "query_module": 178,
        "clone": 56, "unshare": 272, "clone3": 435}),
    "aarch64": (0xC00000B7, {
        "keyctl": 219, "add_key": 217, "request_key": 218, "init_module": 105, "finit_module": 273,
        "delete_module": 106, "kexec_load": 104, "kexec_file_load": 294, "reboot": 142, "swapon": 224,
        "swapoff": 225, "acct": 89, "settimeofday": 170, "clock_settime": 112, "clock_adjtime": 266,
        "adjtimex": 171, "bpf": 280, "perf_event_open": 241, "lookup_dcookie": 18, "open_by_handle_at": 265,
        "name_to_handle_at": 264, "quotactl": 60, "nfsservctl": 42, "userfaultfd": 282, "vhangup": 58,
        "pivot_root": 41, "setns": 268, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
        "fsmount": 432, "fspick": 433, "mount_setattr": 442, "clone": 220, "unshare": 97, "clone3": 435}),
}

_LD_W_ABS: Final = 0x20
_JEQ: Final = 0x15
_JGE: Final = 0x35
_JSET: Final = 0x45
_RET: Final = 0x06
_ALLOW: Final = 0x7FFF0000
_ERRNO: Final = 0x00050000
_X32_BIT: Final = 0x40000000
PR_SET_SECCOMP: Final = 22
SECCOMP_MODE_FILTER: Final = 2


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def filter_program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) instructions for ``machine`` (this one by default)."""
    arch, numbers = _NUMBERS[machine or platform.machine()]
    denied = [numbers[name] for name in _DENIED if name in numbers]
    body: list[tuple[int, int, int, int] | tuple[str, int] | str] = [(_LD_W_ABS, 0, 0, 4), (_JEQ, 1, 0, arch), "nosys",
                                                   (_LD_W_ABS, 0, 0, 0)]
    if arch == 0xC000003E:
        body.append((_JGE, 0, 1, _X32_BIT))
        body.append("nosys")
    body.extend(("deny-if", number) for number in denied)
    body.append(("nosys-if", numbers["clone3"]))
    for name in ("clone", "unshare"):
        body.extend([(_JEQ, 0, 3, numbers[name]), (_LD_W_ABS, 0, 0, 16),
                     (_JSET, 0, 0, linux.CLONE_NEWUSER), "allow-after-jset"])
    body.append("allow")
    end = len(body)
    targets = {"allow": end, "deny": end + 1, "nosys": end + 2}
    program: list[tuple[int, int, int, int]] = []
    for index, item in enumerate(body):
        if item == "nosys":
            program.append((_RET, 0, 0, _ERRNO | errno.ENOSYS))
        elif item == "allow":
            program.append((_RET, 0, 0, _ALLOW))
        elif item == "allow-after-jset":  # the JSET before it: set -> deny, clear -> allow
            code, _, _, k = program[-1]
            program[-1] = (code, targets["deny"] - index, targets["allow"] - index, k)
            program.append((_RET, 0, 0, _ALLOW))
        elif len(item) == 2:
            kind, number = item[0], int(item[1])
            target = targets["deny" if kind == "deny-if" else "nosys"]
            program.append((_JEQ, target - index - 1, 0, number))
        else:
            code, jt, jf, k = (int(part) for part in item)
            program.append((code, jt, jf, k))
    program += [(_RET, 0, 0, _ALLOW), (_RET, 0, 0, _ERRNO | errno.EPERM), (_RET, 0, 0, _ERRNO | errno.ENOSYS)]
    assert all(jt < 256 and jf < 256 for _, jt, jf, _ in program)
    return program


def install_seccomp() -> None:
    """Load the filter into this thread (needs no-new-privileges or CAP_SYS_ADMIN); it stays across exec."""
    program = filter_program()
    filters = (_Filter * len(program))(*(_Filter(*item) for item in program))
    fprog = _Program(len(program), filters)
    linux.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))


LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET: Final = 1
LANDLOCK_SCOPE_SIGNAL: Final = 2


class _LandlockRuleset(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when it has none (or it is disabled)."""
    try:
        return linux.landlock_create_ruleset(None, 0, 1)
    except OSError:
        return 0


def install_landlock_scope() -> bool:
    """Put this process in a Landlock domain where signals and abstract unix sockets reach only processes of the
    same domain (ABI >= 6, Linux >= 6.12); ``False`` where the kernel cannot. Needs no-new-privileges."""
    if landlock_abi() < 6:
        return False
    attr = _LandlockRuleset(0, 0, LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL)
    fd = linux.landlock_create_ruleset(ctypes.byref(attr), ctypes.sizeof(attr), 0)
    try:
        linux.landlock_restrict_self(fd)
    finally:
        os.close(fd)
    return True


def confine_last() -> None:
    """No-new-privileges, the Landlock scope where available, then the seccomp filter (last: it denies nothing
    the two before need)."""
    linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
    install_landlock_scope()
    install_seccomp()
