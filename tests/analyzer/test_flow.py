"""Calls found by following values (issue 18): exact ``calls`` edge sets on small programs written to tmp_path.

Each program is one that name resolution alone gets wrong (a missed or a wrong edge), checked against Python's
semantics: what the program calls when it runs. bench/callgraph.py scores the larger suite.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from analyzer import analyze
from cleave.formats.graph import CodeGraph


def _graph(tmp_path: Path, files: dict[str, str]) -> CodeGraph:
    (tmp_path / "p").mkdir(exist_ok=True)
    (tmp_path / "p" / "__init__.py").write_text("")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return analyze(tmp_path, jobs=1)


def _calls(graph: CodeGraph) -> set[tuple[str, str]]:
    return {(u.removeprefix("p.m."), v.removeprefix("p.m.")) for u, v, _ in graph.edges_of_kind("calls")}


PROGRAMS = {
    "parameter and keyword": ("""
        def f(): pass
        def g(): pass
        def call(fn, *, then=None):
            fn()
            then()
        def main():
            call(f, then=g)
        """, {("main", "call"), ("call", "f"), ("call", "g")}),
    "returned function and closure": ("""
        def make(n):
            def add(x):
                return x + n
            return add
        def main():
            make(1)(2)
        """, {("main", "make"), ("main", "make.add")}),
    "list, dict literal key, iteration": ("""
        def a(): pass
        def b(): pass
        def c(): pass
        def main():
            table = {"a": a, "b": b}
            table["a"]()
            for fn in [c]:
                fn()
        """, {("main", "a"), ("main", "c")}),
    "lambda returning a function": ("""
        def f(): pass
        def main():
            get = lambda: f
            get()()
        """, {("main", "f")}),
    "decorator wrapper": ("""
        def deco(fn):
            def wrapper():
                return fn()
            return wrapper
        @deco
        def f(): pass
        def main():
            f()
        """, {("p.m", "deco"), ("main", "deco.wrapper"), ("deco.wrapper", "f")}),
    "override called from the base class": ("""
        class Base:
            def run(self):
                self.hook()
            def hook(self): pass
        class Child(Base):
            def hook(self): pass
        def main():
            Child().run()
        """, {("main", "Child"), ("main", "Base.run"), ("Base.run", "Child.hook")}),
    "super() follows the instance's MRO": ("""
        class A:
            def go(self): pass
        class B(A):
            def go(self):
                super().go()
        class C(A):
            def go(self):
                super().go()
        class D(B, C):
            def go(self):
                super().go()
        def main():
            D().go()
        """, {("main", "D"), ("main", "D.go"), ("D.go", "B.go"), ("B.go", "C.go"), ("C.go", "A.go")}),
    "generator yields, kwargs forwarded": ("""
        def f(): pass
        def gen():
            yield f
        def inner(cb):
            cb()
        def outer(**kwargs):
            inner(**kwargs)
        def main():
            for fn in gen():
                outer(cb=fn)
        """, {("main", "gen"), ("main", "outer"), ("outer", "inner"), ("inner", "f")}),
    "builtins that call what they are given": ("""
        import functools
        def double(x): return x * 2
        def key(x): return -x
        def main():
            sorted(map(double, [1]), key=key)
            functools.partial(double, 1)()
        """, {("main", "double"), ("main", "key")}),
    "instance attribute, property, __call__": ("""
        class Engine:
            def __call__(self): pass
        class Car:
            def __init__(self):
                self.engine = Engine()
            @property
            def power(self):
                return self.engine()
        def main():
            return Car().power
        """, {("Car.__init__", "Engine"), ("main", "Car"), ("main", "Car.power"), ("Car.power", "Engine.__call__")}),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_calls_found_through_values(tmp_path: Path, name: str) -> None:
    source, expected = PROGRAMS[name]
    assert _calls(_graph(tmp_path, {"p/m.py": source})) == expected


def test_across_modules_a_decorated_function_and_a_reexported_variable(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {
        "p/deco.py": "def wrap(fn):\n    def inner():\n        return fn()\n    return inner\n",
        "p/api.py": "from p.deco import wrap\nfrom p.impl import real\nhandler = real\n@wrap\ndef endpoint(): pass\n",
        "p/impl.py": "def real(): pass\n",
        "p/m.py": "from p import api\nfrom p.api import endpoint\ndef main():\n    endpoint()\n    api.handler()\n",
    })
    assert _calls(graph) == {("p.api", "p.deco.wrap"), ("main", "p.deco.wrap.inner"),
                             ("p.deco.wrap.inner", "p.api.endpoint"), ("main", "p.impl.real")}


def test_several_candidates_are_inferred_and_callbacks_are_recorded(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {"p/m.py": """
        import threading
        class Jobs:
            def done(self): pass
        def a(): pass
        def b(): pass
        def pick(flag):
            if flag:
                return a
            return b
        def main(jobs):
            pick(True)()
            threading.Thread(target=Jobs().done)
            run(a)
        def run(cb):
            cb()
        """})
    data = graph.graph.edges
    assert data["p.m.main", "p.m.a", "calls"]["inferred"] is True
    assert "inferred" not in data["p.m.main", "p.m.pick", "calls"]
    assert "inferred" not in data["p.m.run", "p.m.a", "calls"]
    assert data["p.m.main", "p.m.run", "calls"]["passes"] == ["callable"]
    passed = {(u, v): d for u, v, d in graph.edges_of_kind("passes_callable")}
    assert passed == {
        ("p.m.main", "p.m.Jobs.done"): {"kind": "passes_callable", "weight": 1, "lines": [13], "bound": True,
                                        "decorator": False, "to": ["threading.Thread"]},
        ("p.m.main", "p.m.a"): {"kind": "passes_callable", "weight": 1, "lines": [14], "bound": False,
                                "decorator": False, "to": ["p.m.run"]},
    }
    returned = {(u, v): d["lines"] for u, v, d in graph.edges_of_kind("returns_callable")}
    assert returned == {("p.m.pick", "p.m.a"): [9], ("p.m.pick", "p.m.b"): [10]}


def test_value_flow_can_be_left_out_and_the_graph_says_so(tmp_path: Path) -> None:
    files = {"p/m.py": "def f(): pass\ndef call(fn):\n    fn()\ndef main():\n    call(f)\n"}
    with_flow = _graph(tmp_path, files)
    assert with_flow.meta["value_flow"] is True and ("call", "f") in _calls(with_flow)
    without = analyze(tmp_path, jobs=1, flow=False)
    assert without.meta["value_flow"] is False
    assert _calls(without) == {("main", "call")}
    assert not list(without.edges_of_kind("passes_callable"))
