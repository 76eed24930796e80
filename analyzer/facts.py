"""What one file says, in compact picklable form: the per-file result of the parallel phase.

A worker turns a file into :class:`FileFacts` (or :class:`FileFailure`); the global phase
(:mod:`analyzer.resolve`) joins all files' facts into the graph. Facts are plain tuples inside frozen dataclasses,
so they pickle fast between processes and into the cache; the records are NamedTuples (named fields, tuple
speed).

A reference to a name is an *expression* ``(head_kind, head, rest)``:

    head_kind  ``n`` a name in the module's namespace, ``a`` an absolute dotted name (from an import),
               ``d`` a definition of this module by its qualified name (``Order``, ``outer.inner``),
               ``p`` ``super()`` inside a method of the class ``head``
    rest       attribute segments, ``.attr`` or ``()`` (the result of a call), e.g. ``().save`` or ``.sub.f``

``self.x`` inside a method of ``Order`` is ``("d", "Order", "().x")``: an attribute of an instance of Order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

from cleave.formats.graph import Diagnostic


class Job(NamedTuple):
    """One file to analyze."""

    path: str  # absolute
    rel: str  # relative to SRC, POSIX separators
    module: str
    is_package: bool


Expr = tuple[str, str, str]
"""``(head_kind, head, rest)``: see the module docstring."""

# Ref kinds
CALL: Final = "call"
READ: Final = "read"
WRITE: Final = "write"
DECORATOR: Final = "decorator"  # a decorator applied to the def in ``extra`` (its qualified name)
BASE: Final = "base"  # a base class of the class in ``extra``
ATTR: Final = "attr"  # ``self.<extra[1]> = <expr>`` inside a method of class ``extra[0]``
RETURN: Final = "return"  # ``return <expr>`` inside the function ``scope`` (no edge; analyzer/kinds.py reads it)

Ref = tuple[str, str, Expr, int, tuple[object, ...]]
"""``(scope, kind, expr, line, extra)``: a reference made in ``scope`` (the qualified name inside the module; "" =
module level). Always read by unpacking into those names, never by index.

For a call, ``extra`` is ``(passes, args)``: ``passes`` what the worker already knows crosses (``callable``,
``file``, ``generator``), ``args`` the expressions passed that name something (checked in the global phase).
For a decorator ``(decorated qualname, called)``; a base ``(class qualname,)``; an attribute
``(class qualname, attribute)``.

The one record that is a plain tuple rather than a NamedTuple: there are about a million of them in a large
tree, and a NamedTuple costs four times a tuple to make and twice to pickle between processes (measured on
Django: cold CPU time +10 %).
"""


class Def(NamedTuple):
    """A class or function definition."""

    qual: str
    kind: str  # class | function
    line: int
    end_line: int
    flags: int  # IS_ASYNC | IS_GENERATOR | IS_METHOD
    decorators: tuple[str, ...]  # as written
    bases: tuple[str, ...]  # as written (classes)


IS_ASYNC: Final = 1
IS_GENERATOR: Final = 2
IS_METHOD: Final = 4


class Import(NamedTuple):
    """An import statement (or ``importlib.import_module("literal")``)."""

    scope: str
    line: int
    module: str  # absolute
    names: tuple[str, ...] | None  # None for ``import m``; ``("*",)`` for a star import
    type_checking: bool
    lazy: bool


Binding = tuple[str, Expr]
"""A module-level name bound by an import or a simple assignment: ``(name, expr)``."""


class Table(NamedTuple):
    """An SQL statement in a string literal or a ``Table("name", ...)`` call."""

    scope: str
    name: str
    op: str
    line: int


class Model(NamedTuple):
    """What a class body says about its table ("" when absent)."""

    qual: str
    tablename: str  # SQLAlchemy ``__tablename__``
    db_table: str  # Django ``Meta.db_table``
    app_label: str  # Django ``Meta.app_label``
    abstract: bool  # Django ``Meta.abstract``


Value = tuple[object, ...]
"""An argument of a :class:`Site`, as far as it is literal: ``("s", text)`` a string or number,
``("x", expr)`` a reference, ``("l", (value, ...))`` a list/tuple, ``("c", func expr, dotted name, args, kwargs)``
a nested call, ``("none",)``, ``("o",)`` anything else."""


class Site(NamedTuple):
    """A call the framework readers (:mod:`analyzer.frameworks`) care about: a route decorator or registration,
    a blueprint/router, a URL pattern, an ORM field or relationship, an environment read. Calls nested in the
    arguments of a site are in its values, not sites of their own."""

    scope: str
    line: int
    func: Expr | None
    name: str  # the callee as written (``bp.route``), "" when not a dotted name
    args: tuple[Value, ...]
    kwargs: tuple[tuple[str, Value], ...]
    target: str  # the name the statement assigns the result to ("" if none)
    decorates: str  # for a decorator: the qualified name of the def it decorates


class Annotation(NamedTuple):
    """A parameter's or the return annotation of function ``qual``: every name it mentions (``Optional[Conn]`` ->
    ``Optional``, ``Conn``), as expressions."""

    qual: str
    name: str  # the parameter, or "return"
    exprs: tuple[Expr, ...]


class VarValue(NamedTuple):
    """What a module-level ``NAME = value`` first binds: ``shape`` is ``constant`` (an immutable literal),
    ``container`` (a list/dict/set literal or comprehension), ``call`` (``expr`` is the callee), ``ref`` (``expr``
    names it), ``lambda`` or ``other``."""

    name: str
    shape: str
    expr: Expr | None
    line: int


class Setting(NamedTuple):
    """A module-level ``NAME = "text"`` or ``NAME = ["a", "b"]`` with an upper-case name (settings, config)."""

    name: str
    line: int
    values: tuple[str, ...]
    is_list: bool


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
    sites: tuple[Site, ...] = ()
    settings: tuple[Setting, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    var_values: tuple[VarValue, ...] = ()
    return_shapes: tuple[tuple[str, str], ...] = ()
    """``(function qual, shape)`` for a ``return`` of a lambda (``callable``), a generator expression
    (``generator``) or ``open(...)`` (``file``)."""
    flows: bytes = b""
    """Value-flow facts (:mod:`analyzer.flow`), from the standard library's parser, packed
    (:func:`analyzer.flow.pack`; :func:`analyzer.flow.unpack` reads them)."""


@dataclass(frozen=True)
class FileFailure:
    """A file that could not be read or parsed; the analysis goes on without it."""

    module: str
    file: str
    is_package: bool
    diagnostic: Diagnostic
    traceback: str = ""
    """For an ``internal`` failure (a bug of the analyzer's): the formatted traceback, to report."""


FileResult = FileFacts | FileFailure
