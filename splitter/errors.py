"""The splitter's errors: one base, each message names the file and line and says what to do."""

from __future__ import annotations

from cleave.errors import CleaveError


class SplitterError(CleaveError):
    """A plan or graph the splitter cannot work with (a bad rule, an impossible service count, ...)."""
