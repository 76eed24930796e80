"""Applying a new build to a running engine: what changed per service, and the summary the CLI prints.

A service is *unchanged* when what its replicas run is the same: the unpacked image (its layers and config, so the
same manifest digest always qualifies), command, env, workdir, user, resources, calls, health path, data dir and
whether it is the gateway. A change of ``replicas`` alone only scales. Anything else is a rolling replacement: the
new replicas start beside the old ones on the same listening socket, and the old ones drain once the new listen.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from cleave.formats.topology import ServiceSpec
from runtime.replicas import Service
from runtime.store import UnpackedImage


@dataclass
class Retiring:
    """A service on its way out: replaced by ``successor`` (same name, new build) or removed (``None``)."""

    service: Service
    successor: Service | None
    keep_listener: bool
    draining: bool = False


@dataclass
class ApplySummary:
    """What an ``apply`` did, per service (the engine's answer; ``cleave up`` prints it)."""

    restarted: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    scaled: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"restarted": self.restarted, "started": self.started, "stopped": self.stopped,
                "scaled": self.scaled, "unchanged": self.unchanged}


def _runs_the_same(spec: ServiceSpec) -> ServiceSpec:
    """``spec`` without the fields that do not change what a replica runs (replicas, names of the image)."""
    return replace(spec, replicas=0, image="", manifest_digest="", source_dir="")


def same_service(running: Service, spec: ServiceSpec, image: UnpackedImage, gateway: bool) -> bool:
    """True when ``spec`` run from ``image`` is what ``running`` already runs (replicas aside)."""
    return (running.gateway == gateway and _runs_the_same(running.spec) == _runs_the_same(spec)
            and running.image.layers == image.layers and running.image.config == image.config)


def describe(summary: dict[str, Any]) -> list[str]:
    """One line per changed service, then one line naming the unchanged ones."""
    lines = [f"{name}: restarted (rolling: new replicas listen, then the old ones drain)"
             for name in summary.get("restarted", [])]
    lines += [f"{name}: started" for name in summary.get("started", [])]
    lines += [f"{name}: stopped (its volume is kept)" for name in summary.get("stopped", [])]
    lines += [f"{name}: scaled to {count}" for name, count in summary.get("scaled", {}).items()]
    unchanged = summary.get("unchanged", [])
    if unchanged:
        lines.append(f"unchanged: {', '.join(unchanged)}")
    return lines
