"""Drive the blog's JSON API through a realistic session and print every answer on one line.

Usage: python scenario.py BASE_URL   (e.g. http://127.0.0.1:8000)

Each line is ``METHOD PATH -> STATUS BODY`` (the JSON body with its keys sorted; for a redirect, `` Location: ...``
too), so two runs against two fresh deployments (the monolith, or the same app split into services) compare with
``diff``. Redirects are shown, not followed. The exit status is 1 when an answer's status is not the one the scenario
expects (each is named on stderr).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Session:
    """One client of the blog: sends requests, prints answers, counts surprises."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.opener = urllib.request.build_opener(_NoRedirects)
        self.surprises = 0

    def call(
        self, method: str, path: str, body: Any = None, *, token: str | None = None, expect: int = 200,
        raw: bytes | None = None,
    ) -> Any:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", f"Token {token}")
        try:
            with self.opener.open(request, timeout=30) as response:
                status, payload, headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, payload, headers = error.code, error.read(), error.headers
        try:
            answer = json.loads(payload)
            shown = json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except ValueError:
            answer, shown = None, payload.decode("utf-8", "replace") if status < 300 or status >= 400 else ""
        if 300 <= status < 400:
            location = headers.get("Location", "")
            shown = f"Location: {location.removeprefix(self.base_url)}"
        print(f"{method} {path} -> {status} {shown}".rstrip(), flush=True)
        if status != expect:
            self.surprises += 1
            print(f"unexpected status {status} (expected {expect}) for {method} {path}", file=sys.stderr)
        return answer


def people(s: Session) -> dict[str, str]:
    """Accounts and tokens: returns username -> token (the first account is staff)."""
    for name in ("editor", "ann", "ben", "cleo"):
        s.call("POST", "/api/accounts/register/",
               {"username": name, "email": f"{name}@example.org", "password": f"{name}-pass-word"}, expect=201)
    s.call("POST", "/api/accounts/register/", {"username": "ANN", "email": "x@example.org", "password": "long-enough"},
           expect=409)
    s.call("POST", "/api/accounts/register/", {"username": "dan", "email": "dan@example.org", "password": "short"},
           expect=400)
    s.call("POST", "/api/accounts/register/", {"username": "dan", "email": "nope", "password": "long-enough"},
           expect=400)
    s.call("POST", "/api/accounts/register/", raw=b"[1, 2]", expect=400)
    s.call("GET", "/api/accounts/register/", expect=405)
    s.call("POST", "/api/accounts/login/", {"username": "ann", "password": "wrong-password"}, expect=401)
    tokens = {}
    for name in ("editor", "ann", "ben", "cleo"):
        tokens[name] = s.call("POST", "/api/accounts/login/", {"username": name, "password": f"{name}-pass-word"})[
            "token"]
    s.call("GET", "/api/accounts/me/", expect=401)
    s.call("GET", "/api/accounts/me/", token="forged", expect=401)
    s.call("GET", "/api/accounts/me/", token=tokens["ann"])
    s.call("PATCH", "/api/accounts/me/", {"bio": "Writes about tea.", "website": "https://ann.example.org"},
           token=tokens["ann"])
    s.call("PATCH", "/api/accounts/me/", {"website": "ftp://ann"}, token=tokens["ann"], expect=400)
    s.call("PUT", "/api/accounts/me/", {"bio": "x"}, token=tokens["ann"], expect=405)
    return tokens


def tags(s: Session, t: dict[str, str]) -> None:
    s.call("POST", "/api/tags/", {"name": "Tea"}, token=t["ann"], expect=403)
    s.call("POST", "/api/tags/", {"name": "Tea"}, expect=401)
    for name in ("Tea", "Travel", "Python"):
        s.call("POST", "/api/tags/", {"name": name}, token=t["editor"], expect=201)
    s.call("POST", "/api/tags/", {"name": "tea"}, token=t["editor"], expect=409)
    s.call("POST", "/api/tags/", {"name": "!!"}, token=t["editor"], expect=400)
    s.call("GET", "/api/tags/")


def posts(s: Session, t: dict[str, str]) -> None:
    for author, title, tags_ in (
        ("ann", "Green tea at dawn", ["tea"]),
        ("ann", "A week in Kyoto", ["Travel", "tea"]),
        ("ben", "Decorators explained", ["python"]),
        ("ben", "Draft about asyncio", ["python", "asyncio"]),
        ("cleo", "Night trains", ["travel"]),
    ):
        s.call("POST", "/api/posts/", {"title": title, "body": f"All about {title.lower()}.", "tags": tags_},
               token=t[author], expect=201)
    s.call("POST", "/api/posts/", {"title": "Green Tea at Dawn", "body": "again"}, token=t["cleo"], expect=409)
    s.call("POST", "/api/posts/", {"title": "No body"}, token=t["cleo"], expect=400)
    s.call("POST", "/api/posts/", {"title": "Bad tags", "body": "b", "tags": "tea"}, token=t["cleo"], expect=400)
    s.call("POST", "/api/posts/", {"title": "Anonymous", "body": "b"}, expect=401)
    s.call("GET", "/api/posts/")
    s.call("GET", "/api/posts", expect=301)
    s.call("GET", "/api/posts/1/", expect=404)
    s.call("GET", "/api/posts/1/", token=t["ann"])
    for pk, author, at in (
        (1, "ann", "2024-03-01T06:30:00+09:00"),  # 2024-02-29 22:30 in Paris: February in the archive
        (2, "ann", "2024-03-04T12:00:00+01:00"),
        (3, "ben", "2024-03-31T23:30:00Z"),  # 2024-04-01 01:30 in Paris (summer time began that night)
        (5, "cleo", "2024-04-02T08:15:00-04:00"),
    ):
        s.call("POST", f"/api/posts/{pk}/publish/", {"at": at}, token=t[author])
    s.call("POST", "/api/posts/1/publish/", {"at": "2024-03-02T00:00:00Z"}, token=t["ann"], expect=409)
    s.call("POST", "/api/posts/4/publish/", {"at": "2024-03-05 10:00"}, token=t["ben"], expect=400)
    s.call("POST", "/api/posts/4/publish/", {"at": "2024-03-05T10:00:00Z"}, token=t["ann"], expect=403)
    s.call("GET", "/api/posts/4/publish/", token=t["ben"], expect=405)
    s.call("GET", "/api/posts/")
    s.call("GET", "/api/posts/?tag=tea")
    s.call("GET", "/api/posts/?author=ben")
    s.call("GET", "/api/posts/?page=2")
    s.call("GET", "/api/posts/?page=x", expect=400)
    s.call("GET", "/api/posts/archive/2024/2/")
    s.call("GET", "/api/posts/archive/2024/3/")
    s.call("GET", "/api/posts/archive/2024/4/")
    s.call("GET", "/api/posts/archive/2024/13/", expect=400)
    s.call("GET", "/api/posts/2/")
    s.call("GET", "/api/posts/4/", token=t["cleo"], expect=404)
    s.call("GET", "/api/posts/99/", expect=404)
    s.call("PATCH", "/api/posts/2/", {"title": "A week in Kyoto, revised", "tags": ["travel"]}, token=t["ann"])
    s.call("PATCH", "/api/posts/2/", {"title": "Mine now"}, token=t["ben"], expect=403)
    s.call("PATCH", "/api/posts/3/", {"body": "Edited by staff."}, token=t["editor"])
    s.call("PUT", "/api/posts/3/", {"body": "x"}, token=t["ben"], expect=405)
    s.call("GET", "/api/tags/")
    s.call("GET", "/api/tags/tea/")
    s.call("GET", "/api/tags/asyncio/")
    s.call("GET", "/api/tags/cooking/", expect=404)


def comments(s: Session, t: dict[str, str]) -> None:
    s.call("POST", "/api/comments/", {"post": 1, "body": "Lovely."}, token=t["ben"], expect=201)
    s.call("POST", "/api/comments/", {"post": 1, "body": "Which tea?"}, token=t["cleo"], expect=201)
    s.call("POST", "/api/comments/", {"post": 1, "body": "Sencha.", "reply_to": 2}, token=t["ann"], expect=201)
    s.call("POST", "/api/comments/", {"post": 3, "body": "Clear, thanks."}, token=t["ann"], expect=201)
    s.call("POST", "/api/comments/", {"post": 4, "body": "Draft?"}, token=t["ann"], expect=404)
    s.call("POST", "/api/comments/", {"post": 1, "body": "x", "reply_to": 4}, token=t["ann"], expect=400)
    s.call("POST", "/api/comments/", {"post": "1", "body": "x"}, token=t["ann"], expect=400)
    s.call("POST", "/api/comments/", {"post": 1, "body": "  "}, token=t["ann"], expect=400)
    s.call("POST", "/api/comments/", {"post": 1, "body": "Anonymous"}, expect=401)
    s.call("GET", "/api/comments/?post=1")
    s.call("GET", "/api/comments/?post=abc", expect=400)
    s.call("GET", "/api/comments/?post=4", expect=404)
    s.call("GET", "/api/posts/1/")
    s.call("GET", "/api/accounts/users/ann/")
    s.call("GET", "/api/accounts/users/nobody/", expect=404)
    s.call("DELETE", "/api/comments/2/", token=t["ben"], expect=403)
    s.call("DELETE", "/api/comments/2/", token=t["ann"], expect=204)
    s.call("DELETE", "/api/comments/2/", token=t["ann"], expect=404)
    s.call("DELETE", "/api/comments/4/", token=t["ann"], expect=204)
    s.call("GET", "/api/comments/4/", token=t["ann"], expect=405)
    s.call("GET", "/api/comments/?post=1")
    s.call("GET", "/api/posts/1/")
    s.call("GET", "/api/posts/3/")


def wind_down(s: Session, t: dict[str, str]) -> None:
    s.call("DELETE", "/api/posts/5/", token=t["ben"], expect=403)
    s.call("DELETE", "/api/posts/5/", token=t["cleo"], expect=204)
    s.call("GET", "/api/posts/5/", expect=404)
    s.call("GET", "/api/tags/")
    s.call("GET", "/api/accounts/users/cleo/")
    s.call("POST", "/api/accounts/logout/", token=t["ann"], expect=204)
    s.call("GET", "/api/accounts/me/", token=t["ann"], expect=401)
    ann = s.call("POST", "/api/accounts/login/", {"username": "ann", "password": "ann-pass-word"})["token"]
    s.call("GET", "/api/accounts/me/", token=ann)
    s.call("POST", "/api/accounts/logout/", expect=401)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python scenario.py BASE_URL", file=sys.stderr)
        return 2
    s = Session(argv[1])
    s.call("GET", "/healthz")
    s.call("GET", "/no/such/page/", expect=404)
    s.call("GET", "/admin/", expect=302)
    s.call("GET", "/api/posts/")
    tokens = people(s)
    tags(s, tokens)
    posts(s, tokens)
    comments(s, tokens)
    wind_down(s, tokens)
    if s.surprises:
        print(f"{s.surprises} unexpected statuses", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
