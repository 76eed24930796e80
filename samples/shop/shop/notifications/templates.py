"""Message texts, one subject and body per template, filled in with ``string.Template``."""

from __future__ import annotations

import string
from types import MappingProxyType

from shop.config import SHOP_NAME
from shop.notifications.errors import TemplateError
from shop.notifications.models import Template

TEXTS = MappingProxyType(
    {
        Template.WELCOME: ("Welcome to $shop", "Hello $name, your account $customer is ready."),
        Template.ORDER_PLACED: ("Order $order received", "We received order $order over $total. Pay to confirm."),
        Template.PAYMENT_RECEIVED: ("Payment for $order", "We received $amount for order $order. Thank you!"),
        Template.PAYMENT_FAILED: ("Payment for $order failed", "Your card was refused ($reason). Try another."),
        Template.SHIPPED: ("Order $order shipped", "Parcel $tracking is on its way, expected on $expected."),
        Template.DELIVERED: ("Order $order delivered", "Parcel $tracking was delivered."),
        Template.CANCELLED: ("Order $order cancelled", "Order $order was cancelled. $refund"),
        Template.REFUNDED: ("Refund for $order", "We refunded $amount for order $order."),
        Template.TIER_UPGRADED: ("You are now $tier", "Thanks $name: as a $tier customer you save on every order."),
    }
)


def render(template: Template, context: dict[str, str]) -> tuple[str, str]:
    """Return (subject, body); a missing placeholder value is a :class:`TemplateError`."""
    subject, body = TEXTS[template]
    values = {"shop": SHOP_NAME, **context}
    try:
        return string.Template(subject).substitute(values), string.Template(body).substitute(values)
    except KeyError as exc:
        raise TemplateError(template.value, str(exc)) from None
