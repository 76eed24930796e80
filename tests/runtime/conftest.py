"""Fixtures for the runtime's tests: a test image (host Python + a probe server) and cleanup that always runs."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from runtime.launch import become_subreaper
from tests.runtime.images import python_layer

if TYPE_CHECKING:
    from tests.runtime.project import Project

IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="needs root (namespaces, cgroups, mounts)")


@pytest.fixture(scope="session")
def base_layer() -> bytes:
    """The Python layer, built once per session (about 85 MB, 2 s)."""
    become_subreaper()
    return python_layer()


def http_get(address: str | tuple[str, int], path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """One HTTP/1.1 GET over a unix socket path or a TCP (host, port), connection closed after it."""
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(address)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/"):
        raise ConnectionError(f"no HTTP answer on {address} for {path}")
    return int(head.split(b" ", 2)[1]), body


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def kill_and_reap(pids: Iterable[int]) -> None:
    """SIGKILL and reap replicas a test launched itself (they may be gone already)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


@pytest.fixture
def shop(tmp_path: Path, base_layer: bytes) -> Iterator[Project]:
    """web (the gateway, 2 replicas, limited) calls api; other is a service web may not call."""
    from tests.runtime.project import make_project  # project.py imports this module

    project = make_project(tmp_path, base_layer, {
        "web": {"replicas": 2, "calls": ("api",), "resources": {"cpu": 0.5, "memory_bytes": 64 << 20, "pids": 64}},
        "api": {"replicas": 1},
        "other": {"replicas": 1},
    })
    try:
        yield project
    finally:
        project.teardown()
