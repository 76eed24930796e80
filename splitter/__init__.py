"""Stage 2: dependency graph -> plan (service boundaries, classified and scored). See :func:`splitter.split`."""

from splitter.api import split
from splitter.errors import SplitterError

__all__ = ["SplitterError", "split"]
