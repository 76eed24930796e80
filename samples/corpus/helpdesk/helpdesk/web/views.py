"""Views: parse the request, call a service, render its dataclasses as JSON."""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any

from helpdesk.exceptions import BadInput
from helpdesk.services import agents, customers, sla, tickets


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        raise BadInput("the body is not JSON") from None
    if not isinstance(value, dict):
        raise BadInput("the body must be an object")
    return value


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise BadInput(f"{name}: text is required")
    return value


def _moment(body: dict[str, Any], name: str) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(_text(body, name))
    except ValueError:
        raise BadInput(f"{name}: not a date and time") from None


def render(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: render(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, list | tuple):
        return [render(v) for v in value]
    return value


def health() -> tuple[int, Any]:
    return 200, {"status": "ok"}


def register_customer(raw: bytes) -> tuple[int, Any]:
    body = _json(raw)
    return 201, render(customers.register(_text(body, "name"), _text(body, "company"), _text(body, "tier")))


def customer_tickets(customer_id: int) -> tuple[int, Any]:
    return 200, render(tickets.of_customer(customer_id))


def hire_agent(raw: bytes) -> tuple[int, Any]:
    body = _json(raw)
    skills = body.get("skills")
    if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
        raise BadInput("skills: a list of topics is required")
    return 201, render(agents.hire(_text(body, "name"), skills))


def show_agent(agent_id: int) -> tuple[int, Any]:
    return 200, render(agents.get(agent_id))


def open_ticket(raw: bytes) -> tuple[int, Any]:
    body = _json(raw)
    customer = body.get("customer_id")
    if not isinstance(customer, int):
        raise BadInput("customer_id: a number is required")
    return 201, render(tickets.open_ticket(customer, _text(body, "subject"), _text(body, "topic"),
                                           _text(body, "priority"), _moment(body, "at")))


def show_ticket(ticket_id: int) -> tuple[int, Any]:
    return 200, render(tickets.get(ticket_id))


def close_ticket(ticket_id: int, raw: bytes) -> tuple[int, Any]:
    return 200, render(tickets.close(ticket_id, _moment(_json(raw), "at")))


def breaches() -> tuple[int, Any]:
    return 200, sla.breaches()
