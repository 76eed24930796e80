"""A tiny WSGI monolith for the edge-seam tests: notes and tags over one SQLite database from DATABASE_URL.

GET /notes, POST /notes (body: the text), GET /notes/<id>, GET /notes/<id>/words (notes.wordcount), GET /tags,
POST /tags (body: the tag), GET / (the count of notes and tags), GET /whoami (which service answered, and its
SECRET_KEY).
The schema is made by ``python -m notes.initdb``.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

DEFAULT_URL = "sqlite:///notes.db"


def _connect() -> sqlite3.Connection:
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    path = url.removeprefix("sqlite:///").split("?", 1)[0]
    return sqlite3.connect(path, timeout=30)


def create_app() -> Callable[..., Iterable[bytes]]:
    """The WSGI app."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
        status, answer = route(method, path, body)
        data = json.dumps(answer).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    return app


def route(method: str, path: str, body: str) -> tuple[str, object]:
    """Dispatch one request; 404 and 405 as a framework would."""
    with _connect() as db:
        if path == "/":
            counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("notes", "tags")}
            return "200 OK", {"app": "notes", **counts}
        if path == "/whoami":
            return "200 OK", {"service": os.environ.get("CLEAVE_SERVICE"), "secret": os.environ.get("SECRET_KEY")}
        if path in ("/notes", "/tags"):
            table = path[1:]
            if method == "GET":
                return "200 OK", [row[0] for row in db.execute(f"SELECT text FROM {table} ORDER BY id")]
            if method == "POST":
                cursor = db.execute(f"INSERT INTO {table} (text) VALUES (?)", (body,))
                return "201 Created", {"id": cursor.lastrowid}
            return "405 Method Not Allowed", {"error": "method"}
        words = re.fullmatch(r"/notes/(\d+)/words", path)
        if words and method == "GET":
            from notes.wordcount import count_words

            row = db.execute("SELECT text FROM notes WHERE id = ?", (int(words.group(1)),)).fetchone()
            return ("200 OK", count_words(row[0])) if row else ("404 Not Found", {"error": "no such note"})
        match = re.fullmatch(r"/notes/(\d+)", path)
        if match and method == "GET":
            row = db.execute("SELECT text FROM notes WHERE id = ?", (int(match.group(1)),)).fetchone()
            return ("200 OK", {"text": row[0]}) if row else ("404 Not Found", {"error": "no such note"})
    return "404 Not Found", {"error": "not found"}
