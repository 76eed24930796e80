"""Which names each scope binds, as the value-flow pass reads them from the libcst tree the walker walked (issue 18):
Python's own symbol tables (``symtable``) are the oracle, on every binding form and on real code of many shapes.
And a file's facts travel packed (``marshal``): unpacked, they are the facts."""

from __future__ import annotations

import importlib
import inspect
import symtable
import textwrap

import libcst as cst
import pytest

from analyzer.flow import collect, pack, unpack
from analyzer.flow.scopes import local_names, params_of, statements
from analyzer.handlers import HANDLERS
from analyzer.walker import Walker

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
                    case [m1, *m2]: matched = 1
                    case {"k": m3, **m4}: pass
                    case P(m5, key=m6) | Q(m5, key=m6) as m7: pass
                    case _: other = 2
        return x
    class C:
        field = 1
        def method(self): pass
        first, second = 1, 2
    def outer():
        def inner():
            nonlocal counter
            counter = 1
        counter = 0
""")

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
        h = lambda: (hidden := 1)
""")

_NOT_DEFS = frozenset({"lambda", "listcomp", "setcomp", "dictcomp", "genexpr"})
MODULES = ("argparse", "json.decoder", "email.message", "textwrap", "dataclasses", "functools", "collections",
           "logging", "pathlib", "http.client", "unittest.case", "asyncio.base_events", "typing", "traceback",
           "tomllib._parser", "inspect", "re._compiler", "ast")


def _walked(text: str) -> tuple[cst.Module, Walker]:
    tree = cst.parse_module(text)
    walker = Walker("pkg.mod", "pkg/mod.py", False, HANDLERS)
    walker.run(tree)
    return tree, walker


def _defs(tree: cst.Module) -> list[tuple[str, cst.FunctionDef | cst.ClassDef]]:
    """Every function and class with its qualified name, in source order."""
    found: list[tuple[str, cst.FunctionDef | cst.ClassDef]] = []

    class Defs(cst.CSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.quals: list[str] = []

        def _enter(self, node: cst.FunctionDef | cst.ClassDef) -> None:
            qual = ".".join([*self.quals, node.name.value])
            found.append((qual, node))
            self.quals.append(node.name.value)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            self._enter(node)

        def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
            self.quals.pop()

        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            self._enter(node)

        def leave_ClassDef(self, node: cst.ClassDef) -> None:
            self.quals.pop()

    tree.visit(Defs())
    return found


def _symbol_tables(text: str) -> list[tuple[str, set[str]]]:
    """Every function and class scope with the names Python binds in it, in source order."""
    found: list[tuple[str, set[str]]] = []

    def visit(table: symtable.SymbolTable, quals: list[str]) -> None:
        for child in table.get_children():
            if child.get_type() not in ("function", "class") or child.get_name() in _NOT_DEFS:
                continue
            qual = [*quals, child.get_name()]
            names = {_unmangled(s.get_name(), qual) for s in child.get_symbols() if s.is_local()}
            found.append((".".join(qual), names))
            visit(child, qual)

    visit(symtable.symtable(text, "pkg/mod.py", "exec"), [])
    return found


def _unmangled(name: str, quals: list[str]) -> str:
    """``__x`` as written in a class (Python's table holds ``_Class__x``; the flows read names as written)."""
    for qual in quals:
        prefix = f"_{qual.lstrip('_')}__"
        if name.startswith(prefix):
            return name[len(prefix) - 2:]
    return name


def _ours(text: str) -> list[tuple[str, set[str]]]:
    tree, walker = _walked(text)
    found = []
    for qual, node in _defs(tree):
        params = params_of(node.params) if isinstance(node, cst.FunctionDef) else []
        found.append((qual, local_names(statements(node.body), params, walker.walrus_bound.get(qual, ()))[0]))
    return found


def _texts() -> list[str]:
    return [BINDING_FORMS, WALRUSES, *(inspect.getsource(importlib.import_module(name)) for name in MODULES)]


def test_every_scope_binds_what_python_says_it_binds() -> None:
    checked = 0
    for text in _texts():
        ours, python = _ours(text), _symbol_tables(text)
        assert [qual for qual, _ in ours] == [qual for qual, _ in python]
        for (qual, mine), (_, truth) in zip(ours, python, strict=True):
            assert mine - {"__class__"} == truth - {"__class__"}, qual
            checked += 1
    assert checked > 1500  # real code of many shapes, not only the binding forms


def test_the_binding_forms_are_all_seen() -> None:
    scopes = dict(_ours(BINDING_FORMS))
    assert {"a", "b", "args", "c", "d", "kw", "x", "y", "z", "rest", "s", "t", "u", "v", "i", "j", "w", "n1", "n2",
            "n3", "err", "gone", "nonlocal_like", "lam", "nested", "Klass", "coro", "matched", "other", "m1", "m2",
            "m3", "m4", "m5", "m6", "m7"} <= scopes["f"]
    assert not {"p", "r", "q", "inner", "hidden", "attr", "G", "ai", "aw"} & scopes["f"]
    assert "counter" not in scopes["outer.inner"] and "counter" in scopes["outer"]


def test_a_walrus_binds_where_python_binds_it() -> None:
    scopes = dict(_ours(WALRUSES))
    assert {"n", "chunk", "y", "z", "w", "inner"} <= scopes["f"]  # inside a comprehension too (PEP 572)
    assert "late" in scopes["g"] and "hidden" not in scopes["g"]  # a lambda's is its own


@pytest.mark.parametrize("text", [BINDING_FORMS, "", "x = [f for f in fs]\nprint(*x, **{})\n"])
def test_packed_facts_unpack_to_the_facts(text: str) -> None:
    tree, walker = _walked(text)
    facts = collect("pkg.mod", False, tree, walker.lines, walker.walrus_bound)
    assert unpack(pack(facts)) == facts
    assert unpack(b"") == () and pack(()) == b""
