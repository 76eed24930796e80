"""Read YAML keeping each value's line, so a bad plan's error can name the line to fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from cleave.formats.errors import FormatError


@dataclass(frozen=True)
class Located:
    """A plain Python value from YAML plus the 1-based line it starts on (``key_line``: its key's line)."""

    value: Any
    line: int
    key_line: int = 0

    @property
    def where(self) -> int:
        """The line to name in an error about this value as a whole: its key's line when it has a key."""
        return self.key_line or self.line


def load_located(text: str, origin: str) -> Located:
    """Parse ``text`` into nested dicts/lists of :class:`Located` (safe YAML only)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise FormatError(f"YAML does not parse: {problem}", path=origin, line=line) from error
    if node is None:
        return Located({}, 1)
    return _convert(node, origin)


def _convert(node: yaml.Node, origin: str) -> Located:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Located] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, origin).value
            if not isinstance(key, str | int | float | bool):
                raise FormatError("mapping keys must be plain values", path=origin, line=key_node.start_mark.line + 1)
            if str(key) in result:
                raise FormatError(f"key {key!r} appears twice", path=origin, line=key_node.start_mark.line + 1)
            value = _convert(value_node, origin)
            result[str(key)] = Located(value.value, value.line, key_node.start_mark.line + 1)
        return Located(result, line)
    if isinstance(node, yaml.SequenceNode):
        return Located([_convert(item, origin) for item in node.value], line)
    try:
        value = yaml.SafeLoader(" ").construct_object(node, deep=True)
    except yaml.YAMLError as error:
        raise FormatError(f"bad value: {error}", path=origin, line=line) from error
    return Located(value, line)


def plain(located: Located) -> Any:
    """Drop the line numbers again."""
    value = located.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
