"""The staff register, in an SQLite table."""

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    team: str


def add(conn: sqlite3.Connection, name: str, team: str) -> Person:
    cur = conn.execute("INSERT INTO staff (name, team) VALUES (?, ?)", (name, team))
    return Person(int(cur.lastrowid or 0), name, team)


def get(conn: sqlite3.Connection, person_id: int) -> Person:
    row = conn.execute("SELECT id, name, team FROM staff WHERE id = ?", (person_id,)).fetchone()
    return Person(row[0], row[1], row[2])


def team(conn: sqlite3.Connection, name: str) -> list[Person]:
    rows = conn.execute("SELECT id, name, team FROM staff WHERE team = ?", (name,)).fetchall()
    return [Person(r[0], r[1], r[2]) for r in rows]
