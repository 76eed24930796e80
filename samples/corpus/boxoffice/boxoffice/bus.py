"""An in-process event bus: ``subscribe(topic, callback)`` at import time, ``publish(topic, payload)`` later."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

_subscribers: dict[str, list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(topic: str, callback: Callable[[Any], None]) -> None:
    _subscribers[topic].append(callback)


def publish(topic: str, payload: Any) -> int:
    for callback in _subscribers[topic]:
        callback(payload)
    return len(_subscribers[topic])
