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
    """One slot: what it holds (in the order it came), where it flows, who watches it, and how many of the values
    it holds it has passed on (those past ``sent`` wait on the worklist)."""

    __slots__ = ("held", "out", "sent", "watchers")

    def __init__(self) -> None:
        self.held: dict[Value, None] | None = None
        self.out: dict[_Slot, None] | None = None
        self.watchers: list[Action] | None = None
        self.sent = 0


class Solver:
    """Inclusion constraints over string-named slots, solved by a worklist (one record per slot: one lookup).

    A slot's values are kept in the order they came and never removed, so what it has yet to pass on is the tail
    of that order past ``sent``: no second set per slot, and a slot is on the worklist at most once."""

    def __init__(self) -> None:
        self._slots: dict[str, _Slot] = {}
        self._pending: list[_Slot] = []  # slots with values not yet passed on, newest last
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
        self._add(self._record(slot), values)

    def _add(self, record: _Slot, values: Iterable[Value]) -> None:
        held = record.held
        if held is None:
            held = record.held = {}
        count = len(held)
        if count >= CAP:
            return  # a slot that may hold anything: what it holds already is all it says
        was = count
        for value in values:
            if value not in held:
                held[value] = None
                count += 1
                if count == CAP:
                    break
        if count != was and was == record.sent:
            self._pending.append(record)

    def link(self, src: str | None, dst: str | None) -> None:
        if src is None or dst is None or src == dst:
            return
        slots = self._slots  # _record twice, spelt out: the commonest call of the solve
        record = slots.get(src)
        if record is None:
            record = slots[src] = _Slot()
        target = slots.get(dst)
        if target is None:
            target = slots[dst] = _Slot()
        out = record.out
        if out is None:
            out = record.out = {}
        elif target in out:
            return
        out[target] = None
        if record.held:
            self._add(target, record.held)

    def on(self, slot: str | None, action: Action) -> None:
        if slot is None:
            return
        record = self._slots.get(slot)
        if record is None:
            record = self._slots[slot] = _Slot()
        if record.watchers is None:
            record.watchers = [action]
        else:
            record.watchers.append(action)
        held = record.held
        if held and record.sent:  # values past ``sent`` reach every watcher when the slot's turn comes
            self._fresh.append((action, list(held)[:record.sent]))

    def run(self) -> None:
        """Propagate until nothing changes."""
        pending = self._pending
        fresh = self._fresh
        add = self._add
        while pending or fresh:
            while fresh:
                action, earlier = fresh.pop()
                for value in earlier:
                    action(value)
            if not pending:
                break
            record = pending.pop()  # the newest first: O(1), and the same order in every process
            held = record.held
            sent = record.sent
            if held is None or len(held) == sent:
                continue
            delta = list(held)[sent:] if sent else list(held)
            record.sent = len(held)
            if record.out:
                for target in record.out:
                    add(target, delta)
            actions = record.watchers
            if actions:
                for action in list(actions):
                    for value in delta:
                        action(value)
