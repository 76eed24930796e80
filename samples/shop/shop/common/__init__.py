"""Pure helpers every domain uses: money, text, validation, ids and the base exceptions."""

from shop.common.errors import Conflict, Invalid, NotFound, PaymentRequired, ShopError
from shop.common.ids import stable_uuid
from shop.common.money import round_money, to_money
from shop.common.text import slugify

__all__ = [
    "Conflict",
    "Invalid",
    "NotFound",
    "PaymentRequired",
    "ShopError",
    "round_money",
    "slugify",
    "stable_uuid",
    "to_money",
]
