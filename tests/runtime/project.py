"""A running test project: build folder, CLI calls, a bounded load generator, and cleanup that always runs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime import cgroups, linux
from runtime.paths import ProjectPaths
from runtime.state import load_state
from tests.runtime.conftest import http_get
from tests.runtime.images import write_build

CLEAVE = str(Path(sys.executable).parent / "cleave")


@dataclass
class Project:
    """One build under ``root`` and the CLI pointed at it."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def paths(self) -> ProjectPaths:
        return ProjectPaths.for_build(self.build)

    def cli(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([CLEAVE, *args], cwd=self.root, capture_output=True, text=True, timeout=timeout,
                                env={**os.environ, "CLEAVE_START_TIMEOUT": "20", **self.env}, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"cleave {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def up(self) -> str:
        return self.cli("up", "build").stdout.strip().splitlines()[-1]

    def ps(self) -> dict[str, Any]:
        answer: dict[str, Any] = json.loads(self.cli("ps", "--json").stdout)
        return answer

    def rows(self, service: str) -> list[dict[str, Any]]:
        return [r for r in self.ps()["replicas"] if r["service"] == service]

    def gateway(self) -> tuple[str, int]:
        url = self.ps()["gateway_url"]
        return "127.0.0.1", int(url.rsplit(":", 1)[1])

    def wait_rows(self, service: str, count: int, timeout: float = 30.0, **expected: Any) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            rows = self.rows(service)
            if len(rows) == count and all(r["state"] == "running" for r in rows) and \
                    all(r[k] == v for r in rows for k, v in expected.items()):
                return rows
            time.sleep(0.1)
        raise AssertionError(f"{service}: wanted {count} running replicas with {expected}, have {rows}")

    def teardown(self) -> None:
        """``down``, then kill whatever a failed test left behind (replicas, engine, cgroups)."""
        with contextlib.suppress(Exception):
            self.cli("down", "--volumes", timeout=60, check=False)
        state = load_state(self.paths.state_file) if self.paths.state_file.exists() else None
        if state is not None:
            for pid, start in [(state.engine_pid, state.engine_start_time),
                               *((r.pid, r.start_time) for r in state.replicas)]:
                if linux.process_start_time(pid) == start:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        found, _ = cgroups.detect()
        if found is not None:
            for parent in leftover_cgroups(self.paths):
                found.remove(parent)


def leftover_cgroups(paths: ProjectPaths) -> list[str]:
    """cleave cgroups of this project that still exist (any hierarchy)."""
    found, _ = cgroups.detect()
    if found is None:
        return []
    suffix = paths.cgroup_parent("x").rsplit("-", 1)[1]
    names = set()
    for directory in found.directories(""):
        if directory.is_dir():
            names |= {p.name for p in directory.iterdir() if p.name.startswith("cleave-") and
                      p.name.endswith(suffix)}
    return sorted(names)


def make_project(root: Path, base_layer: bytes, services: Mapping[str, Mapping[str, Any]],
                 gateway: str | None = "web") -> Project:
    defaults = {"command": ("python3", "server.py")}
    write_build(root / "build", {n: {**defaults, **f} for n, f in services.items()}, base_layer, gateway=gateway)
    return Project(root)


class Load:
    """Bounded threads sending GETs to the gateway, one connection per request; counts answers and failures."""

    def __init__(self, address: tuple[str, int], path: str = "/slow?s=0.005", threads: int = 4) -> None:
        self.address = address
        self.path = path
        self.stop = threading.Event()
        self.ok = 0
        self.failures: list[str] = []
        self.hosts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                status, body = http_get(self.address, self.path, timeout=10)
                host = json.loads(body).get("hostname", "?") if status == 200 else None
            except (OSError, ValueError) as error:
                with self.lock:
                    self.failures.append(repr(error))
                continue
            with self.lock:
                if status == 200:
                    self.ok += 1
                    self.hosts[host or "?"] += 1
                else:
                    self.failures.append(f"HTTP {status}")

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=15)
