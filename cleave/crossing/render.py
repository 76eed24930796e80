"""One line per crossing, for people: ``file:line: source -> target: why (what to do)``."""

from __future__ import annotations

from cleave.formats.plan import Boundary


def render(boundary: Boundary) -> str:
    """``ledger/orders.py:12: ledger.orders -> ledger.store.db: ledger.store.db of service store returns ...``."""
    where = f"{boundary.where}: " if boundary.where else ""
    why = f": {boundary.why}" if boundary.why else ""
    return f"{where}{boundary.source} -> {boundary.target}{why}"
