"""The supervisor's vocabulary: states, the world it decides over, the events it hears and the actions it asks for.

Everything here is a value: enums and frozen dataclasses, no file descriptors, no clocks, no processes. The pure
transitions live in ``runtime/supervisor.py``; the engine (``runtime/engine.py``) is the shell that performs the
actions and turns what happens to processes into events.

A service runs as *groups*: one per generation (a rolling replacement adds a new generation beside the old one,
which drains once the new replicas listen). A group has *slots* (``<service>-<index>``), each holding at most one
process at a time. A slot's process is known only by ``(pid, start_time)`` learned from a :class:`Launched` or an
adoption: the supervisor never asks to signal any other process.

Kinds of group: ``serve`` (a long-running service) and ``job`` (a one-shot init: its replica must exit 0; dependents
start only after it did; it is never restarted after a success, and a failure fails the start).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

STABLE_AFTER: Final = 10.0
"""A replica that lived this long before failing starts its backoff afresh."""
CRASH_LOOP: Final = 3
"""Failures in a row of one replica during the start that fail the start (``up`` stops and shows its log)."""
MAX_BACKOFF: Final = 30.0
HEALTH_GRACE: Final = 15.0
"""During the start, a service whose replicas all listen but which has not answered its health path this long after
they started fails the start (it will not get better by waiting for the whole start timeout)."""


class ReplicaState(enum.Enum):
    """Where one slot is: ``pending`` (no process yet), ``launching`` (forked, not yet exec'd), ``starting``
    (exec'd, not yet accepting), ``running``, ``backoff`` (waiting to restart), ``stopping`` (SIGTERM sent),
    ``done`` (a job's replica that exited 0)."""

    PENDING = "pending"
    LAUNCHING = "launching"
    STARTING = "starting"
    RUNNING = "running"
    BACKOFF = "backoff"
    STOPPING = "stopping"
    DONE = "done"


class Phase(enum.Enum):
    """The engine's phase: ``starting`` (releasing services in dependency order), ``ready``, ``failed`` (the start
    did not complete: the error says why), ``stopping`` (``down``), ``stopped``."""

    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"
    STOPPING = "stopping"
    STOPPED = "stopped"


class GroupKind(enum.Enum):
    """A long-running service, or a one-shot job (an init) that must exit 0 before its dependents start."""

    SERVE = "serve"
    JOB = "job"


GroupKey = tuple[str, int]
"""``(service, generation)``."""
SlotKey = tuple[str, int, int]
"""``(service, generation, index)``."""


@dataclass(frozen=True)
class Slot:
    """One replica slot and the process in it (``pid`` 0: none)."""

    service: str
    generation: int
    index: int
    state: ReplicaState = ReplicaState.PENDING
    pid: int = 0
    start_time: int = 0
    restarts: int = 0
    failures: int = 0
    started_at: float = 0.0
    retry_at: float = 0.0
    stop_deadline: float = 0.0
    last_exit: str = ""
    adopted: bool = False
    launching: bool = False
    killed: bool = False
    kill_reason: str = ""

    @property
    def key(self) -> SlotKey:
        return (self.service, self.generation, self.index)

    @property
    def group(self) -> GroupKey:
        return (self.service, self.generation)

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}"


@dataclass(frozen=True)
class Group:
    """One generation of a service: how many replicas it should have, whether it answers its health path, and
    whether it is on its way out (``retiring``; ``replaced``: a newer generation takes over, else removed)."""

    name: str
    generation: int
    desired: int
    health_path: str = "/healthz"
    kind: GroupKind = GroupKind.SERVE
    healthy: bool = False
    retiring: bool = False
    replaced: bool = False
    draining: bool = False

    @property
    def key(self) -> GroupKey:
        return (self.name, self.generation)


@dataclass(frozen=True)
class World:
    """Everything the supervisor decides over. ``order`` is the start order of the current services."""

    phase: Phase = Phase.STARTING
    groups: Mapping[GroupKey, Group] = field(default_factory=dict)
    slots: Mapping[SlotKey, Slot] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    released: frozenset[str] = frozenset()
    startup_deadline: float = 0.0
    start_timeout: float = 60.0
    stop_grace: float = 10.0
    error: str | None = None

    def current(self, name: str) -> Group | None:
        """The service's group that is not retiring (the one ``scale`` and ``ps`` mean)."""
        for group in self.groups.values():
            if group.name == name and not group.retiring:
                return group
        return None

    def slots_of(self, key: GroupKey) -> list[Slot]:
        return sorted((s for s in self.slots.values() if s.group == key), key=lambda s: s.index)

    def find(self, pid: int, start_time: int) -> Slot | None:
        for slot in self.slots.values():
            if slot.pid == pid and slot.start_time == start_time:
                return slot
        return None


# ---- events: what happened ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tick:
    """Time passed: start missing replicas, retry after backoff, enforce deadlines."""

    now: float


@dataclass(frozen=True)
class Launched:
    """The slot's process exec'd: it is ``pid`` started at ``start_time``."""

    key: SlotKey
    pid: int
    start_time: int
    now: float


@dataclass(frozen=True)
class LaunchFailed:
    """The slot's process could not be set up (or its launch request was refused)."""

    key: SlotKey
    reason: str
    now: float


@dataclass(frozen=True)
class Exited:
    """The process ``pid`` of the slot exited (``reason`` as ``ps`` shows it; ``code`` when known)."""

    key: SlotKey
    pid: int
    reason: str
    now: float
    code: int | None = None


@dataclass(frozen=True)
class Listening:
    """The slot's process waits for connections on its listening socket."""

    key: SlotKey
    pid: int


@dataclass(frozen=True)
class Unhealthy:
    """The replica ``(pid, start_time)`` failed its own health checks."""

    pid: int
    start_time: int
    why: str


@dataclass(frozen=True)
class ServiceHealth:
    """The service answers its health path through its shared socket (or stopped answering)."""

    key: GroupKey
    healthy: bool


@dataclass(frozen=True)
class Scale:
    """Set the desired replicas of current services (names already checked by the caller)."""

    desired: Mapping[str, int]


@dataclass(frozen=True)
class Apply:
    """A new build: ``groups`` are the new generations of changed or new services (at the same time their previous
    generations retire, replaced); ``removed`` services retire for good; ``desired`` rescales unchanged ones."""

    groups: tuple[Group, ...]
    removed: tuple[str, ...]
    desired: Mapping[str, int]
    order: tuple[str, ...]
    now: float


@dataclass(frozen=True)
class Adopted:
    """A replica of a previous engine, proven to be ours (pidfd, start time, cgroup, marker)."""

    key: SlotKey
    pid: int
    start_time: int
    restarts: int
    now: float


@dataclass(frozen=True)
class StopAll:
    """``down``: stop every replica, then the engine."""

    now: float


Event = (Tick | Launched | LaunchFailed | Exited | Listening | Unhealthy | ServiceHealth | Scale | Apply | Adopted
         | StopAll)


# ---- actions: what the shell is asked to do -------------------------------------------------------------------------

@dataclass(frozen=True)
class Start:
    """Create the slot's cgroup and launch its process; answer with :class:`Launched` or :class:`LaunchFailed`."""

    key: SlotKey


@dataclass(frozen=True)
class Signal:
    """SIGTERM the slot's process (through its pidfd): it should exit within the grace period."""

    key: SlotKey
    pid: int
    start_time: int


@dataclass(frozen=True)
class Kill:
    """SIGKILL the slot's process; ``why`` goes in front of its exit reason."""

    key: SlotKey
    pid: int
    start_time: int
    why: str


@dataclass(frozen=True)
class Adopt:
    """Watch an adopted process (register its pidfd, recover its service's listening socket)."""

    key: SlotKey
    pid: int


@dataclass(frozen=True)
class Dismiss:
    """An adopted process the supervisor does not keep (a draining replica of an older build): SIGTERM it."""

    pid: int
    start_time: int


@dataclass(frozen=True)
class Release:
    """The slot is gone for good: remove its cgroup."""

    key: SlotKey


@dataclass(frozen=True)
class Retired:
    """A retiring group has no replica left: stop its zygote, remove its cgroups, close an unused listener."""

    key: GroupKey


@dataclass(frozen=True)
class Log:
    """One line for the engine's log."""

    line: str


@dataclass(frozen=True)
class AllStopped:
    """``down`` is complete: answer whoever waits, clean up, exit."""


Action = Start | Signal | Kill | Adopt | Dismiss | Release | Retired | Log | AllStopped


# ---- queries over a world ------------------------------------------------------------------------------------

def initial(groups: tuple[Group, ...], order: tuple[str, ...], *, now: float, start_timeout: float,
            stop_grace: float) -> World:
    """The world of a fresh engine: every current group, nothing running yet."""
    return World(phase=Phase.STARTING, groups={g.key: g for g in groups}, order=order,
                 startup_deadline=now + start_timeout, start_timeout=start_timeout, stop_grace=stop_grace)


def busy(world: World) -> bool:
    """Whether the engine should look again soon (something is starting or stopping)."""
    return world.phase is Phase.STARTING or any(
        s.state in (ReplicaState.LAUNCHING, ReplicaState.STARTING, ReplicaState.STOPPING)
        for s in world.slots.values())


def stands_in(world: World, name: str) -> bool:
    """Whether the engine answers for the service (scaled to zero, no replica that could accept)."""
    group = world.current(name)
    return group is not None and group.desired == 0 and not any(
        s.state in (ReplicaState.STARTING, ReplicaState.RUNNING) for s in world.slots_of(group.key))


def live(world: World) -> list[Slot]:
    """Slots with a process (what the state file records for the next engine)."""
    return [s for s in world.slots.values() if s.pid]
