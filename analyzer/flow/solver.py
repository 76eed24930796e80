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


class _Slot:
    """One slot: what it holds (in the order it came), where it flows, who watches it, and what it has yet to pass
    on (None: nothing; the slot is then off the worklist)."""

    __slots__ = ("delta", "held", "out", "watchers")

    def __init__(self) -> None:
        self.held: dict[Value, None] | None = None
        self.out: dict[str, None] | None = None
        self.watchers: list[Action] | None = None
        self.delta: dict[Value, None] | None = None


class Solver:
    """Inclusion constraints over string-named slots, solved by a worklist (one record per slot: one lookup)."""

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._pending: dict[str, _Slot] = {}  # slots with a delta, newest last
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
        record = self._slots.get(slot) if slot is not None else None
        if record is None or record.held is None:
            return ()
        return record.held.keys()

    def _record(self, slot: str) -> _Slot:
        record = self._slots.get(slot)
        if record is None:
            record = self._slots[slot] = _Slot()
        return record

    def add(self, slot: str, values: Iterable[Value]) -> None:
        record = self._slots.get(slot)
        if record is None:
            record = self._slots[slot] = _Slot()
        held = record.held
        if held is None:
            held = record.held = {}
        room = CAP - len(held)
        if room <= 0:
            return  # a slot that may hold anything: what it holds already is all it says
        delta = record.delta
        for value in values:
            if value in held:
                continue
            if delta is None:
                delta = record.delta = {}
                self._pending[slot] = record
            held[value] = None
            delta[value] = None
            room -= 1
            if not room:
                return

    def link(self, src: str | None, dst: str | None) -> None:
        if src is None or dst is None or src == dst:
            return
        record = self._record(src)
        out = record.out
        if out is None:
            out = record.out = {}
        elif dst in out:
            return
        out[dst] = None
        if record.held:
            self.add(dst, record.held)

    def on(self, slot: str | None, action: Action) -> None:
        if slot is None:
            return
        record = self._record(slot)
        if record.watchers is None:
            record.watchers = [action]
        else:
            record.watchers.append(action)
        held = record.held
        if held:  # what waits in the slot's delta reaches every watcher when its turn comes; the rest, later here
            waiting = record.delta
            self._fresh.append((action, [v for v in held if v not in waiting] if waiting else list(held)))

    def run(self) -> None:
        """Propagate until nothing changes."""
        pending = self._pending
        fresh = self._fresh
        add = self.add
        while pending or fresh:
            while fresh:
                action, held = fresh.pop()
                for value in held:
                    action(value)
            if not pending:
                break
            record = pending.popitem()[1]  # the newest first: O(1), and the same order in every process
            delta = record.delta
            record.delta = None
            if delta is None:
                continue
            if record.out:
                for dst in record.out:
                    add(dst, delta)
            actions = record.watchers
            if actions:
                for action in list(actions):
                    for value in delta:
                        action(value)
