"""Facts + index -> the networkx MultiDiGraph of graph.json (nodes and edges collected, then added in bulk)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import networkx as nx

from analyzer import facts as F
from analyzer import frameworks
from analyzer.edges import Edges
from analyzer.flow.apart import solving
from analyzer.flow.emit import FLOW_KINDS, FlowCalls, flow_calls
from analyzer.frameworks.orm import USER_MODEL_CALL, ModelTable, model_tables
from analyzer.kinds import Kinds
from analyzer.packages import STDLIB, Distribution, DistributionMap
from analyzer.resolve import Index, Target
from cleave.formats.graph import ACCESS_OF_OP, PACKAGE_PREFIX, TABLE_PREFIX, Diagnostic

_SELECT: Final = frozenset({"filter", "get", "all", "exclude", "count", "exists", "values", "values_list", "first",
                            "last", "order_by", "aggregate", "annotate", "select_related", "prefetch_related",
                            "iterator", "in_bulk", "query", "get_queryset", "latest", "earliest", "raw",
                            "filter_by", "one", "one_or_none", "scalar", "scalars", "paginate", "get_or_404",
                            "first_or_404", "limit", "offset", "join", "where", "options", "distinct",
                            "with_entities", "group_by", "having", "select", "execute"})
_OPS: Final = {"create": ("insert",), "bulk_create": ("insert",), "get_or_create": ("insert", "select"),
               "update": ("update",), "bulk_update": ("update",), "update_or_create": ("insert", "update"),
               "delete": ("delete",), "save": ("insert", "update")}
_SESSION_OPS: Final = {"query": ("select",), "select": ("select",), "get": ("select",), "scalars": ("select",),
                       "add": ("insert",), "add_all": ("insert",), "merge": ("insert", "update"),
                       "insert": ("insert",), "update": ("update",), "delete": ("delete",)}
"""Calls of things outside the project that take a model (``session.query(Order)``, ``select(Order)``,
``session.add(order)``, ``session.delete(order)``)."""


class GraphBuilder:
    """Turns every file's facts into nodes and edges."""

    def __init__(self, files: Mapping[str, F.FileFacts], failures: Iterable[F.FileFailure],
                 namespace_packages: Iterable[str], distributions: DistributionMap, root: Path | None = None) -> None:
        self.files = files
        self.failures = list(failures)
        self.namespaces = list(namespace_packages)
        self.index = Index(files, [*self.namespaces, *(f.module for f in self.failures)])
        self.dists = distributions
        self.edges = Edges()
        self.root = root
        self.dynamic_routes: bool | None = None  # read the routes from the running app (None: when it can)
        self.meta: dict[str, Any] = {}
        self.nodes: dict[str, dict[str, Any]] = {}
        self.diagnostics: list[Diagnostic] = []
        self.decorators: dict[str, list[str]] = {}
        self.tops = {m.split(".")[0] for m in self.index.modules}
        self.model_info: dict[str, ModelTable] = {}
        self.model_tables: dict[str, str] = {}
        self.user_model: str | None = None  # the class get_user_model() returns
        self.returned: dict[str, list[Target | None]] = {}  # function -> what its ``return`` statements give
        self.collected: list[str] = []
        self._flow: FlowCalls | None = None
        self._unsettled: list[tuple[str, str, Target, int, tuple[object, ...], F.Expr]] = []

    @property
    def flow(self) -> FlowCalls:
        """The value-flow analysis of the whole program (solved once, on first use)."""
        if self._flow is None:
            self._flow = flow_calls(self.index, self._flows())
        return self._flow

    def _flows(self) -> dict[str, bytes]:
        return {module: file.flows for module, file in self.files.items()}

    def _settle(self) -> None:
        """The resolver's calls of project functions and classes, made once the flows are known: where the flows
        answered a call, theirs is the answer, and a resolver's target they do not name is dropped."""
        for module, source, target, line, extra, expr in self._unsettled:
            if self.flow.agrees(source, line, expr, target[1]):
                self._call(module, source, target, line, extra)
        self._unsettled.clear()

    def build(self, meanwhile: Callable[[], object] = lambda: None) -> tuple[nx.MultiDiGraph, list[Diagnostic]]:
        """The whole graph. ``meanwhile`` is the caller's own work, done while the flows are solved apart (the
        fact cache's write)."""
        for failure in self.failures:
            self.nodes[failure.module] = {"kind": "module", "file": failure.file, "line": 1, "end_line": 1,
                                          "is_package": failure.is_package, "analyzed": False}
        for name in self.namespaces:
            self.nodes.setdefault(name, {"kind": "module", "is_package": True, "namespace": True})
        with solving(self.index, self._flows()) as pending:  # the flows are solved apart meanwhile
            self.set_models(model_tables(self))
            self._collect(list(self.files))
            frameworks.apply(self, self.model_info, self.root, self.dynamic_routes)
            self._describe()
            graph = nx.MultiDiGraph()  # everything but the calls goes in while the flows are still solving
            graph.add_nodes_from(self.nodes.items())
            graph.add_edges_from(self.edges.finish(lambda kind: kind not in FLOW_KINDS))
            meanwhile()
            self._flow = pending.result()
        self._settle()
        self._emit_flow(None)
        graph.add_edges_from(self.edges.finish())
        return graph, self.diagnostics

    def build_modules(self, modules: list[str]) -> tuple[dict[str, dict[str, Any]],
                                                          list[tuple[str, str, str, dict[str, Any]]],
                                                          list[Diagnostic]]:
        """Nodes and edges that start in ``modules`` (:meth:`set_models` first): the changed files' for a patch
        (:mod:`analyzer.incremental`)."""
        self._collect(modules)
        self._settle()
        self._emit_flow(modules)
        return self._finish()

    def _emit_flow(self, modules: list[str] | None) -> None:
        """The value-flow edges (of ``modules``; None: all)."""
        self.flow.emit(self.edges, modules)
        self._flow = None

    def set_models(self, models: Mapping[str, ModelTable]) -> None:
        """The ORM models (class id -> table), and the class ``get_user_model()`` stands for."""
        self.model_info = dict(models)
        self.model_tables = {node: model.table for node, model in models.items()}
        label_name = next((s.values[0] for f in self.files.values() for s in f.settings
                           if s.name == "AUTH_USER_MODEL" and s.values), "")
        label, _, name = label_name.rpartition(".")
        self.user_model = next((n for n, m in models.items() if m.app_label == label and n.endswith("." + name)),
                               None) if name else None

    def _collect(self, modules: list[str]) -> None:
        self.collected.extend(modules)
        for module in modules:
            self._nodes(module, self.files[module])
        for module in modules:
            file = self.files[module]
            for definition in file.defs:
                if definition.kind == "class":
                    node = f"{module}.{definition.qual}"
                    if node in self.model_tables:
                        self.table_edge(node, self.model_tables[node], ("declare",), definition.line)
                    for base in self.index.bases(node)[0]:
                        self.edges.add(node, base, "inherits", definition.line)
            self._imports(module, file)
            self._refs(module, file)
            for table in file.tables:
                self.table_edge(self._scope(module, table.scope), table.name, (table.op,), table.line)

    def _finish(self) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str, str, dict[str, Any]]],
                               list[Diagnostic]]:
        self._describe()
        return self.nodes, self.edges.finish(), self.diagnostics

    def _describe(self) -> None:
        """The nodes' last attributes (decorators, value kinds) and the package nodes: nothing the flows change."""
        for node, names in self.decorators.items():
            self.nodes[node]["decorators"] = names
        Kinds(self.index, self.files, self.nodes, self.returned).apply(self.collected, self.decorators)
        for dist in self.dists.describe():
            self.nodes[PACKAGE_PREFIX + dist.name] = self._package(dist)

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
                model = self.model_info.get(node)
                if model is not None:
                    attrs.update(orm=model.orm, table=model.table)
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

    @staticmethod
    def table_id(table: str) -> str:
        """The node id of a table."""
        return TABLE_PREFIX + table.lower()

    def table_node(self, table: str) -> str:
        """The table's node, made when new."""
        node = TABLE_PREFIX + table.lower()
        if node not in self.nodes:
            self.nodes[node] = {"kind": "table"}
        return node

    def table_edge(self, source: str, table: str, ops: tuple[str, ...], line: int) -> None:
        """A ``uses_table`` edge with its operations and the access they mean."""
        node = self.table_node(table)
        self.edges.add(source, node, "uses_table", line, ops=ops,
                       access={ACCESS_OF_OP[op] for op in ops if op in ACCESS_OF_OP})

    def package_edge(self, module: str, top: str, dotted: str, line: int) -> None:
        """A ``uses_package`` edge to the distribution an import name belongs to."""
        dist = self.dists.distribution(top, dotted)
        self.edges.add(module, PACKAGE_PREFIX + dist, "uses_package", line)

    def _imports(self, module: str, file: F.FileFacts) -> None:
        modules = self.index.modules
        for imported in file.imports:
            flags = {"type_checking": imported.type_checking, "lazy": imported.lazy, "string": False}
            if imported.names is None:
                if self._import_of_module(module, file, imported, flags):
                    continue
            elif imported.module in modules:
                self._import_of_names(module, imported, imported.names, flags)
                continue
            self._import_from_outside(module, file, imported, flags)

    def _import_of_module(self, module: str, file: F.FileFacts, imported: F.Import, flags: dict[str, bool]) -> bool:
        """``import a.b.c``: an edge to the longest project module it names (False: none, it is from outside)."""
        target = imported.module
        found = _longest(target, self.index.modules)
        if found is None:
            return False
        if found != module:
            self.edges.add(module, found, "imports", imported.line, **flags)
        if found != target:
            self._unresolved(file, imported.line, target)
        return True

    def _import_of_names(self, module: str, imported: F.Import, names: tuple[str, ...],
                         flags: dict[str, bool]) -> None:
        """``from a.b import c, d`` of a project module: an edge to each submodule named, one for the rest."""
        target, line, rest = imported.module, imported.line, []
        for name in names:
            sub = f"{target}.{name}"
            if sub in self.index.modules:
                self.edges.add(module, sub, "imports", line, names=(name,), **flags)
            else:
                rest.append(name)
        if rest and target != module:
            self.edges.add(module, target, "imports", line, names=rest, **flags)

    def _import_from_outside(self, module: str, file: F.FileFacts, imported: F.Import,
                             flags: dict[str, bool]) -> None:
        """An import not of a project module: nothing for the stdlib, a diagnostic for a missing project module,
        else a ``uses_package`` edge."""
        target, line = imported.module, imported.line
        top = target.split(".")[0]
        if not top or top in STDLIB:
            return
        if top in self.tops:
            found = _longest(target, self.index.modules)
            if found is not None and found != module:
                self.edges.add(module, found, "imports", line, names=imported.names or (), **flags)
            self._unresolved(file, line, target)
            return
        self.package_edge(module, top, target, line)

    def _unresolved(self, file: F.FileFacts, line: int, target: str) -> None:
        self.diagnostics.append(Diagnostic(file.file, line, "unresolved-import",
                                           f"import of {target!r}: no such module under the source root"))

    def _refs(self, module: str, file: F.FileFacts) -> None:
        index = self.index
        for scope, kind, expr, line, extra in file.refs:
            if kind in (F.BASE, F.ATTR):
                continue
            source = self._scope(module, scope)
            if kind == F.RETURN:
                found, through = index.resolve(module, expr)
                returned = self.returned.setdefault(source, [])
                returned.append(index.follow(found, []))
                returned.extend(("through", var) for var in through)  # ``return _local.conn``: kinds.py judges
                continue
            target, touched_t = index.resolve(module, expr)
            touched = list(touched_t)
            if target is not None and target[0] == "ext" and self.user_model is not None:
                target = self._user_member(target)
            if kind == F.CALL:
                target = index.follow(target, touched)
                if target is not None and target[0] in ("function", "class"):
                    self._unsettled.append((module, source, target, line, extra, expr))  # see _settle
                else:
                    self._call(module, source, target, line, extra)
            elif kind == F.DECORATOR:
                self._decorator(module, source, expr, target, touched=touched, line=line, extra=extra)
            elif kind == F.WRITE:
                self._write(source, target, touched, line)
            elif target is not None:
                self._read(source, target, line)
            for var in touched:
                self.edges.add(source, var, "reads", line)

    def _decorator(self, module: str, source: str, expr: F.Expr, target: Target | None, *, touched: list[str],
                   line: int, extra: tuple[object, ...]) -> None:
        """``@expr`` on the def ``extra[0]``: remembered for the def; a call unless it is a bare name (extra[1])."""
        self.decorators.setdefault(f"{module}.{extra[0]}", []).append(self.index.qualify(module, expr))
        if not extra[1]:
            self._call(module, source, self.index.follow(target, touched), line, ((), ()))

    def _write(self, source: str, target: Target | None, touched: list[str], line: int) -> None:
        """An assignment to a project variable, or else to the last variable the expression went through."""
        if target is not None and target[0] == "var":
            self.edges.add(source, target[1], "writes", line)
        elif touched:
            self.edges.add(source, touched.pop(), "writes", line)

    def _read(self, source: str, target: Target, line: int) -> None:
        """A plain reference: a read of a variable, or a table access through a model's member."""
        if target[0] == "var":
            self.edges.add(source, target[1], "reads", line)
        elif target[0] == "member":
            self._member(source, target, line)
            found = self.index.defs.get(target[1])
            home = found.module if found is not None else source
            if source != home and not source.startswith(home + "."):  # ``mod.Kind.GOODS`` from another module
                self.edges.add(source, target[1], "reads", line)

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
        elif kind == "ext" and extra and extra[1] and self.model_tables:
            self._takes_model(module, source, target[1], line, extra[1])  # type: ignore[arg-type]

    def _user_member(self, target: Target) -> Target:
        """``get_user_model().objects.filter`` -> a member of the project's user model."""
        if not target[1].startswith(USER_MODEL_CALL + ".") or self.user_model is None:
            return target
        return ("member", self.user_model, target[1].rpartition(".")[2])

    def _takes_model(self, module: str, source: str, callee: str, line: int, args: tuple[F.Expr, ...]) -> None:
        """``session.query(Order)``, ``select(Order)``, ``session.add(order)``: a model passed to a call outside
        the project."""
        ops = _SESSION_OPS.get(callee.rpartition(".")[2])
        if ops is None:
            return
        for arg in args:
            target, _ = self.index.resolve(module, arg)
            if target is None or target[0] not in ("class", "instance"):
                continue
            table = next((self.model_tables[k] for k in self.index.mro(target[1]) if k in self.model_tables), None)
            if table is not None:
                self.table_edge(source, table, ops, line)

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
            self.table_edge(source, table, ops, line)


def _longest(dotted: str, modules: set[str]) -> str | None:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in modules:
            return prefix
    return None
