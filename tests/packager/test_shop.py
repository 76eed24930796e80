"""samples/shop split into services answers its scenario exactly as the monolith does (expected.txt).

Two plans: the splitter's proposal for the analyzer's graph, and a hand-written one with every domain in its
own service. Every service runs as a plain process (no containers).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cleave.formats.plan import Plan, load_plan
from packager.build import build_services

from .runner import run_services

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "samples" / "shop"
DOMAINS_PLAN = Path(__file__).resolve().parent.parent / "assets" / "packager" / "shop-domains.yaml"

pytestmark = pytest.mark.skipif(not (SHOP / "scenario.py").is_file(), reason="samples/shop is not there")


def _splitter_plan() -> tuple[Plan, object]:
    import analyzer
    from splitter.api import split

    code_graph = analyzer.analyze(SHOP)
    return split(code_graph), code_graph


def _scenario_output(build: Path) -> str:
    with run_services(build) as running:
        assert running.gateway_url is not None
        result = subprocess.run([sys.executable, str(SHOP / "scenario.py"), running.gateway_url],
                                capture_output=True, text=True, timeout=300, check=False)
        problems = {name: running.log(name) for name in running.processes if "Traceback" in running.log(name)}
    assert result.returncode == 0, result.stderr + "\n".join(f"{k}:\n{v[-3000:]}" for k, v in problems.items())
    return result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("which", ["domains", "splitter"])
def test_shop_split_answers_exactly_like_the_monolith(tmp_path: Path, which: str) -> None:
    if which == "domains":
        plan, code_graph = load_plan(DOMAINS_PLAN), None
    else:
        plan, code_graph = _splitter_plan()
    result = build_services(SHOP, plan, code_graph, tmp_path / "build")  # type: ignore[arg-type]
    assert len(result.services) >= 3
    assert result.gateway is not None
    expected = (SHOP / "expected.txt").read_text().splitlines()
    assert _scenario_output(tmp_path / "build").splitlines() == expected
