"""Exceptions of the shipping domain."""

from __future__ import annotations

from shop.common.errors import Conflict, Invalid, NotFound


class ShipmentNotFound(NotFound):
    def __init__(self, reference: str) -> None:
        super().__init__(f"no shipment {reference}")
        self.reference = reference


class InvalidTransition(Conflict):
    def __init__(self, tracking: str, current: str, wanted: str) -> None:
        super().__init__(f"shipment {tracking} is {current}, it cannot become {wanted}")
        self.current = current
        self.wanted = wanted


class UnsupportedRegion(Invalid):
    def __init__(self, region: str) -> None:
        super().__init__("country", f"we do not ship to {region!r}")
        self.region = region
