"""The notifications domain's facade: send a message (stored in the outbox) and read the outbox."""

from __future__ import annotations

import datetime

from . import db
from .models import Notification, Template
from .templates import render


def send(recipient: str, template: Template, context: dict[str, str], now: datetime.datetime) -> Notification:
    """Render ``template`` with ``context`` and queue it for ``recipient``."""
    subject, body = render(template, context)
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO notifications (recipient, template, subject, body, created_at) VALUES (?, ?, ?, ?, ?)",
            (recipient, template.value, subject, body, now.isoformat()),
        )
        new_id = cursor.lastrowid
    assert new_id is not None
    return Notification(new_id, recipient, template, subject, body, now)


def outbox(recipient: str) -> list[Notification]:
    """Every message sent to ``recipient``, oldest first."""
    with db.transaction(write=False) as conn:
        rows = conn.execute(
            "SELECT * FROM notifications WHERE recipient = ? ORDER BY id", (recipient,)
        ).fetchall()
    return [
        Notification(
            row["id"],
            row["recipient"],
            Template(row["template"]),
            row["subject"],
            row["body"],
            datetime.datetime.fromisoformat(row["created_at"]),
        )
        for row in rows
    ]


def counts_by_template() -> list[tuple[str, int]]:
    """How many messages of each template were sent, by template name."""
    with db.transaction(write=False) as conn:
        rows = conn.execute(
            "SELECT template, COUNT(*) FROM notifications GROUP BY template ORDER BY template"
        ).fetchall()
    return [(row[0], row[1]) for row in rows]
