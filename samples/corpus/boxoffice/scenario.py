"""Drive the box office's HTTP API and print every answer on one line (``METHOD PATH -> STATUS BODY``).

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

    def call(self, method: str, path: str, body: Any = None, *, expect: int = 200, today: str = "2024-05-01") -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers={"X-Today": today})
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


CARD = "4242 4242 4242 4242"


def main(base_url: str) -> int:
    s = Session(base_url)
    s.call("GET", "/healthz")
    hamlet = s.call("POST", "/shows", {"title": "Hamlet", "on": "2024-06-01", "price": "30.00", "seats": 5},
                    expect=201)["id"]
    opera = s.call("POST", "/shows", {"title": "Carmen", "on": "2024-05-20", "price": "55.50", "seats": 100},
                   expect=201)["id"]
    past = s.call("POST", "/shows", {"title": "Yesterday", "on": "2024-04-01", "price": "10.00", "seats": 10},
                  expect=201)["id"]
    s.call("POST", "/shows", {"title": "Free", "on": "2024-06-01", "price": "0", "seats": 10}, expect=400)
    s.call("POST", "/shows", {"title": "Bad", "on": "June", "price": "10", "seats": 10}, expect=400)
    s.call("POST", "/shows", {"title": "Bad", "on": "2024-06-01", "price": "ten", "seats": 10}, expect=400)
    s.call("GET", "/shows")
    s.call("GET", f"/shows/{hamlet}")
    s.call("GET", "/shows/99", expect=404)
    first = s.call("POST", "/bookings", {"show_id": hamlet, "email": "Ann@example.org", "seats": 2, "card": CARD},
                   expect=201)["ref"]
    second = s.call("POST", "/bookings", {"show_id": opera, "email": "ann@example.org", "seats": 4, "card": CARD},
                    expect=201)["ref"]
    s.call("POST", "/bookings", {"show_id": hamlet, "email": "bo@example.org", "seats": 4, "card": CARD},
           expect=409)
    s.call("POST", "/bookings", {"show_id": hamlet, "email": "bo@example.org", "seats": 2,
                                 "card": "4000 0000 0000 0002"}, expect=409)
    s.call("POST", "/bookings", {"show_id": hamlet, "email": "bo@example.org", "seats": 2, "card": "1234"},
           expect=409)
    s.call("POST", "/bookings", {"show_id": past, "email": "bo@example.org", "seats": 1, "card": CARD}, expect=409)
    s.call("POST", "/bookings", {"show_id": 99, "email": "bo@example.org", "seats": 1, "card": CARD}, expect=404)
    s.call("POST", "/bookings", {"show_id": hamlet, "email": "bo@example.org", "seats": 9, "card": CARD},
           expect=400)
    s.call("POST", "/bookings", {"show_id": hamlet, "email": "bo@example.org", "seats": 1, "card": CARD},
           expect=400, today="someday")
    third = s.call("POST", "/bookings", {"show_id": hamlet, "email": "bo@example.org", "seats": 3, "card": CARD},
                   expect=201)["ref"]
    s.call("GET", f"/shows/{hamlet}")
    s.call("GET", f"/bookings/{first}")
    s.call("GET", "/bookings/BX0999", expect=404)
    s.call("GET", "/customers/ann@example.org")
    s.call("GET", "/customers/bo@example.org")
    s.call("POST", f"/bookings/{second}/cancel")
    s.call("POST", f"/bookings/{second}/cancel", expect=409)
    s.call("POST", "/bookings/BX0999/cancel", expect=404)
    s.call("GET", f"/bookings/{second}")
    s.call("GET", f"/shows/{opera}")
    s.call("GET", "/customers/ann@example.org")
    s.call("POST", f"/bookings/{third}/cancel")
    s.call("POST", "/bookings", {"show_id": hamlet, "email": "cy@example.org", "seats": 3, "card": CARD},
           expect=201)
    s.call("GET", "/customers/bo@example.org")
    s.call("GET", "/customers/cy@example.org")
    s.call("GET", "/shows")
    s.call("DELETE", "/shows", expect=404)
    return 1 if s.surprises else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
