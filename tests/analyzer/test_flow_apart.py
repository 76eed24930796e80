"""The value-flow solve in a forked child (analyzer.flow.apart): the same answer as a solve in this process, and
a solve here whenever the child cannot give one; no child outlives its build."""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

import pytest

from analyzer.discover import discover
from analyzer.facts import FileFacts
from analyzer.flow import apart
from analyzer.flow.apart import solving
from analyzer.flow.emit import Solution, flow_calls, pack, unpack_solution
from analyzer.resolve import Index
from analyzer.worker import analyze_file

PROGRAM = """
    def first(): pass
    def second(): pass
    def run(callback):
        return callback()
    class Base:
        def go(self):
            return self.step()
        def step(self): pass
    class Child(Base):
        def step(self): pass
    def main():
        table = {"a": first, "b": second}
        run(table["a"])
        Child().go()
        return second
"""


def _program(tmp_path: Path) -> tuple[Index, dict[str, bytes]]:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "__init__.py").write_text("")
    (tmp_path / "p" / "m.py").write_text(textwrap.dedent(PROGRAM))
    tree = discover(tmp_path, (), include_tests=False)
    files = {r.module: r for r in (analyze_file(job) for job in tree.jobs) if isinstance(r, FileFacts)}
    return Index(files, []), {module: file.flows for module, file in files.items()}


def _here(index: Index, flows: dict[str, bytes]) -> Solution:
    solution = flow_calls(index, flows).solution
    assert ("p.m.main", "p.m.Child") in {(c.node, t) for c in solution.calls for t in c.targets}
    return solution


def test_the_child_gives_the_answer_a_solve_here_gives(tmp_path: Path) -> None:
    index, flows = _program(tmp_path)
    with solving(index, flows) as pending:
        assert pending.pid > 0
        got = pending.result().solution
    assert pending.apart
    assert got == _here(index, flows)
    assert {(c.node, t) for c in got.calls for t in c.targets} >= {("p.m.run", "p.m.first"),
                                                                   ("p.m.Base.go", "p.m.Child.step")}


def test_a_packed_solution_reads_back_the_same_and_a_torn_one_is_refused(tmp_path: Path) -> None:
    solution = _here(*_program(tmp_path))
    data = pack(solution)
    assert unpack_solution(data) == solution
    for torn in (data[: len(data) // 2], b"", b"not marshal", pack(solution)[:-1]):
        with pytest.raises(ValueError, match="not a packed solution"):
            unpack_solution(torn)


def test_a_child_killed_midway_is_replaced_by_a_solve_here(tmp_path: Path) -> None:
    index, flows = _program(tmp_path)
    with solving(index, flows) as pending:
        os.kill(pending.pid, signal.SIGKILL)
        got = pending.result().solution
    assert not pending.apart
    assert got == _here(index, flows)


def test_a_child_that_fails_is_replaced_by_a_solve_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index, flows = _program(tmp_path)

    def broken(*args: object) -> None:
        raise RuntimeError("a bug of the solver, in the child only")

    monkeypatch.setattr(apart, "solve", broken)
    with solving(index, flows) as pending:
        got = pending.result().solution
    assert not pending.apart
    assert got == _here(index, flows)


def test_a_build_that_stops_early_ends_and_reaps_its_child(tmp_path: Path) -> None:
    index, flows = _program(tmp_path)
    with pytest.raises(KeyError), solving(index, flows) as pending:
        pid = pending.pid
        raise KeyError("the build failed before it wanted the flows")
    with pytest.raises(ChildProcessError):  # reaped: no zombie is left
        os.waitpid(pid, os.WNOHANG)


def test_no_flow_facts_no_child(tmp_path: Path) -> None:
    index, flows = _program(tmp_path)
    with solving(index, dict.fromkeys(flows, b"")) as pending:
        assert pending.pid == 0
        assert pending.result().solution.calls == ()


def test_an_interrupted_wait_ends_the_child_and_keeps_its_own_error(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (here an alarm) while the parent waits for the child's answer: the error that interrupted it is
    the one raised, and the child is killed and reaped."""
    index, flows = _program(tmp_path)

    def slow(*args: object) -> None:
        time.sleep(30)  # in the child only: the parent never calls it

    class Interrupted(Exception):
        pass

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    monkeypatch.setattr(apart, "solve", slow)
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(Interrupted), solving(index, flows) as pending:
            pid = pending.pid
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            pending.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
