"""The shipping domain's facade: rates, shipments and their tracking."""

from __future__ import annotations

import datetime
import sqlite3
import uuid
from decimal import Decimal

from shop import notifications
from shop.common.ids import stable_uuid
from shop.customers.models import Address

from . import db, rates
from .errors import InvalidTransition, ShipmentNotFound
from .models import Shipment, ShipmentEvent, ShipmentItem, ShipmentRequest, ShipmentState

_NEXT_STATES = {
    ShipmentState.PENDING: (ShipmentState.DISPATCHED, ShipmentState.CANCELLED),
    ShipmentState.DISPATCHED: (ShipmentState.DELIVERED,),
    ShipmentState.DELIVERED: (),
    ShipmentState.CANCELLED: (),
}


def rate(region: str, weight_grams: int) -> Decimal:
    """What shipping a parcel costs (the pricing domain adds it to quotes)."""
    return rates.rate(region, weight_grams)


def _load(conn: sqlite3.Connection, where: str, value: object) -> Shipment:
    row = conn.execute(f"SELECT * FROM shipments WHERE {where} = ?", (value,)).fetchone()
    if row is None:
        raise ShipmentNotFound(str(value))
    items = conn.execute(
        "SELECT sku, quantity FROM shipment_items WHERE shipment_id = ? ORDER BY sku", (row["id"],)
    ).fetchall()
    events = conn.execute(
        "SELECT state, at, note FROM shipment_events WHERE shipment_id = ? ORDER BY id", (row["id"],)
    ).fetchall()
    return Shipment(
        id=row["id"],
        tracking=uuid.UUID(row["tracking"]),
        order_ref=uuid.UUID(row["order_ref"]),
        recipient=row["recipient"],
        address=Address(row["street"], row["city"], row["postcode"], row["country"]),
        items=tuple(ShipmentItem(item["sku"], item["quantity"]) for item in items),
        weight_grams=row["weight_grams"],
        state=ShipmentState(row["state"]),
        estimated_delivery=datetime.date.fromisoformat(row["estimated_delivery"]),
        events=[
            ShipmentEvent(ShipmentState(event["state"]), datetime.datetime.fromisoformat(event["at"]), event["note"])
            for event in events
        ],
    )


def _event(conn: sqlite3.Connection, shipment_id: int, state: ShipmentState, now: datetime.datetime, note: str) -> None:
    conn.execute(
        "INSERT INTO shipment_events (shipment_id, state, at, note) VALUES (?, ?, ?, ?)",
        (shipment_id, state.value, now.isoformat(), note),
    )


def create_shipment(request: ShipmentRequest, now: datetime.datetime) -> Shipment:
    """Book a parcel for a paid order; it waits in the warehouse until dispatched."""
    region = request.address.country
    expected = rates.estimate_delivery(region, now.date())
    tracking = stable_uuid("shipment", request.order_ref)
    with db.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO shipments (tracking, order_ref, recipient, email, street, city, postcode, country,"
            " weight_grams, state, estimated_delivery) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(tracking), str(request.order_ref), request.recipient, request.email, request.address.street,
             request.address.city, request.address.postcode, region, request.weight_grams,
             ShipmentState.PENDING.value, expected.isoformat()),
        )
        shipment_id = cursor.lastrowid
        assert shipment_id is not None
        conn.executemany(
            "INSERT INTO shipment_items (shipment_id, sku, quantity) VALUES (?, ?, ?)",
            [(shipment_id, item.sku, item.quantity) for item in request.items],
        )
        _event(conn, shipment_id, ShipmentState.PENDING, now, "label printed")
        return _load(conn, "id", shipment_id)


def _advance(tracking: uuid.UUID, wanted: ShipmentState, now: datetime.datetime, note: str) -> tuple[Shipment, str]:
    with db.transaction() as conn:
        shipment = _load(conn, "tracking", str(tracking))
        if wanted not in _NEXT_STATES[shipment.state]:
            raise InvalidTransition(str(tracking), shipment.state.value, wanted.value)
        conn.execute("UPDATE shipments SET state = ? WHERE id = ?", (wanted.value, shipment.id))
        _event(conn, shipment.id, wanted, now, note)
        email = conn.execute("SELECT email FROM shipments WHERE id = ?", (shipment.id,)).fetchone()[0]
        return _load(conn, "id", shipment.id), email


def dispatch(tracking: uuid.UUID, now: datetime.datetime) -> Shipment:
    """The parcel left the warehouse; the customer is told when to expect it."""
    shipment, email = _advance(tracking, ShipmentState.DISPATCHED, now, "handed to carrier")
    context = {"order": str(shipment.order_ref), "tracking": str(tracking),
               "expected": shipment.estimated_delivery.isoformat()}
    notifications.send(email, notifications.Template.SHIPPED, context, now)
    return shipment


def deliver(tracking: uuid.UUID, now: datetime.datetime) -> Shipment:
    shipment, email = _advance(tracking, ShipmentState.DELIVERED, now, "delivered to recipient")
    notifications.send(
        email, notifications.Template.DELIVERED, {"order": str(shipment.order_ref), "tracking": str(tracking)}, now
    )
    return shipment


def cancel(tracking: uuid.UUID, now: datetime.datetime) -> Shipment:
    shipment, _ = _advance(tracking, ShipmentState.CANCELLED, now, "order cancelled")
    return shipment


def track(tracking: uuid.UUID) -> Shipment:
    with db.transaction(write=False) as conn:
        return _load(conn, "tracking", str(tracking))
