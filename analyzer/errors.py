"""The analyzer's errors (all :class:`cleave.errors.CleaveError`)::

    AnalyzerError
    └── SourceError     SRC is missing, not a folder, or holds no Python

Bad files inside SRC are no errors: they become diagnostics in the graph and the analysis goes on.
"""

from __future__ import annotations

from cleave.errors import CleaveError


class AnalyzerError(CleaveError):
    """Something stops the analysis as a whole."""


class SourceError(AnalyzerError):
    """SRC cannot be analyzed at all."""
