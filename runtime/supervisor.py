"""The supervisor as a pure state machine: ``step(world, event) -> (world, actions)``.

No clock, no process, no file: time comes in events (``now``), processes are ``(pid, start_time)`` pairs learned from
:class:`~runtime.machine.Launched` and :class:`~runtime.machine.Adopted`, and what should happen to them goes out as
actions the engine performs. Rules, in the order :func:`step` applies them:

- **start**: services are *released* one by one in dependency order, each once the ones before it answer their
  health path (a job: once its replica exited 0). Released services get ``desired`` slots; each missing one is
  started at once.
- **backoff**: a replica that exits or fails to launch is restarted, the first time at once, then after 0.1 s,
  0.2 s, ... up to 30 s; a replica that lived :data:`~runtime.machine.STABLE_AFTER` seconds starts afresh. During
  the start, :data:`~runtime.machine.CRASH_LOOP` failures in a row fail the start (``up`` stops and says why).
- **health**: a replica that never listens within the start timeout, or fails its own health checks, is killed
  (and then replaced like any exit).
- **scale**: slots above ``desired`` are stopped: SIGTERM, SIGKILL after the grace period.
- **rollout**: a replaced generation drains (its replicas stop) once the new generation has all its replicas
  running; a removed service drains at once. A group with no replica left is reported :class:`Retired`.
- **adoption**: a proven replica of a previous engine fills its slot; one whose slot is taken or whose generation
  is gone is dismissed (SIGTERM).
- **stop**: every replica is stopped; when none is left, :class:`AllStopped`.
"""

from __future__ import annotations

from dataclasses import replace

from runtime.machine import (
    CRASH_LOOP,
    HEALTH_GRACE,
    MAX_BACKOFF,
    STABLE_AFTER,
    Action,
    Adopt,
    Adopted,
    AllStopped,
    Apply,
    Dismiss,
    Event,
    Exited,
    Group,
    GroupKey,
    GroupKind,
    Kill,
    Launched,
    LaunchFailed,
    Listening,
    Log,
    Phase,
    Release,
    ReplicaState,
    Retired,
    Scale,
    ServiceHealth,
    Signal,
    Slot,
    SlotKey,
    Start,
    StopAll,
    Tick,
    Unhealthy,
    World,
)

_LIVE = (ReplicaState.LAUNCHING, ReplicaState.STARTING, ReplicaState.RUNNING)


class _Draft:
    """A world being changed by one step: copies of its tables, and the actions decided so far."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.groups = dict(world.groups)
        self.slots = dict(world.slots)
        self.actions: list[Action] = []
        self.phase = world.phase
        self.error = world.error
        self.released = world.released
        self.startup_deadline = world.startup_deadline
        self.order = world.order

    def done(self) -> tuple[World, tuple[Action, ...]]:
        world = replace(self.world, groups=self.groups, slots=self.slots, phase=self.phase, error=self.error,
                        released=self.released, startup_deadline=self.startup_deadline, order=self.order)
        return world, tuple(self.actions)

    def put(self, slot: Slot) -> None:
        self.slots[slot.key] = slot

    def drop(self, key: SlotKey) -> None:
        del self.slots[key]
        self.actions.append(Release(key))

    def desired(self, slot: Slot) -> int:
        group = self.groups.get(slot.group)
        return 0 if group is None or self.phase is Phase.STOPPING else group.desired

    def of(self, key: GroupKey) -> list[Slot]:
        return [s for s in self.slots.values() if s.group == key]

    def current(self, name: str) -> Group | None:
        return next((g for g in self.groups.values() if g.name == name and not g.retiring), None)

    # ---- what happens to one slot ------------------------------------------------------------------------------

    def start(self, slot: Slot, now: float) -> None:
        self.put(replace(slot, state=ReplicaState.LAUNCHING, launching=True, started_at=now, killed=False,
                         kill_reason=""))
        self.actions.append(Start(slot.key))

    def stop(self, slot: Slot, now: float) -> None:
        """SIGTERM the slot's process; a launch in flight is signalled once it completes; no process: gone."""
        if slot.state is ReplicaState.STOPPING:
            return
        if slot.launching:
            self.put(replace(slot, state=ReplicaState.STOPPING, stop_deadline=now + self.world.stop_grace))
        elif slot.pid == 0:
            self.drop(slot.key)
        else:
            self.put(replace(slot, state=ReplicaState.STOPPING, stop_deadline=now + self.world.stop_grace))
            self.actions.append(Signal(slot.key, slot.pid, slot.start_time))

    def kill(self, slot: Slot, why: str) -> None:
        if slot.pid and not slot.killed:
            self.put(replace(slot, killed=True, kill_reason=slot.kill_reason or why))
            self.actions.append(Kill(slot.key, slot.pid, slot.start_time, why))

    def failed(self, slot: Slot, reason: str, now: float) -> None:
        """Back off before the next start; a crash loop during the start fails the start."""
        lived = now - slot.started_at if slot.started_at else 0.0
        failures = 1 if lived > STABLE_AFTER else slot.failures + 1
        delay = 0.0 if failures == 1 else min(0.1 * 2 ** (failures - 2), MAX_BACKOFF)
        self.put(replace(slot, state=ReplicaState.BACKOFF, pid=0, start_time=0, launching=False, failures=failures,
                         retry_at=now + delay, last_exit=reason, killed=False, kill_reason=""))
        self.actions.append(Log(f"{slot.name}: {reason}"))
        group = self.groups.get(slot.group)
        if self.phase is Phase.STARTING and group is not None and not group.retiring and failures >= CRASH_LOOP:
            self.fail(f"{slot.name} keeps failing ({failures} times in a row, last: {reason})")

    def fail(self, error: str) -> None:
        self.phase = Phase.FAILED
        self.error = error


def step(world: World, event: Event) -> tuple[World, tuple[Action, ...]]:
    """The world after ``event``, and what the engine must do for it."""
    draft = _Draft(world)
    match event:
        case Tick():
            _tick(draft, event)
        case Launched():
            _launched(draft, event)
        case LaunchFailed():
            _launch_failed(draft, event)
        case Exited():
            _exited(draft, event)
        case Listening():
            _listening(draft, event)
        case Unhealthy():
            _unhealthy(draft, event)
        case ServiceHealth():
            _service_health(draft, event)
        case Scale():
            _scale(draft, event)
        case Apply():
            _apply(draft, event)
        case Adopted():
            _adopted(draft, event)
        case StopAll():
            _stop_all(draft, event)
    return draft.done()


# ---- handlers, one per event ------------------------------------------------------------------------------------

def _tick(draft: _Draft, event: Tick) -> None:
    now = event.now
    for slot in list(draft.slots.values()):
        if slot.state is ReplicaState.STOPPING and now > slot.stop_deadline:
            draft.kill(slot, f"did not stop within {draft.world.stop_grace:g} s")
    if draft.phase is Phase.STOPPING:
        _advance_stop(draft)
        return
    if draft.phase is Phase.STOPPED:
        return
    _advance_startup(draft, now)
    _advance_rollouts(draft, now)
    for group in list(draft.groups.values()):
        if group.retiring or group.name not in draft.released:
            continue
        _fill(draft, group, now)


def _fill(draft: _Draft, group: Group, now: float) -> None:
    """Start missing slots, stop surplus ones, retry after backoff, kill replicas that never listen."""
    slots = {s.index: s for s in draft.of(group.key)}
    for index in range(group.desired):
        if index not in slots:
            draft.start(Slot(group.name, group.generation, index), now)
    for index, slot in slots.items():
        if index >= group.desired:
            draft.stop(slot, now)
        elif slot.state is ReplicaState.BACKOFF and now >= slot.retry_at:
            draft.start(slot, now)
        elif slot.state is ReplicaState.STARTING and now - slot.started_at > draft.world.start_timeout:
            draft.kill(slot, f"not listening after {draft.world.start_timeout:g} s")


def _advance_startup(draft: _Draft, now: float) -> None:
    """Release services in order, each once the ones before it answer (a job: exited 0)."""
    if draft.phase not in (Phase.STARTING, Phase.FAILED):
        return
    released: set[str] = set()
    for name in draft.order:
        released.add(name)
        group = draft.current(name)
        if group is None or group.desired == 0 or _passed(draft, group):
            continue
        if draft.phase is Phase.STARTING and _listens_but_fails(draft, group, now):
            draft.fail(f"service {name!r} listens but does not answer {group.health_path} "
                       f"{HEALTH_GRACE:g} s after its replicas started")
        elif now > draft.startup_deadline and draft.phase is Phase.STARTING:
            what = "exit 0" if group.kind is GroupKind.JOB else f"answer {group.health_path}"
            draft.fail(f"service {name!r} did not {what} within {draft.world.start_timeout:g} s")
        draft.released = draft.released | released  # once released, a service stays supervised
        return
    draft.released = draft.released | released
    draft.phase = Phase.READY
    draft.error = None


def _listens_but_fails(draft: _Draft, group: Group, now: float) -> bool:
    slots = draft.of(group.key)
    return (group.kind is GroupKind.SERVE and len(slots) >= group.desired
            and all(s.state is ReplicaState.RUNNING and now - s.started_at > HEALTH_GRACE for s in slots))


def _passed(draft: _Draft, group: Group) -> bool:
    if group.kind is GroupKind.JOB:
        slots = draft.of(group.key)
        return len(slots) >= group.desired and all(s.state is ReplicaState.DONE for s in slots)
    return group.healthy


def _advance_rollouts(draft: _Draft, now: float) -> None:
    for group in list(draft.groups.values()):
        if not group.retiring:
            continue
        if not group.draining:
            successor = draft.current(group.name) if group.replaced else None
            running = 0 if successor is None else sum(
                s.state is ReplicaState.RUNNING for s in draft.of(successor.key))
            if successor is None or running >= successor.desired:
                draft.groups[group.key] = replace(group, draining=True, desired=0)
                for slot in draft.of(group.key):
                    draft.stop(slot, now)
            continue
        if not draft.of(group.key):
            del draft.groups[group.key]
            draft.actions.append(Retired(group.key))
            draft.actions.append(Log(f"{group.name}: the replicas of generation {group.generation} are gone"))


def _advance_stop(draft: _Draft) -> None:
    for slot in list(draft.slots.values()):
        if slot.pid == 0 and not slot.launching:
            draft.drop(slot.key)
    if not draft.slots:
        for key in list(draft.groups):
            if draft.groups[key].retiring:
                draft.actions.append(Retired(key))
        draft.phase = Phase.STOPPED
        draft.actions.append(AllStopped())


def _launched(draft: _Draft, event: Launched) -> None:
    slot = draft.slots.get(event.key)
    if slot is None or not slot.launching:
        return
    slot = replace(slot, launching=False, pid=event.pid, start_time=event.start_time, adopted=False)
    draft.put(slot)
    group = draft.groups.get(slot.group)
    if slot.state is ReplicaState.STOPPING or slot.index >= draft.desired(slot):
        draft.put(replace(slot, state=ReplicaState.LAUNCHING))
        draft.stop(draft.slots[slot.key], event.now)
    elif group is not None and group.kind is GroupKind.JOB:
        draft.put(replace(slot, state=ReplicaState.RUNNING))
    else:
        draft.put(replace(slot, state=ReplicaState.STARTING))


def _launch_failed(draft: _Draft, event: LaunchFailed) -> None:
    slot = draft.slots.get(event.key)
    if slot is None or not slot.launching:
        return
    if slot.state is ReplicaState.STOPPING or slot.index >= draft.desired(slot):
        draft.drop(slot.key)
        return
    draft.failed(replace(slot, launching=False), event.reason, event.now)


def _exited(draft: _Draft, event: Exited) -> None:
    slot = draft.slots.get(event.key)
    if slot is None or slot.pid != event.pid:
        draft.actions.append(Log(f"stale exit event for pid {event.pid} in slot {event.key}"))
        return
    reason = f"{slot.kill_reason}: {event.reason}" if slot.kill_reason else event.reason
    group = draft.groups.get(slot.group)
    if slot.state is ReplicaState.STOPPING or slot.index >= draft.desired(slot):
        draft.drop(slot.key)
        return
    if group is not None and group.kind is GroupKind.JOB:
        if event.code == 0 and not slot.killed:
            draft.put(replace(slot, state=ReplicaState.DONE, pid=0, start_time=0, last_exit=reason))
            draft.actions.append(Log(f"{slot.name}: done ({reason})"))
            return
        draft.put(replace(slot, state=ReplicaState.BACKOFF, pid=0, start_time=0, retry_at=float("inf"),
                          last_exit=reason, restarts=slot.restarts + 1, failures=slot.failures + 1))
        draft.actions.append(Log(f"{slot.name}: {reason}"))
        if not group.retiring:
            draft.fail(f"{group.name} (a one-time job) failed: {reason}")
        return
    draft.failed(replace(slot, restarts=slot.restarts + 1), reason, event.now)


def _listening(draft: _Draft, event: Listening) -> None:
    slot = draft.slots.get(event.key)
    if slot is not None and slot.pid == event.pid and slot.state is ReplicaState.STARTING:
        draft.put(replace(slot, state=ReplicaState.RUNNING))


def _unhealthy(draft: _Draft, event: Unhealthy) -> None:
    slot = draft.world.find(event.pid, event.start_time)
    if slot is not None and slot.state is ReplicaState.RUNNING:
        draft.actions.append(Log(f"{slot.name} (pid {slot.pid}) {event.why}: killed, to be replaced"))
        draft.kill(slot, event.why)


def _service_health(draft: _Draft, event: ServiceHealth) -> None:
    group = draft.groups.get(event.key)
    if group is not None and group.healthy != event.healthy:
        draft.groups[group.key] = replace(group, healthy=event.healthy)


def _scale(draft: _Draft, event: Scale) -> None:
    if draft.phase in (Phase.STOPPING, Phase.STOPPED):
        return
    for name, count in event.desired.items():
        group = draft.current(name)
        if group is not None:
            draft.groups[group.key] = replace(group, desired=max(0, count))


def _apply(draft: _Draft, event: Apply) -> None:
    if draft.phase in (Phase.STOPPING, Phase.STOPPED):
        return
    for name in event.removed:
        _retire(draft, name, replaced=False)
    for new in event.groups:
        old = draft.current(new.name)
        if old is not None:
            _retire(draft, new.name, replaced=True)
        draft.groups[new.key] = replace(new, retiring=False, draining=False,
                                        healthy=old.healthy if old is not None else new.healthy)
    for name, count in event.desired.items():
        current = draft.current(name)
        if current is not None:
            draft.groups[current.key] = replace(current, desired=count)
    draft.order = event.order
    if event.groups:
        draft.phase = Phase.STARTING  # new replicas start in dependency order, as at `up`
        draft.startup_deadline = event.now + draft.world.start_timeout


def _retire(draft: _Draft, name: str, *, replaced: bool) -> None:
    group = draft.current(name)
    if group is not None:
        draft.groups[group.key] = replace(group, retiring=True, replaced=replaced, desired=0)


def _adopted(draft: _Draft, event: Adopted) -> None:
    group = draft.groups.get((event.key[0], event.key[1]))
    if group is None or group.retiring or event.key in draft.slots or event.key[2] >= group.desired:
        draft.actions.append(Dismiss(event.pid, event.start_time))
        return
    service, generation, index = event.key
    draft.put(Slot(service, generation, index, state=ReplicaState.RUNNING, pid=event.pid,
                   start_time=event.start_time, restarts=event.restarts, adopted=True,
                   started_at=event.now - STABLE_AFTER))
    draft.actions.append(Adopt(event.key, event.pid))


def _stop_all(draft: _Draft, event: StopAll) -> None:
    if draft.phase in (Phase.STOPPING, Phase.STOPPED):
        return
    draft.phase = Phase.STOPPING
    for key, group in list(draft.groups.items()):
        draft.groups[key] = replace(group, desired=0)
    for slot in list(draft.slots.values()):
        draft.stop(slot, event.now)
