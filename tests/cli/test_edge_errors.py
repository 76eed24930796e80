"""`cleave build` on an edge plan with bad input: one line on stderr naming where, exit 1, no traceback, no build
folder. (The failing init and the unreachable database, which need the runtime, are in tests/edge/.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cleave.formats.graph import save_graph
from tests.edge.graphs import notes_app

ASSET = Path(__file__).resolve().parents[1] / "edge" / "assets" / "notes"
CLEAVE = str(Path(sys.executable).parent / "cleave")
PLAN = textwrap.dedent("""\
    format: cleave.plan/1
    entry: notes:create_app()
    services:
      web: {routes: ["/", "/whoami"]}
      notes: {routes: [NOTES]}
      tags: {routes: ["/tags"]}
    database: {engine: sqlite, variable: DATABASE_URL}
    """)


def build(tmp_path: Path, notes_routes: str, *, images: bool = False, package: str | None = None
          ) -> subprocess.CompletedProcess[str]:
    """``cleave build`` of the notes app with the graph the analyzer would write (plus an import of ``package``)."""
    src = tmp_path / "src"
    shutil.copytree(ASSET, src)
    graph = notes_app(str(src))
    if package is not None:
        graph.graph.add_node(f"package:{package}", kind="package")
        graph.graph.add_edge("notes", f"package:{package}", key="uses_package", kind="uses_package", weight=1,
                             lines=[12])
    save_graph(graph, tmp_path / "graph.json")
    (tmp_path / "cleave.yaml").write_text(PLAN.replace("NOTES", notes_routes))
    return subprocess.run([CLEAVE, "build", "src", "-g", "graph.json", "--images" if images else "--no-images"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)


def one_line(result: subprocess.CompletedProcess[str], tmp_path: Path) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1, result.stderr
    assert not (tmp_path / ".cleave" / "build").exists(), "nothing half-written"
    return lines[0]


@pytest.mark.parametrize(("routes", "expected"), [
    ('"/notes/*", "/archive/*"', "cleave.yaml:5: route pattern '/archive/*' of service 'notes' matches no route "
                                 "of the app"),
    ('"/notes/*", "/tags"', "cleave.yaml:6: route '/tags' is claimed by two services: 'notes' (/tags) and 'tags' "
                            "(/tags)"),
])
def test_bad_route_claims_stop_the_build_naming_the_plan_line(tmp_path: Path, routes: str, expected: str) -> None:
    assert expected in one_line(build(tmp_path, routes), tmp_path)


@pytest.mark.slow
def test_a_missing_distribution_stops_the_build_naming_where_it_is_imported(tmp_path: Path) -> None:
    line = one_line(build(tmp_path, '"/notes/*"', images=True, package="no-such-dist-xyz"), tmp_path)
    assert "needs distribution no-such-dist-xyz (imported at notes/__init__.py:12)" in line


def test_an_interior_service_that_uses_the_apps_own_code_is_refused_at_its_line(tmp_path: Path) -> None:
    """A mixed plan (packager/edge_mixed.py): notes.initdb, made an interior service, uses ``notes._connect``, which
    stays with the edge services (they serve routes, not functions)."""
    result = build(tmp_path, '"/notes/*"]}\n  store: {modules: ["notes.initdb"')
    line = one_line(result, tmp_path)
    assert line == ("error: cleave.yaml:6: interior service 'store' uses notes._connect, which stays in the edge "
                    "services: they serve routes, not functions (add notes to 'store' (or to `shared`), or keep the "
                    "modules of 'store' in the edge services)"), line


def test_build_analyzes_in_the_apps_own_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cleave build --python PY` (and `migrate`) analyze with PY: its distributions and its real URL map, so the
    routes a plan claims from a dynamic reading are there at build too."""
    import analyzer
    from cleave.cli.build_cmd import code_graph_for

    seen: dict[str, object] = {}
    monkeypatch.setattr(analyzer, "analyze", lambda src, **kwargs: seen.update(kwargs) or notes_app(str(src)))
    code_graph_for(tmp_path, None, tmp_path / "build", Path("/srv/app/.venv/bin/python"))
    assert seen["python"] == Path("/srv/app/.venv/bin/python")
