"""Which isolation this machine and user allow, said out loud when something is missing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Final

from runtime import cgroups

MODE_VARIABLE: Final = "CLEAVE_RUNTIME_ISOLATION"
"""``auto`` (default): everything this machine allows; ``none``: plain processes, no cgroups (degraded mode)."""


@dataclass(frozen=True)
class Isolation:
    """What the engine can do here; ``missing`` lists, in words, what a replica goes without."""

    namespaces: bool
    cgroups: cgroups.Cgroups | None = field(compare=False)
    cgroup_version: str
    missing: tuple[str, ...]

    def describe(self) -> dict[str, Any]:
        return {"namespaces": self.namespaces, "cgroups": self.cgroup_version, "missing": list(self.missing)}


def detect() -> Isolation:
    """Namespaces need root; cgroups need writable hierarchies. ``CLEAVE_RUNTIME_ISOLATION=none`` forces neither."""
    forced_off = os.environ.get(MODE_VARIABLE, "auto") == "none"
    missing: list[str] = []
    namespaces = os.geteuid() == 0 and not forced_off
    if not namespaces:
        why = f"{MODE_VARIABLE}=none" if forced_off else "not root"
        missing.append(f"namespaces ({why}): replicas are plain processes that share this machine's pids, "
                       "hostname, network and filesystem; no read-only image root, no reduced capabilities, "
                       "no image user; every service can reach every other")
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
    return Isolation(namespaces, found, version, tuple(missing))
