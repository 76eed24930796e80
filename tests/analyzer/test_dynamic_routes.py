"""The dynamic reading: the app imported in its own environment lists its real URL map, which corrects the
static reading (a route made in a loop is added, a blueprint never registered is dropped), each with a
diagnostic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cleave.formats.graph import CodeGraph
from tests.analyzer._util import ASSETS, run
from tests.sample_env import sample_python

APP = ASSETS / "fw_dynamic"


@pytest.fixture(scope="module")
def static() -> CodeGraph:
    return run(APP)


@pytest.fixture(scope="module")
def dynamic() -> CodeGraph:
    return run(APP, python=sample_python(APP), dynamic_routes=True)


def test_static_reading_alone(static: CodeGraph) -> None:
    assert static.nodes_of_kind("route") == ["route:flask:GET /home", "route:flask:GET /never"]
    assert "routes_dynamic" not in static.meta


def test_dynamic_reading_corrects_it(dynamic: CodeGraph) -> None:
    assert dynamic.nodes_of_kind("route") == [
        "route:flask:GET /home", "route:flask:GET /pages/about", "route:flask:GET /pages/contact"]
    home = dynamic.graph.nodes["route:flask:GET /home"]
    assert (home["source"], home["file"], home["line"]) == ("static", "webapp/__init__.py", 7)
    about = dynamic.graph.nodes["route:flask:GET /pages/about"]
    assert (about["source"], about["name"], about["regex"]) == ("dynamic", "about", "^/pages/about$")
    assert [v for _, v, k in dynamic.graph.out_edges("route:flask:GET /pages/about", keys=True)
            if k == "handles"] == ["webapp.home"]
    found = sorted((d.code, d.file, d.line, d.message) for d in dynamic.diagnostics if d.code.startswith("route-"))
    assert found == [
        ("route-dynamic-only", ".", 0, "route:flask:GET /pages/about: in the app's URL map but not found in the "
                                       "code (added from the dynamic reading)"),
        ("route-dynamic-only", ".", 0, "route:flask:GET /pages/contact: in the app's URL map but not found in the "
                                       "code (added from the dynamic reading)"),
        ("route-static-only", "webapp/__init__.py", 12, "route:flask:GET /never: found in the code but not in the "
                                                        "app's URL map (dropped)"),
    ]


def test_an_app_that_cannot_be_imported_keeps_the_static_reading() -> None:
    graph = run(APP, dynamic_routes=True)  # cleave's own interpreter: no Flask there
    assert graph.nodes_of_kind("route") == ["route:flask:GET /home", "route:flask:GET /never"]
    [failed] = [d for d in graph.diagnostics if d.code == "routes-dynamic-failed"]
    assert "No module named 'flask'" in failed.message


def test_the_reading_points_the_apps_database_at_a_scratch_file(tmp_path: Path) -> None:
    """An app whose factory creates its database (ihatemoney migrates it) writes neither into the source tree
    nor into a database the environment names: the reading's DATABASE_URL (and the like) is a scratch SQLite."""
    src = tmp_path / "app"
    shutil.copytree(APP, src)
    factory = ('\n\nimport os\nfrom pathlib import Path\n\nurl = os.environ.get("DATABASE_URL", "sqlite:///" + '
               'str(Path(__file__).parent / "local.db"))\nPath(url.removeprefix("sqlite:///")).write_text("made")\n')
    (src / "webapp" / "__init__.py").write_text((APP / "webapp" / "__init__.py").read_text() + factory)
    graph = run(src, python=sample_python(APP), dynamic_routes=True)
    assert "route:flask:GET /pages/about" in graph.nodes_of_kind("route")
    assert not (src / "webapp" / "local.db").exists() and not list(src.rglob("*.db"))
