"""SQL tables named in string literals: ``CREATE TABLE``, ``SELECT ... FROM a JOIN b``, ``INSERT INTO``,
``UPDATE ... SET``, ``DELETE FROM``. A light scanner, not a parser: it finds every table a statement names."""

from __future__ import annotations

import re
from typing import Final

_LOOKS_LIKE_SQL: Final = re.compile(r"^\s*(?:\(\s*)?(select|insert|update|delete|create|with|replace)\b", re.I)
_NAME: Final = r"((?:[`\"\[]?[A-Za-z_][\w$]*[`\"\]]?\.)?[`\"\[]?[A-Za-z_][\w$]*[`\"\]]?)"
_PATTERNS: Final = (
    ("create", re.compile(r"\bcreate\s+(?:temp(?:orary)?\s+)?table\s+(?:if\s+not\s+exists\s+)?" + _NAME, re.I)),
    ("insert", re.compile(r"\b(?:insert|replace)\s+(?:or\s+\w+\s+)?into\s+" + _NAME, re.I)),
    ("update", re.compile(r"\bupdate\s+(?:or\s+\w+\s+)?" + _NAME + r"\s+(?:as\s+\w+\s+|\w+\s+)?set\b", re.I)),
    ("delete", re.compile(r"\bdelete\s+from\s+" + _NAME, re.I)),
    ("select", re.compile(r"\bjoin\s+" + _NAME, re.I)),
)
_FROM: Final = re.compile(r"(?<!delete\s)\bfrom\s+(.+?)(?=\bwhere\b|\bjoin\b|\bgroup\b|\border\b|\blimit\b|\bhaving\b|"
                          r"\bunion\b|\bleft\b|\bright\b|\binner\b|\bouter\b|\bcross\b|\bfull\b|\bnatural\b|\bon\b|"
                          r"\breturning\b|\bwindow\b|[;)]|$)", re.I | re.S)
_DELETE_FROM: Final = re.compile(r"\bdelete\s+$", re.I)
_FIRST_NAME: Final = re.compile(r"\s*" + _NAME)
_KEYWORDS: Final = frozenset({"select", "where", "values", "set", "as", "on", "lateral", "only", "the"})


def _clean(name: str) -> str:
    return "".join(ch for ch in name if ch not in '`"[]').lower()


def tables_in(text: str) -> list[tuple[str, str]]:
    """``(table, op)`` for every table an SQL string names, in order of appearance; [] if it is not SQL."""
    if not _LOOKS_LIKE_SQL.match(text):
        return []
    found: list[tuple[int, str, str]] = []
    for op, pattern in _PATTERNS:
        found.extend((m.start(), _clean(m.group(1)), op) for m in pattern.finditer(text))
    for m in _FROM.finditer(text):
        if _DELETE_FROM.search(text[: m.start()]):
            continue
        for item in m.group(1).split(","):
            first = _FIRST_NAME.match(item)
            if first and not item.lstrip().startswith("("):
                found.append((m.start(1), _clean(first.group(1)), "select"))
    return [(name, op) for _, name, op in sorted(found) if name not in _KEYWORDS and "{" not in name]
