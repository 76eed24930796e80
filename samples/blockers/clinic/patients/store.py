"""State kept in memory for the front desk."""

from __future__ import annotations

# What last happened to each patient, by patient id. Written by patients AND by scheduling.
LAST_SEEN: dict[int, str] = {}  # blocker: shared mutable dict
