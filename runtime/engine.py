"""The engine: one process per project that runs, scales, heals and re-adopts the replicas of a build.

It owns each service's listening socket (a unix socket; TCP on 127.0.0.1 for the gateway) and passes it to every
replica as fd 3, so the kernel's accept queue balances and a replica that stops accepting loses no request. It
watches replicas through pidfds, replaces those that exit (exponential backoff, reported in ``ps``), answers the CLI
on ``.cleave/engine.sock`` and keeps ``runtime-state.json`` current so that the next engine, after a restart or a
``kill -9``, re-adopts the replicas (``pidfd_open`` + start time) and their sockets (``pidfd_getfd``).
"""

from __future__ import annotations

import contextlib
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

from cleave.errors import CleaveError
from cleave.formats.topology import Limits, ServiceSpec, Topology, load_topology
from runtime import linux
from runtime.errors import LaunchError, RuntimeEngineError
from runtime.isolation import Isolation
from runtime.isolation import detect as detect_isolation
from runtime.launch import become_subreaper, begin_launch, begin_zygote_launch, feed, launch
from runtime.paths import ProjectPaths
from runtime.readiness import http_health, is_listening
from runtime.replicas import Replica, Service, build_spec, open_listener, zygote_eligible
from runtime.rollout import ApplySummary, Retiring, same_service
from runtime.stand_in import StandIns
from runtime.state import EngineState, ReplicaRecord, load_state, save_state
from runtime.store import Store, UnpackedImage

START_TIMEOUT = float(os.environ.get("CLEAVE_START_TIMEOUT", "60"))
STOP_GRACE = 10.0
NOT_LISTENING_LIMIT = 60.0
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

    # ---- preparation -------------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Unpack images, open or recover listening sockets, re-adopt replicas of a previous engine."""
        become_subreaper()
        for folder in (self.paths.logs, self.paths.sockets, self.paths.stage, self.paths.volumes):
            folder.mkdir(parents=True, exist_ok=True)
        self.lock = open(self.paths.state_dir / "engine.lock", "w")  # held for the engine's life  # noqa: SIM115
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeEngineError("another engine already runs this project", path=self.paths.state_dir,
                                     hint="`cleave ps`, or `cleave down` first") from None
        previous = load_state(self.paths.state_file)
        store = Store(self.paths.store, overlay=self.isolation.namespaces)
        layout = self.build / self.topology.oci_layout
        generations = previous.extra.get("generations", {}) if previous else {}
        for spec in self.topology.services:
            image = store.unpack(layout, spec.image, spec.manifest_digest or None)
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
        self.startup_deadline = time.monotonic() + START_TIMEOUT

    def _new_service(self, store: Store, spec: ServiceSpec, image: UnpackedImage, desired: int,
                     topology: Topology) -> Service:
        rootfs = None if self.isolation.namespaces else store.flatten(image)
        volume = self.paths.volumes / spec.name
        volume.mkdir(exist_ok=True)
        if self.isolation.namespaces:
            uid, _, gid = spec.user.partition(":")
            if uid.isdigit():
                os.chown(volume, int(uid), int(gid or uid) if (gid or uid).isdigit() else int(uid))
        return Service(spec=spec, image=image, rootfs=rootfs, volume=volume, desired=desired,
                       gateway=spec.name == topology.gateway)

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
        self.selector.register(control, selectors.EVENT_READ, self._on_control)
        for service in self.services.values():
            for replica in service.replicas.values():
                self.selector.register(replica.pidfd, selectors.EVENT_READ, self._exit_handler(service, replica))
        health = threading.Thread(target=self._health_loop, name="health", daemon=True)
        health.start()
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
        if self.phase == "stopping":
            self.stand_ins.release_all()
            self._advance_stop(now)
            return
        self._advance_startup(now)
        self._advance_rollouts(now)
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
                    elif now - replica.started_at > NOT_LISTENING_LIMIT:
                        replica.last_exit = f"not listening after {NOT_LISTENING_LIMIT:.0f} s"
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

    def _health_loop(self) -> None:
        while not self.done.is_set():
            fast = self.phase == "starting"
            for service in list(self.services.values()):
                if service.listen is None or not any(r.pid for r in service.replicas.values()):
                    service.healthy = False
                    continue
                address: str | tuple[str, int] = service.listen.address if service.listen.kind == "unix" \
                    else ("127.0.0.1", int(service.listen.address))
                ok = http_health(address, service.spec.health_path, timeout=1.0 if fast else 2.0)
                service.health_failures = 0 if ok else service.health_failures + 1
                service.healthy = ok or (service.healthy and service.health_failures < 3)
            self.done.wait(0.05 if fast else 1.0)

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
                    _log(f"{service.name}: the zygote did not take the request ({error}); launching directly")
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
            procs = cgroups.create(group, Limits()) if cgroups is not None else ()
            spec = build_spec(service, Replica(service.name, -1, group), self.services, self.paths,
                              isolation=self.isolation, cgroup_procs=procs, zygote=True,
                              control_fd=child_end.fileno())
            launched = launch(spec)
            service.zygote_pidfd = linux.pidfd_open(launched.pid)
        except (LaunchError, OSError) as error:
            _log(f"{service.name}: no zygote ({error}); replicas exec directly")
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
        _log(f"{service.name}: the zygote (pid {service.zygote_pid}) {_reap(service.zygote_pid)}")
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
        _log(f"{replica.name}: {reason}")
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
            reason = _reap(pid)
            if replica.pid != pid:  # a stale event: the slot already runs another process
                _log(f"stale exit event for pid {pid} in slot {replica.name} (now pid {replica.pid})")
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

    def apply(self, build: Path | None = None) -> ApplySummary:
        """Run ``build`` (default: the same folder, re-read) in place of what runs, touching only what changed.

        Every image is unpacked before anything changes, so a bad build leaves the running one alone. A changed
        service gets a new :class:`Service` on the same listening socket; the old one drains once the new
        replicas listen (:meth:`_advance_rollouts`).
        """
        if self.phase in ("stopping", "stopped"):
            raise RuntimeEngineError("the engine is stopping", hint="run `cleave up BUILD` again once it is down")
        build = (build or self.build).resolve()
        try:
            topology = load_topology(build / "topology.json")
            if topology.project != self.topology.project:
                raise RuntimeEngineError(f"the build is project {topology.project!r}, the engine runs "
                                         f"{self.topology.project!r}", path=build,
                                         hint="`cleave down` first to run another project here")
            store = Store(self.paths.store, overlay=self.isolation.namespaces)
            layout = build / topology.oci_layout
            images = {spec.name: store.unpack(layout, spec.image, spec.manifest_digest or None)
                      for spec in topology.services}
        except RuntimeEngineError:
            raise
        except CleaveError as error:
            raise RuntimeEngineError(error.message, path=error.path, line=error.line, hint=error.hint) from error
        replacements: dict[str, Service] = {}  # built (listeners open) before anything changes
        try:
            for spec in topology.services:
                old = self.services.get(spec.name)
                gateway = spec.name == topology.gateway
                if old is not None and same_service(old, spec, images[spec.name], gateway):
                    continue
                desired = spec.replicas if old is None or old.spec.replicas != spec.replicas else old.desired
                new = self._new_service(store, spec, images[spec.name], desired, topology)
                if old is not None and old.gateway == gateway:
                    new.listener, new.listen = old.listener, old.listen  # callers never see a gap
                else:
                    new.listener, new.listen = open_listener(new, self.paths, None)
                replacements[spec.name] = new
        except (RuntimeEngineError, OSError) as error:
            for name, new in replacements.items():
                if new.listener is not None and (name not in self.services or
                                                 new.listener is not self.services[name].listener):
                    new.listener.close()
            if isinstance(error, RuntimeEngineError):
                raise
            raise RuntimeEngineError(f"cannot apply {build}: {error}", path=build) from error
        summary = ApplySummary()
        for name in [n for n in self.services if n not in images]:
            self._retire(self.services.pop(name), None)
            summary.stopped.append(name)
        for spec in topology.services:
            old = self.services.get(spec.name)
            replacement = replacements.get(spec.name)
            if old is not None and replacement is None:
                if spec.replicas != old.spec.replicas:
                    old.desired = spec.replicas
                    summary.scaled[spec.name] = spec.replicas
                else:
                    summary.unchanged.append(spec.name)
                old.spec = spec
                continue
            assert replacement is not None
            new = replacement
            if old is None:
                summary.started.append(spec.name)
            else:
                summary.restarted.append(spec.name)
                new.generation = old.generation + 1
                new.healthy = old.healthy
                self._retire(old, new)
            self.services[spec.name] = new
        self.topology, self.build = topology, build
        gateway_service = self.services.get(topology.gateway or "")
        self.gateway_url = (f"http://127.0.0.1:{gateway_service.listen.address}"
                            if gateway_service is not None and gateway_service.listen is not None else None)
        if summary.started or summary.restarted:
            self.phase = "starting"  # new replicas start in dependency order, as at `up`
            self.startup_deadline = time.monotonic() + START_TIMEOUT
        self.dirty = True
        _log(f"applied {build}: {summary.as_json()}")
        return summary

    def _retire(self, service: Service, successor: Service | None) -> None:
        service.desired = 0
        keep = successor is not None and successor.listener is service.listener
        self.retiring.append(Retiring(service=service, successor=successor, keep_listener=keep))

    def _advance_rollouts(self, now: float) -> None:
        """Drain a replaced service once its successor's replicas all listen; finish when its replicas are gone."""
        for item in list(self.retiring):
            old = item.service
            if not item.draining:
                current = self.services.get(old.name) if item.successor is not None else None
                ready = current is None or sum(r.state == "running" for r in current.replicas.values()) \
                    >= current.desired
                if ready:
                    item.draining = True
                    for replica in list(old.replicas.values()):
                        self._stop(old, replica)
                continue
            for replica in list(old.replicas.values()):
                if replica.pid == 0 and replica.pending is None:
                    old.replicas.pop(replica.index, None)
                elif replica.state == "stopping" and now > replica.stop_deadline:
                    self._kill(replica)
            if not old.replicas:
                self._finish_retiring(item)

    def _finish_retiring(self, item: Retiring) -> None:
        """The old replicas are gone: stop the old zygote, remove its cgroup, close a listener nobody uses."""
        self.retiring.remove(item)
        old = item.service
        if old.zygote_pid:
            with contextlib.suppress(OSError):
                linux.pidfd_send_signal(old.zygote_pidfd, signal.SIGKILL)  # reaped by _zygote_exited
        if self.isolation.cgroups is not None:
            with contextlib.suppress(OSError):
                self.isolation.cgroups.remove(self._cgroup(old, "zygote"))
        if not item.keep_listener and old.listener is not None:
            old.listener.close()
            in_use = {s.listen.address for s in self._every_service() if s.listen is not None}
            if old.listen is not None and old.listen.kind == "unix" and old.listen.address not in in_use:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(old.listen.address)
        self.dirty = True
        _log(f"{old.name}: the replicas of the previous build are gone")

    # ---- control -----------------------------------------------------------------------------------------------

    def _on_control(self, key: selectors.SelectorKey) -> None:
        server: socket.socket = key.fileobj  # type: ignore[assignment]
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return
        conn.settimeout(2.0)
        try:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            message = json.loads(data or b"{}")
            answer = self._handle(message, conn)
        except (OSError, ValueError) as error:
            answer = {"error": f"bad control request: {error}"}
        except RuntimeEngineError as error:
            answer = {"error": error.message, "hint": error.hint}
        if answer is None:
            return  # answered later (down)
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(answer).encode())
        conn.close()

    def _handle(self, message: dict[str, Any], conn: socket.socket) -> dict[str, Any] | None:
        op = message.get("op")
        if op == "status":
            return self.status()
        if op == "ps":
            return {**self.status(), "replicas": self.rows(usage=message.get("usage", True) is not False)}
        if op == "scale":
            wanted = message.get("services", {})
            unknown = sorted(set(wanted) - set(self.services))
            if unknown:
                raise RuntimeEngineError(f"no such service: {', '.join(unknown)}",
                                         hint=f"services: {', '.join(sorted(self.services))}")
            for name, count in wanted.items():
                if not isinstance(count, int) or count < 0:
                    raise RuntimeEngineError(f"{name}={count}: replicas must be a whole number >= 0")
            for name, count in wanted.items():
                self.services[name].desired = count
            self.dirty = True
            return {"ok": True, "desired": {n: s.desired for n, s in self.services.items()}}
        if op == "apply":
            build = message.get("build")
            return self.apply(Path(build) if isinstance(build, str) else None).as_json()
        if op == "down":
            self.remove_volumes = bool(message.get("volumes"))
            self.begin_stop()
            self.waiting_down.append(conn)
            return None
        raise RuntimeEngineError(f"unknown control operation {op!r}")

    def status(self) -> dict[str, Any]:
        return {"phase": self.phase, "failure": self.error, "gateway_url": self.gateway_url, "pid": os.getpid(),
                "project": self.topology.project, "isolation": self.isolation.describe(), "adopted": self.adopted,
                "applying": sorted({r.service.name for r in self.retiring}),
                "services": {n: {"desired": s.desired, "healthy": bool(s.healthy),
                                 "listen": s.listen.address if s.listen else None}
                             for n, s in self.services.items()}}

    def rows(self, *, usage: bool = True) -> list[dict[str, Any]]:
        """One row per replica for ``ps``; ``usage=False`` skips the cgroup reads (cheap polling)."""
        rows = []
        cgroups = self.isolation.cgroups if usage else None
        services = [self.services[name] for name in self.topology.start_order()]
        for service in [*services, *(r.service for r in self.retiring)]:
            name = service.name
            for index in sorted(service.replicas):
                replica = service.replicas[index]
                reading = cgroups.usage(replica.cgroup) if cgroups is not None and replica.pid else None
                rows.append({"service": name, "replica": replica.name, "pid": replica.pid or None,
                             "state": replica.state, "health": "ok" if service.healthy else "failing",
                             "restarts": replica.restarts, "last_exit": replica.last_exit or None,
                             "cpu_seconds": round(reading.cpu_seconds, 3) if reading else None,
                             "memory_bytes": reading.memory_bytes if reading else None,
                             "adopted": replica.adopted})
        return rows

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


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def _reap(pid: int) -> str:
    """Collect an exited child's status without ever blocking; adopted replicas are not our children."""
    for _ in range(100):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return "exited (adopted: code unknown)"
        if done:
            if os.WIFSIGNALED(status):
                return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
            return f"exited with {os.WEXITSTATUS(status)}"
        time.sleep(0.001)
    _log(f"pid {pid}: its pidfd said it exited, but it cannot be reaped yet")
    return "exited (code unknown)"


def kill_engine(paths: ProjectPaths) -> None:
    """SIGKILL the project's engine (an engine that does not answer); its replicas stay for the teardown."""
    state = load_state(paths.state_file)
    if state is not None and linux.process_start_time(state.engine_pid) == state.engine_start_time:
        with contextlib.suppress(ProcessLookupError):
            os.kill(state.engine_pid, signal.SIGKILL)


def teardown_without_engine(paths: ProjectPaths, remove_volumes: bool) -> int:
    """``down`` when no engine runs: stop the replicas the state file names, remove cgroups and sockets."""
    state = load_state(paths.state_file)
    stopped = 0
    if state is not None:
        pidfds = []
        for record in state.replicas:
            if linux.process_start_time(record.pid) != record.start_time:
                continue
            with contextlib.suppress(OSError):
                pidfd = linux.pidfd_open(record.pid)
                linux.pidfd_send_signal(pidfd, signal.SIGTERM)
                pidfds.append(pidfd)
        deadline = time.monotonic() + STOP_GRACE
        for pidfd in pidfds:
            with selectors.DefaultSelector() as waiter:
                waiter.register(pidfd, selectors.EVENT_READ)
                if not waiter.select(max(0.0, deadline - time.monotonic())):
                    with contextlib.suppress(OSError):
                        linux.pidfd_send_signal(pidfd, signal.SIGKILL)
            os.close(pidfd)
            stopped += 1
        isolation = detect_isolation()
        if isolation.cgroups is not None:
            with contextlib.suppress(OSError):
                isolation.cgroups.remove(state.cgroup_parent)
        for listen in state.listeners.values():
            if listen.kind == "unix":
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(listen.address)
        paths.state_file.unlink()
    shutil.rmtree(paths.state_dir / "run", ignore_errors=True)
    shutil.rmtree(paths.sockets, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        paths.control_socket.unlink()
    if remove_volumes:
        shutil.rmtree(paths.volumes, ignore_errors=True)
    return stopped
