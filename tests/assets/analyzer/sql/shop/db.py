def run(sql, *args):
    return sql, args


def create():
    run("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, cid INTEGER)")


def report():
    return run(
        "SELECT o.id FROM orders o "
        "JOIN customers c ON c.id = o.cid"
    )


def insert(order_id):
    run("INSERT INTO orders VALUES (?)", order_id)


def update(name):
    run("UPDATE customers SET name = ? WHERE id = 1", name)


def delete(order_id):
    run("DELETE FROM orders WHERE id = ?", order_id)


def explain():
    """Select the rows from the table and update them (a docstring is no SQL)."""
    return "select the best option from the list"
