"""Orders: owns the orders table."""

from ledger import billing, store, tally


def setup() -> None:
    store.db().execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, total INTEGER, paid INTEGER)")


def place(total: int) -> list[str]:
    tally.hit("place")
    conn = store.db()
    conn.execute("INSERT INTO orders (total, paid) VALUES (?, 0)", (total,))
    price = billing.Money(total, "EUR")
    receipts: list[str] = []
    billing.charge(price.amount, on_done=receipts.append)
    return receipts + list(billing.lines(total))
