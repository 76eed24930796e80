"""``cleave logs -t`` and ``--since`` (issue 17: logs like ``docker compose logs``): each line's time comes from the
keeper's index of (size, mtime) checkpoints; ``--since`` takes compose's durations and RFC 3339 times; all of it works
on logs left after ``down`` (no engine here), with ``--tail``, several services and ``--json``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cleave.cli.options import parse_since
from cleave.errors import UsageError
from runtime import logtimes
from runtime.logs import keep_round, rotate_if_large
from runtime.logtimes import LogTimes
from runtime.logview import LogLine, follow_logs, print_logs, read_logs, rfc3339
from runtime.paths import ProjectPaths

CLEAVE = str(Path(sys.executable).parent / "cleave")
T0 = 1_764_748_800.0  # 2025-12-03T08:00:00Z


def _write(log: Path, text: str, when: float) -> None:
    """Append ``text`` to ``log`` as a replica would at ``when``, and let the keeper look (its checkpoint is the
    log's mtime)."""
    with open(log, "a") as handle:
        handle.write(text)
    os.utime(log, (when, when))


def _project(tmp_path: Path) -> ProjectPaths:
    """Two services' logs written at known times, each write followed by a keeper round, as under an engine."""
    paths = ProjectPaths(tmp_path / ".cleave")
    paths.logs.mkdir(parents=True)
    seen: dict[Path, int] = {}
    for minute, replica, text in ((0, "web-0", "boot\nlistening\n"), (5, "api-0", "api up\n"),
                                  (10, "web-0", "GET /\n"), (20, "web-0", "GET /cart\nGET /pay\n"),
                                  (21, "api-0", "api call\n")):
        _write(paths.replica_log(replica), text, T0 + minute * 60)
        keep_round(paths.logs, seen, max_bytes=1 << 20, keep=2)
    return paths


def test_each_line_has_the_time_of_its_write(tmp_path: Path) -> None:
    paths = _project(tmp_path)
    lines = [(line.replica, line.text, line.time) for line in read_logs(paths)]
    assert lines == [("api-0", "api up", T0 + 300), ("api-0", "api call", T0 + 1260),
                     ("web-0", "boot", T0), ("web-0", "listening", T0), ("web-0", "GET /", T0 + 600),
                     ("web-0", "GET /cart", T0 + 1200), ("web-0", "GET /pay", T0 + 1200)]
    out = io.StringIO()
    print_logs(paths, ("web",), out, tail=1, timestamps=True)
    assert out.getvalue() == "web-0 | 2025-12-03T08:20:00.000Z GET /pay\n"


@pytest.mark.parametrize(("since", "expected"), [
    (T0 + 600, ["api-0 | api call", "web-0 | GET /", "web-0 | GET /cart", "web-0 | GET /pay"]),
    (T0 + 601, ["api-0 | api call", "web-0 | GET /cart", "web-0 | GET /pay"]),
    (T0 + 1260, ["api-0 | api call"]),
    (T0 + 1261, []),
    (T0 - 1, ["api-0 | api up", "api-0 | api call", "web-0 | boot", "web-0 | listening", "web-0 | GET /",
              "web-0 | GET /cart", "web-0 | GET /pay"]),
])
def test_since_keeps_exactly_the_lines_written_then_or_later(tmp_path: Path, since: float,
                                                             expected: list[str]) -> None:
    out = io.StringIO()
    print_logs(_project(tmp_path), (), out, since=since)
    assert out.getvalue().splitlines() == expected


def test_since_with_tail_and_lines_written_after_the_keepers_last_look(tmp_path: Path) -> None:
    paths = _project(tmp_path)
    _write(paths.replica_log("web-0"), "late 1\nlate 2\n", T0 + 1800)  # no keeper round since: the mtime dates it
    out = io.StringIO()
    print_logs(paths, ("web",), out, since=T0 + 1200, tail=2, timestamps=True)
    assert out.getvalue().splitlines() == ["web-0 | 2025-12-03T08:30:00.000Z late 1",
                                           "web-0 | 2025-12-03T08:30:00.000Z late 2"]


def test_a_checkpoint_in_the_middle_of_a_line_does_not_split_it(tmp_path: Path) -> None:
    paths = ProjectPaths(tmp_path)
    paths.logs.mkdir()
    log = paths.replica_log("web-0")
    _write(log, "whole line\npart", T0)
    logtimes.note(log, log.stat().st_size, T0)
    _write(log, "ial line\nnext\n", T0 + 60)
    logtimes.note(log, log.stat().st_size, T0 + 60)
    assert [(line.text, line.time) for line in read_logs(paths, since=T0 + 30)] == [("next", T0 + 60)]
    assert [line.text for line in read_logs(paths, since=T0)] == ["whole line", "partial line", "next"]


def test_rotation_starts_a_new_index_and_the_index_stays_bounded(tmp_path: Path) -> None:
    log = tmp_path / "web-0.log"
    seen: dict[Path, int] = {}
    for n in range(4000):
        _write(log, f"line {n}\n", T0 + n)
        logtimes.note(log, log.stat().st_size, T0 + n)
    index = logtimes.index_of(log)
    assert index.stat().st_size <= logtimes.MAX_BYTES + 64
    times = LogTimes.load(log)
    assert times.time_of(log.stat().st_size - 10) == T0 + 3999  # recent lines stay exact
    assert list(times.sizes) == sorted(times.sizes)
    assert rotate_if_large(log, 1000, keep=1)
    logtimes.reset(log)
    _write(log, "after rotation\n", T0 + 5000)
    keep_round(tmp_path, seen, max_bytes=1 << 20, keep=1)
    assert LogTimes.load(log).sizes == (15,)
    assert LogTimes.load(log).time_of(0) == T0 + 5000


@pytest.mark.parametrize(("text", "back"), [("10m", 600), ("90s", 90), ("1h30m", 5400), ("2d", 172800),
                                            ("1.5h", 5400), ("250ms", 0.25)])
def test_since_durations_like_compose(text: str, back: float) -> None:
    assert parse_since(text, now=T0) == pytest.approx(T0 - back)


@pytest.mark.parametrize("text", ["2025-12-03T08:00:00Z", "2025-12-03T09:00:00+01:00", "2025-12-03T08:00:00.000Z",
                                  str(int(T0))])
def test_since_rfc3339_times_and_unix_seconds(text: str) -> None:
    assert parse_since(text, now=0) == T0


@pytest.mark.parametrize("text", ["yesterday", "10x", "m10", "", "-5m", "2025-13-03T08:00:00Z"])
def test_since_anything_else_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--since"):
        parse_since(text, now=T0)


def test_rfc3339_is_utc_with_milliseconds() -> None:
    assert rfc3339(T0 + 0.25) == "2025-12-03T08:00:00.250Z"


def test_the_cli_prints_times_filters_since_and_speaks_json_after_down(tmp_path: Path) -> None:
    paths = ProjectPaths(tmp_path / ".cleave")
    paths.logs.mkdir(parents=True)
    now = float(int(time.time()))  # whole seconds: the index keeps milliseconds
    seen: dict[Path, int] = {}
    for back, replica, text in ((3600, "web-0", "an hour ago\n"), (120, "web-0", "two minutes ago\n"),
                                (60, "api-0", "a minute ago\n")):
        _write(paths.replica_log(replica), text, now - back)
        keep_round(paths.logs, seen, max_bytes=1 << 20, keep=2)

    def cleave(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CLEAVE, "logs", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                              check=False)

    shown = cleave("-t", "--since", "10m")
    assert shown.returncode == 0, shown.stderr
    assert [line.split(" ", 3)[::3] for line in shown.stdout.splitlines()] == [
        ["api-0", "a minute ago"], ["web-0", "two minutes ago"]]
    assert shown.stdout.splitlines()[0].split(" ")[2] == rfc3339(now - 60)
    several = cleave("web", "api", "--since", rfc3339(now - 90), "--json")
    assert [(d["service"], d["line"]) for d in json.loads(several.stdout)] == [("api", "a minute ago")]
    assert cleave("--since", "5s").stderr.strip() == "nothing written since then"
    bad = cleave("--since", "last tuesday")
    assert bad.returncode == 2 and "--since 'last tuesday'" in bad.stderr and "Traceback" not in bad.stderr


def test_follow_prints_the_tail_then_new_lines_of_every_replica_new_ones_included(tmp_path: Path) -> None:
    paths = _project(tmp_path)
    seen: list[LogLine] = []

    def write_later() -> None:
        time.sleep(0.3)
        with open(paths.replica_log("web-0"), "a") as handle:
            handle.write("GET /new\npart")  # the partial line waits for its end
        with open(paths.replica_log("api-1"), "a") as handle:
            handle.write("a new replica\n")

    writer = threading.Thread(target=write_later)
    writer.start()
    follow_logs(paths, (), seen.append, tail=1, until=time.monotonic() + 2.0)
    writer.join()
    assert [line.render() for line in seen] == ["api-0 | api call", "web-0 | GET /pay", "web-0 | GET /new",
                                                "api-1 | a new replica"] or \
        [line.render() for line in seen] == ["api-0 | api call", "web-0 | GET /pay", "api-1 | a new replica",
                                             "web-0 | GET /new"]
    assert seen[0].time == T0 + 1260  # the tail's lines carry their index time; new ones the time they were read
