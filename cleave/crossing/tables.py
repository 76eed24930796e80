"""Who owns each table, and which uses of it from another service are blockers.

A table's owner is the service whose code declares it (an ORM model, ``CREATE TABLE``), else the one that writes
it most, else the one that reads it most (ties: by name). Any use from another service is a blocker: a write
breaks the owner's transactions and invariants, a read or a join has nothing to read once each service has its own
database (samples/blockers case 6).
Uses from shared modules run in the calling service and are not attributed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from cleave.formats.graph import TABLE_PREFIX, CodeGraph

DECLARING = frozenset({"declare", "create"})


@dataclass(frozen=True)
class TableUse:
    """One ``uses_table`` edge from a service's code."""

    source: str
    table: str
    service: str
    ops: frozenset[str]
    access: frozenset[str]
    lines: tuple[int, ...]


def table_uses(code_graph: CodeGraph, service: Callable[[str], str | None]) -> list[TableUse]:
    """Every use of a table from a service's code (``service(node)``: its service, ``""``/None to skip)."""
    out = []
    for source, table, data in code_graph.edges_of_kind("uses_table"):
        name = service(source)
        if name:
            out.append(TableUse(source, table, name, frozenset(data.get("ops") or ()),
                                frozenset(data.get("access") or ()), tuple(data.get("lines") or ())))
    return out


def owners(uses: list[TableUse]) -> dict[str, str]:
    """table node -> owning service."""
    declares: dict[str, Counter[str]] = defaultdict(Counter)
    writes: dict[str, Counter[str]] = defaultdict(Counter)
    reads: dict[str, Counter[str]] = defaultdict(Counter)
    for use in uses:
        if use.ops & DECLARING:
            declares[use.table][use.service] += 1
        if "write" in use.access:
            writes[use.table][use.service] += len(use.lines) or 1
        if "read" in use.access:
            reads[use.table][use.service] += len(use.lines) or 1
    out = {}
    for table in sorted(set(declares) | set(writes) | set(reads)):
        ranked = declares.get(table) or writes.get(table) or reads.get(table)
        if ranked:
            out[table] = sorted(ranked.items(), key=lambda item: (-item[1], item[0]))[0][0]
    return out


def foreign_uses(uses: list[TableUse]) -> Iterator[tuple[TableUse, str]]:
    """``(use, why)`` for each use of a table from a service other than its owner (and, for a table nobody owns,
    every use once two services use it)."""
    owner_of = owners(uses)
    users: Mapping[str, set[str]] = _users(uses)
    for use in sorted(uses, key=lambda u: (u.table, u.service, u.source)):
        owner = owner_of.get(use.table)
        name = use.table.removeprefix(TABLE_PREFIX)
        if use.service == owner or (owner is None and len(users[use.table]) < 2):
            continue
        if owner is None:
            others = ", ".join(sorted(users[use.table] - {use.service}))
            yield use, (f"table {name} is used by services {use.service} and {others} with SQL cleave cannot "
                        "read (shared data: keep them together, or let one service own it)")
            continue
        verb = "writes" if "write" in use.access else "declares" if use.ops & DECLARING else \
            "reads" if use.access else "uses"
        yield use, (f"service {use.service} {verb} table {name}, owned by service {owner}: a transaction or a "
                    "query would span services (move this code to the owner, or call the owner)")


def _users(uses: list[TableUse]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for use in uses:
        out[use.table].add(use.service)
    return out
