"""Which files under SRC are the monolith's Python modules, and what each module is called."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pathspec

from analyzer.errors import SourceError
from analyzer.facts import Job
from cleave.formats.graph import Diagnostic

EXCLUDED_DIRS: Final = frozenset({
    ".git", ".hg", ".svn", "__pycache__", "node_modules", "build", ".tox", ".nox", ".venv", "venv", ".eggs",
    ".cleave", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", "site-packages",
})
"""Folders never analyzed (plus ``*.egg-info`` and any virtualenv, recognised by its ``pyvenv.cfg``)."""

TEST_PATTERNS: Final = ("tests/", "test/", "test_*.py", "*_test.py", "tests.py", "conftest.py")
"""Test code, left out unless asked for: it runs against the monolith, it is not part of any service."""

IGNORE_FILES: Final = (".gitignore", ".cleaveignore")
"""Read from SRC's root and from every folder below it, in .gitignore syntax (a deeper file's patterns are relative
to its folder and win, as in git); ``.cleaveignore`` names what only cleave should skip (scripts, fixtures) without
touching git's own list."""


@dataclass(frozen=True)
class SourceTree:
    """The modules found under SRC: one job per file, the namespace packages, what was skipped."""

    root: Path
    jobs: tuple[Job, ...]
    namespace_packages: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    excluded_tests: tuple[str, ...] = ()
    """Test files and folders left out (folders end with ``/``)."""


def module_name(relative: str) -> tuple[str, bool]:
    """``shop/orders/service.py`` -> (``shop.orders.service``, False); ``shop/__init__.py`` -> (``shop``, True)."""
    parts = relative[:-3].split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _ignore_lines(folder: str, present: Iterable[str] = IGNORE_FILES) -> list[str]:
    """The patterns of the ignore files in ``folder`` (``present``: those of :data:`IGNORE_FILES` it holds)."""
    lines: list[str] = []
    for name in present:
        with contextlib.suppress(OSError), open(os.path.join(folder, name), encoding="utf-8",
                                                 errors="replace") as handle:
            lines.extend(line for line in handle.read().splitlines() if line.strip() and not line.startswith("#"))
    return lines


def _rooted(line: str, rel: str) -> str:
    """A pattern of ``rel/.gitignore`` rewritten relative to SRC: anchored below ``rel`` when it holds a slash
    before its end, else matching at any depth below ``rel``."""
    negated, pattern = (line[:1], line[1:]) if line.startswith("!") else ("", line)
    anchored = "/" in pattern.rstrip().rstrip("/")
    return f"{negated}{rel}/{pattern.lstrip('/')}" if anchored else f"{negated}{rel}/**/{pattern}"


def _spec(lines: Sequence[str]) -> pathspec.GitIgnoreSpec | None:
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def discover(src: Path, exclude: Sequence[str] = (), *, include_tests: bool = False) -> SourceTree:
    """Walk SRC (following directory symlinks once each) and list its modules; raises :class:`SourceError`
    when SRC is missing or holds no Python."""
    if not src.exists():
        raise SourceError("source folder does not exist", path=src, hint="pass the folder holding your package")
    if not src.is_dir():
        raise SourceError("source is not a folder", path=src, hint="pass the folder holding your package")
    root = src.resolve()
    walk = _Walk(None if include_tests else _spec(TEST_PATTERNS))
    walk.run(root, [*_ignore_lines(str(root)), *exclude])
    if not walk.jobs:
        raise SourceError("no Python files found", path=src,
                          hint="pass the folder that holds your top-level package, and check --exclude")
    if any(job.rel == "__init__.py" for job in walk.jobs):
        walk.diagnostics.append(Diagnostic("__init__.py", 0, "source-is-package",
                                           "SRC is itself a package: module names start below it (pass its parent "
                                           "folder to keep the package's name)"))
    return SourceTree(root=root, jobs=tuple(sorted(walk.jobs, key=lambda job: job.rel)),
                      namespace_packages=walk.namespaces(), diagnostics=tuple(walk.diagnostics),
                      excluded_tests=tuple(sorted(walk.excluded_tests)))


_Folder = tuple[str, str, list[str], pathspec.GitIgnoreSpec | None]
"""A folder to list: its path, its path relative to SRC, the ignore lines that apply in it and their spec."""


class _Walk:
    """One walk of SRC, folder by folder (a stack, no recursion): what it has found so far."""

    def __init__(self, tests: pathspec.GitIgnoreSpec | None) -> None:
        self.tests = tests  # None: tests are analyzed too
        self.jobs: list[Job] = []
        self.diagnostics: list[Diagnostic] = []
        self.excluded_tests: list[str] = []
        self.seen: set[tuple[int, int]] = set()  # (device, inode) of every folder listed
        self.packages: set[str] = set()
        self.dirs_with_py: set[str] = set()

    def run(self, root: Path, root_lines: list[str]) -> None:
        stack: list[_Folder] = [(str(root), "", root_lines, _spec(root_lines))]
        while stack:
            opened = self._open(*stack.pop())
            if opened is None:
                continue
            entries, rel, lines, spec = opened
            for entry in entries:
                path = f"{rel}/{entry.name}" if rel else entry.name
                if _is_dir(entry):
                    if self._walked_into(entry, path, spec):
                        stack.append((entry.path, path, lines, spec))
                elif self._is_module(entry, path, spec):
                    self._add(entry, rel, path)

    def _open(self, folder: str, rel: str, lines: list[str], spec: pathspec.GitIgnoreSpec | None
              ) -> tuple[list[os.DirEntry[str]], str, list[str], pathspec.GitIgnoreSpec | None] | None:
        """The folder's entries and the ignore lines and spec below it; None for a folder skipped (unreadable,
        reached twice, a virtualenv)."""
        try:
            info = os.stat(folder)
            entries = list(os.scandir(folder))
        except OSError as error:
            self.diagnostics.append(Diagnostic(rel or ".", 0, "unreadable",
                                               f"cannot list the folder: {error.strerror or error}"))
            return None
        if (info.st_dev, info.st_ino) in self.seen:
            self.diagnostics.append(Diagnostic(rel, 0, "symlink-loop",
                                               "folder reached twice through a symlink: skipped"))
            return None
        self.seen.add((info.st_dev, info.st_ino))
        if rel and os.path.exists(folder + "/pyvenv.cfg"):
            return None
        names = {entry.name for entry in entries} if rel else set()
        present = [name for name in IGNORE_FILES if name in names]  # listed already: no open() where none is
        own = [_rooted(line, rel) for line in _ignore_lines(folder, present)] if present else []
        if own:
            lines = [*lines, *own]
            spec = _spec(lines)
        return entries, rel, lines, spec

    def _walked_into(self, entry: os.DirEntry[str], path: str, spec: pathspec.GitIgnoreSpec | None) -> bool:
        """Whether a subfolder is listed: not excluded, not ignored, not tests (those are remembered)."""
        if (entry.name in EXCLUDED_DIRS or entry.name.endswith(".egg-info")
                or (spec is not None and spec.match_file(path + "/"))):
            return False
        if self.tests is not None and self.tests.match_file(path + "/"):
            self.excluded_tests.append(path + "/")
            return False
        return True

    def _is_module(self, entry: os.DirEntry[str], path: str, spec: pathspec.GitIgnoreSpec | None) -> bool:
        """Whether a file is a module to analyze: Python, not ignored, not a test, readable through its symlink."""
        if not entry.name.endswith(".py") or (spec is not None and spec.match_file(path)):
            return False
        if self.tests is not None and self.tests.match_file(path):
            self.excluded_tests.append(path)
            return False
        if entry.is_symlink():
            try:
                os.stat(entry.path)
            except OSError as error:
                reason = "symlink loop" if error.errno == 40 else "broken symlink"
                self.diagnostics.append(Diagnostic(path, 0, "unreadable", f"cannot read the file: {reason}"))
                return False
        return True

    def _add(self, entry: os.DirEntry[str], rel: str, path: str) -> None:
        name, is_package = module_name(path)
        if is_package:
            self.packages.add(name)
        self.dirs_with_py.add(rel)
        self.jobs.append(Job(entry.path, path, name, is_package))

    def namespaces(self) -> tuple[str, ...]:
        """Folders above a module that are no regular package (no ``__init__.py``): namespace packages."""
        namespaces: set[str] = set()
        for rel in self.dirs_with_py:
            parts = rel.split("/") if rel else []
            for depth in range(1, len(parts) + 1):
                name = ".".join(parts[:depth])
                if name not in self.packages:
                    namespaces.add(name)
        return tuple(sorted(namespaces))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
