"""What one file says, in compact picklable form: the per-file result of the parallel phase.

A worker turns a file into :class:`FileFacts` (or :class:`FileFailure`); the global phase
(:mod:`analyzer.resolve`) joins all files' facts into the graph. Facts are plain tuples inside frozen dataclasses,
so they pickle fast between processes and into the cache.

A reference to a name is an *expression* ``(head_kind, head, rest)``:

    head_kind  ``n`` a name in the module's namespace, ``a`` an absolute dotted name (from an import),
               ``d`` a definition of this module by its qualified name (``Order``, ``outer.inner``),
               ``p`` ``super()`` inside a method of the class ``head``
    rest       attribute segments, ``.attr`` or ``()`` (the result of a call), e.g. ``().save`` or ``.sub.f``

``self.x`` inside a method of ``Order`` is ``("d", "Order", "().x")``: an attribute of an instance of Order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cleave.formats.graph import Diagnostic

Expr = tuple[str, str, str]
"""``(head_kind, head, rest)``: see the module docstring."""

# Ref kinds
CALL: Final = "call"
READ: Final = "read"
WRITE: Final = "write"
DECORATOR: Final = "decorator"  # a decorator applied to the def in ``extra`` (its qualified name)
BASE: Final = "base"  # a base class of the class in ``extra``
ATTR: Final = "attr"  # ``self.<extra[1]> = <expr>`` inside a method of class ``extra[0]``

Ref = tuple[str, str, Expr, int, tuple[object, ...]]
"""``(scope, kind, expr, line, extra)``; scope is the qualified name inside the module ("" = module level).

For a call, ``extra`` is ``(passes, args)``: ``passes`` what the worker already knows crosses (``callable``,
``file``, ``generator``), ``args`` the expressions passed that name something (checked in the global phase).
"""

Def = tuple[str, str, int, int, int, tuple[str, ...], tuple[str, ...]]
"""``(qualname, kind, line, end_line, flags, decorators as written, bases as written)``; kind class|function."""

IS_ASYNC: Final = 1
IS_GENERATOR: Final = 2
IS_METHOD: Final = 4

Import = tuple[str, int, str, tuple[str, ...] | None, bool, bool]
"""``(scope, line, absolute module, names or None for `import m`, type_checking, lazy)``; names ``("*",)`` = star."""

Binding = tuple[str, Expr]
"""A module-level name bound by an import or a simple assignment: ``(name, expr)``."""

Table = tuple[str, str, str, int]
"""``(scope, table name, op, line)``: an SQL statement in a string literal or a ``Table("name", ...)`` call."""

Model = tuple[str, str, str, str, bool]
"""``(class qualname, __tablename__, Meta.db_table, Meta.app_label, Meta.abstract)`` ("" when absent)."""


@dataclass(frozen=True)
class FileFacts:
    """Everything the global phase needs from one parsed file."""

    module: str
    file: str
    is_package: bool
    lines: int
    defs: tuple[Def, ...] = ()
    variables: tuple[tuple[str, int, int], ...] = ()
    bindings: tuple[Binding, ...] = ()
    imports: tuple[Import, ...] = ()
    refs: tuple[Ref, ...] = ()
    tables: tuple[Table, ...] = ()
    models: tuple[Model, ...] = ()
    all_names: tuple[str, ...] | None = None
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class FileFailure:
    """A file that could not be read or parsed; the analysis goes on without it."""

    module: str
    file: str
    is_package: bool
    diagnostic: Diagnostic


FileResult = FileFacts | FileFailure
