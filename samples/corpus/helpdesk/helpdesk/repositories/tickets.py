from __future__ import annotations

import sqlite3

from helpdesk.database import connection, execute, query

connection().execute("CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                     "customer_id INTEGER NOT NULL, agent_id INTEGER, subject TEXT NOT NULL, topic TEXT NOT NULL, "
                     "priority TEXT NOT NULL, opened_at TEXT NOT NULL, due_at TEXT NOT NULL, closed_at TEXT)")


def insert(customer_id: int, subject: str, topic: str, priority: str, opened_at: str, due_at: str) -> int:
    return execute("INSERT INTO tickets (customer_id, subject, topic, priority, opened_at, due_at) "
                   "VALUES (?, ?, ?, ?, ?, ?)", customer_id, subject, topic, priority, opened_at, due_at)


def by_id(ticket_id: int) -> sqlite3.Row | None:
    rows = query("SELECT * FROM tickets WHERE id = ?", ticket_id)
    return rows[0] if rows else None


def of_customer(customer_id: int) -> list[sqlite3.Row]:
    return query("SELECT * FROM tickets WHERE customer_id = ? ORDER BY id", customer_id)


def assign(ticket_id: int, agent_id: int) -> None:
    execute("UPDATE tickets SET agent_id = ? WHERE id = ?", agent_id, ticket_id)


def close(ticket_id: int, closed_at: str) -> None:
    execute("UPDATE tickets SET closed_at = ? WHERE id = ?", closed_at, ticket_id)
