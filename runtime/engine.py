"""The engine: one process per project that runs, scales, heals and re-adopts the replicas of a build.

It owns each service's listening socket (a unix socket; TCP on 127.0.0.1 for the gateway) and passes it to every
replica as fd 3, so the kernel's accept queue balances and a replica that stops accepting loses no request. It
watches replicas through pidfds, replaces those that exit or fail their own health checks (runtime/health.py;
exponential backoff, reported in ``ps``), answers the CLI
on ``.cleave/engine.sock`` and keeps ``runtime-state.json`` current so that the next engine, after a restart or a
``kill -9``, re-adopts the replicas (``pidfd_open`` + start time) and their sockets (``pidfd_getfd``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import selectors
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cleave.formats.topology import ServiceSpec, Topology, load_topology
from runtime import health, linux, resources
from runtime.engine_control import on_control
from runtime.engine_control import status as engine_status
from runtime.errors import LaunchError, RuntimeEngineError
from runtime.isolation import Isolation
from runtime.isolation import detect as detect_isolation
from runtime.launch import become_subreaper, begin_launch, begin_zygote_launch, feed, launch
from runtime.logs import start_rotation
from runtime.paths import ProjectPaths, artifact_path
from runtime.processes import START_TIMEOUT, STOP_GRACE, log, reap
from runtime.readiness import is_listening
from runtime.replicas import Replica, Service, build_spec, check_gateway_callers, open_listener, zygote_eligible
from runtime.rollout import Retiring, advance_rollouts
from runtime.stand_in import StandIns
from runtime.state import EngineState, ReplicaRecord, load_state, save_state
from runtime.store import Store, UnpackedImage

STABLE_AFTER = 10.0


class Engine:
    """Runs one build; :meth:`run` returns after ``down`` (or a signal in the foreground)."""

    def __init__(self, build: Path, paths: ProjectPaths, isolation: Isolation | None = None) -> None:
        self.build = build.resolve()
        self.paths = paths
        self.isolation = isolation or detect_isolation()
        self.topology: Topology = load_topology(self.build / "topology.json")
        self.parent = paths.cgroup_parent(self.topology.project)
        self.services: dict[str, Service] = {}
        self.phase = "starting"
        self.error: str | None = None
        self.gateway_url: str | None = None
        self.selector = selectors.DefaultSelector()
        self.stand_ins = StandIns(self.selector)
        self.done = threading.Event()
        self.dirty = True
        self.remove_volumes = False
        self.waiting_down: list[socket.socket] = []
        self.released: set[str] = set()
        self.startup_deadline = 0.0
        self.adopted = 0
        self.retiring: list[Retiring] = []
        self.health = health.HealthWatch(lambda: list(self.services.values()), lambda: self.phase == "starting",
                                         self.done, per_replica=self.isolation.replica_health_checks,
                                         user_namespace=self.isolation.user_namespace)
        self.kill_reasons: dict[int, str] = {}  # pid -> why the engine killed it, for its exit reason

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
        previous = load_state(self.paths.state_file)
        store = Store(self.paths.store, overlay=self.isolation.namespaces and self.isolation.overlay)
        layout = artifact_path(self.build, self.topology.oci_layout, "topology.json oci_layout")
        generations = previous.extra.get("generations", {}) if previous else {}
        for spec in self.topology.services:
            image = store.unpack(layout, spec.image, spec.manifest_digest)
            desired = previous.desired.get(spec.name, spec.replicas) if previous else spec.replicas
            self.services[spec.name] = self._new_service(store, spec, image, desired, self.topology)
            self.services[spec.name].generation = int(generations.get(spec.name, 0))
        if previous is not None:
            self._adopt(previous)
        for service in self.services.values():
            if service.listener is None:
                port = None
                if previous is not None and service.name in previous.listeners and service.gateway:
                    port = int(previous.listeners[service.name].address)
                service.listener, service.listen = open_listener(service, self.paths, port)
        gateway = self.services.get(self.topology.gateway or "")
        if gateway is not None and gateway.listen is not None:
            self.gateway_url = f"http://127.0.0.1:{gateway.listen.address}"
        if previous is None:
            self._provision()
        self.startup_deadline = time.monotonic() + START_TIMEOUT

    def _provision(self) -> None:
        """The database, then the one-time init, before any replica starts (runtime/resources.py)."""
        owner = None
        if self.isolation.namespaces and not self.isolation.user_namespace:
            uid, _, gid = next(iter(self.services.values())).spec.user.partition(":") if self.services else ("", "", "")
            owner = (int(uid), int(gid or uid)) if uid.isdigit() and (gid or uid).isdigit() else None
        resources.provision(self.topology, self.paths, owner)
        init = self.topology.init
        if init is None:
            return
        service = self.services[init.service]
        spec = build_spec(service, Replica(service.name, 0, ""), self.services, self.paths,
                          isolation=self.isolation, cgroup_procs=())
        resources.run_init(dataclasses.replace(spec, name=f"{service.name}-init", argv=init.command,
                                               log_path=str(self.paths.replica_log(f"{service.name}-init"))))

    def _new_service(self, store: Store, spec: ServiceSpec, image: UnpackedImage, desired: int,
                     topology: Topology) -> Service:
        rootfs = None if self.isolation.namespaces and self.isolation.overlay else store.flatten(image)
        volume = resources.volume_dir(self.paths, spec)
        volume.mkdir(mode=0o700, exist_ok=True)
        os.chmod(volume, 0o700)  # only the services' own user, inside their replicas
        if self.isolation.namespaces and not self.isolation.user_namespace:  # rootless: we are the image's user
            uid, _, gid = spec.user.partition(":")
            if uid.isdigit():
                os.chown(volume, int(uid), int(gid or uid) if (gid or uid).isdigit() else int(uid))
        return Service(spec=spec, image=image, rootfs=rootfs, volume=volume, desired=desired,
                       gateway=spec.name == topology.gateway,
                       resource_env=resources.replica_env(topology, spec, self.paths,
                                                          isolated=self.isolation.namespaces),
                       resource_sockets=tuple(resources.replica_sockets(topology, spec, self.paths)))

    def _adopt(self, previous: EngineState) -> None:
        for record in previous.replicas:
            service = self.services.get(record.service)
            if service is None or linux.process_start_time(record.pid) != record.start_time:
                continue
            try:
                pidfd = linux.pidfd_open(record.pid)
            except OSError:
                continue
            if record.index in service.replicas:  # an old replica that was draining when the engine went away
                with contextlib.suppress(OSError):
                    linux.pidfd_send_signal(pidfd, signal.SIGTERM)
                os.close(pidfd)
                continue
            replica = Replica(service=record.service, index=record.index, cgroup=record.cgroup, pid=record.pid,
                              pidfd=pidfd, start_time=record.start_time, restarts=record.restarts,
                              state="running", adopted=True, started_at=time.monotonic() - STABLE_AFTER)
            service.replicas[record.index] = replica
            self.adopted += 1
            if service.listener is None:
                with contextlib.suppress(OSError):
                    fd = linux.pidfd_getfd(pidfd, 3)
                    sock = socket.socket(fileno=fd)
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
                        service.listener = sock
                        service.listen = previous.listeners[record.service]
                    else:
                        sock.close()

    # ---- the loop ----------------------------------------------------------------------------------------------

    def run(self, on_ready: Callable[[Engine], None] | None = None) -> None:
        """Serve the control socket, start services in dependency order, supervise until ``down``."""
        control = self._open_control()
        self.selector.register(control, selectors.EVENT_READ, lambda key: on_control(self, key))
        for service in self.services.values():
            for replica in service.replicas.values():
                self.selector.register(replica.pidfd, selectors.EVENT_READ, self._exit_handler(service, replica))
        self.health.start()
        start_rotation(self.paths.logs, self.done)
        announced = False
        try:
            while not self.done.is_set():
                busy = self.phase == "starting" or any(r.state in ("launching", "starting", "stopping")
                                                       for s in self.services.values()
                                                       for r in s.replicas.values())
                for key, _ in self.selector.select(0.01 if busy else 0.1):
                    key.data(key)
                self._tick()
                if self.phase == "ready" and not announced:
                    announced = True
                    if on_ready is not None:
                        on_ready(self)
                if self.dirty and self.phase != "stopped":
                    self._save()
        finally:
            self.selector.close()
            control.close()
            with contextlib.suppress(FileNotFoundError):
                self.paths.control_socket.unlink()

    def _open_control(self) -> socket.socket:
        path = self.paths.control_socket
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        os.chmod(path, 0o600)
        sock.listen(64)
        sock.setblocking(False)
        return sock

    def _tick(self) -> None:
        now = time.monotonic()
        self._kill_unhealthy()
        if self.phase == "stopping":
            self.stand_ins.release_all()
            self._advance_stop(now)
            return
        self._advance_startup(now)
        advance_rollouts(self, now)
        self.stand_ins.sync(s for s in self.services.values() if s.name in self.released)
        for service in self.services.values():
            if service.name not in self.released:
                continue
            for index in range(service.desired):
                if index not in service.replicas:
                    service.replicas[index] = Replica(service=service.name, index=index,
                                                      cgroup=self._cgroup(service, str(index)))
                    self._start(service, service.replicas[index])
            for index, replica in list(service.replicas.items()):
                if index >= service.desired and replica.state not in ("stopping",):
                    self._stop(service, replica)
                elif replica.state == "backoff" and now >= replica.retry_at:
                    self._start(service, replica)
                elif replica.state == "starting":
                    if is_listening(replica.pid):
                        replica.state = "running"
                        self.dirty = True
                    elif now - replica.started_at > START_TIMEOUT:
                        self.kill_reasons[replica.pid] = f"not listening after {START_TIMEOUT:g} s"
                        self._kill(replica)
                elif replica.state == "stopping" and now > replica.stop_deadline:
                    self._kill(replica)

    def _advance_startup(self, now: float) -> None:
        """Release services one by one in dependency order, each once the ones before it answer their health."""
        if self.phase not in ("starting", "failed"):
            return
        released: set[str] = set()
        for name in self.topology.start_order():
            released.add(name)
            service = self.services[name]
            if service.desired > 0 and not service.healthy:
                if now > self.startup_deadline and self.phase == "starting":
                    self.phase = "failed"
                    self.error = (f"service {name!r} did not answer {service.spec.health_path} within "
                                  f"{START_TIMEOUT:.0f} s; see `cleave logs {name}`, stop with `cleave down`")
                self.released = released
                return
        self.released = released
        self.phase = "ready"
        self.error = None
        self.dirty = True

    def _kill_unhealthy(self) -> None:
        """SIGKILL the replicas the health thread found unhealthy, if the same process still runs in their slot."""
        for pid, start_time, why in self.health.take_unhealthy():
            for service in self.services.values():
                for replica in service.replicas.values():
                    if (replica.pid, replica.start_time) == (pid, start_time) and replica.state == "running":
                        log(f"{replica.name} (pid {pid}) {why}: killed, to be replaced")
                        self.kill_reasons[pid] = why
                        self._kill(replica)

    # ---- replicas ----------------------------------------------------------------------------------------------

    def _start(self, service: Service, replica: Replica) -> None:
        """Fork the replica's helper; the replica sets itself up while the engine goes on (see _launched)."""
        cgroups = self.isolation.cgroups
        procs: tuple[str, ...] = ()
        try:
            if cgroups is not None:
                if cgroups.exists(replica.cgroup):
                    cgroups.remove(replica.cgroup)
                procs = cgroups.create(replica.cgroup, service.spec.resources)
            spec = build_spec(service, replica, self.services, self.paths, isolation=self.isolation,
                              cgroup_procs=procs)
            pending = None
            if self._zygote(service) is not None:
                assert service.zygote_control is not None
                try:
                    pending = begin_zygote_launch(service.zygote_control, spec)
                except OSError as error:
                    log(f"{service.name}: the zygote did not take the request ({error}); launching directly")
                    self._zygote_gone(service)
            if pending is None:
                pending = begin_launch(spec)
        except (LaunchError, OSError) as error:
            self._failed(service, replica, str(error))
            return
        replica.pending = pending
        replica.state = "launching"
        replica.started_at = time.monotonic()
        self.selector.register(pending.fd, selectors.EVENT_READ, lambda key: self._launched(service, replica))

    def _zygote(self, service: Service) -> int | None:
        """The service's zygote (started on first use), or None when it has none (then replicas exec directly)."""
        if service.zygote_pid:
            return service.zygote_pid
        if not zygote_eligible(service, self.isolation):
            return None
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        group = self._cgroup(service, "zygote")
        try:
            cgroups = self.isolation.cgroups
            procs = cgroups.create(group, service.spec.resources) if cgroups is not None else ()  # a replica's limits
            spec = build_spec(service, Replica(service.name, -1, group), self.services, self.paths,
                              isolation=self.isolation, cgroup_procs=procs, zygote=True,
                              control_fd=child_end.fileno())
            launched = launch(spec)
            service.zygote_pidfd = linux.pidfd_open(launched.pid)
        except (LaunchError, OSError) as error:
            log(f"{service.name}: no zygote ({error}); replicas exec directly")
            service.zygote_failures += 1
            parent_end.close()
            return None
        finally:
            child_end.close()
        service.zygote_pid = launched.pid
        service.zygote_control = parent_end
        self.selector.register(service.zygote_pidfd, selectors.EVENT_READ, lambda key: self._zygote_exited(service))
        return launched.pid

    def _zygote_exited(self, service: Service) -> None:
        log(f"{service.name}: the zygote (pid {service.zygote_pid}) {reap(service.zygote_pid)}")
        service.zygote_failures += 1
        self._zygote_gone(service)

    def _zygote_gone(self, service: Service) -> None:
        if service.zygote_pidfd >= 0:
            self.selector.unregister(service.zygote_pidfd)
            os.close(service.zygote_pidfd)
        if service.zygote_control is not None:
            service.zygote_control.close()
        service.zygote_pid, service.zygote_pidfd, service.zygote_control = 0, -1, None

    def _launched(self, service: Service, replica: Replica) -> None:
        pending = replica.pending
        assert pending is not None
        try:
            launched = feed(pending)
        except (LaunchError, OSError) as error:
            self.selector.unregister(pending.fd)
            os.close(pending.fd)
            replica.pending = None
            if replica.state == "stopping" or replica.index >= service.desired:
                service.replicas.pop(replica.index, None)
            else:
                self._failed(service, replica, str(error))
            return
        if launched is None:
            return
        self.selector.unregister(pending.fd)  # before closing: see feed()
        os.close(pending.fd)
        replica.pending = None
        replica.pid = launched.pid
        replica.start_time = launched.start_time
        replica.adopted = False
        try:
            replica.pidfd = linux.pidfd_open(launched.pid)
        except OSError as error:
            replica.pid = 0
            self._failed(service, replica, f"gone right after exec: {error}")
            return
        self.selector.register(replica.pidfd, selectors.EVENT_READ, self._exit_handler(service, replica))
        self.dirty = True
        if replica.state == "stopping" or replica.index >= service.desired or self.phase == "stopping":
            self._stop(service, replica)
        else:
            replica.state = "starting"

    def _failed(self, service: Service, replica: Replica, reason: str) -> None:
        log(f"{replica.name}: {reason}")
        replica.last_exit = reason
        lived = time.monotonic() - replica.started_at if replica.started_at else 0.0
        replica.failures = 1 if lived > STABLE_AFTER else replica.failures + 1
        replica.state = "backoff"
        delay = 0.0 if replica.failures == 1 else min(0.1 * 2 ** (replica.failures - 2), 30.0)
        replica.retry_at = time.monotonic() + delay  # a first failure is replaced at once
        self.dirty = True

    def _exit_handler(self, service: Service, replica: Replica) -> Callable[[selectors.SelectorKey], None]:
        pid, pidfd = replica.pid, replica.pidfd

        def handle(key: selectors.SelectorKey) -> None:
            self.selector.unregister(key.fileobj)
            os.close(pidfd)
            reason = reap(pid)
            if pid in self.kill_reasons:
                reason = f"{self.kill_reasons.pop(pid)}: {reason}"
            if replica.pid != pid:  # a stale event: the slot already runs another process
                log(f"stale exit event for pid {pid} in slot {replica.name} (now pid {replica.pid})")
                return
            replica.pidfd = -1
            cgroups = self.isolation.cgroups
            if cgroups is not None and cgroups.usage(replica.cgroup).oom_kills:
                reason += " (out of memory)"
            replica.pid = 0
            self.dirty = True
            if replica.state == "stopping" or replica.index >= service.desired or self.phase == "stopping":
                service.replicas.pop(replica.index, None)
                if cgroups is not None:
                    with contextlib.suppress(OSError):
                        cgroups.remove(replica.cgroup)
                return
            replica.restarts += 1
            self._failed(service, replica, reason)
        return handle

    def _stop(self, service: Service, replica: Replica) -> None:
        if replica.pending is not None:
            replica.state = "stopping"  # signalled as soon as its launch completes
            replica.stop_deadline = time.monotonic() + STOP_GRACE
            return
        if replica.pid == 0 or replica.pidfd < 0:
            service.replicas.pop(replica.index, None)
            return
        replica.state = "stopping"
        replica.stop_deadline = time.monotonic() + STOP_GRACE
        with contextlib.suppress(OSError):
            linux.pidfd_send_signal(replica.pidfd, signal.SIGTERM)
        self.dirty = True

    def _kill(self, replica: Replica) -> None:
        if replica.pidfd >= 0:
            with contextlib.suppress(OSError):
                linux.pidfd_send_signal(replica.pidfd, signal.SIGKILL)

    # ---- applying a new build ----------------------------------------------------------------------------------

    def _cgroup(self, service: Service, slot: str) -> str:
        """``<parent>/<service>-<slot>``, suffixed by the generation once the service was replaced."""
        suffix = f"-g{service.generation}" if service.generation else ""
        return f"{self.parent}/{service.name}-{slot}{suffix}"

    def _every_service(self) -> list[Service]:
        """The services of the build that runs, then those being replaced or removed."""
        return [*self.services.values(), *(item.service for item in self.retiring)]

    def status(self) -> dict[str, Any]:
        """What ``cleave up`` and ``ps`` print at the top: phase, gateway, isolation, services."""
        return engine_status(self)

    # ---- stopping ----------------------------------------------------------------------------------------------

    def detach(self) -> None:
        """Leave the replicas running and exit: the next engine re-adopts them from the state file."""
        self._save()
        self.phase = "stopped"
        self.done.set()

    def begin_stop(self) -> None:
        """Stop every replica (SIGTERM, then SIGKILL after the grace period); :meth:`run` returns when done."""
        if self.phase == "stopping":
            return
        self.phase = "stopping"
        for service in self._every_service():
            service.desired = 0
            for replica in list(service.replicas.values()):
                if replica.state != "stopping":
                    self._stop(service, replica)

    def _advance_stop(self, now: float) -> None:
        remaining = False
        for service in self._every_service():
            for replica in list(service.replicas.values()):
                if replica.pid == 0 and replica.pending is None:
                    service.replicas.pop(replica.index, None)
                    continue
                remaining = True
                if now > replica.stop_deadline:
                    self._kill(replica)
        if remaining:
            return
        self._cleanup()
        self.phase = "stopped"
        for conn in self.waiting_down:
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"ok": True, "stopped": True}).encode())
                conn.close()
        self.done.set()

    def _cleanup(self) -> None:
        for service in self._every_service():
            if service.zygote_pid:
                with contextlib.suppress(OSError):
                    linux.pidfd_send_signal(service.zygote_pidfd, signal.SIGKILL)
                self._zygote_gone(service)
        if self.isolation.cgroups is not None:
            with contextlib.suppress(OSError):
                self.isolation.cgroups.remove(self.parent)
        for service in self._every_service():
            if service.listener is not None:
                service.listener.close()
            if service.listen is not None and service.listen.kind == "unix":
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(service.listen.address)
        with contextlib.suppress(FileNotFoundError):
            self.paths.state_file.unlink()
        shutil.rmtree(self.paths.state_dir / "run", ignore_errors=True)
        shutil.rmtree(self.paths.sockets, ignore_errors=True)
        resources.stop_postgresql(self.paths)
        if self.remove_volumes:
            shutil.rmtree(self.paths.volumes, ignore_errors=True)

    def _save(self) -> None:
        self.dirty = False
        replicas = tuple(ReplicaRecord(r.service, r.index, r.pid, r.start_time, r.restarts, r.cgroup)
                         for s in self._every_service() for r in s.replicas.values() if r.pid)
        listeners = {n: s.listen for n, s in self.services.items() if s.listen is not None}
        save_state(self.paths.state_file, EngineState(
            engine_pid=os.getpid(), engine_start_time=linux.process_start_time(os.getpid()) or 0,
            build=str(self.build), project=self.topology.project, cgroup_parent=self.parent,
            isolation=self.isolation.describe(), desired={n: s.desired for n, s in self.services.items()},
            listeners=listeners, replicas=replicas, gateway_url=self.gateway_url,
            extra={"generations": {n: s.generation for n, s in self.services.items() if s.generation}}))
