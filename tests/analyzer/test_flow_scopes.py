"""The value-flow fact pass's shortcuts give exactly what the plain way gives (issue 18, speed).

- The scope scan skips the insides of expressions that span no line with ``:=`` (only a target binds there): it
  must name the same locals as the full scan, on every binding form and on real code of many shapes.
- A file's facts travel packed (``marshal``): unpacked, they are the facts.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap

import pytest

from analyzer.flow import collect, collect_packed, unpack
from analyzer.flow.scopes import local_names, params_of, walrus_lines

BINDING_FORMS = textwrap.dedent("""
    import os.path as osp, sys
    from collections import OrderedDict as OD, deque
    def f(a, /, b, *args, c, d=1, **kw):
        x = 1
        y, [z, *rest] = g()
        (p.q, r[0], s) = 1, 2, 3
        t: int
        u: int = 2
        v += 1
        for (i, j) in k: pass
        else: w = 1
        with m() as (n1, n2), o() as n3: pass
        try: pass
        except E as err: pass
        del gone
        global G
        nonlocal_like = [q for q in range(3)]
        lam = lambda inner: inner
        def nested(): hidden = 1
        class Klass: attr = 1
        async def coro():
            async for ai in aiter(): pass
            async with actx() as aw: pass
        if cond:
            while loop:
                match subject:
                    case [m1, m2]: matched = 1
                    case _: other = 2
        return x
    class C:
        field = 1
        def method(self): pass
        first, second = 1, 2
""")

MODULES = ("argparse", "json.decoder", "email.message", "textwrap", "dataclasses", "functools", "collections",
           "logging", "pathlib", "http.client", "unittest.case", "asyncio.base_events", "typing")


def _scopes(tree: ast.AST) -> list[tuple[list[ast.stmt], list[str]]]:
    found: list[tuple[list[ast.stmt], list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((node.body, params_of(node.args)))
        elif isinstance(node, ast.ClassDef):
            found.append((node.body, []))
    return found


WALRUSES = textwrap.dedent("""
    def f(items):
        if (n := len(items)) > 1:
            pass
        while (chunk := read()):
            total = [y := 1, (z :=
                2)]
        print(f"{(w := 3)}")
        return [(inner := x) for x in items]
    def g():
        x = 1; (late := 2)
""")


def _texts() -> list[str]:
    return [BINDING_FORMS, WALRUSES, *(inspect.getsource(importlib.import_module(name)) for name in MODULES)]


def test_the_quick_scope_scan_names_what_the_full_scan_names() -> None:
    checked = 0
    for text in _texts():
        for body, params in _scopes(ast.parse(text)):
            assert local_names(body, params, walrus_lines(text)) == local_names(body, params, None)
            checked += 1
    assert checked > 1000  # real code of many shapes, not only the binding forms


def test_the_binding_forms_are_all_seen() -> None:
    function = ast.parse(BINDING_FORMS).body[2]
    assert isinstance(function, ast.FunctionDef)
    local, declared = local_names(function.body, params_of(function.args), [])
    assert {"a", "b", "args", "c", "d", "kw", "x", "y", "z", "rest", "s", "t", "u", "v", "i", "j", "w", "n1", "n2",
            "n3", "err", "gone", "nonlocal_like", "lam", "nested", "Klass", "coro", "matched", "other"} <= local
    assert not {"p", "r", "q", "inner", "hidden", "attr", "G", "ai", "aw"} & local
    assert declared == {"G"}


def test_a_walrus_binds_where_it_is_written() -> None:
    f, g = ast.parse(WALRUSES).body
    assert isinstance(f, ast.FunctionDef) and isinstance(g, ast.FunctionDef)
    lines = walrus_lines(WALRUSES)
    assert lines == [3, 5, 6, 8, 9, 11]
    assert {"n", "chunk", "y", "z", "w"} <= local_names(f.body, ["items"], lines)[0]
    assert "late" in local_names(g.body, [], lines)[0]
    assert walrus_lines("a = 1\r\nb = 2") is None and walrus_lines("a = 1\n") == []


@pytest.mark.parametrize("text", [BINDING_FORMS, "", "def broken(:\n", "x = [f for f in fs]\nprint(*x, **{})\n"])
def test_packed_facts_unpack_to_the_facts(text: str) -> None:
    assert unpack(collect_packed("pkg.mod", False, text)) == collect("pkg.mod", False, text)
    assert unpack(b"") == ()
