"""Invoices: lines, totals, posting to the ledger."""

import sqlite3
from dataclasses import dataclass
from decimal import Decimal

from firm.billing import ledger, tax


@dataclass(frozen=True)
class Line:
    what: str
    amount: Decimal


def subtotal(lines: list[Line]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0"))


def total(lines: list[Line], region: str) -> Decimal:
    net = subtotal(lines)
    return net + tax.tax_on(net, region)


def issue(conn: sqlite3.Connection, customer: str, lines: list[Line], region: str) -> Decimal:
    amount = subtotal(lines)
    ledger.post_with_tax(conn, customer, amount, region)
    conn.execute("INSERT INTO invoices (customer, amount) VALUES (?, ?)", (customer, str(amount)))
    return total(lines, region)


def outstanding(conn: sqlite3.Connection, customer: str) -> Decimal:
    return ledger.balance(conn, customer)
