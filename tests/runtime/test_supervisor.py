"""The supervisor as a pure state machine: rules one by one, then any sequence of events (Hypothesis).

No root, no processes: a small fake shell hands out pids for Start actions and delivers exits, so each rule of
``runtime/supervisor.py`` is checked on its own, and the properties hold for any interleaving.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.machine import (
    Action,
    Adopt,
    Adopted,
    AllStopped,
    Apply,
    Dismiss,
    Event,
    Exited,
    Group,
    GroupKind,
    Kill,
    Launched,
    LaunchFailed,
    Listening,
    Phase,
    ReplicaState,
    Retired,
    Scale,
    ServiceHealth,
    Signal,
    SlotKey,
    Start,
    StopAll,
    Tick,
    Unhealthy,
    World,
    initial,
    stands_in,
)
from runtime.supervisor import step


def world(*groups: Group, timeout: float = 60.0) -> World:
    return initial(groups, tuple(g.name for g in groups), now=0.0, start_timeout=timeout, stop_grace=10.0)


@dataclass
class Shell:
    """Performs actions like the engine would, with made-up pids; records every signal it was asked to send."""

    world: World
    now: float = 0.0
    next_pid: int = 100
    launching: set[SlotKey] = field(default_factory=set)
    alive: dict[int, SlotKey] = field(default_factory=dict)  # pid -> slot, processes that run
    started: set[int] = field(default_factory=set)  # every pid the supervisor learned from us
    signalled: set[int] = field(default_factory=set)
    actions: list[Action] = field(default_factory=list)

    def feed(self, event: Event) -> tuple[Action, ...]:
        self.world, actions = step(self.world, event)
        for action in actions:
            if isinstance(action, Start):
                assert action.key not in self.launching
                self.launching.add(action.key)
            elif isinstance(action, (Signal, Kill)):
                assert action.pid in self.started and self.alive.get(action.pid) == action.key, action
                self.signalled.add(action.pid)
            elif isinstance(action, Dismiss):
                assert action.pid in self.alive
                self.signalled.add(action.pid)
        self.actions += actions
        return actions

    def tick(self, seconds: float = 0.0) -> None:
        self.now += seconds
        self.feed(Tick(self.now))

    def launch(self, key: SlotKey, ok: bool = True) -> int:
        self.launching.remove(key)
        if not ok:
            self.feed(LaunchFailed(key, "no such file", self.now))
            return 0
        pid, self.next_pid = self.next_pid, self.next_pid + 1
        self.alive[pid] = key
        self.started.add(pid)
        self.feed(Launched(key, pid, pid * 7, self.now))
        return pid

    def exit(self, pid: int, code: int | None = 1) -> None:
        key = self.alive.pop(pid)
        self.feed(Exited(key, pid, f"exited with {code}", self.now, code))

    def listen_all(self) -> None:
        for slot in list(self.world.slots.values()):
            if slot.state is ReplicaState.STARTING:
                self.feed(Listening(slot.key, slot.pid))

    def healthy(self, name: str, generation: int = 0) -> None:
        self.feed(ServiceHealth((name, generation), True))

    def settle(self) -> None:
        """Launch whatever is launching, let every signalled process exit, and run past every deadline."""
        for _ in range(50):
            for key in sorted(self.launching):
                self.launch(key)
            for pid in sorted(self.signalled & set(self.alive)):
                self.exit(pid, None)
            self.listen_all()
            self.tick(11.0)
            self.tick(0.0)  # a group found empty on one tick is retired on the next
            if not self.launching and not (self.signalled & set(self.alive)):
                return


def test_services_are_released_in_order_once_the_ones_before_answer() -> None:
    shell = Shell(world(Group("db", 0, 1), Group("web", 0, 2)))
    shell.tick()
    assert shell.launching == {("db", 0, 0)}  # web waits for db's health
    shell.launch(("db", 0, 0))
    shell.listen_all()
    shell.healthy("db")
    shell.tick()
    assert shell.launching == {("web", 0, 0), ("web", 0, 1)}
    for key in sorted(shell.launching):
        shell.launch(key)
    shell.listen_all()
    shell.healthy("web")
    shell.tick()
    assert shell.world.phase is Phase.READY and shell.world.error is None


def test_a_crash_is_replaced_at_once_then_with_growing_backoff_and_a_crash_loop_fails_the_start() -> None:
    shell = Shell(world(Group("web", 0, 1)))
    shell.tick()
    pid = shell.launch(("web", 0, 0))
    shell.exit(pid)
    slot = shell.world.slots[("web", 0, 0)]
    assert (slot.state, slot.restarts, slot.last_exit, slot.retry_at) == (ReplicaState.BACKOFF, 1, "exited with 1", 0)
    shell.tick()
    pid = shell.launch(("web", 0, 0))
    shell.exit(pid)
    assert shell.world.slots[("web", 0, 0)].retry_at == 0.1  # second failure: 0.1 s
    shell.tick(0.05)
    assert ("web", 0, 0) not in shell.launching
    shell.tick(0.05)
    pid = shell.launch(("web", 0, 0))
    shell.exit(pid)
    assert shell.world.phase is Phase.FAILED
    assert shell.world.error == "web-0 keeps failing (3 times in a row, last: exited with 1)"


def test_a_replica_that_never_listens_is_killed_with_the_reason_in_its_exit() -> None:
    shell = Shell(world(Group("web", 0, 1), timeout=2.0))
    shell.tick()
    pid = shell.launch(("web", 0, 0))
    shell.tick(2.5)
    kills = [a for a in shell.actions if isinstance(a, Kill)]
    assert kills == [Kill(("web", 0, 0), pid, pid * 7, "not listening after 2 s")]
    shell.exit(pid, None)
    assert shell.world.slots[("web", 0, 0)].last_exit == "not listening after 2 s: exited with None"


def test_a_service_that_listens_but_never_answers_fails_the_start_after_the_grace() -> None:
    shell = Shell(world(Group("web", 0, 1)))
    shell.tick()
    shell.launch(("web", 0, 0))
    shell.listen_all()
    shell.tick(14.0)
    assert shell.world.phase is Phase.STARTING
    shell.tick(2.0)
    assert shell.world.phase is Phase.FAILED
    assert shell.world.error == "service 'web' listens but does not answer /healthz 15 s after its replicas started"


def test_unhealthy_kills_only_the_running_replica_with_that_start_time() -> None:
    shell = Shell(world(Group("web", 0, 2)))
    shell.tick()
    first, second = shell.launch(("web", 0, 0)), shell.launch(("web", 0, 1))
    shell.listen_all()
    assert shell.feed(Unhealthy(first, 1, "failed 3 health checks")) == ()  # a recycled pid: not ours
    actions = shell.feed(Unhealthy(second, second * 7, "failed 3 health checks"))
    assert [a for a in actions if isinstance(a, Kill)] == [Kill(("web", 0, 1), second, second * 7,
                                                               "failed 3 health checks")]


def test_scaling_down_stops_the_highest_slots_and_kills_after_the_grace_period() -> None:
    shell = Shell(world(Group("web", 0, 3)))
    shell.tick()
    pids = [shell.launch(key) for key in sorted(shell.launching)]
    shell.feed(Scale({"web": 1}))
    shell.tick()
    assert {a.pid for a in shell.actions if isinstance(a, Signal)} == set(pids[1:])
    shell.exit(pids[1], None)
    assert ("web", 0, 1) not in shell.world.slots
    shell.tick(10.5)
    assert [a.pid for a in shell.actions if isinstance(a, Kill)] == [pids[2]]


def test_a_service_scaled_to_zero_is_stood_in_for() -> None:
    shell = Shell(world(Group("web", 0, 1)))
    shell.tick()
    shell.launch(("web", 0, 0))
    shell.listen_all()
    assert not stands_in(shell.world, "web")
    shell.feed(Scale({"web": 0}))
    assert not stands_in(shell.world, "web")  # its replica still accepts until the tick stops it
    shell.tick()
    assert stands_in(shell.world, "web")


def test_a_rollout_drains_the_old_generation_only_once_the_new_one_runs() -> None:
    shell = Shell(world(Group("web", 0, 2)))
    shell.tick()
    old = [shell.launch(key) for key in sorted(shell.launching)]
    shell.listen_all()
    shell.healthy("web")
    shell.tick()
    shell.feed(Apply((Group("web", 1, 2),), (), {}, ("web",), shell.now))
    shell.tick()
    assert shell.launching == {("web", 1, 0), ("web", 1, 1)}
    assert not any(isinstance(a, Signal) for a in shell.actions)  # the old ones serve meanwhile
    for key in sorted(shell.launching):
        shell.launch(key)
    shell.listen_all()
    shell.tick()
    assert {a.pid for a in shell.actions if isinstance(a, Signal)} == set(old)
    for pid in old:
        shell.exit(pid, None)
    shell.tick()
    assert Retired(("web", 0)) in shell.actions and ("web", 0) not in shell.world.groups


def test_adoption_keeps_proven_replicas_and_dismisses_those_whose_slot_is_gone() -> None:
    shell = Shell(world(Group("web", 0, 1)))
    shell.alive |= {41: ("web", 0, 0), 42: ("web", 0, 1), 43: ("web", 3, 0)}
    shell.started |= {41, 42, 43}
    actions = [shell.feed(Adopted(key, pid, 1, 5, 0.0)) for pid, key in sorted(shell.alive.items())]
    assert actions == [(Adopt(("web", 0, 0), 41),), (Dismiss(42, 1),), (Dismiss(43, 1),)]
    slot = shell.world.slots[("web", 0, 0)]
    assert (slot.state, slot.pid, slot.restarts, slot.adopted) == (ReplicaState.RUNNING, 41, 5, True)


def test_a_job_must_exit_0_before_its_dependents_start_and_a_failure_fails_the_start() -> None:
    shell = Shell(world(Group("init", 0, 1, kind=GroupKind.JOB), Group("web", 0, 1)))
    shell.tick()
    pid = shell.launch(("init", 0, 0))
    assert shell.world.slots[("init", 0, 0)].state is ReplicaState.RUNNING
    shell.tick()
    assert shell.launching == set()  # web waits
    shell.exit(pid, 0)
    shell.tick()
    assert shell.launching == {("web", 0, 0)} and shell.world.slots[("init", 0, 0)].state is ReplicaState.DONE
    shell.tick(100)
    assert ("init", 0, 0) not in shell.launching  # never run again
    failing = Shell(world(Group("init", 0, 1, kind=GroupKind.JOB), Group("web", 0, 1)))
    failing.tick()
    failing.exit(failing.launch(("init", 0, 0)), 3)
    failing.tick(100)
    assert failing.world.phase is Phase.FAILED and failing.world.error == "init (a one-time job) failed: exited with 3"
    assert failing.launching == set()


def test_stop_all_signals_everything_and_reports_when_nothing_is_left() -> None:
    shell = Shell(world(Group("web", 0, 2)))
    shell.tick()
    first = shell.launch(("web", 0, 0))  # web-1 is still launching when down comes
    shell.feed(StopAll(shell.now))
    assert [a.pid for a in shell.actions if isinstance(a, Signal)] == [first]
    second = shell.launch(("web", 0, 1))
    assert shell.actions[-1] == Signal(("web", 0, 1), second, second * 7)
    shell.exit(first, None)
    shell.exit(second, None)
    shell.tick()
    assert isinstance(shell.actions[-1], AllStopped) and shell.world.phase is Phase.STOPPED


# ---- properties -------------------------------------------------------------------------------------------------

SERVICES = ("web", "api")
OPERATIONS = ("tick", "launch", "fail_launch", "crash", "listen", "unhealthy", "health", "scale", "rollout", "exit",
              "remove")


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_sequence_never_exceeds_the_desired_count_nor_signals_a_stranger(data: st.DataObject) -> None:
    shell = Shell(world(Group("web", 0, 2), Group("api", 0, 1), Group("extra", 0, 2)))
    desired = {"web": 2, "api": 1}
    for _ in range(data.draw(st.integers(5, 60))):
        operation = data.draw(st.sampled_from(OPERATIONS))
        if operation == "tick":
            shell.tick(data.draw(st.sampled_from([0.0, 0.05, 1.0, 11.0, 61.0])))
        elif operation in ("launch", "fail_launch") and shell.launching:
            shell.launch(data.draw(st.sampled_from(sorted(shell.launching))), ok=operation == "launch")
        elif operation in ("crash", "exit") and shell.alive:
            shell.exit(data.draw(st.sampled_from(sorted(shell.alive))))
        elif operation == "listen":
            shell.listen_all()
        elif operation == "unhealthy" and shell.alive:
            pid = data.draw(st.sampled_from(sorted(shell.alive)))
            shell.feed(Unhealthy(pid, pid * 7, "failed"))
        elif operation == "health":
            current = [g for g in shell.world.groups.values() if not g.retiring]
            group = data.draw(st.sampled_from(current))
            shell.feed(ServiceHealth(group.key, data.draw(st.booleans())))
        elif operation == "scale":
            name = data.draw(st.sampled_from(SERVICES))
            desired[name] = data.draw(st.integers(0, 4))
            shell.feed(Scale({name: desired[name]}))
        elif operation == "rollout":
            name = data.draw(st.sampled_from(SERVICES))
            generation = 1 + max(k[1] for k in shell.world.groups if k[0] == name)
            shell.feed(Apply((Group(name, generation, desired[name]),), (), {}, SERVICES, shell.now))
        elif operation == "remove" and shell.world.current("extra") is not None:
            shell.feed(Apply((), ("extra",), {}, SERVICES, shell.now))
        _check(shell)
    shell.settle()
    for name in SERVICES:
        group = shell.world.current(name)
        assert group is not None
        running = [pid for pid, key in shell.alive.items() if key[0] == name]
        assert len(running) <= desired[name], (name, running, desired)
    if shell.world.current("extra") is None:  # a removed service's replicas all went, its group is retired
        assert not any(key[0] == "extra" for key in shell.alive.values()) and Retired(("extra", 0)) in shell.actions
    assert set(shell.alive) == {s.pid for s in shell.world.slots.values() if s.pid}  # no process forgotten
    shell.feed(StopAll(shell.now))
    shell.settle()
    assert shell.alive == {} and shell.world.phase is Phase.STOPPED and shell.world.slots == {}


def _check(shell: Shell) -> None:
    """After any event: a current group never holds more unstopped slots than desired once a tick has passed, and
    every slot with a process names a process that runs."""
    for slot in shell.world.slots.values():
        if slot.pid:
            assert shell.alive.get(slot.pid) == slot.key
    if shell.world.phase is Phase.STOPPING:
        return
    world_after_tick, _ = step(shell.world, Tick(shell.now))
    for group in world_after_tick.groups.values():
        if group.retiring:
            continue  # serves until its successor runs, then drains
        unstopped = [s for s in world_after_tick.slots_of(group.key) if s.state is not ReplicaState.STOPPING]
        assert len(unstopped) <= group.desired, (group, unstopped)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["web", "api", "gone"]), st.integers(0, 2), st.integers(0, 4)),
                max_size=12))
def test_adopting_any_records_keeps_at_most_the_desired_and_answers_each_once(
        records: list[tuple[str, int, int]]) -> None:
    shell = Shell(world(Group("web", 0, 2), Group("api", 1, 1)))
    for number, key in enumerate(records):
        pid = 1000 + number
        shell.alive[pid] = key
        shell.started.add(pid)
        actions = shell.feed(Adopted(key, pid, 5, 0, 0.0))
        assert actions in ((Adopt(key, pid),), (Dismiss(pid, 5),))
    for group in shell.world.groups.values():
        assert len(shell.world.slots_of(group.key)) <= group.desired
    assert all(slot.adopted and slot.state is ReplicaState.RUNNING for slot in shell.world.slots.values())
