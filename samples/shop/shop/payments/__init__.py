"""Payments: card charges through the gateway, refunds, totals."""

from .errors import InvalidCard, NoPayment, PaymentDeclined, RefundTooLarge
from .models import Card, Payment, PaymentState, PaymentTotals, Refund

__all__ = ["Card", "InvalidCard", "NoPayment", "Payment", "PaymentDeclined", "PaymentState", "PaymentTotals",
           "Refund", "RefundTooLarge"]
