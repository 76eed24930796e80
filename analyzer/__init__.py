"""Stage 1: source tree -> dependency graph (libcst -> networkx). See :func:`analyzer.analyze`."""
