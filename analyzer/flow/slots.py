"""The slots of one module's flow facts: which slot a name reads or writes in a scope (Python's LEGB), temporaries,
constants, and the walker's line of a node.

:class:`Slots` is the base of the expression compiler (:mod:`analyzer.flow.exprs`); slot names are described in
:mod:`analyzer.flow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import libcst as cst

from analyzer.flow.scopes import Frame

Fact = tuple[Any, ...]
Slot = str | None


class Slots:
    """One module's facts so far, and the names of the slots they use."""

    def __init__(self, module: str, lines: Mapping[int, int]) -> None:
        self.module = module
        self.lines = lines
        self.line = 1  # the last line met: for a node the walker gave no line of its own
        self.facts: list[Fact] = []
        self.frame = Frame("module", "", "", None)
        self.globals_read: set[str] = set()
        self._tmp = 0
        self._made = 0  # containers, lambdas and comprehensions made so far (their ids)
        self._names: dict[str, str] = {}

    def line_of(self, node: cst.CSTNode) -> int:
        """The walker's line for ``node``, else the last line met."""
        line = self.lines.get(id(node))
        if line is None:
            return self.line
        self.line = line
        return line

    def made_here(self, node: cst.CSTNode, what: str = "") -> str:
        """An id for a container, lambda or comprehension made at ``node``: its line and a count, unique in the
        module."""
        self._made += 1
        return f"{what}{self.line_of(node)}:{self._made}"

    def one(self, slot: str) -> str:
        """The one string object for this slot name: facts share it, so the packed facts hold it once and the
        solver hashes it once."""
        return self._names.setdefault(slot, slot)

    def tmp(self) -> str:
        self._tmp += 1
        return f"{self.module}:#{self._tmp}"

    def global_slot(self, name: str) -> str:
        if name not in self.globals_read:
            self.globals_read.add(name)
            self.facts.append(("g", self.module, name))
        return self.one(f"{self.module}::{name}")

    def class_slot(self, frame: Frame, name: str) -> str:
        return self.one(f"A|{self.module}.{frame.qual}|{name}")

    def load(self, name: str) -> str:
        """The slot ``name`` reads in the current scope (Python's LEGB, class bodies seen only from themselves)."""
        frame: Frame | None = self.frame
        if frame is not None and frame.kind == "class":
            if name in frame.local:
                return self.class_slot(frame, name)
            frame = frame.parent
        while frame is not None and frame.kind != "module":
            if name in frame.declared_global:
                break
            if frame.kind != "class" and name in frame.local:
                return self.one(f"{self.module}:{frame.qual}:{name}")
            frame = frame.parent
        return self.global_slot(name)

    def store_slot(self, name: str) -> str:
        """The slot an assignment to ``name`` writes in the current scope."""
        frame = self.frame
        if frame.kind == "class":
            return self.class_slot(frame, name)
        if frame.kind == "module" or name not in frame.local:
            return self.load(name)
        return self.one(f"{self.module}:{frame.qual}:{name}")

    def const(self, value: tuple[Any, ...]) -> str:
        slot = self.tmp()
        self.facts.append(("k", slot, value))
        return slot
