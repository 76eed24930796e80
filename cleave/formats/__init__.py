"""The files the stages exchange: graph.json, cleave.yaml, topology.json, and OCI image layouts.

Every format is versioned (a ``format`` field) and validated on load; a bad file raises a
:class:`FormatError` that names the file and, where it can, the line.
"""

from cleave.formats.errors import FormatError

__all__ = ["FormatError"]
