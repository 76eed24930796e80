"""The listening socket: socket activation (``LISTEN_FDS``, fd 3) or ``CLEAVE_LISTEN`` (``host:port``, ``unix:/p``).

With socket activation the runtime owns the socket and hands the same one to every replica, so the kernel's accept
queue balances connections between them; a draining replica closes only its own copy. A health check through that
shared socket reaches whichever replica the kernel picks, so ``CLEAVE_HEALTH_LISTEN`` (``unix:/path`` or
``unix:@name``, an abstract socket, private to the replica's network namespace) adds a socket of this replica's
own, served like the shared one, where the runtime checks this replica.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Final

from .errors import ServiceConfigError

DEFAULT_LISTEN: Final = "127.0.0.1:8000"
HEALTH_VARIABLE: Final = "CLEAVE_HEALTH_LISTEN"
FIRST_FD: Final = 3


@dataclass(frozen=True)
class Listener:
    """A listening socket, where it listens (for logs and SERVER_NAME), and the unix path to remove at exit."""

    sock: socket.socket
    where: str
    host: str
    port: str
    unlink: str | None = None

    def close(self) -> None:
        """Close this process's copy of the socket (other replicas sharing it keep accepting)."""
        self.sock.close()
        if self.unlink is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.unlink)


def open_listener(environ: MutableMapping[str, str]) -> Listener:
    """The socket to serve on, from the environment (see the module docstring); ServiceConfigError if unusable."""
    activated = _activated(environ)
    if activated is not None:
        return activated
    address = environ.get("CLEAVE_LISTEN") or DEFAULT_LISTEN
    if address.startswith("unix:"):
        return _unix(address)
    host, sep, port_text = address.rpartition(":")
    if not sep or not port_text.isdigit():
        raise ServiceConfigError(f"CLEAVE_LISTEN={address!r}: expected 'host:port' or 'unix:/path/to.sock'")
    host = host.strip("[]") or "0.0.0.0"
    try:
        sock = socket.create_server((host, int(port_text)), family=socket.AF_INET6 if ":" in host else socket.AF_INET,
                                    backlog=1024)
    except OSError as error:
        raise ServiceConfigError(f"CLEAVE_LISTEN={address!r}: cannot listen there: {error}") from None
    sock.setblocking(False)
    bound = sock.getsockname()
    return Listener(sock, f"http://{host}:{bound[1]}", host, str(bound[1]))


def _activated(environ: MutableMapping[str, str]) -> Listener | None:
    count = environ.get("LISTEN_FDS")
    if not count:
        return None
    pid = environ.get("LISTEN_PID")
    if pid and pid != str(os.getpid()):
        return None  # meant for another process (sd_listen_fds semantics)
    for name in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
        environ.pop(name, None)  # children of this service must not think the socket is theirs
    if not count.isdigit() or int(count) < 1:
        raise ServiceConfigError(f"LISTEN_FDS={count!r}: expected a positive number of sockets from fd 3")
    try:
        sock = socket.socket(fileno=FIRST_FD)
    except OSError as error:
        raise ServiceConfigError(f"LISTEN_FDS={count}: fd {FIRST_FD} is not a socket: {error}") from None
    os.set_inheritable(FIRST_FD, False)
    sock.setblocking(False)
    if sock.family == socket.AF_UNIX:
        name = sock.getsockname()
        path = name if isinstance(name, str) else name.decode(errors="replace")
        return Listener(sock, f"unix:{path} (fd 3)", "localhost", "0")
    bound = sock.getsockname()
    return Listener(sock, f"http://{bound[0]}:{bound[1]} (fd 3)", str(bound[0]), str(bound[1]))


def open_health_listener(environ: MutableMapping[str, str]) -> Listener | None:
    """This replica's own socket from ``CLEAVE_HEALTH_LISTEN``, or None when it is not set."""
    address = environ.get(HEALTH_VARIABLE)
    if not address:
        return None
    if not address.startswith("unix:"):
        raise ServiceConfigError(f"{HEALTH_VARIABLE}={address!r}: expected 'unix:/path/to.sock' or 'unix:@name'")
    return _unix(address, HEALTH_VARIABLE)


def _unix(address: str, variable: str = "CLEAVE_LISTEN") -> Listener:
    path = address[len("unix:"):]
    if path.startswith("//"):
        path = path[2:]
    if not path or path == "@":
        raise ServiceConfigError(f"{variable}={address!r}: the unix socket path is empty")
    if path.startswith("@"):
        return _abstract(address, path[1:], variable)
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            if _answers(path):
                raise ServiceConfigError(f"{variable}={address!r}: another server is listening there")
            os.unlink(path)  # a stale socket from an earlier run
    return Listener(_bound_unix(path, address, variable), f"unix:{path}", "localhost", "0", unlink=path)


def _abstract(address: str, name: str, variable: str) -> Listener:
    """An abstract unix socket (Linux): no file, gone with the process; a second server there is refused."""
    return Listener(_bound_unix("\0" + name, address, variable), f"unix:@{name}", "localhost", "0")


def _bound_unix(path: str, address: str, variable: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
        sock.listen(1024)
    except OSError as error:
        sock.close()
        raise ServiceConfigError(f"{variable}={address!r}: cannot listen there: {error}") from None
    sock.setblocking(False)
    return sock


def _answers(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        try:
            probe.connect(path)
        except OSError:
            return False
        return True
