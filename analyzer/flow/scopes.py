"""Which names a function binds: Python's scoping rules, read from the body before the body is compiled.

A name assigned anywhere in a function (a target, a ``def``/``class``, an import, a ``for``/``with``/``except``
target, a walrus) is local to it unless declared ``global`` or ``nonlocal``; nested functions, classes, lambdas
and comprehensions bind their own names, so the scan stops at them (their own names excepted).
"""

from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass, field
from typing import Final

_NESTED: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_OWN_SCOPE: Final = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_BINDS_NOTHING: Final = frozenset({ast.Expr, ast.Return, ast.Pass, ast.Break, ast.Continue, ast.Raise, ast.Assert})
"""Statements that bind no name when no ``:=`` can be inside them (their expressions are all read)."""


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


def params_of(args: ast.arguments) -> list[str]:
    """Every parameter name, in order."""
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg is not None:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg is not None:
        names.append(args.kwarg.arg)
    return names


def _targets(node: ast.AST, out: set[str]) -> None:
    if isinstance(node, ast.Name):
        out.add(node.id)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            _targets(element, out)
    elif isinstance(node, ast.Starred):
        _targets(node.value, out)


def _binds(node: ast.AST, out: set[str], declared: set[str]) -> bool:
    """Record what ``node`` itself binds; True when its children are another scope's."""
    if isinstance(node, _NESTED):
        out.add(node.name)
        return True
    if isinstance(node, ast.Name):
        if not isinstance(node.ctx, ast.Load):
            out.add(node.id)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name != "*":
                out.add(alias.asname or alias.name.split(".")[0])
    elif isinstance(node, ast.ExceptHandler) and node.name:
        out.add(node.name)
    elif isinstance(node, ast.Global):
        declared.update(node.names)
    elif isinstance(node, ast.Nonlocal):
        declared.update("nonlocal " + n for n in node.names)
    elif isinstance(node, ast.NamedExpr):
        _targets(node.target, out)
    return isinstance(node, _OWN_SCOPE)


def _stores(node: ast.expr, out: set[str]) -> None:
    """The names an expression that is not a walrus binds: ``a``, ``b`` and ``c`` of ``a, [b, *c] = ...``."""
    while isinstance(node, ast.Starred):
        node = node.value
    if isinstance(node, ast.Name):
        if not isinstance(node.ctx, ast.Load):
            out.add(node.id)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            _stores(element, out)


def _may_hold_walrus(node: ast.expr, walrus_lines: list[int]) -> bool:
    """Whether ``node`` spans a line where ``:=`` is written (``walrus_lines``: those lines, sorted)."""
    at = bisect.bisect_left(walrus_lines, node.lineno)
    return at < len(walrus_lines) and walrus_lines[at] <= (node.end_lineno or node.lineno)


def local_names(body: list[ast.stmt], params: list[str], walrus_lines: list[int] | None = None
                ) -> tuple[set[str], set[str]]:
    """(names local to a function with this body and these parameters, names declared ``global`` and, prefixed
    ``"nonlocal "``, names declared ``nonlocal``).

    ``walrus_lines``: the sorted lines of the source where ``:=`` is written (None: unknown, any line may). An
    expression that spans none of them binds only as a target (names nested in tuples, lists and starred), so its
    insides are not visited; the others are, node by node."""
    out = set(params)
    declared: set[str] = set()
    stack: list[ast.AST] = list(body)
    deep: list[ast.AST] = []
    plain = walrus_lines is not None and not walrus_lines  # no ``:=`` anywhere: only targets bind
    while stack:
        node = stack.pop()
        if plain and _plain_statement(node, out, stack):
            continue
        if _binds(node, out, declared):
            continue
        for name in node._fields:
            child = getattr(node, name, None)
            for item in child if isinstance(child, list) else (child,):
                if isinstance(item, ast.expr):
                    if walrus_lines is None or (walrus_lines and _may_hold_walrus(item, walrus_lines)):
                        deep.append(item)
                    else:
                        _stores(item, out)
                elif isinstance(item, ast.AST):
                    stack.append(item)
    while deep:
        node = deep.pop()
        if not _binds(node, out, declared):
            deep.extend(ast.iter_child_nodes(node))
    return out - declared - {n.partition(" ")[2] for n in declared}, declared


def _plain_statement(node: ast.AST, out: set[str], stack: list[ast.AST]) -> bool:
    """The commonest statements, in a source without ``:=``, read without visiting their expressions: what each
    binds into ``out``, the statements it holds onto ``stack``. False for any other node."""
    if type(node) in _BINDS_NOTHING:
        return True
    if isinstance(node, ast.Assign):
        for target in node.targets:
            _stores(target, out)
        return True
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        _stores(node.target, out)
        return True
    if isinstance(node, ast.If | ast.While):
        stack.extend(node.body)
        stack.extend(node.orelse)
        return True
    return False


def walrus_lines(text: str) -> list[int] | None:
    """The lines of ``text`` where ``:=`` is written, for :func:`local_names` (None when its lines cannot be
    counted as Python's parser counts them: a lone carriage return)."""
    if "\r" in text:
        return None
    if ":=" not in text:
        return []
    return [number for number, line in enumerate(text.split("\n"), start=1) if ":=" in line]


def comprehension_names(generators: list[ast.comprehension]) -> set[str]:
    """The names a comprehension's ``for`` clauses bind (its own scope)."""
    out: set[str] = set()
    for generator in generators:
        _targets(generator.target, out)
    return out
