"""Deterministic identifiers: uuid5 of stable inputs, never random."""

from __future__ import annotations

import uuid

from shop.config import ID_NAMESPACE


def stable_uuid(kind: str, *parts: object) -> uuid.UUID:
    """The same kind and parts always give the same UUID (``stable_uuid("order", 7)``)."""
    name = ":".join([kind, *(str(part) for part in parts)])
    return uuid.uuid5(ID_NAMESPACE, name)
