"""The root of every error cleave reports to a user.

Each stage has one exception module whose base derives from :class:`CleaveError`::

    CleaveError
    ├── FormatError            (cleave.formats: graph.json, cleave.yaml, topology.json, OCI layouts)
    ├── AnalyzerError          (analyzer.errors)
    ├── SplitterError          (splitter.errors)
    ├── PackagerError          (packager.errors)
    └── RuntimeEngineError     (runtime.errors)

    UsageError                 a command-line value the command cannot take (a mixin: exit code 2)

The CLI catches ``CleaveError`` and prints ``str(error)`` on stderr with exit code 1 (2 for a
:class:`UsageError`), never a traceback, so messages must say what went wrong, where (file and line when there is
one) and what to do.
"""

from __future__ import annotations

from pathlib import Path


class CleaveError(Exception):
    """An error with a message fit for a user: what, where, what to do."""

    exit_code = 1
    """The CLI's exit status for this error."""

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class UsageError(CleaveError):
    """A command-line value the command cannot take (exit code 2, like click's own usage errors)."""

    exit_code = 2
