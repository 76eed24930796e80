"""``python -m notes.initdb``: create the schema (the app's one-time init); ``--fail`` exits 3 after a message."""

from __future__ import annotations

import sys

from notes import _connect

if __name__ == "__main__":
    if "--fail" in sys.argv:
        print("initdb: refusing on purpose (--fail)", flush=True)
        sys.exit(3)
    with _connect() as db:
        db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS tags (id INTEGER PRIMARY KEY, text TEXT)")
    print("initdb: schema ready", flush=True)
