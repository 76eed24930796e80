from __future__ import annotations

from dataclasses import dataclass

from helpdesk import settings
from helpdesk.exceptions import DoesNotExist, NotAllowed
from helpdesk.repositories import agents as repo


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    skills: tuple[str, ...]
    open_tickets: int


def _agent(row: object) -> Agent:
    return Agent(id=row["id"], name=row["name"], skills=tuple(row["skills"].split(",")),  # type: ignore[index]
                 open_tickets=row["open_tickets"])  # type: ignore[index]


def hire(name: str, skills: list[str]) -> Agent:
    return get(repo.insert(name, ",".join(sorted(skills))))


def get(agent_id: int) -> Agent:
    row = repo.by_id(agent_id)
    if row is None:
        raise DoesNotExist(f"agent {agent_id} does not exist")
    return _agent(row)


def pick(topic: str) -> Agent:
    """The least busy agent who knows ``topic`` and has room for one more ticket."""
    for row in repo.all_agents():
        agent = _agent(row)
        if topic in agent.skills and agent.open_tickets < settings.MAX_OPEN_PER_AGENT:
            repo.add_open(agent.id, 1)
            return get(agent.id)
    raise NotAllowed(f"no agent is free for {topic}")


def release(agent_id: int) -> Agent:
    repo.add_open(agent_id, -1)
    return get(agent_id)
