"""The subscribers domain: who gets which topics."""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsletter.storage import transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (email TEXT PRIMARY KEY, name TEXT NOT NULL, topics TEXT NOT NULL);
"""
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.\w+$")


class InvalidSubscriber(ValueError):
    """The e-mail address or the topics are not acceptable."""


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str
    topics: tuple[str, ...]


def subscribe(email: str, name: str, topics: tuple[str, ...]) -> Subscriber:
    """Add or update a subscriber."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidSubscriber(f"{email!r} is not an e-mail address")
    if not topics:
        raise InvalidSubscriber("subscribe to at least one topic")
    clean = tuple(sorted({topic.strip().lower() for topic in topics}))
    with transaction("subscribers", SCHEMA) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO subscribers (email, name, topics) VALUES (?, ?, ?)", (email, name, ",".join(clean))
        )
    return Subscriber(email, name, clean)


def subscribers_of(topic: str) -> list[Subscriber]:
    with transaction("subscribers", SCHEMA) as conn:
        rows = conn.execute("SELECT email, name, topics FROM subscribers ORDER BY email").fetchall()
    found = [Subscriber(row["email"], row["name"], tuple(row["topics"].split(","))) for row in rows]
    return [subscriber for subscriber in found if topic in subscriber.topics]
