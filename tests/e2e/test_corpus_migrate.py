"""End to end on samples/corpus: every split of every sample either answers its scenario exactly like the monolith
or is refused at build with its blockers named. Never a failure at run time.

- ``cleave migrate SAMPLE`` with defaults, the whole way (OCI images, the runtime, isolated replicas): root only.
- ``--services N`` for every N from 2 to the sample's number of domains: ``cleave split -n N`` and
  ``cleave build --no-images`` in-process, then the built trees run as plain processes (tests/e2e/plain_run.py).
  The default suite runs the largest N of each sample (the most crossings, ~20 s); ``CLEAVE_CORPUS_SWEEP=1`` runs
  every N (~70 s more).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cleave.cli.app import run
from tests.e2e.plain_run import serve
from tests.samples.corpus import CORPUS, Sample

CLEAVE = str(Path(sys.executable).parent / "cleave")


def _scenario(sample: Sample, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(sample.folder / "scenario.py"), url], capture_output=True,
                          text=True, timeout=180, check=False)


def _cli(*args: str) -> tuple[int, str]:
    """The CLI in-process: (exit status, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = run(list(args))
    return code, err.getvalue()


FULL = os.environ.get("CLEAVE_CORPUS_SWEEP") == "1"
SWEEP = [(sample, n) for sample in CORPUS for n in range(2, len(sample.spec()["domains"]) + 1)
         if FULL or n == len(sample.spec()["domains"])]


@pytest.mark.slow
@pytest.mark.parametrize(("sample", "services"), SWEEP, ids=[f"{s.name}-{n}" for s, n in SWEEP])
def test_every_service_count_answers_or_is_refused_at_build(sample: Sample, services: int, tmp_path: Path) -> None:
    project = str(tmp_path)
    code, err = _cli("analyze", str(sample.folder), "-C", project)
    assert code == 0, err
    code, err = _cli("split", "-n", str(services), "-C", project)
    assert code == 0, err
    code, err = _cli("build", str(sample.folder), "--no-images", "-o", "build", "-C", project)
    if code != 0:  # refused: one clear message naming the blockers, nothing written
        print(f"{sample.name} at {services} services: refused at build: {err.strip()[:300]}")
        assert code == 1 and "blocker" in err and "Traceback" not in err, err
        assert not (tmp_path / "build" / "services").exists()
        return
    with serve(tmp_path / "build", tmp_path) as url:
        result = _scenario(sample, url)
    log = (tmp_path / "services.log").read_text()
    assert result.stdout == (sample.folder / "expected.txt").read_text(), result.stderr + log[-3000:]
    assert "Traceback" not in log, log[-3000:]


@pytest.mark.root
@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (namespaces, cgroups, mounts)")
@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_migrate_with_defaults_answers_like_the_monolith(sample: Sample, tmp_path: Path) -> None:
    try:
        result = subprocess.run([CLEAVE, "migrate", str(sample.folder)], cwd=tmp_path, capture_output=True,
                                text=True, timeout=300, check=False)
        if result.returncode != 0:
            print(f"{sample.name}: refused: {result.stderr.strip()[:300]}")
            assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
            lines = result.stderr.strip().splitlines()
            first = next(i for i, line in enumerate(lines) if line.startswith("error: "))
            # the plan migrate wrote is named (not "<plan>"), then one file:line per crossing
            assert lines[first].startswith("error: cleave.yaml: ") and "blocker" in lines[first], result.stderr
            assert lines[first + 1:] and all(re.match(r"[\w/]+\.py:\d+: ", line) for line in lines[first + 1:]), \
                result.stderr
            return
        gateway = next(line.strip() for line in result.stdout.splitlines() if line.strip().startswith("http://"))
        answered = _scenario(sample, gateway)
        assert answered.stdout == (sample.folder / "expected.txt").read_text(), answered.stderr
    finally:
        subprocess.run([CLEAVE, "down", "--volumes"], cwd=tmp_path, capture_output=True, timeout=120, check=False)
