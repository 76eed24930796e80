"""The value-flow solve in a process of its own, while the graph builder goes on with the name-resolved edges.

The two are independent until the builder weighs the resolver's calls against the flows' answers, and the parse
phase's worker processes are gone by then, so the solve takes the idle processor. The child is forked: it
inherits the facts and the name resolver's index as they are, sends back only the :class:`Solution` (packed,
through a pipe), and ends without freeing what it built. Where there is no ``fork``, where there are no flow
facts, or if the child fails in any way, the solve runs here (a bug of the solver then raises here, as it would
have without a child).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator, Mapping

from analyzer.flow.emit import FlowCalls, Solution, flow_calls, pack, solution_of, unpack_solution
from analyzer.flow.program import solve
from analyzer.resolve import Index


class Solving:
    """A solve under way: :meth:`result` waits for it."""

    def __init__(self, index: Index, flows: Mapping[str, bytes]) -> None:
        self.index = index
        self.flows = flows
        self.pid = 0  # the child solving, while it runs
        self.apart = False  # whether the answer came from the child
        self._pipe = -1
        self._done: FlowCalls | None = None

    def start(self) -> None:
        """Fork the child that solves (nothing to start without ``fork`` or without flow facts)."""
        if not hasattr(os, "fork") or not any(self.flows.values()):
            return
        read, write = os.pipe()
        try:
            child = os.fork()
        except OSError:  # no process to spare: the solve runs here
            os.close(read)
            os.close(write)
            return
        if child == 0:  # pragma: no cover - the child's own coverage is not collected
            _child(self.index, self.flows, read, write)
        os.close(write)
        self.pid, self._pipe = child, read

    def result(self) -> FlowCalls:
        """The solution: the child's, or solved here."""
        if self._done is None:
            solution = self._collect()
            self.apart = solution is not None
            self._done = FlowCalls(solution) if solution is not None else flow_calls(self.index, self.flows)
        return self._done

    def _collect(self) -> Solution | None:
        if not self.pid:
            return None
        pipe, self._pipe = self._pipe, -1  # the file object owns it now: closed once, even if the read is interrupted
        with open(pipe, "rb") as reader:
            data = reader.read()
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if status != 0 or not data:
            return None
        try:
            return unpack_solution(data)
        except ValueError:  # a torn message: solve here
            return None

    def stop(self) -> None:
        """End a child whose answer is no longer wanted (the build failed or was interrupted)."""
        if self._pipe >= 0:
            os.close(self._pipe)
            self._pipe = -1
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


@contextlib.contextmanager
def solving(index: Index, flows: Mapping[str, bytes]) -> Iterator[Solving]:
    """Start solving ``flows`` over ``index`` apart; inside the block, ``result()`` waits for the answer. Leaving
    the block ends the child if it is still running."""
    pending = Solving(index, flows)
    pending.start()
    try:
        yield pending
    finally:
        pending.stop()


def _child(index: Index, flows: Mapping[str, bytes], read: int, write: int) -> None:  # pragma: no cover
    """In the forked child: solve, write the packed solution, and end at once (no cleanup of the parent's
    state, no freeing of the solved program, whatever happens)."""
    code = 1
    try:
        os.close(read)
        data = pack(solution_of(solve(index, flows)))
        view = memoryview(data)
        while view:
            view = view[os.write(write, view):]
        code = 0
    finally:
        os._exit(code)
