from __future__ import annotations

import datetime
import sqlite3
from dataclasses import dataclass

from helpdesk.exceptions import BadInput, DoesNotExist, NotAllowed
from helpdesk.logs import get_logger
from helpdesk.repositories import tickets as repo
from helpdesk.services import agents, customers, sla
from helpdesk.services.agents import Agent

log = get_logger("tickets")


@dataclass(frozen=True)
class Ticket:
    id: int
    customer: customers.Customer
    subject: str
    topic: str
    priority: str
    opened_at: datetime.datetime
    due_at: datetime.datetime
    agent: Agent | None = None
    closed_at: datetime.datetime | None = None
    late_minutes: int = 0


def _ticket(row: sqlite3.Row, late: int = 0) -> Ticket:
    closed = row["closed_at"]
    return Ticket(id=row["id"], customer=customers.get(row["customer_id"]), subject=row["subject"],
                  topic=row["topic"], priority=row["priority"],
                  opened_at=datetime.datetime.fromisoformat(row["opened_at"]),
                  due_at=datetime.datetime.fromisoformat(row["due_at"]),
                  agent=agents.get(row["agent_id"]) if row["agent_id"] else None,
                  closed_at=datetime.datetime.fromisoformat(closed) if closed else None, late_minutes=late)


def open_ticket(customer_id: int, subject: str, topic: str, priority: str, at: datetime.datetime) -> Ticket:
    customer = customers.get(customer_id)
    if not subject.strip():
        raise BadInput("subject: is required")
    due = sla.deadline(priority, at, customer.tier)
    ticket_id = repo.insert(customer.id, subject.strip(), topic, priority, at.isoformat(), due.isoformat())
    try:
        agent = agents.pick(topic)
    except NotAllowed:
        log.warning("ticket %s waits for an agent", ticket_id)
    else:
        repo.assign(ticket_id, agent.id)
    return get(ticket_id)


def get(ticket_id: int) -> Ticket:
    row = repo.by_id(ticket_id)
    if row is None:
        raise DoesNotExist(f"ticket {ticket_id} does not exist")
    return _ticket(row)


def of_customer(customer_id: int) -> list[Ticket]:
    customers.get(customer_id)
    return [_ticket(row) for row in repo.of_customer(customer_id)]


def close(ticket_id: int, at: datetime.datetime) -> Ticket:
    ticket = get(ticket_id)
    if ticket.closed_at is not None:
        raise NotAllowed(f"ticket {ticket_id} is already closed")
    repo.close(ticket_id, at.isoformat())
    if ticket.agent is not None:
        agents.release(ticket.agent.id)
    late = sla.check(ticket_id, ticket.due_at, at)
    row = repo.by_id(ticket_id)
    assert row is not None
    return _ticket(row, late)
