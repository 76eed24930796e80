"""A function that returns one of its parameters as it came gives back each call's own argument (issue 18).

``def callback(func): ...; return func`` marks hundreds of functions in a large program; read as one function
whose parameter holds everything any caller passed, every decorated name would stand for every decorated function
(the first 24 of them: a slot's bound), and every call of one would be 24 inferred edges. Each program here is
checked against what Python runs.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from analyzer import analyze
from cleave.formats.graph import CodeGraph


def _graph(tmp_path: Path, source: str) -> CodeGraph:
    (tmp_path / "p").mkdir(exist_ok=True)
    (tmp_path / "p" / "__init__.py").write_text("")
    (tmp_path / "p" / "m.py").write_text(textwrap.dedent(source))
    return analyze(tmp_path, jobs=1)


def _calls_from(graph: CodeGraph, source: str) -> dict[str, bool]:
    """Callee -> whether the edge is marked inferred, for the calls ``source`` makes."""
    return {v.removeprefix("p.m."): bool(d.get("inferred")) for u, v, d in graph.edges_of_kind("calls")
            if u == f"p.m.{source}"}


def test_an_identity_decorator_on_many_functions_keeps_each_one_apart(tmp_path: Path) -> None:
    functions = "".join(f"@mark\ndef f{n}():\n    pass\n" for n in range(40))
    graph = _graph(tmp_path, "def mark(func):\n    func.marked = True\n    return func\n" + functions
                   + "def main():\n    f7()\n    f31()\n")
    assert _calls_from(graph, "main") == {"f7": False, "f31": False}
    # what it returns is each caller's own function: no "mark returns f0..f23" (the crossing rules read these)
    assert not [(u, v) for u, v, _ in graph.edges_of_kind("returns_callable") if u == "p.m.mark"]


def test_a_method_returning_self_gives_back_the_receiver_it_was_called_on(tmp_path: Path) -> None:
    graph = _graph(tmp_path, """
        class Base:
            def chain(self):
                return self
            def run(self): pass
        class A(Base):
            def run(self): pass
        class B(Base):
            def run(self): pass
        def main():
            A().chain().run()
        def other():
            B().chain().run()
        """)
    assert _calls_from(graph, "main") == {"A": False, "Base.chain": False, "A.run": False}
    assert _calls_from(graph, "other") == {"B": False, "Base.chain": False, "B.run": False}


def test_the_argument_is_found_by_position_or_by_keyword(tmp_path: Path) -> None:
    graph = _graph(tmp_path, """
        def same(value, other=None):
            return value
        def f(): pass
        def g(): pass
        def main():
            same(f)()
        def other():
            same(other=f, value=g)()
        """)
    assert _calls_from(graph, "main") == {"same": False, "f": False}
    assert _calls_from(graph, "other") == {"same": False, "g": False}


def test_a_parameter_assigned_in_the_body_is_not_passed_through(tmp_path: Path) -> None:
    graph = _graph(tmp_path, """
        def a(): pass
        def b(): pass
        def pick(fn, flag):
            if flag:
                fn = b
            return fn
        def main():
            pick(a, True)()
        """)
    assert _calls_from(graph, "main") == {"pick": False, "a": True, "b": True}
    assert {v for u, v, _ in graph.edges_of_kind("returns_callable") if u == "p.m.pick"} == {"p.m.a", "p.m.b"}
