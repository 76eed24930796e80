"""The catalogue."""

from __future__ import annotations

import sqlite3

from library.books.models import Book
from library.db import db
from library.errors import Conflict, Invalid, NotFound


def _book(row: sqlite3.Row) -> Book:
    return Book(isbn=row["isbn"], title=row["title"], author=row["author"], copies=row["copies"], lent=row["lent"])


def add_book(isbn: str, title: str, author: str, copies: int) -> Book:
    if not isbn.isdigit() or len(isbn) != 13:
        raise Invalid("isbn: must be 13 digits")
    if copies < 1:
        raise Invalid("copies: must be at least 1")
    try:
        db().execute("INSERT INTO books (isbn, title, author, copies) VALUES (?, ?, ?, ?)",
                     (isbn, title, author, copies))
    except sqlite3.IntegrityError:
        raise Conflict(f"book {isbn} already exists") from None
    return get_book(isbn)


def get_book(isbn: str) -> Book:
    row = db().execute("SELECT * FROM books WHERE isbn = ?", (isbn,)).fetchone()
    if row is None:
        raise NotFound(f"no book {isbn}")
    return _book(row)


def list_books() -> list[Book]:
    return [_book(row) for row in db().execute("SELECT * FROM books ORDER BY title")]


def lend(isbn: str) -> Book:
    book = get_book(isbn)
    if book.available < 1:
        raise Conflict(f"no copy of {book.title!r} is available")
    db().execute("UPDATE books SET lent = lent + 1 WHERE isbn = ?", (isbn,))
    return get_book(isbn)


def take_back(isbn: str) -> Book:
    db().execute("UPDATE books SET lent = lent - 1 WHERE isbn = ? AND lent > 0", (isbn,))
    return get_book(isbn)
