"""The SQL scanner names every table a statement touches, and leaves prose alone."""

from __future__ import annotations

import pytest

from analyzer.sql import tables_in


@pytest.mark.parametrize(("text", "expected"), [
    ("SELECT a.x FROM orders a JOIN customers b ON a.c = b.id WHERE x IN (SELECT id FROM items)",
     [("orders", "select"), ("customers", "select"), ("items", "select")]),
    ("INSERT INTO orders (a) SELECT a FROM carts", [("orders", "insert"), ("carts", "select")]),
    ("UPDATE stock SET n = n - 1 WHERE sku = ?", [("stock", "update")]),
    ("delete from sessions where id = ?", [("sessions", "delete")]),
    ('CREATE TABLE IF NOT EXISTS "Users" (id int)', [("users", "create")]),
    ("select * from a, b as bb, public.c where 1", [("a", "select"), ("b", "select"), ("public.c", "select")]),
    ("SELECT * FROM t1 LEFT JOIN t2 ON 1 INNER JOIN t3 ON 2", [("t1", "select"), ("t2", "select"), ("t3", "select")]),
    ("INSERT OR REPLACE INTO kv VALUES (?, ?)", [("kv", "insert")]),
    ("SELECT * FROM {table}", []),
    ("Select the best items from the list", []),
    ("update the cache", []),
    ("hello world", []),
])
def test_tables_in(text: str, expected: list[tuple[str, str]]) -> None:
    assert tables_in(text) == expected
