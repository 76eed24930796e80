"""The runtime's public surface and the CLI around it, without an engine: the facade is exactly ``__all__``, the CLI
reaches nothing else, usage errors exit 2, logs read like compose's, ``ps`` cells have no spaces."""

from __future__ import annotations

import ast
import inspect
import io
import subprocess
import sys
from pathlib import Path

import pytest

import runtime
from cleave.cli.runtime_format import age, memory, ps_rows, service_rows
from runtime.errors import RuntimeEngineError
from runtime.logview import print_logs, record_start
from runtime.paths import ProjectPaths

CLEAVE = str(Path(sys.executable).parent / "cleave")
ROOT = Path(__file__).resolve().parents[2]


def test_all_is_exactly_the_public_names() -> None:
    public = {name for name, value in vars(runtime).items()
              if not name.startswith("_") and not inspect.ismodule(value)}
    assert sorted(runtime.__all__) == sorted(public)


@pytest.mark.parametrize("module", ["runtime_cmd.py", "runtime_ops_cmd.py", "runtime_format.py", "migrate_cmd.py"])
def test_the_cli_uses_only_the_runtime_facade(module: str) -> None:
    tree = ast.parse((ROOT / "cleave" / "cli" / module).read_text())
    reached = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert sorted(m for m in reached if m.startswith("runtime.")) == []


@pytest.mark.parametrize(("args", "message"), [
    (("scale", "web=2", "web=3"), "web given more than once"),
    (("scale", "web=100000"), "web=100000: more replicas than this machine can run"),
    (("scale", "web=two"), "expected SERVICE=N"),
    (("logs", "web", "--previous", "-f"), "--previous and --follow cannot go together"),
    (("events", "--since", "yesterday"), "--since 'yesterday'"),
])
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    (tmp_path / ".cleave" / "logs").mkdir(parents=True)
    (tmp_path / ".cleave" / "logs" / "web-0.log").write_text("hello\n")
    result = subprocess.run([CLEAVE, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr


def _logs(tmp_path: Path) -> ProjectPaths:
    paths = ProjectPaths(tmp_path / ".cleave")
    paths.logs.mkdir(parents=True)
    for replica, runs in (("web-0", ["web first run", "web crashed: boom"]), ("web-1", ["web-1 only"]),
                          ("api-0", ["api a", "api b", "api c"])):
        for text in runs:
            record_start(paths, replica, 1)
            with open(paths.replica_log(replica), "a") as handle:
                handle.write(f"{text}\n" if replica != "api-0" else "api a\napi b\napi c\n")
            if replica == "api-0":
                break
    return paths


def test_logs_all_services_several_tail_and_previous(tmp_path: Path) -> None:
    paths = _logs(tmp_path)
    out = io.StringIO()
    print_logs(paths, (), out)
    assert out.getvalue().splitlines() == ["api-0 | api a", "api-0 | api b", "api-0 | api c", "web-0 | web first run",
                                           "web-0 | web crashed: boom", "web-1 | web-1 only"]
    out = io.StringIO()
    print_logs(paths, ("web", "api"), out, tail=1)
    assert out.getvalue().splitlines() == ["web-0 | web crashed: boom", "web-1 | web-1 only", "api-0 | api c"]
    out = io.StringIO()
    print_logs(paths, ("web",), out, previous=True)  # only web-0 had a process before the current one
    assert out.getvalue().splitlines() == ["web-0 | web first run"]
    with pytest.raises(RuntimeEngineError, match="no logs for service 'nosuch'"):
        print_logs(paths, ("nosuch",), io.StringIO())


def test_ps_cells_have_no_spaces_and_services_at_zero_and_drift_show() -> None:
    answer = {"services": {"web": {"desired": 2, "planned": 2, "ready": 2, "healthy": True},
                           "orders": {"desired": 0, "planned": 3, "ready": 0, "healthy": False},
                           # just stopped: the engine may not have cleared the health it had; nothing runs, no health
                           "other": {"desired": 0, "planned": 1, "ready": 0, "healthy": True}},
              "replicas": [{"replica": "web-0", "service": "web", "state": "running", "health": "ok", "restarts": 0,
                            "age_seconds": 125.0, "cpu_seconds": 1.5, "memory_bytes": 4 * 2**20, "pid": 10},
                           {"replica": "web-1", "service": "web", "state": "backoff", "health": "failing",
                            "restarts": 4, "age_seconds": None, "cpu_seconds": None, "memory_bytes": None,
                            "pid": None}]}
    services = service_rows(answer)
    assert services == [["SERVICE", "READY", "DESIRED", "PLAN", "HEALTH", "DRIFT"],
                        ["web", "2/2", "2", "2", "ok", "-"], ["orders", "0/0", "0", "3", "-", "scaled"],
                        ["other", "0/0", "0", "1", "-", "scaled"]]
    replicas = ps_rows(answer)
    assert replicas[1] == ["web-0", "1/1", "Running", "0", "2m", "1.50s", "4.0Mi", "10"]
    assert replicas[2] == ["web-1", "0/1", "CrashLoopBackOff", "4", "-", "-", "-", "-"]
    assert all(" " not in cell for row in services + replicas for cell in row)
    assert (age(59), age(3600), age(90000), memory(512), memory(3 * 2**30)) == ("59s", "1h", "1d", "512B", "3.0Gi")


def test_logs_of_a_silent_service_say_so(tmp_path: Path) -> None:
    (tmp_path / ".cleave" / "logs").mkdir(parents=True)
    (tmp_path / ".cleave" / "logs" / "quiet-0.log").write_text("")
    result = subprocess.run([CLEAVE, "logs", "quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0 and result.stdout == ""
    assert "no output yet: the replicas have written nothing" in result.stderr
