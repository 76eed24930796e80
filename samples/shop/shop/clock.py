"""The shop's logical clock: deterministic time for a deterministic shop.

Every API request advances the clock by ``config.CLOCK_STEP`` from ``config.EPOCH``; the counter lives in
``$DATA_DIR/clock.db``, so replaying the same requests against a fresh data directory gives the same timestamps.
The web layer reads the clock once per request and passes ``now`` down to the domains as plain data.
"""

from __future__ import annotations

import datetime
import os
import sqlite3

from shop.config import CLOCK_STEP, DEFAULT_DATA_DIR, EPOCH


def _path() -> str:
    return os.path.join(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR), "clock.db")


def tick() -> datetime.datetime:
    """Advance the clock by one step and return the new time."""
    path = _path()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), ticks INTEGER NOT NULL)")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR IGNORE INTO clock (id, ticks) VALUES (1, 0)")
        conn.execute("UPDATE clock SET ticks = ticks + 1 WHERE id = 1")
        (ticks,) = conn.execute("SELECT ticks FROM clock WHERE id = 1").fetchone()
        conn.execute("COMMIT")
    finally:
        conn.close()
    return EPOCH + CLOCK_STEP * ticks
