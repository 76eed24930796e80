"""Which names a function binds: Python's scoping rules, read from the body (a libcst suite) before the body is
compiled.

A name assigned anywhere in a function (a target, a ``def``/``class``, an import, a ``for``/``with``/``except``
target, a ``del``, a walrus) is local to it unless declared ``global`` or ``nonlocal``; nested functions, classes,
lambdas and comprehensions bind their own names, so the scan stops at them (their own names excepted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import libcst as cst

from analyzer.cstutil import bound_name

_BINDS_NOTHING: Final = frozenset({cst.Expr, cst.Return, cst.Pass, cst.Break, cst.Continue, cst.Raise, cst.Assert})
"""Small statements that bind no name when no ``:=`` can be inside them (their expressions are all read)."""


@dataclass
class Frame:
    """One scope being compiled: a module, class, function, lambda or comprehension."""

    kind: str  # module | class | function | lambda | comp
    qual: str  # the scope's own name in slots ("" for the module)
    source: str  # the qualified name calls made here are attributed to ("" for the module)
    parent: Frame | None
    fid: str = ""  # the function's (or lambda's) value id, for returns and yields
    cls: str = ""  # the class id whose method this is ("" if none)
    self_slot: str = ""  # the first parameter's slot in a method
    local: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    generator: bool = False  # a ``yield`` was met in this function

    def function(self) -> Frame | None:
        """The nearest function frame (this one, or the one a lambda or comprehension is in)."""
        frame: Frame | None = self
        while frame is not None and frame.kind in ("lambda", "comp"):
            frame = frame.parent
        return frame if frame is not None and frame.kind == "function" else None


def params_of(params: cst.Parameters) -> list[str]:
    """Every parameter name, in order."""
    names = [p.name.value for p in (*params.posonly_params, *params.params)]
    if type(params.star_arg) is cst.Param:
        names.append(params.star_arg.name.value)
    names.extend(p.name.value for p in params.kwonly_params)
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return names


def statements(suite: cst.BaseSuite | cst.Else | cst.Finally | None) -> Sequence[cst.CSTNode]:
    """The statements of a block (``if x: y`` too), or of an ``else``/``finally`` clause."""
    if suite is None:
        return ()
    block: Any = suite.body if type(suite) is cst.Else or type(suite) is cst.Finally else suite
    found: Sequence[cst.CSTNode] = block.body
    return found


def targets(node: Any, out: set[str]) -> None:
    """The names a target binds: ``a``, ``b`` and ``c`` of ``a, [b, *c] = ...`` (attributes and subscripts bind
    none)."""
    while type(node) is cst.StarredElement:
        node = node.value
    kind = type(node)
    if kind is cst.Name:
        out.add(node.value)
    elif kind is cst.Tuple or kind is cst.List:
        for element in node.elements:
            targets(element.value, out)


def local_names(body: Iterable[cst.CSTNode], params: Iterable[str], walrus: Iterable[str] = ()
                ) -> tuple[set[str], set[str]]:
    """(names local to a function with this body and these parameters, names declared ``global`` and, prefixed
    ``"nonlocal "``, names declared ``nonlocal``). ``walrus``: the names a ``:=`` of the body binds (the walker
    saw them, :attr:`~analyzer.walker.Walker.walrus_bound`); everything else that binds is a statement's
    target, so the expressions are not visited."""
    out = {*params, *walrus}
    declared: set[str] = set()
    stack = list(body)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.SimpleStatementLine or kind is cst.SimpleStatementSuite:
            stack.extend(node.body)  # type: ignore[attr-defined]
            continue
        if kind in _BINDS_NOTHING:
            pass
        elif kind is cst.Assign:
            for target in node.targets:  # type: ignore[attr-defined]
                targets(target.target, out)
        elif kind is cst.AugAssign or kind is cst.AnnAssign:
            targets(node.target, out)  # type: ignore[attr-defined]
        elif kind is cst.FunctionDef or kind is cst.ClassDef:
            out.add(node.name.value)  # type: ignore[attr-defined]
            continue  # its insides are its own (a walrus in a decorator or default is not looked for)
        elif kind is cst.If or kind is cst.While:
            stack.extend(statements(node.body))  # type: ignore[attr-defined]
            orelse = node.orelse  # type: ignore[attr-defined]
            if type(orelse) is cst.If:
                stack.append(orelse)
            else:
                stack.extend(statements(orelse))
        else:
            _compound(node, out, declared, stack)
    return out - declared - {n.partition(" ")[2] for n in declared}, declared


def _compound(node: cst.CSTNode, out: set[str], declared: set[str], stack: list[cst.CSTNode]) -> None:
    """What the other statements bind, and the statements they hold onto ``stack``."""
    reader = _COMPOUND.get(type(node))
    if reader is not None:
        reader(node, out, declared, stack)


def _for(node: cst.For, out: set[str], declared: set[str], stack: list[cst.CSTNode]) -> None:
    targets(node.target, out)
    stack.extend(statements(node.body))
    stack.extend(statements(node.orelse))


def _with(node: cst.With, out: set[str], declared: set[str], stack: list[cst.CSTNode]) -> None:
    for item in node.items:
        if item.asname is not None:
            targets(item.asname.name, out)
    stack.extend(statements(node.body))


def _try(node: cst.Try | cst.TryStar, out: set[str], declared: set[str], stack: list[cst.CSTNode]) -> None:
    stack.extend(statements(node.body))
    for handler in node.handlers:
        if handler.name is not None and type(handler.name.name) is cst.Name:
            out.add(handler.name.name.value)
        stack.extend(statements(handler.body))
    stack.extend(statements(node.orelse))
    stack.extend(statements(node.finalbody))


def _import(node: cst.Import | cst.ImportFrom, out: set[str], declared: set[str], stack: list[cst.CSTNode]) -> None:
    if isinstance(node.names, cst.ImportStar):
        return
    out.update(bound_name(alias) for alias in node.names)


def _del(node: cst.Del, out: set[str], declared: set[str], stack: list[cst.CSTNode]) -> None:
    targets(node.target, out)


def _global(node: cst.Global | cst.Nonlocal, out: set[str], declared: set[str], stack: list[cst.CSTNode]) -> None:
    prefix = "nonlocal " if type(node) is cst.Nonlocal else ""
    declared.update(prefix + item.name.value for item in node.names)


def _match(node: cst.Match, out: set[str], declared: set[str], stack: list[cst.CSTNode]) -> None:
    for case in node.cases:
        _captures(case.pattern, out)
        stack.extend(statements(case.body))


def _captures(pattern: Any, out: set[str]) -> None:
    """The names a ``case`` pattern captures (``case [x, *rest]``, ``case {"k": v, **others}``, ``case P() as p``)."""
    kind = type(pattern)
    name = pattern.name if kind is cst.MatchAs or kind is cst.MatchStar else \
        pattern.rest if kind is cst.MatchMapping else None
    if name is not None:
        out.add(name.value)
    for inner in _inner_patterns(pattern):
        _captures(inner, out)


def _inner_patterns(pattern: Any) -> list[Any]:
    kind = type(pattern)
    if kind is cst.MatchAs:
        return [] if pattern.pattern is None else [pattern.pattern]
    if kind is cst.MatchOr or kind is cst.MatchMapping:
        return [e.pattern for e in (pattern.patterns if kind is cst.MatchOr else pattern.elements)]
    if kind is cst.MatchList or kind is cst.MatchTuple:
        return [e if type(e) is cst.MatchStar else e.value for e in pattern.patterns]
    if kind is cst.MatchClass:
        return [*(e.value for e in pattern.patterns), *(k.pattern for k in pattern.kwds)]
    return []


_Reader = Callable[[Any, set[str], set[str], list[cst.CSTNode]], None]
_COMPOUND: Final[dict[type[cst.CSTNode], _Reader]] = {
    cst.For: _for, cst.With: _with, cst.Try: _try, cst.TryStar: _try, cst.Import: _import, cst.ImportFrom: _import,
    cst.Del: _del, cst.Global: _global, cst.Nonlocal: _global, cst.Match: _match,
}


def comprehension_names(first: cst.CompFor) -> set[str]:
    """The names a comprehension's ``for`` clauses bind (its own scope)."""
    out: set[str] = set()
    clause: cst.CompFor | None = first
    while clause is not None:
        targets(clause.target, out)
        clause = clause.inner_for_in
    return out
