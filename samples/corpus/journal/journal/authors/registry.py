"""Authors sign up with a handle; they never change afterwards (so they are cached)."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from journal import cache
from journal.db import get_connection
from journal.errors import ConflictError, JournalError, NotFoundError


@dataclass(frozen=True)
class Author:
    id: int
    handle: str
    name: str


def sign_up(handle: str, name: str) -> Author:
    if not re.fullmatch(r"[a-z][a-z0-9_]{2,15}", handle):
        raise JournalError("handle: 3 to 16 lower-case letters, digits or _")
    try:
        cursor = get_connection().execute("INSERT INTO authors (handle, name) VALUES (?, ?)", (handle, name))
    except sqlite3.IntegrityError:
        raise ConflictError(f"@{handle} is taken") from None
    return get_author(int(cursor.lastrowid or 0))


def _load(author_id: int) -> Author:
    row = get_connection().execute("SELECT * FROM authors WHERE id = ?", (author_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no author {author_id}")
    return Author(row["id"], row["handle"], row["name"])


def get_author(author_id: int) -> Author:
    return cache.remember(f"author:{author_id}", lambda: _load(author_id))
