"""Shop-wide configuration: read-only constants, fixed at import time."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from types import MappingProxyType
from typing import Final

SHOP_NAME: Final = "Cleave Demo Shop"
CURRENCY: Final = "EUR"
DEFAULT_DATA_DIR: Final = "data"

# Every id that is not a sequential row id is a uuid5 in this namespace, made from stable inputs.
ID_NAMESPACE: Final = uuid.UUID("3b0f6a52-8d0e-4c36-9b1e-2f1d5a7c9e40")

# The shop's logical clock starts here and advances by CLOCK_STEP on every API request.
EPOCH: Final = datetime.datetime(2024, 3, 1, 9, 0, tzinfo=datetime.UTC)
CLOCK_STEP: Final = datetime.timedelta(hours=3)

REGIONS: Final = ("DE", "FR", "NL", "AT", "US")
DEFAULT_TAX_RATES: Final = MappingProxyType(
    {"DE": Decimal("0.19"), "FR": Decimal("0.20"), "NL": Decimal("0.21"), "AT": Decimal("0.20"), "US": Decimal("0")}
)
DELIVERY_DAYS: Final = MappingProxyType({"DE": 2, "FR": 3, "NL": 3, "AT": 3, "US": 7})

FREE_SHIPPING_THRESHOLD: Final = Decimal("100.00")
GOLD_TIER_THRESHOLD: Final = Decimal("200.00")
GOLD_TIER_DISCOUNT: Final = Decimal("0.05")
MAX_LINE_QUANTITY: Final = 20
LOW_STOCK_THRESHOLD: Final = 3
REFUND_WINDOW_DAYS: Final = 14

# The payment gateway's test rules: card numbers with these endings are refused, with this reason.
DECLINED_CARD_ENDINGS: Final = MappingProxyType({"0002": "card declined", "0069": "insufficient funds"})
