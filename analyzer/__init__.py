"""Stage 1: source tree -> dependency graph (libcst -> networkx). See :func:`analyzer.analyze`.

Pipeline: :mod:`analyzer.discover` lists the modules, :mod:`analyzer.worker` turns each file into facts
(:mod:`analyzer.walker` and :mod:`analyzer.handlers`, in parallel, cached by :mod:`analyzer.cache`),
:mod:`analyzer.resolve` resolves names across files, :mod:`analyzer.build` makes the graph and
:mod:`analyzer.incremental` patches the last one when only a few files changed.
"""

from analyzer.errors import AnalyzerError, SourceError
from analyzer.pipeline import ANALYZER_VERSION, analyze

__all__ = ["ANALYZER_VERSION", "AnalyzerError", "SourceError", "analyze"]
