"""The fixpoint engine: slots holding sets of abstract values, inclusion edges between slots, and watchers.

``link(src, dst)`` says that dst may hold whatever src holds; ``on(slot, action)`` runs ``action(value)`` once for
every value the slot holds now or will ever hold. Values reach a slot at most once, and travel as deltas along
the links (difference propagation), so the work is proportional to the values that move, not to the rounds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Value = tuple[Any, ...]
Action = Callable[[Value], None]


class Solver:
    """Inclusion constraints over string-named slots, solved by a worklist."""

    def __init__(self) -> None:
        self.pts: dict[str, set[Value]] = {}
        self._links: dict[str, set[str]] = {}
        self._watch: dict[str, list[Action]] = {}
        self._pending: dict[str, set[Value]] = {}

    def values(self, slot: str | None) -> set[Value]:
        """What ``slot`` may hold (so far)."""
        if slot is None:
            return set()
        return self.pts.get(slot, set())

    def add(self, slot: str, values: Iterable[Value]) -> None:
        held = self.pts.get(slot)
        if held is None:
            held = self.pts[slot] = set()
        new = [v for v in values if v not in held]
        if not new:
            return
        held.update(new)
        pending = self._pending.get(slot)
        if pending is None:
            self._pending[slot] = set(new)
        else:
            pending.update(new)

    def link(self, src: str | None, dst: str | None) -> None:
        if src is None or dst is None or src == dst:
            return
        out = self._links.get(src)
        if out is None:
            out = self._links[src] = set()
        elif dst in out:
            return
        out.add(dst)
        held = self.pts.get(src)
        if held:
            self.add(dst, held)

    def on(self, slot: str | None, action: Action) -> None:
        if slot is None:
            return
        self._watch.setdefault(slot, []).append(action)
        held = self.pts.get(slot)
        if held:
            waiting = self._pending.get(slot, ())  # delivered to every watcher when the slot's turn comes
            for value in [v for v in held if v not in waiting]:
                action(value)

    def run(self) -> None:
        """Propagate until nothing changes."""
        pending = self._pending
        links = self._links
        watch = self._watch
        while pending:
            slot, delta = pending.popitem()
            for dst in links.get(slot, ()):
                self.add(dst, delta)
            actions = watch.get(slot)
            if actions:
                for action in list(actions):
                    for value in delta:
                        action(value)
