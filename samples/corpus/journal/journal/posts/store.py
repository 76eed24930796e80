"""Publishing and reading posts."""

from __future__ import annotations

import datetime
import sqlite3

from journal import authors, settings, tags
from journal.db import get_connection, transaction
from journal.errors import JournalError, NotFoundError
from journal.posts.model import Post


def _post(row: sqlite3.Row) -> Post:
    author = authors.get_author(row["author_id"])
    return Post(id=row["id"], author=author.handle, title=row["title"], body=row["body"],
                published_on=datetime.date.fromisoformat(row["published_on"]), tags=tags.tags_of(row["id"]))


def publish(author_id: int, title: str, body: str, on: datetime.date, labels: list[str]) -> Post:
    author = authors.get_author(author_id)
    if not title.strip() or len(title) > settings.MAX_TITLE:
        raise JournalError(f"title: 1 to {settings.MAX_TITLE} characters")
    with transaction() as connection:
        cursor = connection.execute("INSERT INTO posts (author_id, title, body, published_on) VALUES (?, ?, ?, ?)",
                                    (author.id, title.strip(), body, on.isoformat()))
    post_id = int(cursor.lastrowid or 0)
    for label in labels:
        tags.tag(post_id, label)
    return get_post(post_id)


def get_post(post_id: int) -> Post:
    row = get_connection().execute("SELECT * FROM posts WHERE id = ?", (post_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no post {post_id}")
    return _post(row)


def page(number: int) -> list[Post]:
    if number < 1:
        raise JournalError("page: from 1")
    rows = get_connection().execute("SELECT * FROM posts ORDER BY published_on DESC, id DESC LIMIT ? OFFSET ?",
                                    (settings.PAGE_SIZE, (number - 1) * settings.PAGE_SIZE)).fetchall()
    return [_post(row) for row in rows]
