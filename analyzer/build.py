"""Facts + index -> the networkx MultiDiGraph of graph.json (nodes and edges collected, then added in bulk)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

import networkx as nx

from analyzer import facts as F
from analyzer.packages import STDLIB, Distribution, DistributionMap
from analyzer.resolve import Index, Target
from cleave.formats.graph import PACKAGE_PREFIX, TABLE_PREFIX, Diagnostic

_DJANGO_MODEL: Final = re.compile(r"(^|\.)models(\.base)?\.Model$")
_SELECT: Final = frozenset({"filter", "get", "all", "exclude", "count", "exists", "values", "values_list", "first",
                            "last", "order_by", "aggregate", "annotate", "select_related", "prefetch_related",
                            "iterator", "in_bulk", "query", "get_queryset", "latest", "earliest", "raw"})
_OPS: Final = {"create": ("insert",), "bulk_create": ("insert",), "get_or_create": ("insert", "select"),
               "update": ("update",), "bulk_update": ("update",), "update_or_create": ("insert", "update"),
               "delete": ("delete",), "save": ("insert", "update")}


class _Edges:
    """Edge accumulator: weight, lines and extra attributes per (u, v, kind)."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str, str], dict[str, Any]] = {}

    def add(self, u: str, v: str, kind: str, line: int, **extra: Any) -> dict[str, Any]:
        key = (u, v, kind)
        entry = self.data.get(key)
        if entry is None:
            entry = self.data[key] = {"kind": kind, "weight": 0, "lines": []}
        entry["weight"] += 1
        entry["lines"].append(line)
        for name, value in extra.items():
            if name in ("type_checking", "lazy"):
                entry[name] = entry.get(name, True) and value
            elif name in ("passes", "names", "ops"):
                entry.setdefault(name, set()).update(value)
        return entry

    def finish(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        out = []
        for (u, v, kind), entry in self.data.items():
            entry["lines"] = sorted(set(entry["lines"]))
            for name in ("passes", "names", "ops"):
                if name in entry:
                    entry[name] = sorted(entry[name])
            if kind == "calls" and "passes" not in entry:
                entry["passes"] = []
            if kind == "imports":
                entry.setdefault("type_checking", False)
                entry.setdefault("lazy", False)
            out.append((u, v, kind, entry))
        return out


class GraphBuilder:
    """Turns every file's facts into nodes and edges."""

    def __init__(self, files: Mapping[str, F.FileFacts], failures: Iterable[F.FileFailure],
                 namespace_packages: Iterable[str], distributions: DistributionMap) -> None:
        self.files = files
        self.failures = list(failures)
        self.namespaces = list(namespace_packages)
        self.index = Index(files, [*self.namespaces, *(f.module for f in self.failures)])
        self.dists = distributions
        self.edges = _Edges()
        self.nodes: dict[str, dict[str, Any]] = {}
        self.diagnostics: list[Diagnostic] = []
        self.decorators: dict[str, list[str]] = {}
        self.tops = {m.split(".")[0] for m in self.index.modules}
        self.model_tables: dict[str, str] = {}

    def build(self) -> tuple[nx.MultiDiGraph, list[Diagnostic]]:
        """The whole graph."""
        for failure in self.failures:
            self.nodes[failure.module] = {"kind": "module", "file": failure.file, "line": 1, "end_line": 1,
                                          "is_package": failure.is_package, "analyzed": False}
        for name in self.namespaces:
            self.nodes.setdefault(name, {"kind": "module", "is_package": True, "namespace": True})
        self.model_tables = self._model_tables()
        nodes, edges, diagnostics = self.build_modules(list(self.files))
        graph = nx.MultiDiGraph()
        graph.add_nodes_from(nodes.items())
        graph.add_edges_from(edges)
        return graph, diagnostics

    def build_modules(self, modules: list[str]) -> tuple[dict[str, dict[str, Any]],
                                                          list[tuple[str, str, str, dict[str, Any]]],
                                                          list[Diagnostic]]:
        """Nodes and edges that start in ``modules`` (``model_tables`` must be set): all of them for
        :meth:`build`, the changed files' for a patch (:mod:`analyzer.incremental`)."""
        for module in modules:
            self._nodes(module, self.files[module])
        for module in modules:
            file = self.files[module]
            for definition in file.defs:
                if definition.kind == "class":
                    node = f"{module}.{definition.qual}"
                    if node in self.model_tables:
                        self._table(node, self.model_tables[node], ("create",), definition.line)
                    for base in self.index.bases(node)[0]:
                        self.edges.add(node, base, "inherits", definition.line)
            self._imports(module, file)
            self._refs(module, file)
            for table in file.tables:
                self._table(self._scope(module, table.scope), table.name, (table.op,), table.line)
        for node, names in self.decorators.items():
            self.nodes[node]["decorators"] = names
        for dist in self.dists.describe():
            self.nodes[PACKAGE_PREFIX + dist.name] = self._package(dist)
        return self.nodes, self.edges.finish(), self.diagnostics

    @staticmethod
    def _package(dist: Distribution) -> dict[str, Any]:
        return {"kind": "package", "version": dist.version, "requirement": dist.requirement,
                "import_names": list(dist.import_names)}

    @staticmethod
    def _scope(module: str, scope: str) -> str:
        return f"{module}.{scope}" if scope else module

    def _nodes(self, module: str, file: F.FileFacts) -> None:
        self.nodes[module] = {"kind": "module", "file": file.file, "line": 1, "end_line": max(1, file.lines - 1),
                              "is_package": file.is_package}
        for qual, kind, line, end, flags, _, bases in file.defs:
            node = f"{module}.{qual}"
            attrs: dict[str, Any] = {"kind": kind, "file": file.file, "line": line, "end_line": end,
                                     "decorators": []}
            if kind == "class":
                attrs["bases"] = list(bases)
            else:
                attrs.update(is_method=bool(flags & F.IS_METHOD), is_async=bool(flags & F.IS_ASYNC),
                             is_generator=bool(flags & F.IS_GENERATOR))
            self.nodes[node] = attrs
            parent = qual.rpartition(".")[0]
            self.edges.add(f"{module}.{parent}" if parent else module, node, "contains", line)
        for name, line, end in file.variables:
            node = f"{module}.{name}"
            if node in self.nodes:
                continue
            self.nodes[node] = {"kind": "variable", "file": file.file, "line": line, "end_line": max(line, end)}
            self.edges.add(module, node, "contains", line)

    def _model_tables(self) -> dict[str, str]:
        """Class id -> the table its ORM model declares."""
        hints = {f"{m}.{h.qual}": h for m, file in self.files.items() for h in file.models}
        found: dict[str, str] = {}
        for node, info in self.index.defs.items():
            if info.kind != "class":
                continue
            hint = hints.get(node)
            table = ""
            if hint is not None and hint.tablename:
                table = hint.tablename  # SQLAlchemy __tablename__
            elif any(_DJANGO_MODEL.search(b) for b in self.index.all_external_bases(node)) or any(
                    _DJANGO_MODEL.search(c) for c in self.index.mro(node)[1:]):  # Django's own models
                if hint is not None and hint.abstract:
                    continue
                name = info.qual.rpartition(".")[2]
                table = hint.db_table if hint is not None and hint.db_table else (
                    f"{_app_label(info.module, hint)}_{name.lower()}")
            if table:
                found[node] = table.lower()
        return found

    def _table(self, source: str, table: str, ops: tuple[str, ...], line: int) -> None:
        node = TABLE_PREFIX + table.lower()
        if node not in self.nodes:
            self.nodes[node] = {"kind": "table"}
        self.edges.add(source, node, "uses_table", line, ops=ops)

    def _imports(self, module: str, file: F.FileFacts) -> None:
        modules = self.index.modules
        for imported in file.imports:
            line, target, names = imported.line, imported.module, imported.names
            flags = {"type_checking": imported.type_checking, "lazy": imported.lazy}
            if names is None:
                found = _longest(target, modules)
                if found is not None:
                    if found != module:
                        self.edges.add(module, found, "imports", line, **flags)
                    if found != target:
                        self._unresolved(file, line, target)
                    continue
            elif target in modules:
                rest = []
                for name in names:
                    sub = f"{target}.{name}"
                    if sub in modules:
                        self.edges.add(module, sub, "imports", line, names=(name,), **flags)
                    else:
                        rest.append(name)
                if rest and target != module:
                    self.edges.add(module, target, "imports", line, names=rest, **flags)
                continue
            top = target.split(".")[0]
            if not top or top in STDLIB:
                continue
            if top in self.tops:
                found = _longest(target, modules)
                if found is not None and found != module:
                    self.edges.add(module, found, "imports", line, names=names or (), **flags)
                self._unresolved(file, line, target)
                continue
            dist = self.dists.distribution(top, target)
            self.edges.add(module, PACKAGE_PREFIX + dist, "uses_package", line)

    def _unresolved(self, file: F.FileFacts, line: int, target: str) -> None:
        self.diagnostics.append(Diagnostic(file.file, line, "unresolved-import",
                                           f"import of {target!r}: no such module under the source root"))

    def _refs(self, module: str, file: F.FileFacts) -> None:
        index = self.index
        for ref in file.refs:
            kind, expr, line, extra = ref.kind, ref.expr, ref.line, ref.extra
            if kind in (F.BASE, F.ATTR):
                continue
            scope = ref.scope
            source = self._scope(module, scope)
            target, touched_t = index.resolve(module, expr)
            touched = list(touched_t)
            if kind == F.CALL:
                target = index.follow(target, touched)
                self._call(module, source, target, line, extra)
            elif kind == F.DECORATOR:
                self.decorators.setdefault(f"{module}.{extra[0]}", []).append(index.qualify(module, expr))
                if not extra[1]:
                    self._call(module, source, index.follow(target, touched), line, ((), ()))
            elif kind == F.WRITE:
                if target is not None and target[0] == "var":
                    self.edges.add(source, target[1], "writes", line)
                elif touched:
                    self.edges.add(source, touched.pop(), "writes", line)
            elif target is not None and target[0] == "var":
                self.edges.add(source, target[1], "reads", line)
            elif target is not None and target[0] == "member":
                self._member(source, target, line)
            for var in touched:
                self.edges.add(source, var, "reads", line)

    def _call(self, module: str, source: str, target: Target | None, line: int, extra: tuple[object, ...]) -> None:
        if target is None:
            return
        kind = target[0]
        if kind in ("function", "class"):
            passes = set(extra[0]) if extra else set()  # type: ignore[call-overload]
            for arg in (extra[1] if extra else ()):  # type: ignore[attr-defined]
                passes.update(self._passes(module, arg))
            self.edges.add(source, target[1], "calls", line, passes=passes)
        elif kind == "var":
            self.edges.add(source, target[1], "reads", line)
        elif kind == "member":
            self._member(source, target, line)

    def _passes(self, module: str, arg: F.Expr) -> set[str]:
        called = arg[2].endswith("()")
        expr = (arg[0], arg[1], arg[2][:-2]) if called else arg
        target, _ = self.index.resolve(module, expr)
        if target is None or target[0] not in ("function", "class"):
            return set()
        if not called:
            return {"callable"}
        flags = self.index.defs[target[1]].flags
        return {"generator"} if flags & F.IS_GENERATOR else set()

    def _member(self, source: str, target: Target, line: int) -> None:
        table = None
        for klass in self.index.mro(target[1]):
            table = self.model_tables.get(klass)
            if table:
                break
        if table is None:
            return
        attr = target[2]
        ops = ("select",) if attr in _SELECT else _OPS.get(attr)
        if ops is None:
            ops = ("select",) if attr == "objects" else ()
        if ops:
            self._table(source, table, ops, line)


def _longest(dotted: str, modules: set[str]) -> str | None:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in modules:
            return prefix
    return None


def _app_label(module: str, hint: F.Model | None) -> str:
    if hint is not None and hint.app_label:
        return hint.app_label
    parts = module.split(".")
    if "models" in parts:
        at = len(parts) - 1 - parts[::-1].index("models")
        return parts[at - 1] if at > 0 else parts[0]
    return parts[-2] if len(parts) > 1 else parts[0]
