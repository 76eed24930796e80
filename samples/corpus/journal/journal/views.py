"""Views: one per route; they parse the request and shape the JSON answer."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from journal import authors, comments, posts, tags
from journal.errors import JournalError


def _get(body: dict[str, Any], name: str, kind: type = str) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise JournalError(f"{name}: expected {kind.__name__}")
    return value


def _day(body: dict[str, Any]) -> datetime.date:
    try:
        return datetime.date.fromisoformat(_get(body, "on"))
    except ValueError:
        raise JournalError("on: expected YYYY-MM-DD") from None


def _out(value: Any) -> Any:
    if isinstance(value, list):
        return [_out(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: (v.isoformat() if isinstance(v, datetime.date) else v)
                for k, v in dataclasses.asdict(value).items()}
    return value


def sign_up(body: dict[str, Any]) -> Any:
    return _out(authors.sign_up(_get(body, "handle"), _get(body, "name")))


def author(author_id: int) -> Any:
    return _out(authors.get_author(author_id))


def publish(body: dict[str, Any]) -> Any:
    labels = body.get("tags", [])
    if not isinstance(labels, list):
        raise JournalError("tags: expected a list")
    return _out(posts.publish(_get(body, "author_id", int), _get(body, "title"), _get(body, "body"), _day(body),
                              labels))


def post(post_id: int) -> Any:
    return {**_out(posts.get_post(post_id)), "comments": _out(comments.comments_on(post_id))}


def front_page(number: int) -> Any:
    return _out(posts.page(number))


def add_comment(post_id: int, body: dict[str, Any]) -> Any:
    return _out(comments.comment(post_id, _get(body, "who"), _get(body, "text"), _day(body)))


def by_tag(label: str) -> Any:
    return [_out(posts.get_post(post_id)) for post_id in tags.tagged(label)]
