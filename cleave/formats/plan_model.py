"""The plan's values (cleave.yaml, read and written by cleave/formats/plan.py): services, boundaries, rules, the
plan, and which service each module belongs to (``assign_modules``)."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from cleave.formats.errors import FormatError
from cleave.formats.plan_edge import Database, EnvValue, env_dict

FORMAT: Final = "cleave.plan/1"
BOUNDARY_KINDS: Final = ("rpc", "shared", "blocker")
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T|k)?B?\s*$")
_UNITS: Final = {None: 1, "k": 1000, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4,
                 "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4}

BoundaryKind = Literal["rpc", "shared", "blocker"]


def parse_memory(value: str | int) -> int:
    """Bytes in a Kubernetes-style quantity: ``256Mi``, ``1G``, ``1048576``."""
    if isinstance(value, int):
        return value
    match = _MEMORY.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a memory size (examples: 256Mi, 1Gi, 500M)")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


@dataclass(frozen=True)
class Resources:
    """Per-replica limits: CPU in cores, memory as written (``256Mi``), process count; ``disk`` (as written, ``1Gi``)
    bounds the service's ``/data`` volume as a whole (shared by its replicas)."""

    cpu: float | None = None
    memory: str | None = None
    pids: int | None = None
    disk: str | None = None

    @property
    def memory_bytes(self) -> int | None:
        return parse_memory(self.memory) if self.memory is not None else None

    @property
    def disk_bytes(self) -> int | None:
        return parse_memory(self.disk) if self.disk is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in (("cpu", self.cpu), ("memory", self.memory), ("pids", self.pids),
                                  ("disk", self.disk)) if v is not None}


@dataclass(frozen=True)
class ServicePlan:
    """One service: the module patterns it owns and how it runs."""

    name: str
    modules: tuple[str, ...]
    pinned: bool = False
    replicas: int = 1
    resources: Resources = field(default_factory=Resources)
    requirements: tuple[str, ...] = ()
    why: str | None = None
    line: int | None = None
    routes: tuple[str, ...] = ()
    """Edge seam: ``[METHODS ]PATTERN`` claims over the app's routes (cleave/formats/plan_edge.py)."""
    seam: str | None = None
    """``edge`` (runs the monolith's own app, serves its routes) or ``interior`` (its modules, over RPC)."""
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    routes_line: int | None = None
    """The plan line of ``routes:`` (errors about a claim name it)."""

    @property
    def is_edge(self) -> bool:
        return self.seam == "edge" or (self.seam is None and bool(self.routes))

    @property
    def route_claims(self) -> tuple[str, tuple[str, ...], int | None]:
        """``(service, route claims, plan line)``, as :func:`cleave.formats.plan_edge.assign_routes` takes them."""
        return self.name, self.routes, self.routes_line or self.line

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.seam:
            out["seam"] = self.seam
        if self.routes or self.is_edge:
            out["routes"] = list(self.routes)
        if self.modules or not self.is_edge:
            out["modules"] = list(self.modules)
        if self.why:
            out["why"] = self.why
        if self.pinned:
            out["pinned"] = True
        out["replicas"] = self.replicas
        if self.resources.to_dict():
            out["resources"] = self.resources.to_dict()
        if self.requirements:
            out["requirements"] = list(self.requirements)
        if self.env:
            out["env"] = env_dict(self.env)
        return out


@dataclass(frozen=True)
class Boundary:
    """A use of code or state that crosses services, and how the split handles it."""

    source: str
    target: str
    how: BoundaryKind
    why: str | None = None
    where: str | None = None
    accepted: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.source, "to": self.target, "how": self.how}
        if self.why:
            out["why"] = self.why
        if self.where:
            out["where"] = self.where
        if self.accepted:
            out["accepted"] = True
        return out


@dataclass(frozen=True)
class Rules:
    """Constraints the user gives the splitter: module patterns to keep in one service, or apart."""

    keep_together: tuple[tuple[str, ...], ...] = ()
    keep_apart: tuple[tuple[str, ...], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.keep_together:
            out["keep_together"] = [list(group) for group in self.keep_together]
        if self.keep_apart:
            out["keep_apart"] = [list(group) for group in self.keep_apart]
        return out


@dataclass(frozen=True)
class Plan:
    """The whole plan. ``services`` keeps the file's order."""

    services: tuple[ServicePlan, ...]
    source: str = "."
    entry: str | None = None
    seed: int = 42
    shared: tuple[str, ...] = ()
    rules: Rules = field(default_factory=Rules)
    boundaries: tuple[Boundary, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    origin: str = "<plan>"
    database: Database | None = None
    env: Mapping[str, EnvValue] = field(default_factory=dict)
    init: str | None = None
    notes: tuple[str, ...] = ()
    """What the user should know about this plan (e.g. that edge services hold the whole source tree)."""
    infrastructure: tuple[str, ...] | None = None
    """Globs of the modules every service that uses them gets its own copy of (connections, configuration, logging,
    error types, thread-locals, caches: splitter/infrastructure.py). ``None``: the plan has no such key (``cleave
    split`` detects them); a tuple, even empty, is the user's list and is kept as written."""
    infrastructure_line: int | None = None

    def service(self, name: str) -> ServicePlan:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def blockers(self, *, unaccepted_only: bool = False) -> list[Boundary]:
        return [b for b in self.boundaries if b.how == "blocker" and not (unaccepted_only and b.accepted)]

    def assign(self, modules: Iterable[str]) -> dict[str, str]:
        """Map every module to its service (``shared`` modules map to ``""``); unmatched modules are left out.

        Raises :class:`FormatError` naming the line when a pattern matches no module, or when a module is
        claimed equally specifically by two services.
        """
        return assign_modules(self, sorted(set(modules)))

    def infrastructure_modules(self, modules: Iterable[str]) -> frozenset[str]:
        """The modules of ``modules`` the plan makes infrastructure (mapped to ``""`` by :meth:`assign`, like
        ``shared``, but holding per-process state on purpose: each service runs its own copy)."""
        patterns = self.infrastructure or ()
        owners = self.assign(modules) if patterns else {}
        return frozenset(m for m, owner in owners.items() if owner == "" and _matches_any(m, patterns))


def _specificity(pattern: str) -> tuple[int, int]:
    literal = pattern.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0]
    return (1 if literal == pattern else 0, len(literal))


def _matches_any(module: str, patterns: Iterable[str]) -> bool:
    return any(module == p or fnmatch.fnmatchcase(module, p) for p in patterns)


def assign_modules(plan: Plan, modules: list[str]) -> dict[str, str]:
    """module -> service (``""`` for ``shared`` and ``infrastructure``): an exact name beats a glob, between globs
    the longest literal prefix wins, a tie between two owners is an error naming the line."""
    owners: dict[str, tuple[tuple[int, int], str, str, str]] = {}
    claims: list[tuple[str, str, int | None, str]] = [(p, "", None, "shared") for p in plan.shared]
    claims += [(p, "", plan.infrastructure_line, "infrastructure") for p in plan.infrastructure or ()]
    claims += [(p, s.name, s.line, s.name) for s in plan.services for p in s.modules]
    for pattern, service, line, label in claims:
        matched = [m for m in modules if m == pattern or fnmatch.fnmatchcase(m, pattern)]
        if not matched:
            owner = f"service {label!r}" if service else label
            raise FormatError(f"module pattern {pattern!r} of {owner} matches no module in the source",
                              path=plan.origin, line=line,
                              hint="fix the name or remove it, then rerun")
        rank = _specificity(pattern)
        for module in matched:
            previous = owners.get(module)
            if previous is None or rank > previous[0]:
                owners[module] = (rank, service, pattern, label)
            elif rank == previous[0] and previous[3] != label and (previous[1] or service):
                raise FormatError(f"module {module!r} is in two services: {previous[3]!r} ({previous[2]}) and "
                                  f"{label!r} ({pattern})", path=plan.origin, line=line,
                                  hint="keep it in one of them")
    return {module: owner[1] for module, owner in sorted(owners.items())}
