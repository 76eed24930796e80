"""Helpers for the samples' tests: run a sample monolith as a real server process, bounded in time."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SHOP = SAMPLES / "shop"
START_TIMEOUT = 20.0


def run_own_tests(folder: Path) -> subprocess.CompletedProcess[str]:
    """A sample's own pytest suite, in its own folder and process (its pytest.ini), without third-party plugins."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


@dataclass
class RunningShop:
    url: str
    process: subprocess.Popen[str]
    log: Path

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL if it does not exit in time; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                return process.stdout.readline()
            if process.poll() is not None:
                break
    return ""


@contextlib.contextmanager
def run_shop(data_dir: Path, log: Path) -> Iterator[RunningShop]:
    """``python -m shop.web --port 0`` with DATA_DIR=data_dir on 127.0.0.1; always stopped on exit."""
    env = {**os.environ, "DATA_DIR": str(data_dir), "PYTHONDONTWRITEBYTECODE": "1"}
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "shop.web", "--host", "127.0.0.1", "--port", "0"],
            cwd=SHOP, env=env, stdout=subprocess.PIPE, stderr=errors, text=True,
        )
    running = RunningShop("", process, log)
    try:
        line = _read_line(process, START_TIMEOUT)
        if not line.startswith("shop listening on "):
            raise RuntimeError(f"the shop did not start: {line!r}\n{log.read_text()}")
        running.url = line.split()[-1]
        yield running
    finally:
        running.stop()


@contextlib.contextmanager
def run_wsgi(python: Path, cwd: Path, target: str, env: dict[str, str], log: Path) -> Iterator[RunningShop]:
    """Serve ``target`` (``module:attr`` or ``module:factory()``) from ``cwd`` with ``python`` on 127.0.0.1."""
    serve = Path(__file__).resolve().parent / "wsgi_serve.py"
    full_env = {**os.environ, **env, "PYTHONDONTWRITEBYTECODE": "1"}
    with log.open("w") as errors:
        process = subprocess.Popen(
            [str(python), str(serve), target], cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=errors,
            text=True,
        )
    running = RunningShop("", process, log)
    try:
        line = _read_line(process, START_TIMEOUT)
        if not line.startswith("listening on "):
            raise RuntimeError(f"{target} did not start: {line!r}\n{log.read_text()}")
        running.url = line.split()[-1]
        yield running
    finally:
        running.stop()


def run_scenario(scenario: Path, url: str) -> subprocess.CompletedProcess[str]:
    """``python scenario.py URL`` (stdlib only, so cleave's interpreter runs it), bounded in time."""
    return subprocess.run(
        [sys.executable, str(scenario), url], capture_output=True, text=True, timeout=180, check=False,
    )


def status_codes(lines: list[str]) -> set[int]:
    """The statuses of a scenario's output lines (``METHOD PATH -> STATUS ...``)."""
    return {int(line.split(" -> ", 1)[1][:3]) for line in lines}
