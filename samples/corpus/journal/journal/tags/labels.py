"""Tags on posts."""

from __future__ import annotations

import re

from journal.db import get_connection
from journal.errors import JournalError


def tag(post_id: int, label: str) -> None:
    label = label.strip().lower()
    if not re.fullmatch(r"[a-z0-9-]{1,20}", label):
        raise JournalError(f"tag {label!r}: letters, digits and '-'")
    get_connection().execute("INSERT OR IGNORE INTO post_tags (post_id, tag) VALUES (?, ?)", (post_id, label))


def tags_of(post_id: int) -> list[str]:
    rows = get_connection().execute("SELECT tag FROM post_tags WHERE post_id = ? ORDER BY tag", (post_id,))
    return [row["tag"] for row in rows]


def tagged(label: str) -> list[int]:
    rows = get_connection().execute("SELECT post_id FROM post_tags WHERE tag = ? ORDER BY post_id", (label,))
    return [row["post_id"] for row in rows]
