"""What a module defines at top level, what it imports, and which names a piece of code refers to (libcst)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
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
    """A top-level name: the statement that defines it (a small statement for variables and imports)."""

    name: str
    kind: DefinitionKind
    node: cst.CSTNode
    line: int
    conditional: bool = False
    binding: ImportBinding | None = None


@dataclass(frozen=True)
class Ref:
    """A use of ``name`` (followed by attribute names ``chain``); lenient when only an annotation needs it."""

    name: str
    chain: tuple[str, ...]
    lenient: bool


@dataclass
class ModuleSymbols:
    """The top-level names of one module, in source order, and every import anywhere in it."""

    module: str
    definitions: dict[str, Definition] = field(default_factory=dict)
    imports: list[ImportBinding] = field(default_factory=list)


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head is not None else None
    return None


def _is_type_checking(test: cst.BaseExpression) -> bool:
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
    """Top-level definitions (the binding importers see) and all imports of the module."""
    symbols = ModuleSymbols(module)
    lines = top_level_lines(tree, syntax)

    def define(definition: Definition) -> None:
        # the last unconditional binding is the one importers see; a conditional one only when there is no other
        if not definition.conditional or definition.name not in symbols.definitions:
            symbols.definitions[definition.name] = definition

    def visit_block(statements: Sequence[cst.CSTNode], conditional: bool, type_checking: bool,
                    outer: int | None = None) -> None:
        for statement in statements:
            line = lines.get(id(statement), outer or 1)
            if isinstance(statement, cst.BaseSmallStatement):
                _simple(statement, line, conditional, type_checking)
            elif isinstance(statement, cst.FunctionDef):
                define(Definition(statement.name.value, "function", statement, line, conditional))
            elif isinstance(statement, cst.ClassDef):
                define(Definition(statement.name.value, "class", statement, line, conditional))
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    _simple(small, line, conditional, type_checking)
            elif isinstance(statement, cst.If):
                tc = _is_type_checking(statement.test)
                visit_block(statement.body.body, True, type_checking or tc, line)
                orelse = statement.orelse
                while orelse is not None:
                    visit_block(orelse.body.body, True, type_checking, line)
                    orelse = orelse.orelse if isinstance(orelse, cst.If) else None
            elif isinstance(statement, cst.Try | cst.With):
                visit_block(statement.body.body, True, type_checking, line)
                for handler in getattr(statement, "handlers", ()):
                    visit_block(handler.body.body, True, type_checking, line)

    def _simple(small: cst.BaseSmallStatement, line: int, conditional: bool, type_checking: bool) -> None:
        if isinstance(small, cst.Import | cst.ImportFrom):
            for binding in import_bindings(small, module, package, line, type_checking):
                if not type_checking and binding.module != "__future__":
                    define(Definition(binding.local, "import", small, line, conditional, binding))
        elif isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    define(Definition(target.target.value, "variable", small, line, conditional))
        elif isinstance(small, cst.AnnAssign) and small.value is not None and isinstance(small.target, cst.Name):
            define(Definition(small.target.value, "variable", small, line, conditional))

    visit_block(tree.body, False, False)
    symbols.imports = list(all_imports(syntax, module, package))
    return symbols


def all_imports(tree: ast.Module, module: str, package: str) -> Iterator[ImportBinding]:
    """Every import in the module, at any depth (lazy imports too), marking those under ``if TYPE_CHECKING``.

    Uses :mod:`ast`: a whole-module walk with libcst costs ten times more, and only names and lines are needed.
    """

    def walk(node: ast.AST, type_checking: bool) -> Iterator[ImportBinding]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.asname:
                        yield ImportBinding(alias.asname, alias.name, None, alias.name, child.lineno, type_checking)
                    else:
                        top = alias.name.split(".", 1)[0]
                        yield ImportBinding(top, alias.name, None, top, child.lineno, type_checking)
            elif isinstance(child, ast.ImportFrom):
                source = _absolute(package, child.level, child.module)
                for alias in child.names:
                    local = alias.asname or alias.name
                    yield ImportBinding(local, source, alias.name, source, child.lineno, type_checking)
            elif isinstance(child, ast.If) and _ast_dotted(child.test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}:
                for statement in child.body:
                    yield from walk(ast.Module(body=[statement], type_ignores=[]), True)
                for statement in child.orelse:
                    yield from walk(ast.Module(body=[statement], type_ignores=[]), type_checking)
            else:
                yield from walk(child, type_checking)

    yield from walk(tree, False)


def _absolute(package: str, level: int, target: str | None) -> str:
    if not level:
        return target or ""
    base = package
    for _ in range(level - 1):
        base = base.rpartition(".")[0]
    return f"{base}.{target}" if base and target else (target or base)


def _ast_dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _ast_dotted(node.value)
        return f"{head}.{node.attr}" if head is not None else None
    return None


def attribute_chains(tree: ast.Module, roots: set[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """``(name, (attr, ...))`` for every outermost ``name.attr...`` expression whose name is in ``roots``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Attribute):
            chain: list[str] = []
            current: ast.AST = node
            while isinstance(current, ast.Attribute):
                chain.append(current.attr)
                current = current.value
            if isinstance(current, ast.Name):
                if current.id in roots:
                    yield current.id, tuple(reversed(chain))
                continue
            stack.append(current)
            continue
        stack.extend(ast.iter_child_nodes(node))


def references(node: cst.CSTNode, lenient: bool = False) -> list[Ref]:
    """Names ``node`` refers to (with the attribute chain after each), in order; annotations are lenient."""
    out: list[Ref] = []
    _collect(node, lenient, out)
    return out


def _collect(node: cst.CSTNode, lenient: bool, out: list[Ref]) -> None:
    if isinstance(node, cst.Name):
        out.append(Ref(node.value, (), lenient))
        return
    if isinstance(node, cst.Attribute):
        chain: list[str] = []
        current: cst.BaseExpression = node
        while isinstance(current, cst.Attribute):
            chain.append(current.attr.value)
            current = current.value
        if isinstance(current, cst.Name):
            out.append(Ref(current.value, tuple(reversed(chain)), lenient))
        else:
            _collect(current, lenient, out)
        return
    if isinstance(node, cst.Annotation):
        _collect(node.annotation, True, out)
        return
    if isinstance(node, cst.Param):
        for part in (node.annotation, node.default):
            if part is not None:
                _collect(part, lenient, out)
        return
    if isinstance(node, cst.FunctionDef | cst.ClassDef):
        for child in node.children:
            if child is not node.name:
                _collect(child, lenient, out)
        return
    if isinstance(node, cst.Arg):
        _collect(node.value, lenient, out)
        return
    if isinstance(node, cst.Import | cst.ImportFrom):
        return
    for child in node.children:
        _collect(child, lenient, out)


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
