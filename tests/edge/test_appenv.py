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


def _guarded_graph(root: Path, code: str) -> CodeGraph:
    """A graph whose module ``app.lib`` (written to ``root``) imports distribution no-such-dist-xyz at the lines
    where ``code`` imports ``nosuch``."""
    (root / "app").mkdir()
    (root / "app" / "lib.py").write_text(code)
    lines = [n for n, text in enumerate(code.splitlines(), 1) if "nosuch import" in text or "import nosuch" in text]
    graph = nx.MultiDiGraph()
    graph.add_node("app.lib", kind="module", file="app/lib.py")
    graph.add_node("package:no-such-dist-xyz", kind="package")
    graph.add_edge("app.lib", "package:no-such-dist-xyz", key="uses_package", kind="uses_package", weight=1,
                   lines=lines)
    return CodeGraph(graph=graph, source=str(root))


GUARDED = {
    "except ImportError": "def spam():\n    try:\n        from nosuch import Checker\n    except ImportError:\n"
                         "        return False\n    return Checker()\n",
    "a tuple with ModuleNotFoundError": "try:\n    import nosuch\nexcept (ValueError, ModuleNotFoundError):\n"
                                       "    nosuch = None\n",
    "a bare except": "try:\n    import nosuch\nexcept:\n    nosuch = None\n",
}
UNGUARDED = {
    "plain": "import nosuch\n",
    "caught as ValueError only": "try:\n    import nosuch\nexcept ValueError:\n    pass\n",
    "one site guarded, one not": "try:\n    import nosuch\nexcept ImportError:\n    pass\nimport nosuch\n",
    "import in the handler": "try:\n    import json\nexcept ImportError:\n    import nosuch\n",
}


@pytest.mark.parametrize("code", GUARDED.values(), ids=GUARDED.keys())
def test_an_import_guarded_by_import_error_is_optional(tmp_path: Path, code: str) -> None:
    env = AppEnvironment("/srv/app/.venv/bin/python", tuple(sys.path))
    found = dict(image_distributions(env, "web", ["jinja2", "no-such-dist-xyz"], _guarded_graph(tmp_path, code)))
    assert "jinja2" in found and "no-such-dist-xyz" not in found


@pytest.mark.parametrize("code", UNGUARDED.values(), ids=UNGUARDED.keys())
def test_an_unguarded_import_of_a_missing_distribution_stops_the_build(tmp_path: Path, code: str) -> None:
    env = AppEnvironment("/srv/app/.venv/bin/python", tuple(sys.path))
    with pytest.raises(PackagerError, match=r"needs distribution no-such-dist-xyz \(imported at app/lib.py:\d+\)"):
        image_distributions(env, "web", ["no-such-dist-xyz"], _guarded_graph(tmp_path, code))


def test_a_module_only_imported_under_a_guard_makes_its_imports_optional(tmp_path: Path) -> None:
    """django-helpdesk: ``urls.py`` does ``try: import helpdesk.tasks`` / ``except ImportError``, and tasks.py
    imports celery at its top: celery is optional. Imported plainly from a second module, it is not."""
    graph = _guarded_graph(tmp_path, "import nosuch\n")
    (tmp_path / "app" / "urls.py").write_text("try:\n    import app.lib  # noqa\nexcept ImportError:\n    pass\n")
    graph.graph.add_node("app.urls", kind="module", file="app/urls.py")
    graph.graph.add_edge("app.urls", "app.lib", key="imports", kind="imports", weight=1, lines=[2])
    env = AppEnvironment("/srv/app/.venv/bin/python", tuple(sys.path))
    assert image_distributions(env, "web", ["no-such-dist-xyz"], graph) == []
    (tmp_path / "app" / "views.py").write_text("import app.lib\n")
    graph.graph.add_node("app.views", kind="module", file="app/views.py")
    graph.graph.add_edge("app.views", "app.lib", key="imports", kind="imports", weight=1, lines=[1])
    with pytest.raises(PackagerError, match="needs distribution no-such-dist-xyz"):
        image_distributions(env, "web", ["no-such-dist-xyz"], graph)


def test_a_relative_python_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The import check runs the interpreter from a scratch folder: ``--python ../venv/bin/python`` must still
    name it there."""
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").symlink_to(sys.executable)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    env = resolve(tmp_path / "src", "../venv/bin/python")
    assert env.python in (str(tmp_path / "venv" / "bin" / "python"), sys.executable)
    assert Path(env.python).is_absolute()
