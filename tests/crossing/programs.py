"""Small monoliths, each with a hand-written plan and the blockers it plants (``(file:line, target)``).

Every program is split in two or three services on purpose; the expected blockers are written from the
language's semantics (what would break once the modules run in different processes), not from cleave's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Program:
    """Source files, the plan's services (and shared modules), and the blockers a correct rule names."""

    name: str
    files: dict[str, str]
    services: dict[str, list[str]]
    blockers: frozenset[tuple[str, str]] = frozenset()
    shared: list[str] = field(default_factory=list)


CONNECTION = Program(
    "connection helper",
    {"app/__init__.py": "",
     "app/common.py": '''
        import sqlite3
        import threading

        _local = threading.local()


        def db() -> sqlite3.Connection:
            if not hasattr(_local, "conn"):
                _local.conn = sqlite3.connect("app.db")
            return _local.conn
        ''',
     "app/main.py": '''
        from app.common import db


        def count() -> int:
            return db().execute("SELECT 1").fetchone()[0]
        '''},
    {"main": ["app", "app.main"], "common": ["app.common"]},
    frozenset({("app/main.py:5", "app.common.db")}),
)

VALUES = Program(
    "value classes and constants cross",
    {"app/__init__.py": "",
     "app/money.py": '''
        import dataclasses
        import enum
        from collections import namedtuple
        from typing import NamedTuple

        RATE = 20
        CURRENCIES = ["EUR", "USD"]
        Pair = namedtuple("Pair", "left right")


        class Price(NamedTuple):
            amount: int
            currency: str


        @dataclasses.dataclass(frozen=True)
        class Line:
            label: str
            price: Price


        class Kind(enum.Enum):
            GOODS = "goods"


        class Refused(ValueError):
            pass


        def total(lines: list[Line]) -> Price:
            if not lines:
                raise Refused("empty")
            return Price(sum(line.price.amount for line in lines), lines[0].price.currency)
        ''',
     "app/main.py": '''
        from app import money


        def invoice() -> str:
            price = money.Price(10, money.CURRENCIES[0])
            line = money.Line("tea", price)
            pair = money.Pair(1, 2)
            kind = money.Kind.GOODS
            return f"{money.total([line]).amount} {money.RATE} {pair.left} {kind.value}"
        '''},
    {"main": ["app", "app.main"], "money": ["app.money"]},
)

OBJECTS = Program(
    "objects that are not data",
    {"app/__init__.py": "",
     "app/tools.py": '''
        import argparse
        import string

        PARSER = argparse.ArgumentParser(prog="app")
        GREETING = string.Template("hello $name")


        class Mailer:
            def __init__(self) -> None:
                self.sent: list[str] = []

            def send(self, text: str) -> None:
                self.sent.append(text)


        def numbers(n: int):
            yield from range(n)


        def mail(mailer: Mailer, text: str) -> None:
            mailer.send(text)
        ''',
     "app/main.py": '''
        from app import tools


        def run() -> list[int]:
            tools.PARSER.parse_args([])
            text = tools.GREETING.substitute(name="x")
            mailer = tools.Mailer()
            tools.mail(mailer, text)
            return list(tools.numbers(3))
        '''},
    {"main": ["app", "app.main"], "tools": ["app.tools"]},
    frozenset({("app/main.py:5", "app.tools.PARSER"), ("app/main.py:6", "app.tools.GREETING"),
               ("app/main.py:7", "app.tools.Mailer"), ("app/main.py:8", "app.tools.mail"),
               ("app/main.py:9", "app.tools.numbers")}),
)

STATE = Program(
    "state and tables",
    {"app/__init__.py": "",
     "app/audit.py": '''
        EVENTS: list[str] = []


        def record(event: str) -> None:
            EVENTS.append(event)
        ''',
     "app/orders.py": '''
        import sqlite3

        from app import audit


        def setup(conn: sqlite3.Connection) -> None:
            conn.execute("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, paid INTEGER)")


        def place() -> None:
            audit.record("place")
        ''',
     "app/billing.py": '''
        import sqlite3

        from app import audit


        def pay(order_id: int) -> None:
            audit.record("pay")
            with sqlite3.connect("app.db") as conn:
                conn.execute("UPDATE orders SET paid = 1 WHERE id = ?", (order_id,))
        '''},
    {"orders": ["app.orders"], "billing": ["app.billing"]},
    frozenset({("app/billing.py:9", "table:orders"), ("app/audit.py:1", "app.audit.EVENTS")}),
    shared=["app", "app.audit"],
)

CALLBACK = Program(
    "a bound method passed as a callback",
    {"app/__init__.py": "",
     "app/jobs.py": '''
        from collections.abc import Callable


        def run(n: int, on_done: Callable[[str], None]) -> None:
            on_done(f"ran {n}")


        def plain(n: int) -> int:
            return n + 1
        ''',
     "app/main.py": '''
        from app import jobs


        def go() -> list[str]:
            done: list[str] = []
            jobs.run(jobs.plain(1), on_done=done.append)
            return done
        '''},
    {"main": ["app", "app.main"], "jobs": ["app.jobs"]},
    frozenset({("app/main.py:6", "app.jobs.run")}),
)

EVENTS = Program(
    "an event bus shared by the plan",
    {"app/__init__.py": "",
     "app/bus.py": '''
        from collections import defaultdict

        _subs = defaultdict(list)


        def subscribe(topic, callback):
            _subs[topic].append(callback)


        def publish(topic, payload):
            for callback in _subs[topic]:
                callback(payload)
        ''',
     "app/mail.py": '''
        from app import bus

        SENT = []


        def on_sold(item):
            SENT.append(item)


        bus.subscribe("sold", on_sold)
        ''',
     "app/shop.py": '''
        from app import bus


        def sell(item):
            bus.publish("sold", item)
        '''},
    {"shop": ["app.shop"], "mail": ["app.mail"]},
    frozenset({("app/bus.py:3", "app.bus._subs")}),  # subscriptions made in mail never reach shop's copy
    shared=["app", "app.bus"],
)

UNANNOTATED = Program(
    "per-thread and per-context state returned without annotations",
    {"app/__init__.py": "",
     "app/common.py": '''
        import contextvars
        import sqlite3
        import threading

        _local = threading.local()
        _session = contextvars.ContextVar("session")
        SETTINGS = {"path": "app.db"}


        def get_db():
            if not hasattr(_local, "conn"):
                _local.conn = sqlite3.connect(SETTINGS["path"])
            return _local.conn


        def session():
            return _session.get()


        def path():
            return SETTINGS["path"]
        ''',
     "app/main.py": '''
        from app import common


        def count() -> int:
            rows = common.get_db().execute("SELECT 1").fetchone()[0]
            return rows + len(common.path()) + len(str(common.session()))
        '''},
    {"main": ["app", "app.main"], "common": ["app.common"]},
    frozenset({("app/main.py:5", "app.common.get_db"), ("app/main.py:6", "app.common.session")}),
)

PROGRAMS = (CONNECTION, VALUES, OBJECTS, STATE, CALLBACK, EVENTS, UNANNOTATED)
