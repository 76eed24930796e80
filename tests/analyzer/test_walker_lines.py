"""The walker's line numbers: it counts line breaks itself, and passes over plain whitespace when the source holds
no backslash continuation (the only way plain whitespace between tokens can break a line)."""

from __future__ import annotations

import ast
import sysconfig
from collections import Counter
from pathlib import Path

import libcst as cst

from analyzer.facts import Job
from analyzer.flow import collect
from analyzer.flow.exprs import DECORATOR, QUIET
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


LAYOUTS = '''\
def f(items, qs, fds, data):
    x = (
        make()
    )
    rows = (
        qs
        .filter(a=1)
        .order_by("b")
    )
    table = {key(k):
             value(v) for k, v in items}
    pairs = [
        (name, item)
        for name, item in listing(items)
        if check(
            item)
    ]
    text = ("a" f"{first()}"
            f"{second()}")
    assert ok(), \\
        message()
    for a, b \\
            in pairs_of(items):
        use(a)
    match data:
        case [one]:
            # a comment before the body
            handle(one)
        case _:
            other()
    fds.frombytes(data[:
                       size(data)])
    return x
'''


def _call_lines(text: str) -> tuple[Counter[tuple[int, str]], Counter[tuple[int, str]]]:
    """(line, callee) of every call: as the flow facts have them (the walker's lines), and as Python's parser has
    them."""
    tree = cst.parse_module(text)
    walker = Walker("m", "m.py", False, HANDLERS)
    walker.run(tree)
    ours = Counter((fact[8], fact[9]) for fact in collect("m", False, tree, walker.lines, walker.walrus_bound)
                   if fact[0] == "c" and not fact[10] & (DECORATOR | QUIET))
    python = Counter((node.lineno, callee(node.func)) for node in ast.walk(ast.parse(text))
                     if isinstance(node, ast.Call))
    return ours, python


def callee(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def test_calls_are_on_the_lines_python_gives_them() -> None:
    """Parenthesized calls and chains, comprehension clauses, a dict comprehension's value, joined f-strings, an
    assert's message and a ``for`` after a continuation, match-case bodies, a slice across lines: every call the
    flows see is where Python's own parser puts it (on the standard library too)."""
    ours, python = _call_lines(LAYOUTS)
    assert ours and not ours - python, sorted(ours - python)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    wrong = total = 0
    for name in ("string.py", "traceback.py", "socket.py", "trace.py", "email/headerregistry.py", "argparse.py",
                 "dataclasses.py", "inspect.py", "asyncio/base_events.py", "typing.py"):
        ours, python = _call_lines((stdlib / name).read_text(encoding="utf-8"))
        wrong += sum((ours - python).values())
        total += sum(ours.values())
    assert total > 3000 and wrong == 0
