"""Settings, read once from the environment; every domain reads them."""

from __future__ import annotations

import os
from decimal import Decimal

DATA_DIR = os.environ.get("DATA_DIR", "data")
DATABASE = os.path.join(DATA_DIR, "library.db")
LOAN_DAYS = int(os.environ.get("LIBRARY_LOAN_DAYS", "14"))
MAX_LOANS = 3
FINE_PER_DAY = Decimal("0.25")
FINE_LIMIT = Decimal("2.00")
