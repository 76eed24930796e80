"""Drive the help desk's HTTP API and print every answer on one line (``METHOD PATH -> STATUS BODY``).

Usage: python scenario.py BASE_URL. Exit status 1 when an answer's status is not the one expected.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any


class Session:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.surprises = 0

    def call(self, method: str, path: str, body: Any = None, *, expect: int = 200) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        try:
            answer = json.loads(payload)
            shown = json.dumps(answer, sort_keys=True, separators=(",", ":"))
        except ValueError:
            answer, shown = None, payload.decode("utf-8", "replace")
        print(f"{method} {path} -> {status} {shown}", flush=True)
        if status != expect:
            self.surprises += 1
            print(f"unexpected status {status} (expected {expect}) for {method} {path}", file=sys.stderr)
        return answer


def main(base_url: str) -> int:
    s = Session(base_url)
    s.call("GET", "/healthz")
    acme = s.call("POST", "/customers", {"name": "Wile", "company": "Acme", "tier": "gold"}, expect=201)["id"]
    initech = s.call("POST", "/customers", {"name": "Peter", "company": "Initech", "tier": "basic"}, expect=201)["id"]
    s.call("POST", "/customers", {"name": "Bill", "company": "Initrode", "tier": "platinum"}, expect=400)
    s.call("POST", "/customers", {"name": "Bill"}, expect=400)
    grace = s.call("POST", "/agents", {"name": "Grace", "skills": ["billing", "network"]}, expect=201)["id"]
    s.call("POST", "/agents", {"name": "Linus", "skills": ["network"]}, expect=201)
    s.call("POST", "/agents", {"name": "Nobody", "skills": "network"}, expect=400)
    s.call("GET", f"/agents/{grace}")
    s.call("GET", "/agents/99", expect=404)
    opened = []
    for customer, subject, topic, priority, at in (
        (acme, "Invoice is wrong", "billing", "high", "2024-04-01T09:00"),
        (acme, "VPN down", "network", "normal", "2024-04-01T10:30"),
        (initech, "TPS report printer", "network", "low", "2024-04-02T08:15"),
        (initech, "Refund please", "billing", "normal", "2024-04-02T11:00"),
        (initech, "Another VPN issue", "network", "high", "2024-04-02T12:00"),
    ):
        body = {"customer_id": customer, "subject": subject, "topic": topic, "priority": priority, "at": at}
        opened.append(s.call("POST", "/tickets", body, expect=201)["id"])
    s.call("POST", "/tickets", {"customer_id": 99, "subject": "x", "topic": "billing", "priority": "low",
                                "at": "2024-04-02T12:00"}, expect=404)
    s.call("POST", "/tickets", {"customer_id": acme, "subject": "x", "topic": "billing", "priority": "urgent",
                                "at": "2024-04-02T12:00"}, expect=400)
    s.call("POST", "/tickets", {"customer_id": acme, "subject": " ", "topic": "billing", "priority": "low",
                                "at": "2024-04-02T12:00"}, expect=400)
    s.call("POST", "/tickets", {"customer_id": acme, "subject": "x", "topic": "billing", "priority": "low",
                                "at": "soon"}, expect=400)
    s.call("GET", f"/tickets/{opened[0]}")
    s.call("GET", f"/tickets/{opened[4]}")
    s.call("GET", "/tickets/99", expect=404)
    s.call("POST", f"/tickets/{opened[0]}/close", {"at": "2024-04-01T10:00"})
    s.call("POST", f"/tickets/{opened[0]}/close", {"at": "2024-04-01T10:05"}, expect=409)
    s.call("POST", f"/tickets/{opened[1]}/close", {"at": "2024-04-02T12:00"})
    s.call("POST", f"/tickets/{opened[2]}/close", {"at": "2024-04-03T08:00"})
    s.call("POST", "/tickets/99/close", {"at": "2024-04-03T08:00"}, expect=404)
    s.call("POST", "/tickets", {"customer_id": initech, "subject": "Printer again", "topic": "network",
                                "priority": "normal", "at": "2024-04-03T09:00"}, expect=201)
    s.call("GET", f"/customers/{initech}/tickets")
    s.call("GET", f"/customers/{acme}/tickets")
    s.call("GET", "/customers/99/tickets", expect=404)
    s.call("GET", f"/agents/{grace}")
    s.call("GET", "/breaches")
    s.call("PUT", "/breaches", expect=404)
    return 1 if s.surprises else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
