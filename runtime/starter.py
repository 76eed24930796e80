"""Starting one replica process: its cgroup, its launch spec, and the service's zygote when it has one.

The engine calls :meth:`Starter.begin` for a :class:`~runtime.machine.Start` action; the result is a pending launch
whose pipe the engine watches (``runtime/launch.py``: end of file with no message means the replica exec'd).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
from collections.abc import Callable

from runtime import linux
from runtime.errors import LaunchError
from runtime.isolation import Isolation
from runtime.launch import PendingLaunch, begin_launch, begin_zygote_launch, launch
from runtime.paths import ProjectPaths
from runtime.processes import log, reap
from runtime.replicas import Service, build_spec, zygote_eligible


class Starter:
    """Launches replicas of the engine's services; owns the zygotes' pidfds in the engine's selector."""

    def __init__(self, paths: ProjectPaths, isolation: Isolation, parent: str, selector: selectors.BaseSelector,
                 services: Callable[[], dict[str, Service]]) -> None:
        self.paths = paths
        self.isolation = isolation
        self.parent = parent
        self.selector = selector
        self.services = services

    def begin(self, service: Service, index: int) -> PendingLaunch:
        """Create the slot's cgroup (afresh) and start its process; raises :class:`LaunchError` or OSError."""
        cgroups = self.isolation.cgroups
        group = service.cgroup(self.parent, str(index))
        procs: tuple[str, ...] = ()
        if cgroups is not None:
            if cgroups.exists(group):
                cgroups.remove(group)
            procs = cgroups.create(group, service.spec.resources)
        spec = build_spec(service, f"{service.name}-{index}", self.services(), self.paths, isolation=self.isolation,
                          cgroup_procs=procs)
        if self._zygote(service) is not None:
            assert service.zygote_control is not None
            try:
                return begin_zygote_launch(service.zygote_control, spec)
            except OSError as error:
                log(f"{service.name}: the zygote did not take the request ({error}); launching directly")
                self.zygote_gone(service)
        return begin_launch(spec)

    def _zygote(self, service: Service) -> int | None:
        """The service's zygote (started on first use), or None when it has none (then replicas exec directly)."""
        if service.zygote_pid:
            return service.zygote_pid
        if not zygote_eligible(service, self.isolation):
            return None
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        group = service.cgroup(self.parent, "zygote")
        try:
            cgroups = self.isolation.cgroups
            procs = cgroups.create(group, service.spec.resources) if cgroups is not None else ()  # a replica's
            spec = build_spec(service, f"{service.name}-zygote", self.services(), self.paths,
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
        log(f"{service.name}: the zygote (pid {service.zygote_pid}) {reap(service.zygote_pid)[0]}")
        service.zygote_failures += 1
        self.zygote_gone(service)

    def zygote_gone(self, service: Service) -> None:
        """Forget the service's zygote (it exited, or it is being stopped)."""
        if service.zygote_pidfd >= 0:
            self.selector.unregister(service.zygote_pidfd)
            os.close(service.zygote_pidfd)
        if service.zygote_control is not None:
            service.zygote_control.close()
        service.zygote_pid, service.zygote_pidfd, service.zygote_control = 0, -1, None

    def stop_zygote(self, service: Service) -> None:
        """SIGKILL the service's zygote and forget it, and remove its cgroup."""
        if service.zygote_pid:
            pid = service.zygote_pid
            with contextlib.suppress(OSError):
                linux.pidfd_send_signal(service.zygote_pidfd, signal.SIGKILL)
            self.zygote_gone(service)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        if self.isolation.cgroups is not None:
            with contextlib.suppress(OSError):
                self.isolation.cgroups.remove(service.cgroup(self.parent, "zygote"))
