"""One function per route: read the request's fields, call the domain, shape the answer."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from library.books import service as books
from library.books.models import Book
from library.errors import Invalid
from library.fines import service as fines
from library.loans import service as loans
from library.loans.models import Loan
from library.members import service as members


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise Invalid(f"{name}: must be a {kind.__name__}")
    return value


def _date(body: dict[str, Any], name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(_field(body, name, str))
    except ValueError:
        raise Invalid(f"{name}: is not a date") from None


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if value is None or isinstance(value, int | str | bool) else str(value)


def _book(book: Book) -> dict[str, Any]:
    return {**_plain(book), "available": book.available}


def _loan(loan: Loan) -> dict[str, Any]:
    return dict(_plain(loan))


def health() -> dict[str, str]:
    return {"status": "ok"}


def add_book(body: dict[str, Any]) -> dict[str, Any]:
    return _book(books.add_book(_field(body, "isbn", str), _field(body, "title", str), _field(body, "author", str),
                                _field(body, "copies", int)))


def list_books() -> list[dict[str, Any]]:
    return [_book(book) for book in books.list_books()]


def show_book(isbn: int | str) -> dict[str, Any]:
    return _book(books.get_book(str(isbn)))


def join(body: dict[str, Any]) -> dict[str, Any]:
    return dict(_plain(members.join(_field(body, "name", str), _field(body, "email", str), _date(body, "on"))))


def show_member(member_id: int) -> dict[str, Any]:
    found = members.get_member(member_id)
    return {**_plain(found), "loans": [_loan(loan) for loan in loans.open_loans(found.id)],
            "owes": str(fines.outstanding(found.id))}


def member_fines(member_id: int) -> list[dict[str, object]]:
    members.get_member(member_id)
    return fines.fines_of(member_id)


def borrow(body: dict[str, Any]) -> dict[str, Any]:
    return _loan(loans.borrow(_field(body, "member_id", int), _field(body, "isbn", str), _date(body, "on")))


def show_loan(loan_id: int) -> dict[str, Any]:
    return _loan(loans.get_loan(loan_id))


def give_back(loan_id: int, body: dict[str, Any]) -> dict[str, Any]:
    return dict(_plain(loans.give_back(loan_id, _date(body, "on"))))


def pay_fine(fine_id: int, body: dict[str, Any]) -> dict[str, str]:
    del body
    return {"owes": str(fines.pay(fine_id))}
