"""The app's own environment: closures from it, tzdata added, a missing distribution named where it is imported."""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx
import pytest

from cleave.formats.graph import CodeGraph
from packager.appenv import AppEnvironment, image_distributions, resolve
from packager.errors import PackagerError


def _graph() -> CodeGraph:
    graph = nx.MultiDiGraph()
    graph.add_node("app.settings", kind="module", file="app/settings.py")
    graph.add_node("package:no-such-dist-xyz", kind="package")
    graph.add_edge("app.settings", "package:no-such-dist-xyz", key="uses_package", kind="uses_package", weight=1,
                   lines=[14])
    return CodeGraph(graph=graph, source=".")


def test_closure_in_the_environment_with_tzdata() -> None:
    env = AppEnvironment(sys.executable, tuple(sys.path))
    found = dict(image_distributions(env, "web", ["jinja2", "tzdata"], None))
    assert {"jinja2", "markupsafe", "tzdata"} <= set(found)


def test_a_missing_distribution_stops_the_build_naming_where_it_is_imported() -> None:
    env = AppEnvironment("/srv/app/.venv/bin/python", tuple(sys.path))
    with pytest.raises(PackagerError) as caught:
        image_distributions(env, "web", ["jinja2", "no-such-dist-xyz"], _graph())
    assert str(caught.value).startswith("service 'web' needs distribution no-such-dist-xyz (imported at "
                                        "app/settings.py:14), which is not installed in /srv/app/.venv/bin/python")


def test_resolve_defaults_and_a_broken_interpreter(tmp_path: Path) -> None:
    assert resolve(tmp_path, None).python == sys.executable
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    assert resolve(tmp_path, None).search_path  # SRC/.venv is used (here: the same interpreter)
    with pytest.raises(PackagerError, match="--python /nonexistent/python does not run"):
        resolve(tmp_path, "/nonexistent/python")
