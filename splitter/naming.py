"""Readable, valid, unique service names from the dominant package of each service."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from cleave.formats.plan import SERVICE_NAME

GENERIC_ENTRY_NAMES = frozenset({"wsgi", "asgi", "app", "application", "main", "__main__", "server", "__init__"})
_BAD = re.compile(r"[^a-z0-9-]+")


def sanitize(text: str) -> str:
    """A valid service name (``SERVICE_NAME`` in cleave.formats.plan) made from ``text``."""
    name = _BAD.sub("-", text.lower().replace("_", "-").replace(".", "-")).strip("-")
    name = re.sub(r"-{2,}", "-", name)
    if not name or not name[0].isalpha():
        name = f"s-{name}" if name else "service"
    name = name[:41].rstrip("-")
    assert SERVICE_NAME.match(name), name
    return name


def common_root(modules: Iterable[str]) -> tuple[str, ...]:
    """The longest dotted prefix shared by every module (``shop`` for ``shop``, ``shop.orders``, ...)."""
    split = [tuple(m.split(".")) for m in modules]
    if not split:
        return ()
    root: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        root.append(parts[0])
    return tuple(root)


def segment(module: str, root: Sequence[str]) -> str:
    """The part of ``module`` right below the project's common root (its domain package)."""
    parts = module.split(".")
    if len(parts) > len(root):
        return parts[len(root)]
    return parts[-1]


def dominant_prefixes(members: Sequence[str], root: Sequence[str], *, full: bool = False) -> list[str]:
    """Name candidates: the last part of the deepest package (or module) holding at least half of ``members``,
    then of its parents (``catalog`` for a group of ``shop.catalog.*`` modules); ``full``: whole dotted names."""
    counts: Counter[str] = Counter()
    for module in members:
        parts = module.split(".")
        for depth in range(1, len(parts)):
            counts[".".join(parts[:depth])] += 1
    for module in members:  # a package module counts for itself too
        if module in counts:
            counts[module] += 1
    half = len(members) / 2
    found = sorted((p for p, c in counts.items() if c >= half and p.count(".") + 1 > len(root)),
                   key=lambda p: (-p.count("."), -counts[p], p))
    out: list[str] = []
    for prefix in found:
        last = prefix if full else prefix.rsplit(".", 1)[-1]
        if last not in out:
            out.append(last)
    return out


def name_groups(groups: Sequence[Iterable[str]], *, all_modules: Iterable[str], taken: Iterable[str] = (),
                entry_module: str | None = None, wanted: Mapping[int, str] | None = None) -> list[str]:
    """One name per group: ``wanted`` names first (names kept from the previous plan), then the dominant domain
    package of the group; the gateway's group is named after the entry module's package or ``gateway``."""
    root = common_root(all_modules)
    used = set(taken)
    names: list[str | None] = [None] * len(groups)
    for index, name in sorted((wanted or {}).items()):
        if name not in used:
            names[index] = name
            used.add(name)
    order = sorted(range(len(groups)), key=lambda i: -len(list(groups[i])))
    for index in order:
        if names[index] is not None:
            continue
        members = sorted(groups[index])
        candidates = [sanitize(members[0].rsplit(".", 1)[-1])] if len(members) == 1 else []
        candidates += [sanitize(p) for p in dominant_prefixes(members, root)]
        votes = Counter(sanitize(segment(m, root)) for m in members)
        candidates += [n for n, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))]
        if entry_module is not None and entry_module in members:
            top_share = max(votes.values()) / max(1, len(members)) if votes else 0.0
            last = entry_module.rsplit(".", 1)[-1]
            entry_name = "gateway" if last in GENERIC_ENTRY_NAMES else sanitize(last)
            if top_share < 0.5 or entry_name == candidates[0]:
                candidates = [entry_name, "gateway", *candidates]
        chosen = next((c for c in candidates if c not in used), None)
        if chosen is None:
            base = candidates[0] if candidates else "service"
            number = 2
            while f"{base[:38]}-{number}" in used:
                number += 1
            chosen = f"{base[:38]}-{number}"
        names[index] = chosen
        used.add(chosen)
    return [n or "service" for n in names]
