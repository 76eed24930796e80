"""The state file, attacked: garbage, truncated and wrong-shape files are one clear line, a state naming foreign
cgroups or processes never gets them signalled or removed, and ``down`` never leaves its own project."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cleave.formats.topology import Limits
from runtime import linux
from runtime.isolation import detect
from runtime.paths import ProjectPaths
from runtime.state import EngineState, ListenRecord, ReplicaRecord, StateError, load_state, save_state
from tests.runtime.conftest import needs_root

CLEAVE = str(Path(sys.executable).parent / "cleave")


def _paths(tmp_path: Path) -> ProjectPaths:
    paths = ProjectPaths(tmp_path / ".cleave")
    paths.state_dir.mkdir()
    return paths


def _state(paths: ProjectPaths, **changes: Any) -> dict[str, Any]:
    parent = paths.cgroup_parent("shop")
    state = EngineState(engine_pid=1234, engine_start_time=5, build="/b", project="shop", cgroup_parent=parent,
                        isolation={}, desired={"web": 1}, listeners={"web": ListenRecord("tcp", "8080")},
                        replicas=(ReplicaRecord("web", 0, 4321, 99, 0, f"{parent}/web-0"),))
    save_state(paths.state_file, state)
    document: dict[str, Any] = json.loads(paths.state_file.read_text())
    document.update(changes)
    return document


def test_a_saved_state_loads_back(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _state(paths)
    loaded = load_state(paths.state_file, paths.cgroup_parent("shop"))
    assert loaded is not None and loaded.replicas[0].cgroup.endswith("/web-0") and loaded.desired == {"web": 1}


@pytest.mark.parametrize(("change", "error"), [
    ({"cgroup_parent": ""}, "cgroup_parent '' is not this project's"),
    ({"cgroup_parent": "system.slice"}, "cgroup_parent 'system.slice' is not this project's"),
    ({"cgroup_parent": "cleave-other-12345678"}, "cgroup_parent 'cleave-other-12345678' is not this project's"),
    ({"replicas": {}}, "replicas has the wrong type"),
    ({"replicas": [{"service": "web"}]}, "replicas[0].cgroup is missing"),
    ({"desired": {"web": "2"}}, "desired.web has the wrong type"),
    ({"desired": {"../x": 2}}, "desired names '../x', which is not a service name"),
    ({"listeners": {"web": {"kind": "unix", "address": "relative"}}}, "listeners.web is not a unix socket path"),
    ({"format": "cleave.runtime-state/0"}, "format is not 'cleave.runtime-state/1'"),
])
def test_a_wrong_shape_or_foreign_state_is_refused_with_one_line(tmp_path: Path, change: dict[str, Any],
                                                                 error: str) -> None:
    paths = _paths(tmp_path)
    paths.state_file.write_text(json.dumps(_state(paths, **change)))
    with pytest.raises(StateError) as raised:
        load_state(paths.state_file)
    assert raised.value.message == f"the runtime state is damaged: {error}" or \
        raised.value.message.startswith(f"the runtime state is damaged: {error}")


def test_a_replica_cgroup_outside_the_parent_is_refused(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    document = _state(paths)
    parent = document["cgroup_parent"]
    for escape in (f"{parent}/../init.scope", "init.scope", f"{parent}/a/b", f"{parent}/"):
        document["replicas"][0]["cgroup"] = escape
        paths.state_file.write_text(json.dumps(document))
        with pytest.raises(StateError, match="is not under this project's cgroup"):
            load_state(paths.state_file)


@pytest.mark.parametrize("text", ["not json at all", '{"format": "cleave.runtime-state/1", "engine_pid": 1',
                                  "[]", "null"])
def test_garbage_and_truncated_states_are_one_line(tmp_path: Path, text: str) -> None:
    paths = _paths(tmp_path)
    paths.state_file.write_text(text)
    with pytest.raises(StateError) as raised:
        load_state(paths.state_file)
    assert raised.value.message.startswith("the runtime state is damaged: ")


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLEAVE, *args], cwd=root, capture_output=True, text=True, timeout=120, check=False)


def test_down_with_a_damaged_state_says_so_in_one_line_and_succeeds(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    paths.state_file.write_text('{"format": "cleave.runtime-state/1", "replicas": [{"pid": ')
    result = _cli(tmp_path, "down")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "the runtime state is damaged: not JSON" in result.stderr and "not trusted" in result.stderr
    assert not paths.state_file.exists()
    again = _cli(tmp_path, "down")  # twice: still fine
    assert again.returncode == 0 and "nothing was running" in again.stderr


def test_down_never_walks_up_into_an_enclosing_project(tmp_path: Path) -> None:
    outer = _paths(tmp_path)
    _state(outer)
    inner = tmp_path / "inner"
    (inner / ".cleave").mkdir(parents=True)
    result = _cli(inner, "down")
    assert result.returncode == 0 and "nothing was running" in result.stderr
    assert outer.state_file.exists()  # the enclosing project's state is untouched


@pytest.fixture
def victim() -> Iterator[subprocess.Popen[bytes]]:
    """A process that is not a replica of anything (a stranger the state file will name)."""
    process = subprocess.Popen(["sleep", "120"])
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait()


@needs_root
def test_a_forged_record_naming_a_stranger_is_neither_signalled_nor_adopted(tmp_path: Path,
                                                                           victim: subprocess.Popen[bytes]) -> None:
    paths = _paths(tmp_path)
    document = _state(paths)
    start_time = linux.process_start_time(victim.pid)
    document["replicas"][0].update(pid=victim.pid, start_time=start_time)  # right pid and start time: forged
    document["engine_pid"], document["engine_start_time"] = victim.pid, start_time
    paths.state_file.write_text(json.dumps(document))
    result = _cli(tmp_path, "down")
    assert result.returncode == 0, result.stderr
    assert victim.poll() is None and linux.process_start_time(victim.pid) == start_time  # untouched


@needs_root
def test_a_state_naming_a_foreign_cgroup_removes_nothing(tmp_path: Path, victim: subprocess.Popen[bytes]) -> None:
    cgroups = detect().cgroups
    if cgroups is None:
        pytest.skip("no cgroups here")
    foreign = f"test-foreign-{os.getpid()}"
    procs = cgroups.create(foreign, Limits())
    try:
        for path in procs:
            Path(path).write_text(str(victim.pid))
        paths = _paths(tmp_path)
        paths.state_file.write_text(json.dumps(_state(paths, cgroup_parent=foreign)))
        result = _cli(tmp_path, "down")
        assert result.returncode == 0 and "Traceback" not in result.stderr
        assert "is not this project's" in result.stderr
        assert cgroups.exists(foreign) and victim.poll() is None
    finally:
        with contextlib.suppress(OSError):
            os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        cgroups.remove(foreign)
