from __future__ import annotations

import datetime

from helpdesk import settings
from helpdesk.exceptions import BadInput
from helpdesk.repositories import sla as repo


def deadline(priority: str, opened_at: datetime.datetime, tier: str) -> datetime.datetime:
    if priority not in settings.SLA_HOURS:
        raise BadInput(f"priority: must be one of {', '.join(settings.SLA_HOURS)}")
    hours = settings.SLA_HOURS[priority] // (2 if tier == "gold" else 1)
    return opened_at + datetime.timedelta(hours=hours)


def check(ticket_id: int, due_at: datetime.datetime, closed_at: datetime.datetime) -> int:
    """Minutes late (0 when on time); a breach is recorded."""
    late = int((closed_at - due_at).total_seconds() // 60)
    if late <= 0:
        return 0
    repo.record(ticket_id, late)
    return late


def breaches() -> list[dict[str, int]]:
    return [{"ticket_id": ticket, "late_minutes": late} for ticket, late in repo.all_breaches()]
