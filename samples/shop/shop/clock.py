"""The shop's logical clock: deterministic time for a deterministic shop.

Every API request that changes something advances the clock by ``config.CLOCK_STEP`` from ``config.EPOCH`` (reads
see the current time without advancing it); the counter lives in ``$DATA_DIR/clock.db``, so replaying the same
requests against a fresh data directory gives the same timestamps.
The web layer reads the clock once per request and passes ``now`` down to the domains as plain data.
"""

from __future__ import annotations

import datetime
import os
import sqlite3

from shop.config import CLOCK_STEP, DEFAULT_DATA_DIR, EPOCH


def _path() -> str:
    return os.path.join(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR), "clock.db")


def _read(advance: bool) -> datetime.datetime:
    path = _path()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.executescript(
            "PRAGMA journal_mode = WAL;"
            "CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), ticks INTEGER NOT NULL);"
        )
        conn.execute("PRAGMA synchronous = NORMAL")
        if advance:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR IGNORE INTO clock (id, ticks) VALUES (1, 0)")
            conn.execute("UPDATE clock SET ticks = ticks + 1 WHERE id = 1")
        row = conn.execute("SELECT ticks FROM clock WHERE id = 1").fetchone()
        if advance:
            conn.execute("COMMIT")
    finally:
        conn.close()
    return EPOCH + CLOCK_STEP * (row[0] if row else 0)


def tick() -> datetime.datetime:
    """Advance the clock by one step and return the new time."""
    return _read(advance=True)


def now() -> datetime.datetime:
    """The current time, without advancing the clock."""
    return _read(advance=False)
