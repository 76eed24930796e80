"""Health checks of one replica, not of whichever replica the kernel picks.

Every replica of a service accepts on the same listening socket (fd 3), so an HTTP check through it says how the
service is, not how one replica is: a replica that hangs while its siblings serve would pass forever. So each
replica with a network namespace of its own also listens on an abstract unix socket, ``@cleave-health``
(``CLEAVE_HEALTH_LISTEN``, served by the kit like fd 3). An abstract socket has no file and lives in one network
namespace, so every replica can use the same name. :class:`NamespaceProbe` creates its client socket inside the
replica's network namespace (``setns`` moves only the calling thread, and only for as long as ``socket()`` takes),
then connects and asks for the health path with a deadline.

:class:`Verdicts` turns checks into a decision: a replica is *armed* once it has answered a check (a kit built
before this existed, or a service that does not use the kit, never answers and is left to the other checks), and
*unhealthy* after ``limit`` failed checks in a row; one success clears the count. :class:`HealthWatch` is the
engine's health thread: it checks every service through its shared socket (start order, ``ps``) and every running
replica through its own, and hands the unhealthy ones to the engine's loop, which kills them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from runtime import linux
from runtime.machine import Event, ServiceHealth, Unhealthy
from runtime.readiness import ask_health, http_health, is_success
from runtime.replicas import HEALTH_LISTEN_VALUE, HEALTH_LISTEN_VARIABLE

SOCKET_NAME: Final = "cleave-health"
LISTEN_VARIABLE: Final = HEALTH_LISTEN_VARIABLE
LISTEN_VALUE: Final = HEALTH_LISTEN_VALUE
"""``CLEAVE_HEALTH_LISTEN`` for a replica in a network namespace of its own (defined beside the launch spec)."""
CHECK_TIMEOUT: Final = 2.0
FAILURES_BEFORE_UNHEALTHY: Final = 3


class NamespaceProbe:
    """``GET path`` on a replica's ``@cleave-health`` socket, from inside its network namespace.

    As root, the calling thread joins the replica's network namespace for one ``socket()`` call (``setns`` moves
    only that thread; it is back in its own namespace when :meth:`check` returns or raises): use a probe from one
    thread at a time. Rootless (``join_user_namespace``), the replica's network namespace belongs to its user
    namespace, which only a single-threaded process may join: a forked child joins both (as their owner it holds
    every capability there), makes the socket and passes it back.
    """

    def __init__(self, *, join_user_namespace: bool = False) -> None:
        self._home = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        self._socket_in = self._socket_from_child if join_user_namespace else self._socket_from_thread

    def close(self) -> None:
        os.close(self._home)

    def check(self, pid: int, path: str, timeout: float) -> str | None:
        """None when the replica answered 2xx within ``timeout`` seconds; otherwise why not, in a few words."""
        try:
            sock = self._socket_in(pid)
        except OSError as error:
            return f"cannot enter its network namespace: {error.strerror or error}"
        started = time.monotonic()
        with sock:
            head = _ask(sock, path, timeout)
        if isinstance(head, str):
            return head
        if is_success(head):
            return None
        if not head:
            return f"closed without an answer after {time.monotonic() - started:.2f} s"
        return f"answered {head[:60].decode('latin-1')!r}"

    def _socket_from_thread(self, pid: int) -> socket.socket:
        target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        try:
            linux.setns(target, linux.CLONE_NEWNET)
            try:
                return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # belongs to the replica's namespace
            finally:
                linux.setns(self._home, linux.CLONE_NEWNET)
        finally:
            os.close(target)

    def _socket_from_child(self, pid: int) -> socket.socket:
        user = os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
        try:
            net = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            os.close(user)
            raise
        ours, theirs = socket.socketpair()
        try:
            child = os.fork()
            if child == 0:  # pragma: no cover - runs in the child, which only makes one socket and exits
                _make_socket_and_exit(theirs, user, net)
            theirs.close()
            ours.settimeout(5)
            message, fds, _, _ = socket.recv_fds(ours, 256, 1)
            os.waitpid(child, 0)
        finally:
            ours.close()
            theirs.close()
            os.close(user)
            os.close(net)
        if not fds:
            raise OSError(message.decode(errors="replace") or "the namespace child made no socket")
        return socket.socket(fileno=fds[0])


def _ask(sock: socket.socket, path: str, timeout: float) -> bytes | str:
    """The head of the health socket's answer to ``GET path`` (empty: closed without one), or why none came."""
    sock.settimeout(timeout)
    try:
        sock.connect("\0" + SOCKET_NAME)
        return ask_health(sock, path)
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except ConnectionRefusedError:
        return "nothing listens on its health socket"
    except OSError as error:
        return f"health socket: {error.strerror or error}"


def _make_socket_and_exit(channel: socket.socket, user: int, net: int) -> None:  # pragma: no cover - child only
    status = 1
    try:
        linux.setns(user, linux.CLONE_NEWUSER)
        linux.setns(net, linux.CLONE_NEWNET)
        made = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        socket.send_fds(channel, [b"ok"], [made.fileno()])
        status = 0
    except OSError as error:
        with contextlib.suppress(OSError):
            channel.sendall((error.strerror or str(error)).encode())
    finally:
        os._exit(status)


@dataclass(frozen=True)
class Verdict:
    """What the checks of one replica say now."""

    armed: bool
    failures: int
    reason: str

    @property
    def unhealthy(self) -> bool:
        return self.armed and self.failures >= FAILURES_BEFORE_UNHEALTHY

    def describe(self) -> str:
        """For ``ps``: ``ok``, ``-`` (not checked this way), or the failures and the last reason."""
        if not self.armed:
            return "-"
        if self.failures == 0:
            return "ok"
        return f"failing {self.failures}/{FAILURES_BEFORE_UNHEALTHY}: {self.reason}"


class Verdicts:
    """The checks of every replica, keyed by (pid, start time) so a recycled pid starts afresh."""

    def __init__(self) -> None:
        self._by_replica: dict[tuple[int, int], Verdict] = {}

    def record(self, replica: tuple[int, int], failure: str | None) -> Verdict:
        before = self._by_replica.get(replica, Verdict(armed=False, failures=0, reason=""))
        if failure is None:
            after = Verdict(armed=True, failures=0, reason="")
        elif before.armed:
            after = Verdict(armed=True, failures=before.failures + 1, reason=failure)
        else:
            after = before
        self._by_replica[replica] = after
        return after

    def get(self, replica: tuple[int, int]) -> Verdict | None:
        return self._by_replica.get(replica)

    def forget_all_but(self, alive: set[tuple[int, int]]) -> None:
        for replica in set(self._by_replica) - alive:
            del self._by_replica[replica]


@dataclass(frozen=True)
class Target:
    """What the health thread checks of one service generation: its shared socket (``address``: a unix socket path
    or TCP ``(host, port)``), its health path, and the ``(pid, start time)`` of its running replicas."""

    key: tuple[str, int]
    address: str | tuple[str, int] | None
    health_path: str
    running: tuple[tuple[int, int], ...]
    any_process: bool


class HealthWatch:
    """The engine's health thread. It reads immutable :class:`Target` snapshots and only reports: what it finds goes
    to ``emit`` as supervisor events (:class:`~runtime.machine.ServiceHealth`, :class:`~runtime.machine.Unhealthy`),
    which the engine's loop applies."""

    def __init__(self, targets: Callable[[], list[Target]], starting: Callable[[], bool], done: threading.Event,
                 emit: Callable[[Event], None], *, per_replica: bool, user_namespace: bool = False) -> None:
        self.targets = targets
        self.starting = starting
        self.done = done
        self.emit = emit
        self.per_replica = per_replica
        self.user_namespace = user_namespace
        self.verdicts = Verdicts()
        self._service_failures: dict[tuple[str, int], int] = {}
        self._healthy: dict[tuple[str, int], bool] = {}

    def start(self) -> None:
        threading.Thread(target=self._run, name="health", daemon=True).start()

    def _run(self) -> None:
        probe = NamespaceProbe(join_user_namespace=self.user_namespace) if self.per_replica else None
        reported: set[tuple[int, int]] = set()
        try:
            while not self.done.is_set():
                fast = self.starting()
                targets = self.targets()
                if probe is not None:
                    reported = self._check_replicas(probe, targets, reported)
                self._check_services(targets, fast)
                self.done.wait(0.05 if fast else 1.0)
        finally:
            if probe is not None:
                probe.close()

    def _check_replicas(self, probe: NamespaceProbe, targets: list[Target],
                        reported: set[tuple[int, int]]) -> set[tuple[int, int]]:
        running: set[tuple[int, int]] = set()
        for target in targets:
            for key in target.running:
                running.add(key)
                verdict = self.verdicts.record(key, probe.check(key[0], target.health_path, CHECK_TIMEOUT))
                if verdict.unhealthy and key not in reported:
                    reported.add(key)
                    self.emit(Unhealthy(*key, f"failed {verdict.failures} health checks in a row "
                                              f"({verdict.reason})"))
        self.verdicts.forget_all_but(running)
        return reported & running

    def _check_services(self, targets: list[Target], fast: bool) -> None:
        for target in targets:
            before = self._healthy.get(target.key, False)
            if target.address is None or not target.any_process:
                healthy = False
            else:
                ok = http_health(target.address, target.health_path, timeout=1.0 if fast else CHECK_TIMEOUT)
                failures = 0 if ok else self._service_failures.get(target.key, 0) + 1
                self._service_failures[target.key] = failures
                healthy = ok or (before and failures < FAILURES_BEFORE_UNHEALTHY)
            if healthy != before or target.key not in self._healthy:
                self.emit(ServiceHealth(target.key, healthy))
            self._healthy[target.key] = healthy
