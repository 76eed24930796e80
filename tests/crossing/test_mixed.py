"""A plan using both seams gets the crossing rule too: the edge code calling a generator of an interior service is
refused at build with the rule's line, before anything is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cleave.formats.plan import parse_plan
from packager.build import build_services
from packager.errors import UnsafeCrossingError
from tests.edge.graphs import notes_app
from tests.edge.test_edge_build import ASSET, MIXED


def test_a_mixed_plan_refuses_an_unsafe_call_into_its_interior_service(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ASSET, src)
    wordcount = src / "notes" / "wordcount.py"
    text = wordcount.read_text()
    wordcount.write_text(text + "\n\ndef each_word(text: str):\n    yield from text.split()\n")
    line = len(text.splitlines()) + 3
    code_graph = notes_app(str(src))
    graph = code_graph.graph
    graph.add_node("notes.wordcount.each_word", kind="function", file="notes/wordcount.py", line=line,
                   is_generator=True)
    graph.add_edge("notes.wordcount", "notes.wordcount.each_word", key="contains", kind="contains", lines=[line])
    graph.add_edge("notes.route", "notes.wordcount.each_word", key="calls", kind="calls", lines=[59])
    graph.add_edge("notes", "notes.route", key="contains", kind="contains", lines=[1])
    plan = parse_plan(MIXED, str(tmp_path / "cleave.yaml"))
    with pytest.raises(UnsafeCrossingError) as refused:
        build_services(src, plan, code_graph, tmp_path / "build")
    assert [(b.where, b.target) for b in refused.value.crossings] == \
        [("notes/__init__.py:59", "notes.wordcount.each_word")]
    assert not (tmp_path / "build").exists()
