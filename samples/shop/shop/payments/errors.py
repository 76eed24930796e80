"""Exceptions of the payments domain."""

from __future__ import annotations

import uuid
from decimal import Decimal

from shop.common.errors import Conflict, Invalid, NotFound, PaymentRequired


class PaymentDeclined(PaymentRequired):
    """The card was refused; the attempt is recorded under ``payment_id``."""

    def __init__(self, payment_id: int, reason: str) -> None:
        super().__init__(f"payment {payment_id} declined: {reason}")
        self.payment_id = payment_id
        self.reason = reason


class InvalidCard(Invalid):
    def __init__(self, message: str) -> None:
        super().__init__("card", message)


class NoPayment(NotFound):
    def __init__(self, order_ref: uuid.UUID) -> None:
        super().__init__(f"order {order_ref} has no approved payment")
        self.order_ref = order_ref


class RefundTooLarge(Conflict):
    def __init__(self, requested: Decimal, refundable: Decimal) -> None:
        super().__init__(f"cannot refund {requested}: only {refundable} is left to refund")
        self.requested = requested
        self.refundable = refundable
