"""The engine: the shell around the supervisor (``runtime/supervisor.py``) for one project.

It owns each service's listening socket (a unix socket; TCP on 127.0.0.1 for the gateway) and passes it to every
replica as fd 3, so the kernel's accept queue balances and a replica that stops accepting loses no request. Its loop
turns what happens to processes into supervisor events (a launch completed, a pidfd became readable, a replica
listens, the health thread's verdicts, control requests) and performs the actions the supervisor returns (start,
signal, kill, adopt, release, retire). It keeps ``runtime-state.json`` current so that the next engine, after a
restart or a ``kill -9``, re-adopts the replicas it can prove are its own (``runtime/adoption.py``) and their
sockets (``pidfd_getfd``). Control requests are read and written by threads: the loop never waits on a client.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cleave.formats.topology import Topology
from cleave.settings import Settings
from runtime import events, linux, views
from runtime import machine as m
from runtime.adoption import prove
from runtime.control_server import Call, ControlServer
from runtime.engine_files import close_retired, health_targets, provision, remove_runtime_files, state_record
from runtime.errors import LaunchError, RuntimeEngineError
from runtime.gateway import load_runtime_topology, stop_signal
from runtime.health import HealthWatch, Target
from runtime.inbox import Inbox
from runtime.isolation import Isolation
from runtime.isolation import detect as detect_isolation
from runtime.launch import PendingLaunch, become_subreaper, feed
from runtime.logs import start_rotation
from runtime.logview import record_start
from runtime.machine import busy, initial, stands_in
from runtime.paths import ProjectPaths, artifact_path
from runtime.processes import STOP_GRACE, log, reap
from runtime.protocol import Down, Request
from runtime.readiness import is_listening
from runtime.replicas import Service, check_gateway_callers, kind_of, new_service, open_listener
from runtime.stand_in import StandIns
from runtime.state import EngineState, load_state, save_state
from runtime.store import Store
from runtime.supervisor import step

Answerer = Callable[["Engine", Request], dict[str, Any]]
"""How the engine answers a control request (``runtime.requests.answer``)."""


class Engine:
    """Runs one build; :meth:`run` returns after ``down`` (or a signal in the foreground)."""

    def __init__(self, build: Path, paths: ProjectPaths, answer: Answerer, isolation: Isolation | None = None
                 ) -> None:
        self.build = build.resolve()
        self.answer = answer  # runtime/requests.py's answer(), passed in by whoever starts the engine
        self.paths = paths
        self.isolation = isolation or detect_isolation()
        self.topology: Topology = load_runtime_topology(self.build / "topology.json")  # + an edge split's router
        self.parent = paths.cgroup_parent(self.topology.project)
        self.resources: dict[m.GroupKey, Service] = {}
        self.world = m.World()
        self.gateway_url: str | None = None
        self.selector = selectors.DefaultSelector()
        self.stand_ins = StandIns(self.selector)
        self.done, self.remove_volumes = threading.Event(), False
        self.waiting_down: list[Call] = []
        self.adopted = 0
        self.pidfds: dict[m.SlotKey, int] = {}
        self.pending: dict[m.SlotKey, PendingLaunch] = {}
        self._proven: dict[tuple[int, int], int] = {}  # adoption: (pid, start time) -> pidfd
        self.inbox = Inbox()
        self._detaching = False
        self._saved: object = None
        self.control: ControlServer | None = None
        self.health = HealthWatch(self._targets, lambda: self.world.phase is m.Phase.STARTING, self.done,
                                  self.inbox.post, per_replica=self.isolation.replica_health_checks,
                                  user_namespace=self.isolation.user_namespace)
        from runtime.starter import Starter
        self.starter = Starter(paths, self.isolation, self.parent, self.selector, self.services)

    # ---- what runs ---------------------------------------------------------------------------------------------

    def services(self) -> dict[str, Service]:
        """The current (not retiring) generation of every service, by name, in the topology's order."""
        current = {g.name: self.resources[g.key] for g in self.world.groups.values()
                   if not g.retiring and g.key in self.resources}
        return {name: current[name] for name in self.world.order if name in current}

    def every_service(self) -> list[tuple[m.Group, Service]]:
        """Every group with its resources: the current ones in start order, then those retiring."""
        groups = sorted(self.world.groups.values(), key=lambda g: (g.retiring, self._rank(g.name), g.generation))
        return [(g, self.resources[g.key]) for g in groups if g.key in self.resources]

    def _rank(self, name: str) -> int:
        return self.world.order.index(name) if name in self.world.order else len(self.world.order)

    def next_generation(self, name: str) -> int:
        """A generation no group of ``name`` has used (cgroups of draining replicas never collide)."""
        used = [key[1] for key in self.resources if key[0] == name]
        return max(used) + 1 if used else 0

    # ---- preparation -------------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Unpack images, open or recover listening sockets, re-adopt replicas of a previous engine."""
        become_subreaper()
        self.paths.make_private()
        self.lock = open(self.paths.state_dir / "engine.lock", "w")  # held for the engine's life  # noqa: SIM115
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeEngineError("another engine already runs this project", path=self.paths.state_dir,
                                     hint="`cleave ps`, or `cleave down` first") from None
        check_gateway_callers(self.topology, self.isolation, self.build / "topology.json")
        previous = load_state(self.paths.state_file, self.parent)
        store = Store(self.paths.store, overlay=self.isolation.namespaces and self.isolation.overlay)
        layout = artifact_path(self.build, self.topology.oci_layout, "topology.json oci_layout")
        generations = previous.generations if previous else {}
        groups = []
        for spec in self.topology.services:
            image = store.unpack(layout, spec.image, spec.manifest_digest)
            desired = previous.desired.get(spec.name, spec.replicas) if previous else spec.replicas
            generation = generations.get(spec.name, 0)
            self.resources[(spec.name, generation)] = new_service(
                store, spec, image, topology=self.topology, generation=generation, paths=self.paths,
                isolation=self.isolation)
            groups.append(m.Group(spec.name, generation, desired, spec.health_path, kind_of(spec)))
        self.world = initial(tuple(groups), tuple(self.topology.start_order()), now=time.monotonic(),
                             start_timeout=Settings.from_env().start_timeout, stop_grace=STOP_GRACE)
        if previous is not None:
            self._adopt(previous)
        for service in self.resources.values():
            if service.listener is None:
                port = None
                if previous is not None and service.name in previous.listeners and service.gateway:
                    port = int(previous.listeners[service.name].address)
                service.listener, service.listen = open_listener(service, self.paths, port)
        self.gateway_url = self._gateway_url()
        if previous is None:
            provision(self.topology, self.paths, self.isolation, self.services())

    def _gateway_url(self) -> str | None:
        gateway = self.services().get(self.topology.gateway or "")
        return f"http://127.0.0.1:{gateway.listen.address}" if gateway and gateway.listen else None

    def _adopt(self, previous: EngineState) -> None:
        for record in previous.replicas:
            pidfd = prove(record, self.paths, self.parent, self.isolation)
            if pidfd is None:
                continue
            self._proven[(record.pid, record.start_time)] = pidfd
            self._feed(m.Adopted((record.service, record.generation, record.index), record.pid, record.start_time,
                               record.restarts, time.monotonic()))
            if record.service in previous.listeners:
                self._recover_listener((record.service, record.generation, record.index), pidfd, previous)
        for pidfd in self._proven.values():
            os.close(pidfd)
        self._proven.clear()

    def _recover_listener(self, key: m.SlotKey, pidfd: int, previous: EngineState) -> None:
        """The listening socket of an adopted replica's service, taken from the replica (its fd 3)."""
        name = key[0]
        service = self.resources.get((name, key[1]))
        if service is None or service.listener is not None or key not in self.pidfds:
            return
        with contextlib.suppress(OSError):
            sock = socket.socket(fileno=linux.pidfd_getfd(pidfd, 3))
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                service.listener, service.listen = sock, previous.listeners[name]
            else:
                sock.close()

    # ---- the loop ----------------------------------------------------------------------------------------------

    def run(self, on_ready: Callable[[Engine], None] | None = None) -> None:
        """Serve the control socket, start services in dependency order, supervise until ``down``."""
        self.control = ControlServer(self.paths.control_socket, self.inbox.wake)
        self.inbox.register(self.selector)
        for key, pidfd in self.pidfds.items():
            slot = self.world.slots[key]
            self.selector.register(pidfd, selectors.EVENT_READ, self._exit_handler(key, slot.pid, pidfd))
        self.control.start()
        self.health.start()
        start_rotation(self.paths.logs, self.done)
        announced = False
        try:
            while not self.done.is_set():
                for ready, _ in self.selector.select(0.01 if busy(self.world) else 0.1):
                    ready.data(ready)
                for event in self.inbox.take():
                    self._feed(event)
                self._serve_calls()
                self._probe_listening()
                self._feed(m.Tick(time.monotonic()))
                self._sync_stand_ins()
                if self.world.phase is m.Phase.READY and not announced:
                    announced = True
                    if on_ready is not None:
                        on_ready(self)
                if self._detaching:
                    self._save(always=True)
                    self.done.set()
                elif self.world.phase is not m.Phase.STOPPED:
                    self._save()
        finally:
            self.done.set()
            self.selector.close()
            for call in self.waiting_down:
                call.answer({"ok": True, "stopped": self.world.phase is m.Phase.STOPPED})
            self.control.close()  # after the answers: it writes them before the process may exit

    def _serve_calls(self) -> None:
        assert self.control is not None
        for call in self.control.take():
            if isinstance(call.request, Down):
                self.remove_volumes = self.remove_volumes or call.request.volumes
                self.waiting_down.append(call)
                self._feed(m.StopAll(time.monotonic()))
                continue
            try:
                call.answer(self.answer(self, call.request))
            except RuntimeEngineError as error:
                call.fail(error)

    def _probe_listening(self) -> None:
        for slot in list(self.world.slots.values()):
            if slot.state is m.ReplicaState.STARTING and is_listening(slot.pid):
                self._feed(m.Listening(slot.key, slot.pid))

    def _sync_stand_ins(self) -> None:
        if self.world.phase in (m.Phase.STOPPING, m.Phase.STOPPED):
            self.stand_ins.release_all()
            return
        standing = {name: service.listener for name, service in self.services().items()
                    if service.listener is not None and name in self.world.released and stands_in(self.world, name)}
        self.stand_ins.sync(standing)

    def _targets(self) -> list[Target]:
        """What the health thread checks (called from its thread: the world is an immutable value)."""
        return health_targets(self.world, self.resources)

    # ---- events in, actions out --------------------------------------------------------------------------------

    def scale(self, event: m.Scale) -> None:
        """New desired counts (checked by ``runtime/requests.py``)."""
        self._feed(event)

    def apply(self, event: m.Apply) -> None:
        """A new build or a restart (``runtime/rollout.py`` made the new generations' resources)."""
        self._feed(event)
        self.gateway_url = self._gateway_url()

    def _feed(self, event: m.Event) -> None:
        before = self.world.phase
        self.world, actions = step(self.world, event)
        if self.world.phase is not before:
            events.append(self.paths, "phase", f"phase {self.world.phase.value}"
                          + (f": {self.world.error}" if self.world.error else ""))
        for action in actions:
            self._perform(action)

    def _perform(self, action: m.Action) -> None:
        if isinstance(action, m.Start):
            self._start(action.key)
        elif isinstance(action, (m.Signal, m.Kill)):
            how = signal.SIGKILL if isinstance(action, m.Kill) else stop_signal(action.pid)  # HAProxy: SIGUSR1
            _send(self.pidfds.get(action.key), how)
        elif isinstance(action, m.Adopt):
            self.pidfds[action.key] = os.dup(self._proven[(action.pid, self.world.slots[action.key].start_time)])
            self.adopted += 1
        elif isinstance(action, m.Dismiss):
            _send(self._proven.get((action.pid, action.start_time)), stop_signal(action.pid))
        elif isinstance(action, m.Release):
            service = self.resources.get((action.key[0], action.key[1]))
            if self.isolation.cgroups is not None and service is not None:
                with contextlib.suppress(OSError):
                    self.isolation.cgroups.remove(service.cgroup(self.parent, str(action.key[2])))
        elif isinstance(action, m.Retired):
            self._retired(action.key)
        elif isinstance(action, m.Log):
            log(action.line)
            events.append(self.paths, "replica", action.line)
        elif isinstance(action, m.AllStopped):
            self._cleanup()
            for call in self.waiting_down:
                call.answer({"ok": True, "stopped": True})
            self.waiting_down.clear()
            self.done.set()

    def _start(self, key: m.SlotKey) -> None:
        service = self.resources[(key[0], key[1])]
        try:
            pending = self.starter.begin(service, key[2])
        except (LaunchError, OSError) as error:
            self._feed(m.LaunchFailed(key, str(error), time.monotonic()))
            return
        self.pending[key] = pending
        self.selector.register(pending.fd, selectors.EVENT_READ, lambda _: self._launched(key))

    def _launched(self, key: m.SlotKey) -> None:
        pending = self.pending[key]
        try:
            launched = feed(pending)
        except (LaunchError, OSError) as error:
            self._forget_pending(key)
            self._feed(m.LaunchFailed(key, str(error), time.monotonic()))
            return
        if launched is None:
            return
        self._forget_pending(key)
        try:
            pidfd = linux.pidfd_open(launched.pid)
        except OSError as error:
            self._feed(m.LaunchFailed(key, f"gone right after exec: {error}", time.monotonic()))
            return
        self.pidfds[key] = pidfd
        self.selector.register(pidfd, selectors.EVENT_READ, self._exit_handler(key, launched.pid, pidfd))
        replica = f"{key[0]}-{key[2]}"
        with contextlib.suppress(OSError):
            record_start(self.paths, replica, launched.pid)
        events.append(self.paths, "started", f"{replica} started (pid {launched.pid})", replica=replica)
        self._feed(m.Launched(key, launched.pid, launched.start_time, time.monotonic()))

    def _forget_pending(self, key: m.SlotKey) -> None:
        pending = self.pending.pop(key)
        self.selector.unregister(pending.fd)  # before closing: see launch.feed()
        os.close(pending.fd)

    def _exit_handler(self, key: m.SlotKey, pid: int, pidfd: int) -> Callable[[selectors.SelectorKey], None]:
        def handle(selector_key: selectors.SelectorKey) -> None:
            self.selector.unregister(pidfd)
            os.close(pidfd)
            if self.pidfds.get(key) == pidfd:
                del self.pidfds[key]
            reason, code = reap(pid)
            service = self.resources.get((key[0], key[1]))
            cgroups = self.isolation.cgroups
            if cgroups is not None and service is not None and \
                    cgroups.usage(service.cgroup(self.parent, str(key[2]))).oom_kills:
                reason += " (out of memory)"
            self._feed(m.Exited(key, pid, reason, time.monotonic(), code))
        return handle

    def _retired(self, key: m.GroupKey) -> None:
        """A retiring group has no replica left: stop its zygote, close a listener no current service uses."""
        old = self.resources.pop(key, None)
        if old is not None:
            self.starter.stop_zygote(old)
            close_retired(old, list(self.resources.values()))

    # ---- status, stopping, the state file ----------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What ``cleave up`` and ``ps`` print at the top: phase, gateway, isolation, services."""
        return views.status(self)

    def detach(self) -> None:
        """Leave the replicas running and exit: the next engine re-adopts them from the state file."""
        self._detaching = True
        self.inbox.wake()

    def begin_stop(self) -> None:
        """Stop every replica (SIGTERM, then SIGKILL after the grace period); :meth:`run` returns when done."""
        self.inbox.post(m.StopAll(time.monotonic()))

    def _cleanup(self) -> None:
        for _, service in self.every_service():
            self.starter.stop_zygote(service)
        remove_runtime_files(self.paths, list(self.resources.values()), self.isolation, self.parent,
                             remove_volumes=self.remove_volumes)

    def _snapshot(self) -> EngineState:
        return state_record(self.world, self.resources, self.services(), build=self.build,
                            project=self.topology.project, parent=self.parent, isolation=self.isolation,
                            gateway_url=self.gateway_url)

    def _save(self, *, always: bool = False) -> None:
        """Write the state file (unless it would say what it says already)."""
        snapshot = self._snapshot()
        if always or snapshot != self._saved:
            save_state(self.paths.state_file, snapshot)
            self._saved = snapshot


def _send(pidfd: int | None, sig: int) -> None:
    """A signal through a pidfd (None: not a process of ours; an error: it has just exited)."""
    if pidfd is not None:
        with contextlib.suppress(OSError):
            linux.pidfd_send_signal(pidfd, sig)
