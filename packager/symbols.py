"""What a module defines at top level, what it imports, and which names a piece of code refers to (libcst)."""

from __future__ import annotations

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


class _Lines:
    """Line numbers of statements without the cost of a metadata pass: counted from the code before them."""

    def __init__(self, module: cst.Module) -> None:
        self._module = module

    def of(self, node: cst.CSTNode) -> int:
        return _line_of(self._module, node)


def _line_of(module: cst.Module, target: cst.CSTNode) -> int:
    found = _find_line(module, target)
    return found if found is not None else 1


def _find_line(module: cst.Module, target: cst.CSTNode) -> int | None:
    from libcst.metadata import MetadataWrapper, PositionProvider

    cache = _POSITIONS.get(id(module))
    if cache is None or cache[0] is not module:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
        cache = (module, {id(node): pos.start.line for node, pos in positions.items()})
        _POSITIONS[id(module)] = cache
    return cache[1].get(id(target))


_POSITIONS: dict[int, tuple[cst.Module, dict[int, int]]] = {}


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


def module_symbols(tree: cst.Module, module: str, package: str) -> ModuleSymbols:
    """Top-level definitions (first wins, as Python resolves at import) and all imports of ``tree``."""
    symbols = ModuleSymbols(module)
    lines = _Lines(tree)

    def define(definition: Definition) -> None:
        symbols.definitions.setdefault(definition.name, definition)

    def visit_block(statements: Sequence[cst.CSTNode], conditional: bool, type_checking: bool) -> None:
        for statement in statements:
            if isinstance(statement, cst.BaseSmallStatement):
                _simple(statement, lines.of(statement), conditional, type_checking)
            elif isinstance(statement, cst.FunctionDef):
                define(Definition(statement.name.value, "function", statement, lines.of(statement), conditional))
            elif isinstance(statement, cst.ClassDef):
                define(Definition(statement.name.value, "class", statement, lines.of(statement), conditional))
            elif isinstance(statement, cst.SimpleStatementLine):
                line = lines.of(statement)
                for small in statement.body:
                    _simple(small, line, conditional, type_checking)
            elif isinstance(statement, cst.If):
                tc = _is_type_checking(statement.test)
                visit_block(statement.body.body, True, type_checking or tc)
                orelse = statement.orelse
                while orelse is not None:
                    visit_block(orelse.body.body, True, type_checking)
                    orelse = orelse.orelse if isinstance(orelse, cst.If) else None
            elif isinstance(statement, cst.Try | cst.With):
                visit_block(statement.body.body, True, type_checking)
                for handler in getattr(statement, "handlers", ()):
                    visit_block(handler.body.body, True, type_checking)

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
    symbols.imports = list(all_imports(tree, module, package))
    return symbols


def all_imports(tree: cst.Module, module: str, package: str) -> Iterator[ImportBinding]:
    """Every import in the module, at any depth (lazy imports too), marking those under ``if TYPE_CHECKING``."""
    lines = _Lines(tree)

    def walk(node: cst.CSTNode, type_checking: bool) -> Iterator[ImportBinding]:
        if isinstance(node, cst.Import | cst.ImportFrom):
            yield from import_bindings(node, module, package, lines.of(node), type_checking)
            return
        if isinstance(node, cst.If) and _is_type_checking(node.test):
            yield from walk(node.body, True)
            if node.orelse is not None:
                yield from walk(node.orelse, type_checking)
            return
        for child in node.children:
            yield from walk(child, type_checking)

    yield from walk(tree, False)


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


def is_generator(function: cst.FunctionDef) -> bool:
    """Whether ``function`` itself yields (nested functions, lambdas and classes do not count)."""

    def walk(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Yield):
            return True
        if isinstance(node, cst.FunctionDef | cst.Lambda | cst.ClassDef):
            return False
        return any(walk(child) for child in node.children)

    return any(walk(child) for child in function.body.children)
