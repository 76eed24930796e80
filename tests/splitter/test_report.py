"""cleave report: a self-contained page that renders in headless Chromium with every service drawn."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import splitter
from cleave.formats.graph import CodeGraph, save_graph
from cleave.formats.plan import Plan, save_plan
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
    assert page.index('id="blockers"') < page.index('id="services-graph"') < page.index('id="boundaries"')


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


def _blocked_plan() -> tuple[CodeGraph, Plan]:
    """The domain graph's plan with one open blocker between two services (drawn red, listed first)."""
    import dataclasses

    from cleave.formats.plan import Boundary

    graph = domain_graph()
    plan = splitter.split(graph, services=4)
    rpc = next(b for b in plan.boundaries if b.how == "rpc")
    blocker = Boundary(source=rpc.source, target=rpc.target + "_STATE", how="blocker",
                       why="module global written from another service", where="shop/x.py:3")
    return graph, dataclasses.replace(plan, boundaries=(blocker, *plan.boundaries))


def _dom(tmp_path: Path, page: Path, width: int) -> dict[str, str]:
    """The page's own layout self-check, run by Chromium at ``width`` pixels."""
    dom = _chromium(tmp_path / f"profile-dom-{width}", f"--window-size={width},1400", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", dom.stdout)
    assert body is not None
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1)))


@pytest.mark.parametrize("width", [1400, 800])
def test_the_page_is_legible_without_overlap_at_two_widths(tmp_path: Path, width: int) -> None:
    graph, plan = _blocked_plan()
    page = tmp_path / "r.html"
    page.write_text(render(graph, plan))
    checks = _dom(tmp_path, page, width)
    assert checks["ready"] == str(len(graph.nodes_of_kind("module")))
    assert checks["overlaps"] == "0"  # service boxes and arrow labels never cover each other
    assert float(checks["min-font"]) >= 12  # no text smaller than 12 CSS pixels, SVG labels scaled included
    assert checks["overflowing-sections"] == "0"  # nothing wider than its section (no sideways scrolling)
    shot = tmp_path / "shot.png"
    _chromium(tmp_path / "profile-shot", f"--screenshot={shot}", f"--window-size={width},1400", page.as_uri())
    width_px, _, counts = pixels(shot.read_bytes())
    assert width_px == width
    assert counts[_hex("#b71c1c")] > 200  # the blocker is drawn in its own red (badge, dashed arrow, heading)
    for index, _service in enumerate(plan.services):
        assert counts[_hex(PALETTE[index])] > 30  # every service's box is on screen


def test_blockers_are_marked_and_the_table_has_services_and_why() -> None:
    graph, plan = _blocked_plan()
    page = render(graph, plan)
    assert 'class="arrow has-blockers"' in page and 'class="open-blocker"' in page
    table = page[page.index('id="boundary-table"'):]
    assert "<th class=\"sortable\">from service</th>" in table and "<th class=\"sortable\">why</th>" in table
    assert table.index("module global written from another service") < table.index("function call to service")
    for words in ("higher is better", "lower is better", "Calls across services"):
        assert words in page


def test_a_report_before_a_plan_exists(tmp_path: Path) -> None:
    graph = domain_graph()
    save_graph(graph, tmp_path / "graph.json")
    result = run_cleave(tmp_path, "report", "-g", "graph.json", "-o", "r.html", "--json")
    assert result.returncode == 0, result.stderr
    import json

    document = json.loads(result.stdout)
    assert document["services"] == {} and document["boundaries"] == []
    assert {row["table"] for row in document["tables"]} >= {"orders", "billing"}
    page = (tmp_path / "r.html").read_text()
    assert "no plan yet" in page and 'id="boundaries"' not in page
    checks = _dom(tmp_path, tmp_path / "r.html", 800)
    assert checks["ready"] == str(len(graph.nodes_of_kind("module"))) and checks["overflowing-sections"] == "0"


def test_the_splitters_table_ownership_is_shown_with_file_and_line() -> None:
    import dataclasses

    graph, plan = _blocked_plan()
    owned = dataclasses.replace(plan, metrics={**plan.metrics, "tables": {
        "orders": {"owner": "orders", "writes_from": {"billing": ["shop/billing/service.py:7"]},
                   "foreign_keys_to": {"customers": {"owner": "customers", "where": ["shop/orders/models.py:4"]}}},
        "catalog": {"owner": "catalog"}}})
    rows = splitter.report_facts(graph, owned)["tables"]
    assert rows[0] == {"table": "orders", "owner": "orders", "writers": ["billing (shop/billing/service.py:7)"],
                       "readers": [], "foreign_keys": ["customers (owner customers)"], "shared": True}
    assert rows[1]["table"] == "catalog" and not rows[1]["shared"]
    page = render(graph, owned)
    assert "written from other services" in page and "shop/<wbr>billing/<wbr>service.py:7" in page


@pytest.fixture(scope="module")
def shop_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the shop sample's default plan (10 services, ~170 boundaries): a dense service graph."""
    from analyzer import analyze

    shop = Path(__file__).resolve().parents[2] / "samples" / "shop"
    graph = analyze(shop)
    page = tmp_path_factory.mktemp("shop-report") / "r.html"
    page.write_text(render(graph, splitter.split(graph)))
    return page


@pytest.mark.parametrize("width", [1400, 800])
def test_a_dense_service_graph_keeps_its_labels_apart(shop_report: Path, tmp_path: Path, width: int) -> None:
    checks = _dom(tmp_path, shop_report, width)
    assert checks["overlaps"] == "0" and float(checks["min-font"]) >= 12 and checks["overflowing-sections"] == "0"
