"""Stage 1: source tree -> dependency graph (libcst -> networkx). The public API is ``__all__``:

- :func:`analyze` ``(src, *, exclude, cache_dir, jobs, progress, include_tests) -> CodeGraph``
- :func:`summarize` / :func:`render`: what ``cleave analyze`` prints about a graph
- :class:`AnalyzerError` (and its :class:`SourceError`): bad input, one precise line
- :data:`ANALYZER_VERSION`: part of every cache key

Pipeline: :mod:`analyzer.discover` lists the modules, :mod:`analyzer.worker` turns each file into facts
(:mod:`analyzer.walker` driven by :mod:`analyzer.handlers`, in parallel, cached by :mod:`analyzer.cache`),
:mod:`analyzer.resolve` resolves names across files, :mod:`analyzer.build` makes the graph and
:mod:`analyzer.incremental` patches the last one when only a few files changed.
"""

from analyzer.errors import AnalyzerError, SourceError
from analyzer.pipeline import ANALYZER_VERSION, analyze
from analyzer.summary import render, summarize

__all__ = ["ANALYZER_VERSION", "AnalyzerError", "SourceError", "analyze", "render", "summarize"]
