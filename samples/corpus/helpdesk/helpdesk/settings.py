"""Configuration from the environment, read by every layer."""

from __future__ import annotations

import os

DATA_DIR = os.environ.get("DATA_DIR", "data")
DATABASE_PATH = os.path.join(DATA_DIR, "helpdesk.sqlite3")
LOG_LEVEL = os.environ.get("HELPDESK_LOG_LEVEL", "WARNING")
SLA_HOURS = {"low": 72, "normal": 24, "high": 4}
MAX_OPEN_PER_AGENT = 2
