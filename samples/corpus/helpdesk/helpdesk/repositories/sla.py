from __future__ import annotations

from helpdesk.database import connection, execute, query

connection().execute("CREATE TABLE IF NOT EXISTS breaches (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                     "ticket_id INTEGER NOT NULL, late_minutes INTEGER NOT NULL)")


def record(ticket_id: int, late_minutes: int) -> int:
    return execute("INSERT INTO breaches (ticket_id, late_minutes) VALUES (?, ?)", ticket_id, late_minutes)


def all_breaches() -> list[tuple[int, int]]:
    return [(row["ticket_id"], row["late_minutes"]) for row in query("SELECT * FROM breaches ORDER BY id")]
