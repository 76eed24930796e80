"""The interface functions of the test service."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from cleave_kit.client import call

from kitdemo.values import Line, Order, OutOfStock

_lock = threading.Lock()
_counter = {"n": 0}


def add(a, b=0):
    return a + b


def total(order: Order) -> Order:
    """Returns a new order with one more line, echoing nested dataclasses, enums, Decimal and frozenset."""
    return Order(order.id + 1, [*order.lines, Line("extra", 1, sum((line.price for line in order.lines), start=0))],
                 order.colour, order.tags | {"seen"})


def reserve(sku: str, wanted: int) -> None:
    raise OutOfStock(sku, wanted)


def fail_builtin(key):
    return {}[key]


def fail_private():
    from kitprivate.errors import PrivateError  # only the service has this module

    raise PrivateError("only here")


def unsendable():
    return lambda: 1


def relay(service: str):
    """Calls another service (to show a ServiceUnavailable travelling back)."""
    return call(service, "kitdemo.api.add", (1, 2), {})


def slow(marker: str, seconds: float) -> str:
    Path(marker).write_text("started")
    time.sleep(seconds)
    return "finished"


def count(path: str) -> int:
    with _lock:
        _counter["n"] += 1
        Path(path).write_text(str(_counter["n"]))
        return _counter["n"]


def pid() -> int:
    return os.getpid()


def private_value():
    from kitprivate.values import Secret

    return Secret(1)


def unsendable_error():
    from kitprivate.errors import Unsendable

    raise Unsendable(open(__file__))  # noqa: SIM115


async def later(value):
    return value * 2


def grüße(name):  # noqa: PLC2401  (a non-ASCII name must cross the wire too)
    return f"hallo {name}"
