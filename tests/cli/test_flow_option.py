"""``--flow/--no-flow``: the value-flow analysis asked for, or left out, from the command line (it runs by default,
on a tree of any size)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cleave.cli.app import run
from cleave.formats.graph import CodeGraph, load_graph

_CALLBACK = '''\
def handler(value):
    return value + 1


def apply(func, value):
    return func(value)


def run():
    return apply(handler, 1)
'''


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package whose one call only the flows resolve: ``func(value)`` calls the ``handler`` passed in."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "main.py").write_text(_CALLBACK)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _analyze(*flags: str) -> CodeGraph:
    assert run(["analyze", ".", "--json", "--no-cache", *flags]) == 0
    return load_graph(Path(".cleave/graph.json"))


def _calls_the_callback(graph: CodeGraph) -> bool:
    return any(data.get("kind") == "calls" for data in graph.graph.get_edge_data("app.main.apply", "app.main.handler",
                                                                                 default={}).values())


@pytest.mark.usefixtures("tree")
def test_no_flow_leaves_the_analysis_out_of_a_small_tree() -> None:
    graph = _analyze()
    assert graph.meta["value_flow"] is True and _calls_the_callback(graph)
    graph = _analyze("--no-flow")
    assert graph.meta["value_flow"] is False and not _calls_the_callback(graph)


@pytest.mark.usefixtures("tree")
def test_flow_asks_for_what_the_default_does() -> None:
    default = _analyze()
    forced = _analyze("--flow")
    assert forced.meta["value_flow"] is True and _calls_the_callback(forced)
    assert sorted(forced.graph.edges(keys=True)) == sorted(default.graph.edges(keys=True))


@pytest.mark.usefixtures("tree")
@pytest.mark.parametrize("command", ["build", "check"])
def test_flow_with_a_given_graph_is_a_usage_error(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """With --graph nothing is analyzed: asking how to analyze is refused before anything runs."""
    _analyze()
    assert run(["split", "-n", "1", "--json"]) == 0
    capsys.readouterr()
    assert run([command, "-g", ".cleave/graph.json", "--flow"]) == 2
    err = capsys.readouterr().err
    assert "--flow/--no-flow choose how SRC is analyzed" in err and "Traceback" not in err
    assert not Path(".cleave/build").exists()
