"""The scripted sessions of bench/realapps_edge.py: one per real app, the same against the monolith and the split.

A :class:`Client` keeps cookies (as a browser would, without their Secure/Path attributes: the sessions run on
plain HTTP on 127.0.0.1), follows no redirect (the ``Location`` is part of the answer) and records every exchange:
method, path, status, content type, location and the body. :func:`normalize` takes out what differs between any
two runs of the same app, split or not (CSRF tokens, signed timestamps, times of day); what is left must be equal.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

_CSRF_INPUT = re.compile(r'name="(csrfmiddlewaretoken|csrf_token)"[^>]*value="([^"]+)"|'
                         r'value="([^"]+)"[^>]*name="(csrfmiddlewaretoken|csrf_token)"')
_VOLATILE = [
    (re.compile(r'(name="(?:csrfmiddlewaretoken|csrf_token)"[^>]*value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(value=")[^"]+("[^>]*name="(?:csrfmiddlewaretoken|csrf_token)")'), r"\1<csrf>\2"),
    (re.compile(r'("csrfToken":\s*")[^"]+'), r"\1<csrf>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"), "<datetime>"),
    (re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.m\.)?"), "<time>"),
    (re.compile(r"\b(?:\d+\xa0(?:minutes?|seconds?|hours?),?\s*)+"), "<age> "),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r'("token":\s*")[^"]+'), r"\1<signed token>"),
    (re.compile(r"(/join/)[\w.-]+"), r"\1<signed token>"),
    # ihatemoney signs feed links with SECRET_KEY + the project's password hash, whose salt is random
    (re.compile(r"(/feed/)[\w.-]+?(\.xml)"), r"\1<signed token>\2"),
]


def normalize(body: str) -> str:
    """``body`` without what differs between two runs of the same app (see the module docstring)."""
    for pattern, replacement in _VOLATILE:
        body = pattern.sub(replacement, body)
    return body


@dataclass
class Exchange:
    """One request and its answer."""

    label: str
    method: str
    path: str
    status: int
    content_type: str
    location: str
    body: str

    def key(self) -> tuple[object, ...]:
        """What must be equal between the monolith and the split."""
        return (self.method, self.path, self.status, self.content_type, normalize(self.location),
                normalize(self.body))


@dataclass
class Client:
    """A cookie-keeping HTTP/1.1 client for one base URL (``http://127.0.0.1:PORT``)."""

    base: str
    exchanges: list[Exchange] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, label: str, method: str, path: str, *, form: dict[str, Any] | None = None,
                data: Any = None, auth: tuple[str, str] | None = None) -> Exchange:
        """Send one request (``form``: url-encoded, lists as repeated fields; ``data``: JSON) and record it."""
        parts = urlsplit(self.base)
        headers = {"Host": parts.netloc, "Accept": "text/html,application/json;q=0.9", "Accept-Language": "en"}
        body: bytes | None = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        if auth is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in sorted(self.cookies.items()))
        if "csrftoken" in self.cookies and method not in ("GET", "HEAD"):
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
            headers["Referer"] = self.base + "/"
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    self._keep(value)
            location = response.getheader("Location") or ""
            exchange = Exchange(label, method, path, response.status,
                                (response.getheader("Content-Type") or "").split(";")[0],
                                location.removeprefix(self.base), raw.decode("utf-8", errors="replace"))
        finally:
            connection.close()
        self.exchanges.append(exchange)
        return exchange

    def _keep(self, header: str) -> None:
        pair = header.split(";", 1)[0]
        name, _, value = pair.partition("=")
        if "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value.strip().strip('"')

    def csrf(self, exchange: Exchange) -> str:
        """The CSRF token of the form in ``exchange``'s page."""
        match = _CSRF_INPUT.search(exchange.body)
        if match is None:
            raise RuntimeError(f"{exchange.label}: no CSRF token in {exchange.path}")
        return match.group(2) or match.group(3)


def ihatemoney_session(client: Client) -> None:
    """ihatemoney: its JSON API (project, members, bills, statistics, token, errors) and its web pages (login,
    project page, bill form, history, settle, statistics, export, 404)."""
    api = ("raclette", "party-hard")
    c = client
    c.request("home", "GET", "/")
    c.request("api currencies", "GET", "/api/currencies")
    c.request("api create project", "POST", "/api/projects",
              form={"name": "raclette", "id": "raclette", "password": "party-hard", "contact_email": "r@example.com"})
    c.request("api create duplicate", "POST", "/api/projects",
              form={"name": "raclette", "id": "raclette", "password": "x", "contact_email": "r@example.com"})
    c.request("api project without auth", "GET", "/api/projects/raclette")
    c.request("api project wrong password", "GET", "/api/projects/raclette", auth=("raclette", "wrong"))
    c.request("api project", "GET", "/api/projects/raclette", auth=api)
    for name, weight in (("zorglub", "1"), ("fred", "2"), ("alexis", "1")):
        c.request(f"api add member {name}", "POST", "/api/projects/raclette/members", auth=api,
                  form={"name": name, "weight": weight})
    c.request("api add member twice", "POST", "/api/projects/raclette/members", auth=api,
              form={"name": "fred", "weight": "1"})
    c.request("api members", "GET", "/api/projects/raclette/members", auth=api)
    c.request("api edit member", "PUT", "/api/projects/raclette/members/3", auth=api,
              form={"name": "alexis", "weight": "3", "activated": "true"})
    c.request("api member", "GET", "/api/projects/raclette/members/3", auth=api)
    for number, (what, payer, amount, owers) in enumerate((
            ("fromage", "1", "25", ["1", "2"]), ("pain", "2", "10.5", ["1", "2", "3"]),
            ("vin", "3", "42", ["2", "3"]), ("cornichons", "1", "4.20", ["3"])), 1):
        c.request(f"api add bill {number}", "POST", "/api/projects/raclette/bills", auth=api,
                  form={"date": f"2026-11-0{number}", "what": what, "payer": payer, "payed_for": owers,
                        "amount": amount})
    c.request("api bad bill", "POST", "/api/projects/raclette/bills", auth=api,
              form={"date": "2026-13-45", "what": "x", "payer": "1", "payed_for": ["1"], "amount": "1"})
    c.request("api bills", "GET", "/api/projects/raclette/bills", auth=api)
    c.request("api edit bill", "PUT", "/api/projects/raclette/bills/2", auth=api,
              form={"date": "2026-11-02", "what": "pain complet", "payer": "2", "payed_for": ["1", "2"],
                    "amount": "12"})
    c.request("api bill", "GET", "/api/projects/raclette/bills/2", auth=api)
    c.request("api delete bill", "DELETE", "/api/projects/raclette/bills/4", auth=api)
    c.request("api deleted bill", "GET", "/api/projects/raclette/bills/4", auth=api)
    c.request("api statistics", "GET", "/api/projects/raclette/statistics", auth=api)
    c.request("api token", "GET", "/api/projects/raclette/token", auth=api)
    c.request("api edit project", "PUT", "/api/projects/raclette", auth=api,
              form={"name": "Raclette party", "contact_email": "r@example.com", "password": "party-hard",
                    "default_currency": "XXX"})
    c.request("api project after edit", "GET", "/api/projects/raclette", auth=api)
    login_page = c.request("web login page", "GET", "/authenticate")
    c.request("web login", "POST", "/authenticate",
              form={"id": "raclette", "password": "party-hard", "csrf_token": c.csrf(login_page)})
    c.request("web project page", "GET", "/raclette/")
    c.request("web bill form", "GET", "/raclette/add")
    c.request("web settle", "GET", "/raclette/settle_bills")
    c.request("web statistics", "GET", "/raclette/statistics")
    c.request("web history", "GET", "/raclette/history")
    c.request("web export json", "GET", "/raclette/export/bills.json")
    c.request("web export csv", "GET", "/raclette/export/transactions.csv")
    c.request("web edit project page", "GET", "/raclette/edit")
    c.request("web another project", "GET", "/someone-else/")
    c.request("web exit", "GET", "/exit")
    c.request("web project after exit", "GET", "/raclette/")
    c.request("api delete project", "DELETE", "/api/projects/raclette", auth=api)
    c.request("api deleted project", "GET", "/api/projects/raclette", auth=api)
    c.request("healthcheck", "GET", "/healthcheck")
    c.request("missing page", "GET", "/no/such/page")
    c.request("wrong method", "DELETE", "/create")


def helpdesk_session(client: Client) -> None:
    """django-helpdesk: public pages, a public ticket, its DRF API (tickets, follow-ups, users; basic auth),
    the staff pages after logging in through the form, and errors."""
    staff = ("agent", "agent-pass")
    c = client
    c.request("home", "GET", "/")
    c.request("knowledge base", "GET", "/kb/")
    form = c.request("public ticket form", "GET", "/tickets/submit/")
    c.request("public ticket", "POST", "/tickets/submit/",
              form={"csrfmiddlewaretoken": c.csrf(form), "queue": "1", "title": "Printer on fire",
                    "body": "It is on fire.", "submitter_email": "alice@example.com", "priority": "2"})
    c.request("public ticket invalid", "POST", "/tickets/submit/",
              form={"csrfmiddlewaretoken": c.csrf(form), "queue": "1", "title": "", "body": "",
                    "submitter_email": "not-an-email", "priority": "2"})
    c.request("public view bad", "GET", "/view/?ticket=support-1&email=bob@example.com")
    c.request("api tickets without auth", "GET", "/api/tickets/")
    c.request("api tickets", "GET", "/api/tickets/", auth=staff)
    c.request("api create ticket", "POST", "/api/tickets/", auth=staff,
              data={"queue": 1, "title": "VPN down", "description": "Since this morning.",
                    "submitter_email": "bob@example.com", "priority": 3})
    c.request("api create ticket invalid", "POST", "/api/tickets/", auth=staff, data={"queue": 99, "title": ""})
    c.request("api ticket", "GET", "/api/tickets/2/", auth=staff)
    c.request("api update ticket", "PATCH", "/api/tickets/2/", auth=staff, data={"priority": 1, "on_hold": True})
    c.request("api follow-up", "POST", "/api/followups/", auth=staff,
              data={"ticket": 2, "comment": "Looking into it.", "public": True})
    c.request("api follow-ups", "GET", "/api/followups/", auth=staff)
    c.request("api user tickets", "GET", "/api/user_tickets/", auth=staff)
    c.request("api create user", "POST", "/api/users/", auth=staff,
              data={"first_name": "Carol", "last_name": "C", "username": "carol", "email": "carol@example.com",
                    "password": "carol-pass-123"})
    c.request("api tickets after", "GET", "/api/tickets/", auth=staff)
    c.request("staff page anonymous", "GET", "/dashboard/")
    login = c.request("login page", "GET", "/login/")
    c.request("login", "POST", "/login/",
              form={"csrfmiddlewaretoken": c.csrf(login), "username": "agent", "password": "agent-pass",
                    "next": "/dashboard/"})
    c.request("dashboard", "GET", "/dashboard/")
    c.request("ticket list", "GET", "/tickets/")
    ticket = c.request("ticket page", "GET", "/tickets/1/")
    c.request("ticket update", "POST", "/tickets/1/update/",
              form={"csrfmiddlewaretoken": c.csrf(ticket), "comment": "Extinguished.", "new_status": "3",
                    "public": "1", "title": "Printer on fire", "priority": "2", "owner": "0"})
    c.request("ticket page after update", "GET", "/tickets/1/")
    c.request("ticket json", "GET", "/datatables_ticket_list/e30=")
    c.request("reports", "GET", "/reports/")
    c.request("rss", "GET", "/rss/")
    c.request("rss open tickets", "GET", "/rss/recent_activity/")
    c.request("admin", "GET", "/admin/")
    c.request("admin tickets", "GET", "/admin/helpdesk/ticket/")
    c.request("missing ticket", "GET", "/tickets/99/")
    c.request("missing page", "GET", "/no/such/page/")
    logout = c.request("dashboard before logout", "GET", "/dashboard/")
    c.request("logout", "POST", "/logout/", form={"csrfmiddlewaretoken": c.csrf(logout)})
    c.request("dashboard after logout", "GET", "/dashboard/")


SESSIONS = {"ihatemoney": ihatemoney_session, "django-helpdesk": helpdesk_session}
