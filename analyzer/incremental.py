"""Rerun after a few files changed: patch the last graph instead of resolving every file again.

A file's *interface* is what other files' resolution can see of it: its definitions (without lines), module
variables, import and alias bindings, star imports, ``__all__``, base classes and instance attributes, model
hints, class decorators and the shapes of module-level values (what other files' kinds are made of). When
every changed file keeps its interface, or only adds definitions or variables under names that no file looked up
in vain (the resolver records those misses), only the edges that start in those files can
change: they are recomputed and swapped into the cached graph. Anything else (a file added, removed or
failing, a name removed, other requirements) falls back to a full build.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from analyzer import facts as F
from analyzer.build import GraphBuilder
from analyzer.flow import unpack
from analyzer.frameworks.orm import ModelTable
from cleave.formats.graph import CodeGraph, Diagnostic

Interface = tuple[bytes, frozenset[tuple[str, str, int]], frozenset[str]]
"""(hash of bindings, star imports, __all__, bases, attributes, models; definitions; variables)."""


def interface(file: F.FileFacts) -> Interface:
    """What other files can see of ``file``."""
    shape = (
        file.module, file.is_package, file.bindings,
        tuple(i for i in file.imports if i.names == ("*",) and i.scope == ""),
        file.all_names,
        tuple((kind, expr, extra) for _, kind, expr, _, extra in file.refs if kind in (F.BASE, F.ATTR)),
        file.models,
        # what other files' kinds (analyzer/kinds.py) read: class decorators, module-level value shapes
        tuple((d.qual, d.decorators) for d in file.defs if d.kind == "class"),
        tuple((v.name, v.shape, v.expr) for v in file.var_values),
        unpack(file.flows),  # value flows reach across files: any change to them needs a full build
    )
    digest = hashlib.blake2b(pickle.dumps(shape, protocol=5), digest_size=16).digest()
    return (digest, frozenset((d.qual, d.kind, d.flags) for d in file.defs), frozenset(v[0] for v in file.variables))


def _compatible(old: Interface, new: Interface, file: F.FileFacts, misses: frozenset[tuple[str, str]]) -> bool:
    """True when ``new`` only adds names nobody looked up in vain (so no other file resolves differently)."""
    if old[0] != new[0] or not old[1] <= new[1] or not old[2] <= new[2]:
        return False
    classes = {qual for qual, kind, _ in new[1] if kind == "class"}
    for qual, _, _ in new[1] - old[1]:
        parent, _, name = qual.rpartition(".")
        if not parent:
            key = (file.module, name)
        elif parent in classes:
            key = (f"{file.module}.{parent}", name)
        else:
            continue  # nested in a function: invisible from outside
        if key in misses:
            return False
    return not any((file.module, name) in misses for name in new[2] - old[2])


@dataclass(frozen=True)
class Snapshot:
    """The last graph and what it was made from."""

    code_graph: CodeGraph
    environment: bytes  # everything but the files' contents: version, excludes, requirements, namespaces
    keys: Mapping[str, bytes]  # file path -> content key
    model_tables: Mapping[str, ModelTable]
    lines: Mapping[str, int]  # file path -> line count
    misses: frozenset[tuple[str, str]]  # names looked up and not found: adding one of them needs a full build


def patch(snapshot: Snapshot, builder: GraphBuilder, changed: list[F.FileFacts], environment: bytes, *,
          keys: Mapping[str, bytes], known: Mapping[bytes, F.FileResult]) -> CodeGraph | None:
    """The snapshot's graph with ``changed`` files' edges recomputed, or None when a full build is needed.

    ``known`` holds the cached facts, the changed files' previous ones among them."""
    if environment != snapshot.environment or set(keys) != set(snapshot.keys):
        return None
    for file in changed:
        before = known.get(snapshot.keys[file.file])
        if not isinstance(before, F.FileFacts) or before.module != file.module:
            return None
        if not _compatible(interface(before), interface(file), file, snapshot.misses):
            return None
        if before.sites or file.sites or before.settings or file.settings:
            return None  # routes, tables, settings and env reads are read across files: a full build
    builder.set_models(snapshot.model_tables)
    nodes, edges, more = builder.build_modules([f.module for f in changed])
    old = snapshot.code_graph
    graph: nx.MultiDiGraph = old.graph
    paths = {f.file for f in changed}
    own = [n for n, data in graph.nodes(data=True) if data.get("file") in paths]
    graph.remove_edges_from(list(graph.out_edges(own, keys=True)))
    for node, attrs in nodes.items():
        if node in graph and attrs.get("kind") not in ("table", "package"):
            current: dict[str, Any] = graph.nodes[node]
            role = current.get("role")  # set by the framework readers, which a patch does not rerun
            current.clear()
            current.update(attrs)
            if role is not None:
                current["role"] = role
        elif node not in graph:
            graph.add_node(node, **attrs)
    graph.add_edges_from(edges)
    graph.remove_nodes_from([n for n, data in graph.nodes(data=True)
                             if data.get("kind") in ("table", "package") and graph.degree(n) == 0])
    diagnostics: list[Diagnostic] = [d for d in old.diagnostics if d.file not in paths or d.code == "symlink-loop"]
    for file in changed:
        diagnostics.extend(file.diagnostics)
    diagnostics.extend(more)
    lines = dict(snapshot.lines)
    lines.update({f.file: f.lines - 1 for f in changed})
    meta = dict(old.meta)
    meta["lines"] = sum(lines.values())
    return CodeGraph(graph=graph, diagnostics=tuple(sorted(set(diagnostics))), source=old.source,
                     analyzer=old.analyzer, meta=meta)
