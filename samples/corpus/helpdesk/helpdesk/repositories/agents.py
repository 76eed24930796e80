from __future__ import annotations

import sqlite3

from helpdesk.database import connection, execute, query

connection().execute("CREATE TABLE IF NOT EXISTS agents (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                     "name TEXT NOT NULL UNIQUE, skills TEXT NOT NULL, open_tickets INTEGER NOT NULL DEFAULT 0)")


def insert(name: str, skills: str) -> int:
    return execute("INSERT INTO agents (name, skills) VALUES (?, ?)", name, skills)


def by_id(agent_id: int) -> sqlite3.Row | None:
    rows = query("SELECT * FROM agents WHERE id = ?", agent_id)
    return rows[0] if rows else None


def all_agents() -> list[sqlite3.Row]:
    return query("SELECT * FROM agents ORDER BY open_tickets, id")


def add_open(agent_id: int, delta: int) -> None:
    execute("UPDATE agents SET open_tickets = open_tickets + ? WHERE id = ?", delta, agent_id)
