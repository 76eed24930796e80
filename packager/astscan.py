"""Fast whole-module walks with :mod:`ast`: every import, attribute chains, and the names a module uses when it is
imported (module-level code, class bodies, decorators and defaults; not function bodies, which run when called)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from packager.symbols import ImportBinding

Use = tuple[str, tuple[str, ...]]
"""A name and the attribute chain after it: ``("models", ("Order",))`` for ``models.Order``."""


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


def import_time_uses(tree: ast.Module) -> set[Use]:
    """Every ``name.attr...`` the module calls when it is imported: calls and decorators in module-level code, class
    bodies and defaults, not in function bodies (``if TYPE_CHECKING`` and ``if __name__ == "__main__"`` blocks left
    out). A function only named there (a route table, a ``default_factory``) is called later, so it may be remote."""
    found: set[Use] = set()
    for statement in tree.body:
        _runs(statement, found)
    return found


def _runs(statement: ast.stmt, found: set[Use]) -> None:
    """Collect what ``statement`` calls when it runs."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        for decorator in statement.decorator_list:
            _callee(decorator, found)
        header = [*statement.bases, *[k.value for k in statement.keywords]] if isinstance(statement, ast.ClassDef) \
            else [*statement.args.defaults, *statement.args.kw_defaults]
        for expression in [*statement.decorator_list, *header]:
            if expression is not None:
                _calls(expression, found)
        for inner in statement.body if isinstance(statement, ast.ClassDef) else ():
            _runs(inner, found)
    elif isinstance(statement, ast.If) and _skipped_guard(statement.test):
        for inner in statement.orelse:
            _runs(inner, found)
    else:
        _walk(statement, found)


def _walk(node: ast.AST, found: set[Use]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.stmt):
            _runs(child, found)
        elif isinstance(child, ast.expr):
            _calls(child, found)
        else:  # except handlers, with items, match cases
            _walk(child, found)


def _calls(expression: ast.AST, found: set[Use]) -> None:
    """The callees of the calls in an expression, not inside lambda bodies."""
    stack = [expression]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda):
            stack.extend([*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]])
            continue
        if isinstance(node, ast.Call):
            _callee(node.func, found)
        stack.extend(ast.iter_child_nodes(node))


def _callee(node: ast.expr, found: set[Use]) -> None:
    chain: list[str] = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        found.add((node.id, tuple(reversed(chain))))


def _skipped_guard(test: ast.expr) -> bool:
    """``if TYPE_CHECKING:`` (its body never runs) or ``if __name__ == "__main__":`` (runs only as a script)."""
    if _ast_dotted(test) in {"TYPE_CHECKING", "typing.TYPE_CHECKING"}:
        return True
    return isinstance(test, ast.Compare) and _ast_dotted(test.left) == "__name__" and len(test.comparators) == 1 \
        and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value == "__main__"


def effect_imports(tree: ast.Module, module: str, package: str) -> list[ImportBinding]:
    """Top-level imports whose name the module never uses (nor lists in ``__all__``): imported for their effect,
    such as ``from app import models`` registering the models."""
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    top = ast.Module(body=[s for s in tree.body if isinstance(s, ast.Import | ast.ImportFrom)], type_ignores=[])
    return [binding for binding in all_imports(top, module, package)
            if binding.local not in used and binding.name != "*" and binding.module != "__future__"]
