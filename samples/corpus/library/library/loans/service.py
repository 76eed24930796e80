"""Borrowing and giving back: checks the member, the book's copies and the member's unpaid fines."""

from __future__ import annotations

import datetime
import sqlite3

from library import config
from library.books import service as books
from library.db import db
from library.errors import Conflict, NotFound
from library.fines import service as fines
from library.loans.models import Loan, Receipt
from library.members.service import get_member


def _loan(row: sqlite3.Row) -> Loan:
    returned = row["returned_on"]
    return Loan(id=row["id"], member_id=row["member_id"], isbn=row["isbn"],
                borrowed_on=datetime.date.fromisoformat(row["borrowed_on"]),
                due_on=datetime.date.fromisoformat(row["due_on"]),
                returned_on=datetime.date.fromisoformat(returned) if returned else None)


def get_loan(loan_id: int) -> Loan:
    row = db().execute("SELECT * FROM loans WHERE id = ?", (loan_id,)).fetchone()
    if row is None:
        raise NotFound(f"no loan {loan_id}")
    return _loan(row)


def open_loans(member_id: int) -> list[Loan]:
    rows = db().execute("SELECT * FROM loans WHERE member_id = ? AND returned_on IS NULL ORDER BY id", (member_id,))
    return [_loan(row) for row in rows]


def borrow(member_id: int, isbn: str, on: datetime.date) -> Loan:
    member = get_member(member_id)
    if len(open_loans(member.id)) >= config.MAX_LOANS:
        raise Conflict(f"{member.name} already has {config.MAX_LOANS} books")
    owed = fines.outstanding(member.id)
    if owed > config.FINE_LIMIT:
        raise Conflict(f"{member.name} owes {owed} in fines")
    books.lend(isbn)
    due = on + datetime.timedelta(days=config.LOAN_DAYS)
    cursor = db().execute("INSERT INTO loans (member_id, isbn, borrowed_on, due_on) VALUES (?, ?, ?, ?)",
                          (member.id, isbn, on.isoformat(), due.isoformat()))
    return get_loan(int(cursor.lastrowid or 0))


def give_back(loan_id: int, on: datetime.date) -> Receipt:
    loan = get_loan(loan_id)
    if loan.returned_on is not None:
        raise Conflict(f"loan {loan_id} was returned on {loan.returned_on.isoformat()}")
    db().execute("UPDATE loans SET returned_on = ? WHERE id = ?", (on.isoformat(), loan_id))
    book = books.take_back(loan.isbn)
    fine = fines.assess(get_loan(loan_id), on)
    return Receipt(loan=get_loan(loan_id), title=book.title, fine=fine)
