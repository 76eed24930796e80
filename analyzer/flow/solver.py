"""The fixpoint engine: slots holding sets of abstract values, inclusion edges between slots, and watchers.

``link(src, dst)`` says that dst may hold whatever src holds; ``on(slot, action)`` runs ``action(value)`` once for
every value the slot holds now or will ever hold. Values reach a slot at most once, and travel as deltas along
the links (difference propagation), so the work is proportional to the values that move, not to the rounds.

Sets are insertion-ordered dicts, never ``set``: with :data:`CAP` the order values arrive in decides which are
kept, and a ``set`` of strings iterates in an order that changes with every process (hash randomization).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

Value = tuple[Any, ...]
Action = Callable[[Value], None]
CAP: Final = 24
"""The most values one slot holds. Past it a slot stands for "many things": on a large program a parameter that
receives everything (``message`` of an exception class) would otherwise carry thousands of values to every place
it flows, for calls too imprecise to mean anything."""


class Solver:
    """Inclusion constraints over string-named slots, solved by a worklist."""

    def __init__(self) -> None:
        self.pts: dict[str, dict[Value, None]] = {}
        self._links: dict[str, dict[str, None]] = {}
        self._watch: dict[str, list[Action]] = {}
        self._pending: dict[str, dict[Value, None]] = {}
        self._fresh: list[tuple[Action, list[Value]]] = []  # new watchers and the values they have yet to see

    def close(self) -> None:
        """Empty every table. Watchers are closures over the solver, so a solved program is one large reference
        cycle: emptied, it goes by reference counting, and the cyclic collector (back on after ``analyze()``)
        never has to walk it."""
        for table in vars(self).values():
            if isinstance(table, dict | list | set):
                table.clear()

    def values(self, slot: str | None) -> Iterable[Value]:
        """What ``slot`` may hold (so far), in the order it came."""
        if slot is None:
            return ()
        return self.pts.get(slot, {}).keys()

    def add(self, slot: str, values: Iterable[Value]) -> None:
        held = self.pts.get(slot)
        if held is None:
            held = self.pts[slot] = {}
        room = CAP - len(held)
        if room <= 0:
            return  # a slot that may hold anything: what it holds already is all it says
        pending = None
        for value in values:
            if value in held:
                continue
            if pending is None:
                pending = self._pending.get(slot)
                if pending is None:
                    pending = self._pending[slot] = {}
            held[value] = None
            pending[value] = None
            room -= 1
            if not room:
                return

    def link(self, src: str | None, dst: str | None) -> None:
        if src is None or dst is None or src == dst:
            return
        out = self._links.get(src)
        if out is None:
            out = self._links[src] = {}
        elif dst in out:
            return
        out[dst] = None
        held = self.pts.get(src)
        if held:
            self.add(dst, held)

    def on(self, slot: str | None, action: Action) -> None:
        if slot is None:
            return
        watchers = self._watch.get(slot)
        if watchers is None:
            self._watch[slot] = [action]
        else:
            watchers.append(action)
        held = self.pts.get(slot)
        if held:  # what waits in the slot's delta reaches every watcher when its turn comes; the rest, later here
            waiting = self._pending.get(slot)
            self._fresh.append((action, [v for v in held if v not in waiting] if waiting else list(held)))

    def run(self) -> None:
        """Propagate until nothing changes."""
        pending = self._pending
        links = self._links
        watch = self._watch
        fresh = self._fresh
        add = self.add
        while pending or fresh:
            while fresh:
                action, held = fresh.pop()
                for value in held:
                    action(value)
            if not pending:
                break
            slot, delta = pending.popitem()  # the newest first: O(1), and the same order in every process
            for dst in links.get(slot, ()):
                add(dst, delta)
            actions = watch.get(slot)
            if actions:
                for action in list(actions):
                    for value in delta:
                        action(value)
