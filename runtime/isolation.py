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


def detect() -> Isolation:
    """Namespaces as root, or in a user namespace where allowed; cgroups where writable. ``none`` forces neither."""
    settings = Settings.from_env()
    forced_off = settings.isolation == "none"
    missing: list[str] = []
    root = os.geteuid() == 0
    user_namespace = False
    overlay = True
    namespaces = root and not forced_off
    if not root and not forced_off:
        refused = linux.probe_user_namespace()
        if refused is None:
            namespaces = user_namespace = True
        else:
            missing.append(f"namespaces (not root, and {refused}): replicas are plain processes that share this "
                           "machine's pids, hostname, network and filesystem; no read-only image root, no reduced "
                           "capabilities, no image user; every service can reach every other")
    elif not namespaces:
        missing.append(f"namespaces ({MODE_VARIABLE}=none): replicas are plain processes that share this machine's "
                       "pids, hostname, network and filesystem; no read-only image root, no reduced capabilities, "
                       "no image user; every service can reach every other")
    if user_namespace:
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
    if not namespaces:
        missing.append("per-replica health checks (they need a network namespace per replica): a service is checked "
                       "through its shared socket, so a replica that hangs while its siblings answer is not "
                       "replaced")
    found: cgroups.Cgroups | None = None
    version = "none"
    if forced_off:
        missing.append(f"cgroups ({MODE_VARIABLE}=none): no cpu, memory or pids limits")
    else:
        found, reason = cgroups.detect()
        if found is None:
            missing.append(reason)
        else:
            version = found.version
            limits = found.missing_limits()
            if limits is not None:
                missing.append(limits)
    return Isolation(namespaces, found, version, tuple(missing), user_namespace=user_namespace, overlay=overlay)
