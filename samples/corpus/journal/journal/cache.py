"""A small in-process memo for values that never change once written (authors)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_values: dict[str, object] = {}
_lock = threading.Lock()


def remember(key: str, compute: Callable[[], T]) -> T:
    with _lock:
        if key in _values:
            return _values[key]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _values[key] = value
    return value
