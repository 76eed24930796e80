"""Configuration: environment variables and constants every domain reads."""

from __future__ import annotations

import os
from decimal import Decimal

DATA_DIR = os.environ.get("DATA_DIR", "data")
DB_PATH = os.path.join(DATA_DIR, "boxoffice.db")
POINTS_PER_EURO = 2
MAX_SEATS_PER_BOOKING = 6
BOOKING_FEE = Decimal("1.50")
