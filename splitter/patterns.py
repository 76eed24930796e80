"""Module lists <-> the plan's glob patterns (``shop.orders``, ``shop.orders.*``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def compress(owned: Iterable[str], owner: Mapping[str, str], name: str) -> list[str]:
    """Patterns for the modules ``name`` owns: a whole package (every module under it owned by ``name``)
    becomes ``pkg`` + ``pkg.*``; the rest are listed by name. Never emits a glob that matches nothing."""
    owned_set = set(owned)
    all_modules = sorted(owner)
    out: list[str] = []
    covered: set[str] = set()
    for module in sorted(owned_set, key=lambda m: (m.count("."), m)):
        if module in covered:
            continue
        below = [m for m in all_modules if m.startswith(module + ".")]
        if below and all(owner[m] == name for m in below):
            out += [module, f"{module}.*"]
            covered.update(below)
        else:
            out.append(module)
        covered.add(module)
    return out
