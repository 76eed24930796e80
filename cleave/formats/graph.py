"""graph.json: the analyzer's dependency graph (``"format": "cleave.graph/1"``).

The graph is a :class:`networkx.MultiDiGraph` whose edge key is the edge kind, so ``u -> v`` can be both a
``calls`` and a ``reads`` edge. On disk it is networkx node-link data plus metadata::

    {"format": "cleave.graph/1", "source": "samples/shop", "analyzer": "0.1.0",
     "graph": {... node_link_data(edges="edges") ...},
     "diagnostics": [{"file": "shop/bad.py", "line": 3, "code": "syntax", "message": "..."}]}

Nodes (``id`` is the key):
    kind      one of NODE_KINDS
    file      path relative to the source root, POSIX separators (modules, classes, functions, variables)
    line, end_line
    module, class and function nodes have a dotted id relative to the source root (``shop.orders.service``,
    ``shop.orders.service.Order.total``, ``mod.outer.inner``); a variable is ``module.NAME``;
    a table is ``table:<name>`` (lower-cased); a third-party distribution ``package:<canonical name>``;
    a route ``route:<framework>:<METHODS> <path>`` (METHODS comma-joined, ``*`` for any); an environment
    variable ``env:<NAME>``.
    Optional attributes: modules ``is_package``, ``role`` (one of MODULE_ROLES; absent = ``code``); functions
    ``is_method``, ``is_async``, ``is_generator``, ``decorators`` (qualified names); classes ``decorators``,
    ``bases`` (as written), ``orm`` (``django``|``sqlalchemy``) and ``table`` for ORM models; packages
    ``version``, ``requirement``, ``import_names``; routes ``framework`` (flask|django|starlette), ``methods``
    (sorted, upper-case; empty = any), ``path`` (prefixes applied), ``regex`` (anchored ``^...$``, matches the
    request paths served), ``prefix`` (the literal part before the first variable part), ``name``, ``file``,
    ``line``, ``source`` (``static``|``dynamic``).

Edges (``kind`` is also the key), each with ``weight`` (occurrences) and ``lines`` (sorted line numbers in the
source's file):
    contains     module -> class/function/variable, class -> method, function -> nested function
    imports      module -> module (``type_checking``: only under ``if TYPE_CHECKING``; ``lazy``: only inside
                 functions; ``names``: the imported names, for ``from m import a``; ``string``: named in a
                 framework string such as ``ROOT_URLCONF``, ``INSTALLED_APPS``, ``include("app.urls")``)
    calls        function/module/class -> function/class (calling a class is instantiating it); ``passes``
                 lists what crosses besides data: ``callable`` (a function, lambda, bound method or partial passed
                 as argument), ``file`` (an open file object), ``generator``; ``inferred`` (present, true) when
                 the call was found through value flow and had several candidate targets at every occurrence
    passes_callable  function/module -> function/class it passes as an argument (a callback); ``bound``
                 (passed as a bound method ``obj.m``), ``to`` (sorted ids of the callees it was passed to; outside
                 the project, their dotted names), ``decorator`` (true when only passed by decorating it:
                 ``@bus.subscribe`` over a def)
    returns_callable function -> function/class it returns as a value, not called (``lines``: the returns);
                 ``bound``
    inherits     class -> base class
    reads        function/module -> variable (a module global read)
    writes       function/module -> variable (assignment after definition, ``global`` assignment, item or
                 attribute assignment, augmented assignment, a mutating method call such as ``append``)
    uses_table   function/module/class -> table (``ops``: sorted subset of declare/create/select/insert/update/
                 delete, ``declare`` for the ORM model that declares the table; ``access``: sorted subset of
                 read/write)
    uses_package module -> package
    handles      route -> the view function or class
    references   table -> table (a foreign key, a many-to-many through table, a relationship; ``file``)
    reads_env    module/function -> env (``default``: the default as written, or null)

Graph ``meta``: ``files``, ``lines``, ``fingerprint``, ``framework`` (flask|django|starlette|fastapi|null),
``entry_candidates`` (``[{"target": "pkg.mod:attr", "kind": "wsgi"|"asgi", "framework", "evidence"}]``),
``settings_module`` (Django), ``python`` (the interpreter whose environment named the distributions),
``excluded_tests`` (test files left out).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import networkx as nx

from cleave.formats.atomic import write_text_atomic
from cleave.formats.errors import FormatError

FORMAT: Final = "cleave.graph/1"

NODE_KINDS: Final = ("module", "class", "function", "variable", "table", "package", "route", "env")
EDGE_KINDS: Final = ("contains", "imports", "calls", "inherits", "reads", "writes", "uses_table", "uses_package",
                     "handles", "references", "reads_env", "passes_callable", "returns_callable")
# route, env, handles, references, reads_env: CONTRACTS.md's graph.json additions (issue 14)

TABLE_PREFIX: Final = "table:"
PACKAGE_PREFIX: Final = "package:"
ROUTE_PREFIX: Final = "route:"
ENV_PREFIX: Final = "env:"
MODULE_ROLES: Final = ("code", "migration", "test", "settings", "urls", "wsgi", "asgi", "manage")
ACCESS_OF_OP: Final = {"select": "read", "insert": "write", "update": "write", "delete": "write"}
"""``uses_table`` ``ops`` -> ``access`` (``create`` and ``declare`` are neither)."""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """Something the analyzer could not read or resolve: a file it skipped, a dynamic import."""

    file: str
    line: int
    code: str
    message: str

    def render(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class CodeGraph:
    """The analyzer's result: the graph, what it could not read, and where it came from."""

    graph: nx.MultiDiGraph
    diagnostics: tuple[Diagnostic, ...] = ()
    source: str = "."
    analyzer: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def nodes_of_kind(self, kind: str) -> list[str]:
        """Ids of the nodes of one kind, sorted."""
        return sorted(n for n, data in self.graph.nodes(data=True) if data.get("kind") == kind)

    def edges_of_kind(self, kind: str) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """``(source, target, attributes)`` for every edge of one kind."""
        for u, v, key, data in self.graph.edges(keys=True, data=True):
            if key == kind:
                yield u, v, data


def to_json(code_graph: CodeGraph) -> dict[str, Any]:
    """The graph.json document for ``code_graph``."""
    data = nx.node_link_data(code_graph.graph, edges="edges")
    data["nodes"].sort(key=lambda node: node["id"])
    data["edges"].sort(key=lambda edge: (edge["source"], edge["target"], str(edge.get("key"))))
    return {
        "format": FORMAT,
        "source": code_graph.source,
        "analyzer": code_graph.analyzer,
        "meta": dict(code_graph.meta),
        "graph": data,
        "diagnostics": [asdict(d) for d in sorted(code_graph.diagnostics)],
    }


def from_json(document: Mapping[str, Any], origin: str = "<graph>") -> CodeGraph:
    """Read a graph.json document, checking its format and every node and edge kind."""
    if not isinstance(document, Mapping) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, Mapping) else type(document).__name__
        raise FormatError(f"not a cleave graph (format {found!r}, expected {FORMAT!r})", path=origin,
                          hint="run `cleave analyze SRC` to make one")
    try:
        graph = nx.node_link_graph(document["graph"], directed=True, multigraph=True, edges="edges")
        diagnostics = tuple(Diagnostic(**d) for d in document.get("diagnostics", []))
    except (KeyError, TypeError, nx.NetworkXError) as error:
        raise FormatError(f"malformed graph: {error}", path=origin) from error
    for node, data in graph.nodes(data=True):
        if data.get("kind") not in NODE_KINDS:
            raise FormatError(f"node {node!r} has unknown kind {data.get('kind')!r}", path=origin)
    for u, v, key in graph.edges(keys=True):
        if key not in EDGE_KINDS:
            raise FormatError(f"edge {u!r} -> {v!r} has unknown kind {key!r}", path=origin)
    return CodeGraph(graph=graph, diagnostics=diagnostics, source=str(document.get("source", ".")),
                     analyzer=str(document.get("analyzer", "")), meta=dict(document.get("meta", {})))


def save_graph(code_graph: CodeGraph, path: Path) -> None:
    """Write graph.json atomically (a reader never sees half a file)."""
    write_text_atomic(path, json.dumps(to_json(code_graph), indent=1, sort_keys=True) + "\n")


def load_graph(path: Path) -> CodeGraph:
    """Read and validate graph.json."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise FormatError("graph not found", path=path, hint="run `cleave analyze SRC` first") from error
    except OSError as error:
        raise FormatError(f"cannot read graph: {error.strerror}", path=path) from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(f"invalid JSON: {error.msg}", path=path, line=error.lineno) from error
    return from_json(document, origin=str(path))
