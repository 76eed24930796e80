"""Comments under a post; never dated before the post."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from journal import posts
from journal.db import get_connection
from journal.errors import ConflictError, JournalError


@dataclass(frozen=True)
class Comment:
    id: int
    post_id: int
    who: str
    text: str
    written_on: datetime.date


def comment(post_id: int, who: str, text: str, on: datetime.date) -> Comment:
    post = posts.get_post(post_id)
    if on < post.published_on:
        raise ConflictError(f"post {post.id} was published on {post.published_on.isoformat()}")
    if not text.strip():
        raise JournalError("text: is required")
    cursor = get_connection().execute("INSERT INTO comments (post_id, who, text, written_on) VALUES (?, ?, ?, ?)",
                                      (post.id, who, text.strip(), on.isoformat()))
    return Comment(int(cursor.lastrowid or 0), post.id, who, text.strip(), on)


def comments_on(post_id: int) -> list[Comment]:
    posts.get_post(post_id)
    rows = get_connection().execute("SELECT * FROM comments WHERE post_id = ? ORDER BY id", (post_id,))
    return [Comment(r["id"], r["post_id"], r["who"], r["text"], datetime.date.fromisoformat(r["written_on"]))
            for r in rows]
