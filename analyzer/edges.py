"""The edge accumulator of the graph builder: one entry per (source, target, kind), attributes merged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Edges:
    """Edge accumulator: weight, lines and extra attributes per (u, v, kind)."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str, str], dict[str, Any]] = {}

    def add(self, u: str, v: str, kind: str, line: int, **extra: Any) -> dict[str, Any]:
        key = (u, v, kind)
        entry = self.data.get(key)
        if entry is None:
            entry = self.data[key] = {"kind": kind, "weight": 0, "lines": []}
        entry["weight"] += 1
        entry["lines"].append(line)
        for name, value in extra.items():
            if name == "inferred":  # inferred only when every occurrence was (an edge made without it was exact)
                entry[name] = value if entry["weight"] == 1 else entry.get(name, False) and value
            elif name in ("type_checking", "lazy", "string", "bound", "decorator"):
                entry[name] = entry.get(name, True) and value
            elif name in ("passes", "names", "ops", "access", "to"):
                entry.setdefault(name, set()).update(value)
            elif name not in entry:
                entry[name] = value  # default, file: the first occurrence's
        return entry

    def finish(self, wanted: Callable[[str], bool] | None = None) -> list[tuple[str, str, str, dict[str, Any]]]:
        """The edges with their attributes settled, and gone from here; ``wanted``: only those of the kinds it
        says yes to (the others stay, to be added to and finished later)."""
        out = []
        for key, entry in list(self.data.items()):
            u, v, kind = key
            if wanted is not None and not wanted(kind):
                continue
            del self.data[key]
            entry["lines"] = sorted(set(entry["lines"]))
            for name in ("passes", "names", "ops", "access", "to"):
                if name in entry:
                    entry[name] = sorted(entry[name])
            if entry.get("inferred") is False:
                del entry["inferred"]
            if kind == "calls" and "passes" not in entry:
                entry["passes"] = []
            if kind == "imports":
                entry.setdefault("type_checking", False)
                entry.setdefault("lazy", False)
                if entry.pop("string", False):
                    entry["string"] = True  # named only in framework strings
            out.append((u, v, kind, entry))
        return out
