"""What every framework reader shares: the builder it adds to, literal values, resolving a site's names."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, Protocol

from analyzer import facts as F
from analyzer.edges import Edges
from analyzer.packages import STDLIB, DistributionMap
from analyzer.resolve import Index
from cleave.formats.graph import Diagnostic


class Builder(Protocol):
    """What the readers use of :class:`analyzer.build.GraphBuilder`."""

    index: Index
    files: Mapping[str, F.FileFacts]
    meta: dict[str, Any]
    nodes: dict[str, dict[str, Any]]
    edges: Edges
    dists: DistributionMap
    diagnostics: list[Diagnostic]

    def table_id(self, table: str) -> str: ...

    def table_node(self, table: str) -> str: ...

    def table_edge(self, source: str, table: str, ops: tuple[str, ...], line: int) -> None: ...

    def package_edge(self, module: str, top: str, dotted: str, line: int) -> None: ...

_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


class Call(NamedTuple):
    """A site or a nested call value, read alike."""

    func: F.Expr | None
    name: str
    args: tuple[F.Value, ...]
    kwargs: tuple[tuple[str, F.Value], ...]

    @property
    def last(self) -> str:
        """The last part of the callee's name (``route`` for ``bp.route``)."""
        return self.name.rpartition(".")[2]

    def arg(self, index: int, keyword: str = "") -> F.Value | None:
        """Positional argument ``index``, else keyword ``keyword``."""
        if keyword:
            for name, value in self.kwargs:
                if name == keyword:
                    return value
        return self.args[index] if 0 <= index < len(self.args) else None

    def base(self) -> F.Expr | None:
        """The object the callee is an attribute of (``bp`` for ``bp.route``)."""
        if self.func is None or "." not in self.func[2]:
            return None
        head, rest = self.func[0], self.func[2]
        return (head, self.func[1], rest.rpartition(".")[0])


def call_of(value: F.Value | None) -> Call | None:
    """The nested call a value is, or None."""
    if value is None or value[0] != "c":
        return None
    _, func, name, args, kwargs = value
    return Call(func, str(name), args, kwargs)  # type: ignore[arg-type]


def site_call(site: F.Site) -> Call:
    """A site as a :class:`Call`."""
    return Call(site.func, site.name, site.args, site.kwargs)


def text(value: F.Value | None) -> str | None:
    """The string a value is, or None."""
    return str(value[1]) if value is not None and value[0] == "s" else None


def items(value: F.Value | None) -> tuple[F.Value, ...]:
    """The elements of a list/tuple value (one value alone is a list of one)."""
    if value is None:
        return ()
    if value[0] == "l":
        return value[1]  # type: ignore[return-value]
    return (value,)


def strings(value: F.Value | None) -> list[str]:
    """The strings among a list value's elements."""
    return [t for t in (text(v) for v in items(value)) if t is not None]


class Context:
    """The builder and its index, with the helpers every reader needs."""

    def __init__(self, builder: Builder) -> None:
        self.builder = builder
        self.index = builder.index
        self.files = builder.files
        self.meta: dict[str, Any] = builder.meta

    def sites(self, *lasts: str) -> Iterator[tuple[str, F.Site]]:
        """(module, site) for the sites whose callee's last name part is one of ``lasts`` (all when none)."""
        wanted = set(lasts)
        for module, file in self.files.items():
            for site in file.sites:
                if not wanted or site.name.rpartition(".")[2] in wanted:
                    yield module, site

    def resolve(self, module: str, expr: F.Expr | None) -> tuple[str, ...] | None:
        """The target of ``expr`` in ``module`` (see :mod:`analyzer.resolve`)."""
        if expr is None:
            return None
        target, _ = self.index.resolve(module, expr)
        return target

    def node_of(self, module: str, expr: F.Expr | None, kinds: tuple[str, ...] = ("function", "class")) -> str | None:
        """The project node ``expr`` names in ``module`` when it is of one of ``kinds``."""
        target = self.resolve(module, expr)
        if target is not None and target[0] in kinds:
            return target[1]
        return None

    def var_of(self, module: str, expr: F.Expr | None) -> str | None:
        """The module variable ``expr`` names (``bp`` -> ``app.views.bp``), through imports."""
        return self.node_of(module, expr, ("var",))

    def scope(self, module: str, site: F.Site) -> str:
        """The node a site is made in."""
        return f"{module}.{site.scope}" if site.scope else module

    def file(self, module: str) -> str:
        """The file of a module."""
        return self.files[module].file

    def edge(self, u: str, v: str, kind: str, line: int, **extra: Any) -> None:
        """Add an edge (merged with its kind's others between the same nodes)."""
        self.builder.edges.add(u, v, kind, line, **extra)

    def module_named(self, dotted: str) -> str | None:
        """The longest project module that ``dotted`` starts with."""
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in self.index.modules:
                return prefix
        return None

    def string_import(self, module: str, dotted: str, line: int, *, package: bool) -> bool:
        """An import named in a string (``"app.urls"``, ``"app.apps.ShopConfig"``): an ``imports`` edge with
        ``string: true`` to the project module it names, else (``package``) a ``uses_package`` edge."""
        if not _DOTTED.match(dotted):
            return False
        found = self.module_named(dotted)
        if found is not None:
            if found != module:
                self.edge(module, found, "imports", line, string=True, type_checking=False, lazy=False)
            return True
        top = dotted.split(".", maxsplit=1)[0]
        if package and top not in STDLIB:
            self.builder.package_edge(module, top, dotted, line)
            return True
        return False
