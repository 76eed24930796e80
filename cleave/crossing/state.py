"""Shared modules that hold state written at run time.

A shared module is copied into every service that uses it, so each service gets its own copy of its globals. That
is harmless for constants and for per-process resources (a thread-local, a lock, a connection: each process of the
monolith had its own already), and wrong for anything else written once the module is loaded: a list two services
append to, a counter, a registry other modules fill when they are imported (an event bus: the subscriptions made by
one service's modules never reach the copy the publishing service holds). Such a global is a blocker naming the
services that write it and where; only the module's own import-time code is the same in every copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cleave.crossing.view import View

PER_PROCESS = frozenset({"resource"})
"""Variable value kinds that were per process in the monolith already (analyzer/kinds.py)."""


@dataclass(frozen=True)
class SharedState:
    """A global of a shared module written at run time by code of two or more services (or read by another)."""

    module: str
    variable: str
    writers: tuple[tuple[str, str], ...]
    """``(service, file:line)`` of a write, one per service."""
    readers: tuple[str, ...]

    def why(self) -> str:
        written = ", ".join(f"{service} ({where})" for service, where in self.writers)
        also = f" and read by {', '.join(self.readers)}" if self.readers else ""
        return (f"shared module {self.module} holds state written at run time: {self.variable} is written by "
                f"service(s) {written}{also}; each service would get its own copy (keep the module's users "
                "together, or move the state to a service and call it)")


def shared_state(view: View, infrastructure: frozenset[str] = frozenset()) -> Iterator[SharedState]:
    """Every global of a shared module (not ``infrastructure``) written at run time and used by more than one
    service."""
    for variable, writes in sorted(view.writers.items()):
        module = view.owner.get(variable)
        if module is None or view.service_of.get(module) != "" or module in infrastructure:
            continue
        if view.node(variable).get("value_kind") in PER_PROCESS:
            continue
        writers: dict[str, str] = {}
        for writer, lines in writes:
            if view.node(writer).get("kind") == "module" and view.service(writer) == "":
                continue  # a shared module's own import-time code: every copy does the same
            for service, via in sorted(view.reached_by(writer).items()):
                through = f"{via} -> " if via != writer else ""
                writers.setdefault(service, f"{through}{writer} at {view.where(writer, lines) or writer}")
        if not writers:
            continue
        readers = _readers(view, variable) - set(writers)
        if len(writers) + len(readers) > 1:
            yield SharedState(module, variable, tuple(sorted(writers.items())), tuple(sorted(readers)))


def _readers(view: View, variable: str) -> set[str]:
    found: set[str] = set()
    for reader in sorted(view.readers.get(variable, ())):
        found.update(view.reached_by(reader))
    return found
