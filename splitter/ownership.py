"""Who owns each table, and every use of it from another service: the work left before each service can have
a database of its own (issue 14.8).

A table's owner is the service whose ORM model declares it (``uses_table`` with ``declare``), else the one that
writes it most, else the one that reads it most (cleave/crossing/tables.py: the ranking the crossing rule judges
uses by). Every read or write from another service is listed with ``file:line``, and so is every foreign key
(``references``) between tables of different owners.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from cleave.crossing import tables as tables_rule
from cleave.formats.graph import TABLE_PREFIX, CodeGraph


def _service_finder(service_of: Mapping[str, str]) -> Callable[[str], str | None]:
    cache: dict[str, str | None] = {}

    def find(node: str) -> str | None:
        if node not in cache:
            parts = node.split(".")
            cache[node] = next((service_of[".".join(parts[:cut])] for cut in range(len(parts), 0, -1)
                                if ".".join(parts[:cut]) in service_of), None)
        return cache[node]
    return find


def table_ownership(code_graph: CodeGraph, service_of: Mapping[str, str]) -> dict[str, Any]:
    """``{"tables": {table: {owner, reads, writes, references}}, "cross_service_fks": n,
    "cross_service_writes": n}`` for a module -> service assignment (shared modules map to "")."""
    graph = code_graph.graph
    find = _service_finder(service_of)
    uses: dict[str, dict[str, dict[str, list[str]]]] = defaultdict(lambda: {"read": {}, "write": {}})
    for source, table_node, data in code_graph.edges_of_kind("uses_table"):
        service = find(source)
        if not service:
            continue
        table = table_node.removeprefix(TABLE_PREFIX)
        where = [f"{graph.nodes[source].get('file', '?')}:{line}" for line in data.get("lines", [])]
        for access in data.get("access", ()):
            uses[table][access].setdefault(service, []).extend(where)
    # the owners the crossing rule judges uses by (cleave/crossing/tables.py): one ranking for split and build
    owners = {table.removeprefix(TABLE_PREFIX): owner
              for table, owner in tables_rule.owners(tables_rule.table_uses(code_graph, find)).items()}
    tables: dict[str, Any] = {}
    cross_writes = 0
    for table, owner in owners.items():
        entry: dict[str, Any] = {"owner": owner}
        for access in ("read", "write"):
            foreign = {s: sorted(set(w)) for s, w in sorted(uses[table][access].items()) if s != owner}
            if foreign:
                entry[f"{access}s_from"] = foreign
                cross_writes += len(foreign) if access == "write" else 0
        tables[table] = entry
    cross_fks = 0
    for source, target, data in code_graph.edges_of_kind("references"):
        a, b = source.removeprefix(TABLE_PREFIX), target.removeprefix(TABLE_PREFIX)
        if a in owners and b in owners and owners[a] != owners[b]:
            cross_fks += 1
            where = [f"{data.get('file', '?')}:{line}" for line in data.get("lines", [])]
            tables[a].setdefault("foreign_keys_to", {})[b] = {"owner": owners[b], "where": where}
    return {"tables": tables, "cross_service_fks": cross_fks, "cross_service_writes": cross_writes}


def migration_groups(code_graph: CodeGraph) -> tuple[frozenset[str], ...]:
    """Migration modules (``role: migration``) kept with the app they migrate: the package above their
    ``migrations``/``versions`` folder and its modules that declare ORM models; a top-level ``migrations/``
    (Alembic, Flask-Migrate) goes with the module declaring the most models."""
    graph = code_graph.graph
    migrations = [n for n, d in graph.nodes(data=True) if d.get("kind") == "module" and d.get("role") == "migration"]
    if not migrations:
        return ()
    model_modules: Counter[str] = Counter()
    for source, _, data in code_graph.edges_of_kind("uses_table"):
        if "declare" in data.get("ops", ()) and graph.nodes[source].get("kind") == "class":
            model_modules[source.rpartition(".")[0]] += 1
    groups: dict[str, set[str]] = defaultdict(set)
    for module in migrations:
        parts = module.split(".")
        cut = parts.index("migrations") if "migrations" in parts else len(parts) - 1
        app = ".".join(parts[:cut])
        if not app:
            app = model_modules.most_common(1)[0][0] if model_modules else ""
        if app:
            groups[app].add(module)
    out = []
    for app, members in sorted(groups.items()):
        declared = {m for m in model_modules if m == app or m.startswith(app + ".")}
        anchor = declared or ({app} if app in graph else set())
        if anchor:
            out.append(frozenset(members | anchor))
    return tuple(out)


def env_needs(code_graph: CodeGraph, service_of: Mapping[str, str]) -> dict[str, list[str]]:
    """Per service, the environment variables its code reads (``reads_env``); "" = shared modules."""
    find = _service_finder(service_of)
    needs: dict[str, set[str]] = defaultdict(set)
    for source, variable, _ in code_graph.edges_of_kind("reads_env"):
        service = find(source)
        if service is not None:
            needs[service].add(variable.removeprefix("env:"))
    return {service: sorted(names) for service, names in sorted(needs.items())}
