"""The monolith's modules on disk: dotted name -> file, read and parsed once (libcst)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from cleave.formats.graph import CodeGraph
from packager.errors import PackagerError

_SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "venv", ".venv", "build", "dist", "site-packages"})


@dataclass(frozen=True)
class ModuleSource:
    """One module of the monolith: ``relpath`` is POSIX and relative to the source root."""

    name: str
    relpath: str
    is_package: bool


def module_name(relpath: str) -> str | None:
    """``shop/orders/__init__.py`` -> ``shop.orders``; ``None`` for a file that is not importable by name."""
    parts = relpath.split("/")
    if not parts[-1].endswith(".py"):
        return None
    stem = parts[-1][:-3]
    parts = parts[:-1] if stem == "__init__" else [*parts[:-1], stem]
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


class SourceIndex:
    """Every importable module under ``src``, with cached text and syntax trees."""

    def __init__(self, src: Path, modules: dict[str, ModuleSource]) -> None:
        self.src = src
        self.modules = dict(sorted(modules.items()))
        self._trees: dict[str, cst.Module] = {}
        self._syntax: dict[str, ast.Module] = {}

    @classmethod
    def scan(cls, src: Path, code_graph: CodeGraph | None = None) -> SourceIndex:
        """The monolith's modules: the graph's module nodes that name a file (the analyzer already applied the
        excludes, test code and .cleaveignore), or, without a graph, every ``.py`` file under ``src``."""
        if not src.is_dir():
            raise PackagerError("source folder not found", path=src, hint="pass the monolith's root folder")
        if code_graph is None:
            paths = list(_python_files(src))
        else:
            paths = [src / data["file"] for _, data in code_graph.graph.nodes(data=True)
                     if data.get("kind") == "module" and isinstance(data.get("file"), str)]
            paths = [path for path in sorted(paths) if _checked(src, path)]
        modules: dict[str, ModuleSource] = {}
        for path in paths:
            relpath = path.relative_to(src).as_posix()
            name = module_name(relpath)
            if name is not None:
                modules[name] = ModuleSource(name, relpath, path.name == "__init__.py")
        return cls(src, modules)

    def __contains__(self, name: object) -> bool:
        return name in self.modules

    def get(self, name: str) -> ModuleSource | None:
        return self.modules.get(name)

    def path(self, name: str) -> Path:
        return self.src / self.modules[name].relpath

    def read_bytes(self, name: str) -> bytes:
        try:
            return self.path(name).read_bytes()
        except OSError as error:
            raise PackagerError(f"cannot read module {name}: {error.strerror}", path=self.path(name)) from error

    def tree(self, name: str) -> cst.Module:
        """The module's concrete syntax tree (parsed once)."""
        if name not in self._trees:
            try:
                self._trees[name] = cst.parse_module(self.read_bytes(name))
            except cst.ParserSyntaxError as error:
                raise PackagerError(f"syntax error: {error.message}", path=self.modules[name].relpath,
                                    line=error.raw_line, hint="fix the file, then rerun") from error
        return self._trees[name]

    def syntax(self, name: str) -> ast.Module:
        """The module's :mod:`ast` tree (parsed once), for fast whole-module walks."""
        if name not in self._syntax:
            try:
                self._syntax[name] = ast.parse(self.read_bytes(name), filename=self.modules[name].relpath)
            except (SyntaxError, ValueError) as error:
                line = error.lineno if isinstance(error, SyntaxError) else None
                message = error.msg if isinstance(error, SyntaxError) else str(error)
                raise PackagerError(f"syntax error: {message}", path=self.modules[name].relpath, line=line,
                                    hint="fix the file, then rerun") from error
        return self._syntax[name]

    def package_of(self, name: str) -> str:
        """The package a module's relative imports start from."""
        source = self.modules.get(name)
        if source is not None and source.is_package:
            return name
        return name.rpartition(".")[0]

    def resolve_relative(self, name: str, level: int, target: str | None) -> str:
        """Absolute module name of ``from {'.' * level}{target} import ...`` written in module ``name``."""
        base = self.package_of(name)
        for _ in range(level - 1):
            base = base.rpartition(".")[0]
        if target:
            return f"{base}.{target}" if base else target
        return base

    def is_project(self, module: str) -> bool:
        """Whether ``module`` (or its top-level package) belongs to the monolith."""
        top = module.split(".", 1)[0]
        return module in self.modules or any(m == top or m.startswith(top + ".") for m in self.modules)


def _python_files(src: Path) -> Iterator[Path]:
    for path in sorted(src.rglob("*.py")):
        relative = path.relative_to(src).parts
        if any(part.startswith(".") or part in _SKIPPED_DIRS for part in relative[:-1]):
            continue
        if _checked(src, path):
            yield path


def _checked(src: Path, path: Path) -> bool:
    """Whether ``path`` is a file to take; a symlink leading out of ``src`` is an error, never followed."""
    if path.is_symlink() and not path.resolve().is_relative_to(src.resolve()):
        raise PackagerError(f"symlink points outside the source folder, to {path.resolve()}",
                            path=path.relative_to(src).as_posix(),
                            hint="copy the file into SRC or remove the link; a build holds only SRC's code")
    return path.is_file()


def parents(module: str) -> list[str]:
    """``a.b.c`` -> ``["a", "a.b"]``."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]
