from __future__ import annotations

from typing import Any

from boxoffice import bus
from boxoffice.storage import store


def on_cancelled(booking: Any) -> None:
    store.run("UPDATE payments SET refunded = 1 WHERE booking_ref = ?", (booking.ref,))


bus.subscribe("booking.cancelled", on_cancelled)
