"""What a module defines at top level: its bindings in source order, its effects, its imports (libcst)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

DefinitionKind = Literal["function", "class", "variable", "import"]


@dataclass(frozen=True)
class ImportBinding:
    """A name bound by an import: ``from module import name as local`` or ``import module as local``.

    For ``import a.b.c`` (no alias) ``local`` is ``a``, ``bound`` is ``a`` and ``module`` is ``a.b.c``.
    """

    local: str
    module: str
    name: str | None
    bound: str
    line: int
    type_checking: bool = False

    def render(self) -> str:
        """The import statement that binds only this name, with absolute module names."""
        if self.name is not None:
            alias = f" as {self.local}" if self.local != self.name else ""
            return f"from {self.module} import {self.name}{alias}"
        if self.local == self.bound and self.bound == self.module.split(".", 1)[0]:
            return f"import {self.module}"
        return f"import {self.module} as {self.local}"


@dataclass(frozen=True)
class Definition:
    """A top-level binding of a name: the statement that makes it (a small statement for variables and imports).

    ``statement`` is the top-level ``if``/``try``/``with`` holding a conditional binding: a copy takes that whole
    statement, so the branch that runs is the one that binds, as in the original.
    """

    name: str
    kind: DefinitionKind
    node: cst.CSTNode
    line: int
    conditional: bool = False
    binding: ImportBinding | None = None
    statement: cst.CSTNode | None = None


@dataclass(frozen=True)
class Effect:
    """A top-level statement that binds no name: a call, an attribute or item assignment, a loop."""

    node: cst.CSTNode
    line: int


@dataclass(frozen=True)
class Ref:
    """A use of ``name`` (followed by attribute names ``chain``); lenient when only an annotation needs it."""

    name: str
    chain: tuple[str, ...]
    lenient: bool


@dataclass
class ModuleSymbols:
    """The top-level names of one module, in source order.

    ``definitions`` holds the binding importers see (its kind decides how a name crosses); ``bindings`` every
    top-level binding of each name in source order (a copy takes them all: ``x = x`` after ``from m import x``,
    a default then its override under an ``if``).
    """

    module: str
    definitions: dict[str, Definition] = field(default_factory=dict)
    bindings: dict[str, list[Definition]] = field(default_factory=dict)
    effects: list[Effect] = field(default_factory=list)


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head is not None else None
    return None


def is_type_checking(test: cst.BaseExpression) -> bool:
    """Whether an `if` test is `TYPE_CHECKING` (its body runs only for the type checker)."""
    return dotted(test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


def top_level_lines(tree: cst.Module, syntax: ast.Module) -> dict[int, int]:
    """``id(statement) -> line`` for the module's top-level libcst statements, taken from the :mod:`ast` tree
    (a libcst line has as many ast statements as it has small statements): far cheaper than position metadata."""
    lines: dict[int, int] = {}
    position = 0
    for statement in tree.body:
        if position < len(syntax.body):
            lines[id(statement)] = syntax.body[position].lineno
        position += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return lines


def import_bindings(statement: cst.Import | cst.ImportFrom, module: str, package: str, line: int,
                    type_checking: bool) -> Iterator[ImportBinding]:
    """The names one import statement binds, with relative imports made absolute (``package`` is the base)."""
    if isinstance(statement, cst.Import):
        for alias in statement.names:
            name = dotted(alias.name) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                yield ImportBinding(alias.asname.name.value, name, None, name, line, type_checking)
            else:
                top = name.split(".", 1)[0]
                yield ImportBinding(top, name, None, top, line, type_checking)
        return
    level = len(statement.relative)
    target = dotted(statement.module) if statement.module is not None else None
    if level:
        base = package
        for _ in range(level - 1):
            base = base.rpartition(".")[0]
        source = f"{base}.{target}" if base and target else (target or base)
    else:
        source = target or ""
    if isinstance(statement.names, cst.ImportStar):
        yield ImportBinding("*", source, "*", source, line, type_checking)
        return
    for alias in statement.names:
        name = dotted(alias.name) or ""
        local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) \
            else name
        yield ImportBinding(local, source, name, source, line, type_checking)


def module_symbols(tree: cst.Module, syntax: ast.Module, module: str, package: str) -> ModuleSymbols:
    """Top-level definitions (the binding importers see), every binding and the effects."""
    collector = _Collector(ModuleSymbols(module), module, package)
    lines = top_level_lines(tree, syntax)
    for statement in tree.body:
        collector.top_level(statement, lines.get(id(statement), 1))
    return collector.symbols


class _Collector:
    """Walks a module's top-level statements (and the blocks of its ``if``/``try``/``with``) for bindings."""

    def __init__(self, symbols: ModuleSymbols, module: str, package: str) -> None:
        self.symbols = symbols
        self.module = module
        self.package = package

    def top_level(self, statement: cst.CSTNode, line: int) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if not self.simple(small, line, None, type_checking=False) and is_effect(small):
                    self.symbols.effects.append(Effect(small, line))
        elif isinstance(statement, cst.FunctionDef | cst.ClassDef):
            self.define(statement.name.value, "function" if isinstance(statement, cst.FunctionDef) else "class",
                        statement, line, None)
        elif isinstance(statement, cst.If | cst.Try | cst.With):
            if isinstance(statement, cst.If) and _is_main_guard(statement.test):
                return  # runs only as a script, never on import
            if not self.block(statement, line, statement, type_checking=False):
                self.symbols.effects.append(Effect(statement, line))
        elif isinstance(statement, cst.For | cst.While | cst.Match):
            self.symbols.effects.append(Effect(statement, line))

    def block(self, statement: cst.If | cst.Try | cst.With, line: int, top: cst.CSTNode, type_checking: bool) -> bool:
        """Visit the bodies of a compound statement; whether anything in them binds a name."""
        bodies: list[tuple[cst.BaseSuite, bool]] = []
        if isinstance(statement, cst.If):
            checking = type_checking or is_type_checking(statement.test)
            bodies.append((statement.body, checking))
            orelse = statement.orelse
            while orelse is not None:
                bodies.append((orelse.body, type_checking))
                orelse = orelse.orelse if isinstance(orelse, cst.If) else None
        else:
            bodies.append((statement.body, type_checking))
            bodies += [(handler.body, type_checking) for handler in getattr(statement, "handlers", ())]
            bodies += [(part.body, type_checking) for part in (getattr(statement, "orelse", None),
                                                               getattr(statement, "finalbody", None)) if part]
        binds = False
        for body, checking in bodies:
            for inner in body.body if isinstance(body, cst.IndentedBlock) else ():
                binds = self.nested(inner, line, top, checking) or binds
        return binds

    def nested(self, statement: cst.CSTNode, line: int, top: cst.CSTNode, type_checking: bool) -> bool:
        if isinstance(statement, cst.SimpleStatementLine):
            found = [self.simple(small, line, top, type_checking) for small in statement.body]
            return any(found)
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            kind: DefinitionKind = "function" if isinstance(statement, cst.FunctionDef) else "class"
            self.define(statement.name.value, kind, statement, line, top)
            return True
        if isinstance(statement, cst.If | cst.Try | cst.With):
            return self.block(statement, line, top, type_checking)
        return False

    def simple(self, small: cst.BaseSmallStatement, line: int, top: cst.CSTNode | None, type_checking: bool) -> bool:
        """Record the names ``small`` binds; whether it binds any (an import under TYPE_CHECKING counts)."""
        if isinstance(small, cst.Import | cst.ImportFrom):
            for binding in import_bindings(small, self.module, self.package, line, type_checking):
                if not type_checking and binding.module != "__future__":
                    self.define(binding.local, "import", small, line, top, binding=binding)
            return True
        names = _assigned_names(small)
        for name in names:
            self.define(name, "variable", small, line, top)
        if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
            self.symbols.bindings.setdefault(small.target.value, []).append(
                Definition(small.target.value, "variable", small, line, top is not None, statement=top))
            return True
        return bool(names)

    def define(self, name: str, kind: DefinitionKind, node: cst.CSTNode, line: int, top: cst.CSTNode | None, *,
               binding: ImportBinding | None = None) -> None:
        definition = Definition(name, kind, node, line, top is not None, binding, top)
        self.symbols.bindings.setdefault(name, []).append(definition)
        # the last unconditional binding decides the kind; a conditional one only when there is no other
        if not definition.conditional or name not in self.symbols.definitions:
            self.symbols.definitions[name] = definition


def _assigned_names(small: cst.BaseSmallStatement) -> list[str]:
    if isinstance(small, cst.Assign):
        return [target.target.value for target in small.targets if isinstance(target.target, cst.Name)]
    if isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
        return [small.target.value]
    return []


def is_effect(small: cst.BaseSmallStatement) -> bool:
    """Whether a top-level small statement that binds no name does something (not a docstring, ``pass``, ``del``,
    ``global`` or a bare annotation)."""
    if isinstance(small, cst.Expr):
        return not isinstance(small.value, cst.SimpleString | cst.ConcatenatedString | cst.Ellipsis)
    return isinstance(small, cst.Assign | cst.AugAssign | cst.Raise | cst.Assert)


def _is_main_guard(test: cst.BaseExpression) -> bool:
    return isinstance(test, cst.Comparison) and dotted(test.left) == "__name__" and len(test.comparisons) == 1 \
        and isinstance(test.comparisons[0].comparator, cst.SimpleString) \
        and test.comparisons[0].comparator.evaluated_value == "__main__"


def docstring_statement(body: cst.BaseSuite) -> cst.SimpleStatementLine | None:
    """The docstring statement of a function or class body, if it has one."""
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    first = body.body[0]
    if isinstance(first, cst.SimpleStatementLine) and len(first.body) == 1 and isinstance(first.body[0], cst.Expr) \
            and isinstance(first.body[0].value, cst.SimpleString | cst.ConcatenatedString):
        return first
    return None


_GENERATORS: dict[int, tuple[cst.FunctionDef, bool]] = {}


def is_generator(function: cst.FunctionDef) -> bool:
    """Whether ``function`` itself yields (nested functions, lambdas and classes do not count); cached."""
    known = _GENERATORS.get(id(function))
    if known is not None and known[0] is function:
        return known[1]
    _GENERATORS[id(function)] = (function, _yields(function))
    return _GENERATORS[id(function)][1]


def _yields(function: cst.FunctionDef) -> bool:

    def walk(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Yield):
            return True
        if isinstance(node, cst.FunctionDef | cst.Lambda | cst.ClassDef):
            return False
        return any(walk(child) for child in node.children)

    return any(walk(child) for child in function.body.children)
