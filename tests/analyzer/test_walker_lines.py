"""The walker's line numbers: it counts line breaks itself, and passes over plain whitespace when the source holds
no backslash continuation (the only way plain whitespace between tokens can break a line)."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst

from analyzer.facts import Job
from analyzer.handlers import HANDLERS
from analyzer.walker import Walker
from analyzer.worker import analyze_source

CONTINUED = (
    "def helper():\n"
    "    return 1\n"
    "\n"
    "def caller():\n"
    "    total = 1 + \\\n"
    "        2 + \\\n"
    "        3\n"
    "    return helper()\n"
)


def test_lines_after_backslash_continuations_are_exact() -> None:
    job = Job(path="/nowhere/m.py", rel="m.py", module="m", is_package=False)
    facts = analyze_source(job, CONTINUED, flows=False)
    calls = [ref for ref in facts.refs if ref[2] == ("n", "helper", "")]  # type: ignore[union-attr]
    assert [ref[3] for ref in calls] == [8]


def test_a_walk_past_plain_whitespace_finds_the_same_facts() -> None:
    """On real files without a continuation, the walk that skips plain whitespace is the full walk's equal; on a
    file with one, skipping would lose its lines, which is why the worker asks the text first."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    checked = 0
    for path in sorted(stdlib.glob("*.py"))[:80]:
        text = path.read_text(encoding="utf-8", errors="replace")
        if "\\\n" in text or "\\\r" in text:
            continue
        tree = cst.parse_module(text)
        full = Walker(path.stem, path.name, False, HANDLERS).run(tree)
        skipping = Walker(path.stem, path.name, False, HANDLERS, continued_lines=False).run(tree)
        assert skipping == full, path
        checked += 1
    assert checked > 30
    tree = cst.parse_module(CONTINUED)
    full = Walker("m", "m.py", False, HANDLERS).run(tree)
    assert Walker("m", "m.py", False, HANDLERS, continued_lines=False).run(tree).lines < full.lines
