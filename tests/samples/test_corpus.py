"""samples/corpus: each monolith, served for real from an empty DATA_DIR, answers its scenario with expected.txt;
its DOMAINS.md names every module of its package exactly once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .conftest import run_scenario, run_wsgi
from .corpus import CORPUS, Sample


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_monolith_answers_like_expected(sample: Sample, tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path / "data")}
    with run_wsgi(Path(sys.executable), sample.folder, sample.app, env, tmp_path / "log") as running:
        result = run_scenario(sample.folder / "scenario.py", running.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (sample.folder / "expected.txt").read_text(encoding="utf-8")
    assert "Traceback" not in (tmp_path / "log").read_text()
    assert len(list((tmp_path / "data").glob("*"))) == 1, "one database file for the whole monolith"


@pytest.mark.parametrize("sample", CORPUS, ids=lambda s: s.name)
def test_domains_name_every_module_once(sample: Sample) -> None:
    spec = sample.spec()
    listed = [m for group in spec["domains"].values() for m in group]
    listed += spec.get("infrastructure", []) + spec.get("unscored", [])
    root = sample.folder
    modules = set()
    for path in (root / sample.package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.add(".".join(parts))
    assert sorted(listed) == sorted(modules)
    assert len(sample.business_domains()) >= 4
