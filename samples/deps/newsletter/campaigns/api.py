"""The campaigns domain: read campaigns written in YAML, store them, send them to a topic's subscribers."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from newsletter.rendering import api as rendering
from newsletter.storage import transaction
from newsletter.subscribers import api as subscribers

SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (name TEXT PRIMARY KEY, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (campaign TEXT NOT NULL, email TEXT NOT NULL, PRIMARY KEY (campaign, email));
"""


class InvalidCampaign(ValueError):
    """The campaign's YAML is malformed or misses a field."""


class UnknownCampaign(LookupError):
    pass


@dataclass(frozen=True)
class Campaign:
    name: str
    topic: str
    subject: str
    body: str
    values: dict[str, str] = field(default_factory=dict)
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str


def parse(source: str) -> Campaign:
    """A campaign from its YAML text: name, topic, subject, body (a Jinja2 template), values, links."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise InvalidCampaign(f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidCampaign("a campaign is a YAML mapping")
    missing = [key for key in ("name", "topic", "subject", "body") if not data.get(key)]
    if missing:
        raise InvalidCampaign(f"missing {', '.join(missing)}")
    values = {str(key): str(value) for key, value in (data.get("values") or {}).items()}
    return Campaign(str(data["name"]), str(data["topic"]).lower(), str(data["subject"]), str(data["body"]), values,
                    tuple(str(link) for link in data.get("links") or ()))


def save(source: str) -> Campaign:
    campaign = parse(source)
    with transaction("campaigns", SCHEMA) as conn:
        conn.execute("INSERT OR REPLACE INTO campaigns (name, source) VALUES (?, ?)", (campaign.name, source))
    return campaign


def load(name: str) -> Campaign:
    with transaction("campaigns", SCHEMA) as conn:
        row = conn.execute("SELECT source FROM campaigns WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise UnknownCampaign(name)
    return parse(row["source"])


def send(name: str) -> list[Email]:
    """Render the campaign for each subscriber of its topic who has not had it yet."""
    campaign = load(name)
    emails = []
    for subscriber in subscribers.subscribers_of(campaign.topic):
        text = rendering.render(campaign.body, campaign.values, campaign.links, name=subscriber.name,
                                topic=campaign.topic)
        with transaction("campaigns", SCHEMA) as conn:
            fresh = conn.execute(
                "INSERT OR IGNORE INTO deliveries (campaign, email) VALUES (?, ?)", (name, subscriber.email)
            ).rowcount
        if fresh:
            emails.append(Email(subscriber.email, campaign.subject, text))
    return emails
