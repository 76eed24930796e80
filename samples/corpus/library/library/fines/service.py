"""Late returns cost FINE_PER_DAY per day; a member who owes more than FINE_LIMIT cannot borrow."""

from __future__ import annotations

import datetime
from decimal import Decimal

from library import config
from library.db import db
from library.errors import Conflict, NotFound
from library.loans.models import Loan


def assess(loan: Loan, on: datetime.date) -> Decimal:
    late = (on - loan.due_on).days
    if late <= 0:
        return Decimal("0.00")
    amount = (config.FINE_PER_DAY * late).quantize(Decimal("0.01"))
    db().execute("INSERT INTO fines (loan_id, member_id, amount) VALUES (?, ?, ?)",
                 (loan.id, loan.member_id, str(amount)))
    return amount


def outstanding(member_id: int) -> Decimal:
    rows = db().execute("SELECT amount FROM fines WHERE member_id = ? AND paid = 0", (member_id,))
    return sum((Decimal(row["amount"]) for row in rows), Decimal("0.00"))


def fines_of(member_id: int) -> list[dict[str, object]]:
    rows = db().execute("SELECT * FROM fines WHERE member_id = ? ORDER BY id", (member_id,))
    return [{"id": row["id"], "loan_id": row["loan_id"], "amount": row["amount"], "paid": bool(row["paid"])}
            for row in rows]


def pay(fine_id: int) -> Decimal:
    row = db().execute("SELECT * FROM fines WHERE id = ?", (fine_id,)).fetchone()
    if row is None:
        raise NotFound(f"no fine {fine_id}")
    if row["paid"]:
        raise Conflict(f"fine {fine_id} is already paid")
    db().execute("UPDATE fines SET paid = 1 WHERE id = ?", (fine_id,))
    return outstanding(row["member_id"])
