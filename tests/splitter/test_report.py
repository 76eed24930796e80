"""cleave report: a self-contained page that renders in headless Chromium with every service drawn."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import splitter
from cleave.formats.graph import save_graph
from cleave.formats.plan import save_plan
from splitter.report import PALETTE, render
from tests.splitter.handmade import domain_graph
from tests.splitter.png import pixels
from tests.splitter.test_cli import run_cleave

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=90, check=False)


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_page_is_self_contained() -> None:
    graph = domain_graph()
    page = render(graph, splitter.split(graph, services=4))
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<svg" in page and page.count('class="node"') == len(graph.nodes_of_kind("module"))
    assert page.index('id="blockers"') < page.index('id="graph"') < page.index('id="boundaries"')


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    graph = domain_graph()
    save_graph(graph, tmp_path / "graph.json")
    plan = splitter.split(graph, services=4)
    save_plan(plan, tmp_path / "cleave.yaml")
    result = run_cleave(tmp_path, "report", "--graph", "graph.json", "--plan", "cleave.yaml", "-o", "out/r.html")
    assert result.returncode == 0, result.stderr
    page = tmp_path / "out" / "r.html"
    url = page.as_uri()

    dom = _chromium(tmp_path / "profile-dom", "--enable-logging=stderr", "--v=0", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-ready="' in dom.stdout  # the inline script ran to its end
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console

    shot = tmp_path / "shot.png"
    run = _chromium(tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1400,1000", url)
    assert shot.exists(), run.stderr[-2000:]
    width, height, counts = pixels(shot.read_bytes())
    assert (width, height) == (1400, 1000)
    assert len(counts) > 50  # not blank
    most = counts.most_common(1)[0][1]
    assert most < 0.95 * width * height
    for index, service in enumerate(plan.services):  # every service's colour is on screen (its nodes)
        assert counts[_hex(PALETTE[index])] > 30, service.name
