"""Which names a piece of code uses (libcst): every reference with its attribute chain, what it calls when it runs
at import time, and the imports inside it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import libcst as cst

from packager.symbols import Ref, dotted, is_type_checking


def references(node: cst.CSTNode, lenient: bool = False) -> list[Ref]:
    """Names ``node`` refers to (with the attribute chain after each), in order; annotations are lenient."""
    out: list[Ref] = []
    _collect(node, lenient, out)
    return out


def calls_at_import(node: cst.CSTNode, whole: bool = False) -> list[Ref]:
    """What ``node`` calls when it runs (at import, for a top-level statement): calls and decorators in module
    code, class bodies and defaults, not in the bodies of functions and lambdas, which run when called.
    ``whole``: ``node`` is a function being called then, so its own body runs too."""
    out: list[Ref] = []
    _calls(node, out, enter=whole)
    return out


def _calls(node: cst.CSTNode, out: list[Ref], enter: bool) -> None:
    parts: Sequence[cst.CSTNode] = node.children
    if isinstance(node, cst.FunctionDef | cst.Lambda) and not enter:
        parts = [*getattr(node, "decorators", ()), node.params]
    elif isinstance(node, cst.Decorator | cst.Call):
        callee = _callee(node.decorator if isinstance(node, cst.Decorator) else node.func)
        if callee is not None:
            out.append(callee)
    for child in parts:
        _calls(child, out, enter=False)


def _callee(node: cst.BaseExpression) -> Ref | None:
    name = dotted(node)
    if name is None:
        return None
    head, *chain = name.split(".")
    return Ref(head, tuple(chain), False)


def _collect(node: cst.CSTNode, lenient: bool, out: list[Ref]) -> None:
    if isinstance(node, cst.Name):
        out.append(Ref(node.value, (), lenient))
    elif isinstance(node, cst.Attribute):
        _collect_chain(node, lenient, out)
    elif isinstance(node, cst.Annotation):
        _collect(node.annotation, True, out)
    elif isinstance(node, cst.Param):
        for part in (node.annotation, node.default):
            if part is not None:
                _collect(part, lenient, out)
    elif isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
        _collect_definition(node, lenient, out)
    elif isinstance(node, cst.Arg):
        _collect(node.value, lenient, out)
    elif isinstance(node, cst.AssignTarget | cst.AnnAssign | cst.AsName | cst.CompFor | cst.For):
        _collect_binding(node, lenient, out)
    elif not isinstance(node, cst.Import | cst.ImportFrom):
        for child in node.children:
            _collect(child, lenient, out)


def _collect_definition(node: cst.FunctionDef | cst.ClassDef | cst.Lambda, lenient: bool, out: list[Ref]) -> None:
    """Everything but the defined name."""
    name = getattr(node, "name", None)
    for child in node.children:
        if child is not name:
            _collect(child, lenient, out)


def _collect_binding(node: cst.AssignTarget | cst.AnnAssign | cst.AsName | cst.CompFor | cst.For, lenient: bool,
                     out: list[Ref]) -> None:
    """A plain name being bound (``x = ...`` in a class or function body, a loop or ``as`` target) is not a use of
    the module's ``x``; an attribute or item target is (``Order.kind = ...`` uses ``Order``)."""
    target = node.name if isinstance(node, cst.AsName) else node.target
    for child in node.children:
        if not (child is target and isinstance(target, cst.Name)):
            _collect(child, lenient, out)


def _collect_chain(node: cst.Attribute, lenient: bool, out: list[Ref]) -> None:
    chain: list[str] = []
    current: cst.BaseExpression = node
    while isinstance(current, cst.Attribute):
        chain.append(current.attr.value)
        current = current.value
    if isinstance(current, cst.Name):
        out.append(Ref(current.value, tuple(reversed(chain)), lenient))
    else:
        _collect(current, lenient, out)


def nested_imports(node: cst.CSTNode) -> Iterator[cst.Import | cst.ImportFrom]:
    """Every import statement inside ``node`` (in function bodies and blocks too; not under ``if TYPE_CHECKING``)."""
    if isinstance(node, cst.Import | cst.ImportFrom):
        yield node
        return
    if isinstance(node, cst.If) and is_type_checking(node.test):
        if node.orelse is not None:
            yield from nested_imports(node.orelse)
        return
    for child in node.children:
        yield from nested_imports(child)
