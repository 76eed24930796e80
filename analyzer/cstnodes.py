"""libcst's node classes made cheap to build, in the analyzer's own worker processes only.

libcst's nodes are frozen dataclasses: their generated constructor sets each field through
``object.__setattr__`` (a frozen class forbids ``self.field = value``) and then validates the node in
``__post_init__``. Building the nodes is about an eighth of the CPU a parse takes on Django. The worker processes
only read trees that libcst's own parser builds, valid by construction (libcst's comment on the check says so), and
never change a node. So there, once per process, :func:`build_for_reading` drops the frozen guards and gives each
node class a constructor that stores its fields directly and skips the check. The classes keep their fields,
defaults, equality, hashing and methods; a tree built either way is the same tree (``deep_equals``,
``tests/analyzer/test_cstnodes.py``). The caller's process is never changed: :func:`analyzer.pipeline.analyze`
parses there (small trees, ``jobs=1``) with libcst as it ships.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import libcst as cst


def build_for_reading() -> int:
    """Make every libcst node class this module can vouch for cheap to build (see the module's text), and switch
    off the node check for the others; return how many classes got the direct constructor. A class it cannot vouch
    for (a constructor or ``__post_init__`` of its own, a field left out of the constructor) keeps its own
    constructor (a ``__post_init__`` of its own, its check)."""
    classes = [cst.CSTNode, *_subclasses(cst.CSTNode)]
    for klass in classes:
        for name in ("__setattr__", "__delattr__"):
            if _generated(klass.__dict__.get(name)):
                type.__delattr__(klass, name)
    check = cst.CSTNode.__dict__.get("__post_init__")
    changed = 0
    for klass in classes:
        init = _direct_constructor(klass, check)
        if init is not None:
            type.__setattr__(klass, "__init__", init)
            changed += 1
    if check is not None:  # the classes left with their dataclass constructor still call it
        type.__setattr__(cst.CSTNode, "__post_init__", _unchecked)
    return changed


def _unchecked(node: cst.CSTNode) -> None:
    """``CSTNode.__post_init__`` in the workers: the parser's nodes are valid by construction."""


def _subclasses(klass: type) -> Iterator[type]:
    sub: type
    for sub in klass.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _generated(member: object) -> bool:
    """Whether ``member`` is a method the dataclass decorator wrote (its constructor, its frozen guards)."""
    code = getattr(member, "__code__", None)
    return code is not None and code.co_filename == "<string>" and "__create_fn__" in code.co_qualname


def _direct_constructor(klass: type, check: object) -> Callable[..., None] | None:
    """A constructor that stores ``klass``'s fields as its dataclass constructor would, without ``object.__setattr__``
    or the check; None when the class is not one this can stand in for."""
    own = klass.__dict__.get("__init__")
    if (not dataclasses.is_dataclass(klass) or not _generated(own) or klass.__setattr__ is not object.__setattr__
            or getattr(klass, "__post_init__", None) is not check):
        return None
    fields = dataclasses.fields(klass)
    if any(not f.init for f in fields):
        return None
    names: dict[str, Any] = {"_MISSING": dataclasses.MISSING}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for index, f in enumerate(fields):
        spelled = f.name
        if f.default is not dataclasses.MISSING:
            names[f"_default{index}"] = f.default
            spelled = f"{f.name}=_default{index}"
        elif f.default_factory is not dataclasses.MISSING:
            names[f"_factory{index}"] = f.default_factory
            spelled = f"{f.name}=_MISSING"
            body.append(f"    if {f.name} is _MISSING:\n        {f.name} = _factory{index}()")
        (keyword if f.kw_only else positional).append(spelled)
        body.append(f"    self.{f.name} = {f.name}")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({params}):\n" + ("\n".join(body) or "    pass") + "\n"
    try:
        exec(compile(source, f"<direct constructor of {klass.__qualname__}>", "exec"), names)
    except SyntaxError:  # fields this cannot spell as parameters (a libcst of another shape): left as it is
        return None
    init: Callable[..., None] = names["__init__"]
    if _shape(init) != _shape(own):  # the parser calls with keywords: the same names, the same kinds
        return None
    init.__qualname__ = f"{klass.__qualname__}.__init__"
    return init


def _shape(function: Any) -> tuple[tuple[str, ...], int]:
    """A function's parameter names in order, and how many of them are keyword-only (read from its code: cheaper
    than ``inspect.signature``: the whole change of classes takes 18 ms per worker, 28 ms with it)."""
    code = function.__code__
    return code.co_varnames[:code.co_argcount + code.co_kwonlyargcount], code.co_kwonlyargcount
