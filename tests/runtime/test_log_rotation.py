"""A replica that floods its log: before, the log grew without bound (1 GiB in 1.7 s). Now it is rotated by size
into ``X.log.1`` ... ``X.log.<keep>``, each bounded, while the replica keeps writing through its O_APPEND fd."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from runtime.logs import rotate_if_large
from tests.runtime.conftest import needs_root
from tests.runtime.images import edit_topology
from tests.runtime.project import CLEAVE, make_project


def test_rotation_keeps_the_tail_and_the_writer_goes_on_at_the_start(tmp_path: Path) -> None:
    log = tmp_path / "web-0.log"
    writer = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)  # as a replica holds it
    try:
        for round_ in range(4):
            os.write(writer, b"".join(b"%d-%05d\n" % (round_, n) for n in range(500)))  # 4000 bytes a round
            assert rotate_if_large(log, 3000, keep=2)
        os.write(writer, b"after\n")
    finally:
        os.close(writer)
    assert log.read_bytes() == b"after\n"
    newest = (tmp_path / "web-0.log.1").read_bytes()
    assert len(newest) <= 3000 and newest.endswith(b"3-00499\n") and newest.startswith(b"3-")
    assert (tmp_path / "web-0.log.2").read_bytes().endswith(b"2-00499\n")
    assert not (tmp_path / "web-0.log.3").exists()
    assert not rotate_if_large(log, 3000, keep=2)


@needs_root
def test_a_replica_flooding_its_log_is_bounded(tmp_path: Path, base_layer: bytes) -> None:
    project = make_project(tmp_path, base_layer, {"web": {"replicas": 1}})
    flood = "import sys, time\nfor _ in range(8192): sys.stdout.write('y' * 1023 + '\\n')\nsys.stdout.flush()\n" \
            "print('END', flush=True)\ntime.sleep(600)"
    edit_topology(project.build, {"web": {"command": ("python3", "-c", flood)}})
    env = {**os.environ, "CLEAVE_LOG_MAX_BYTES": str(1 << 20), "CLEAVE_START_TIMEOUT": "600"}
    up = subprocess.Popen([CLEAVE, "up", "build"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)  # web never listens: `up` waits; the engine runs detached
    try:
        log = project.paths.replica_log("web-0")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # 8 MiB written, rotated every half second down to 1 MiB
            files = sorted(log.parent.glob("web-0.log*"))
            if any(b"END" in path.read_bytes()[-64:] for path in files) and log.stat().st_size <= 1 << 20 \
                    and len(files) >= 2:
                break
            time.sleep(0.2)
        sizes = {p.name: p.stat().st_size for p in log.parent.glob("web-0.log*")}
        assert set(sizes) <= {"web-0.log", "web-0.log.1", "web-0.log.2"}, sizes
        assert "web-0.log.1" in sizes and all(size <= 1 << 20 for size in sizes.values()), sizes
    finally:
        up.kill()
        up.wait()
        project.teardown()
