from __future__ import annotations

from dataclasses import dataclass

from helpdesk.exceptions import BadInput, DoesNotExist
from helpdesk.logs import get_logger
from helpdesk.repositories import customers as repo

TIERS = ("basic", "gold")
log = get_logger("customers")


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    company: str
    tier: str


def register(name: str, company: str, tier: str) -> Customer:
    if tier not in TIERS:
        raise BadInput(f"tier: must be one of {', '.join(TIERS)}")
    customer_id = repo.insert(name, company, tier)
    log.info("customer %s registered", customer_id)
    return get(customer_id)


def get(customer_id: int) -> Customer:
    row = repo.by_id(customer_id)
    if row is None:
        raise DoesNotExist(f"customer {customer_id} does not exist")
    return Customer(id=row["id"], name=row["name"], company=row["company"], tier=row["tier"])
