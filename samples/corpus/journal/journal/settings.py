"""Settings."""

from __future__ import annotations

import os

DATA_DIR = os.environ.get("DATA_DIR", "data")
DATABASE = os.path.join(DATA_DIR, "journal.sqlite")
PAGE_SIZE = 3
MAX_TITLE = 60
