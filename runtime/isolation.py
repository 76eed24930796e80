"""Which isolation this machine and user allow, said out loud when something is missing.

Three modes: ``root`` (namespaces, overlayfs root, cgroups), ``rootless`` (not root, but unprivileged user
namespaces work: the same namespaces inside a user namespace that maps the caller to the image's user; cgroups only
with v2 delegation) and ``plain`` (plain processes). ``up`` and ``ps`` print one line per missing piece.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Final

from cleave.settings import Settings
from runtime import cgroups, linux

MODE_VARIABLE: Final = "CLEAVE_RUNTIME_ISOLATION"
"""``auto`` (default): everything this machine allows; ``none``: plain processes, no cgroups (degraded mode)."""

ROOTLESS_ROOT_VARIABLE: Final = "CLEAVE_RUNTIME_ROOTLESS_ROOT"
"""``auto`` (default): overlayfs where the kernel allows it in a user namespace (>= 5.11); ``bind``: always the
read-only bind of a flattened copy (the fallback of older kernels)."""

OVERLAY_IN_USERNS: Final = (5, 11)


@dataclass(frozen=True)
class Isolation:
    """What the engine can do here; ``missing`` lists, in words, what a replica goes without.

    ``namespaces``: replicas get their own mount, pid, uts, ipc and net namespaces; ``user_namespace``: inside a
    user namespace of their own (rootless); ``overlay``: the image root is an overlayfs (else a read-only bind of a
    flattened copy, or the flattened copy itself for plain processes).
    """

    namespaces: bool
    cgroups: cgroups.Cgroups | None = field(compare=False)
    cgroup_version: str
    missing: tuple[str, ...]
    user_namespace: bool = False
    overlay: bool = True

    @property
    def replica_health_checks(self) -> bool:
        """Each replica checked on its own socket, from inside its network namespace (runtime/health.py)."""
        return self.namespaces

    @property
    def mode(self) -> str:
        if not self.namespaces:
            return "plain"
        return "rootless" if self.user_namespace else "root"

    def describe(self) -> dict[str, Any]:
        return {"mode": self.mode, "namespaces": self.namespaces, "user_namespace": self.user_namespace,
                "root": "overlay" if self.overlay and self.namespaces else
                        "read-only bind" if self.namespaces else "host folder",
                "cgroups": self.cgroup_version, "missing": list(self.missing)}


def kernel_version(release: str | None = None) -> tuple[int, int]:
    """``(major, minor)`` of ``uname -r`` (``6.18.44-fc`` -> ``(6, 18)``); ``(0, 0)`` when unreadable."""
    parts = (release or os.uname().release).split(".")
    try:
        return int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)
    except (IndexError, ValueError):
        return 0, 0


def detect(settings: Settings | None = None) -> Isolation:
    """Namespaces as root, or in a user namespace where allowed; cgroups where writable. ``none`` forces neither.
    ``settings``: read from the environment when not given."""
    settings = settings or Settings.from_env()
    forced_off = settings.isolation == "none"
    missing: list[str] = []
    namespaces, user_namespace = _namespaces(forced_off, missing)
    overlay = _rootless(settings, missing) if user_namespace else True
    if not namespaces:
        missing.append("per-replica health checks (they need a network namespace per replica): a service is checked "
                       "through its shared socket, so a replica that hangs while its siblings answer is not "
                       "replaced")
    found, version = _cgroups(forced_off, missing)
    return Isolation(namespaces, found, version, tuple(missing), user_namespace=user_namespace, overlay=overlay)


_SHARED: Final = ("replicas are plain processes that share this machine's pids, hostname, network and filesystem; "
                  "no read-only image root, no reduced capabilities, no image user; every service can reach every "
                  "other")


def _namespaces(forced_off: bool, missing: list[str]) -> tuple[bool, bool]:
    """(namespaces, in a user namespace): as root unless forced off, else in a user namespace where the kernel
    lets this user make one; what is missing appended to ``missing``."""
    if os.geteuid() == 0 and not forced_off:
        return True, False
    if forced_off:
        missing.append(f"namespaces ({MODE_VARIABLE}=none): {_SHARED}")
        return False, False
    refused = linux.probe_user_namespace()
    if refused is None:
        return True, True
    missing.append(f"namespaces (not root, and {refused}): {_SHARED}")
    return False, False


def _rootless(settings: Settings, missing: list[str]) -> bool:
    """In a user namespace: whether the image root is an overlayfs (else a read-only bind of a flattened copy)."""
    overlay = True
    kernel = kernel_version()
    if settings.rootless_root == "bind":
        overlay = False
        missing.append(f"overlayfs root ({ROOTLESS_ROOT_VARIABLE}=bind): the image root is a read-only bind "
                       "of a flattened copy (hard links), unpacked once per image")
    elif kernel < OVERLAY_IN_USERNS:
        overlay = False
        missing.append(f"overlayfs root (kernel {kernel[0]}.{kernel[1]} < 5.11 has no overlayfs in a user "
                       "namespace): the image root is a read-only bind of a flattened copy (hard links)")
    missing.append("root privileges (rootless: a user namespace maps only your uid, to the image's user; files "
                   "of the image owned by others appear as nobody; no zygote, each replica starts its own "
                   "interpreter)")
    return overlay


def _cgroups(forced_off: bool, missing: list[str]) -> tuple[cgroups.Cgroups | None, str]:
    """The cgroups replicas are put in, and their version ("none" when there are none)."""
    if forced_off:
        missing.append(f"cgroups ({MODE_VARIABLE}=none): no cpu, memory or pids limits")
        return None, "none"
    found, reason = cgroups.detect()
    if found is None:
        missing.append(reason)
        return None, "none"
    limits = found.missing_limits()
    if limits is not None:
        missing.append(limits)
    return found, found.version
