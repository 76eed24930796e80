"""Drive the library's HTTP API and print every answer on one line (``METHOD PATH -> STATUS BODY``).

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
        if data is not None:
            request.add_header("Content-Type", "application/json")
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
    for isbn, title, author, copies in (("9780141439518", "Pride and Prejudice", "Jane Austen", 2),
                                        ("9780451524935", "1984", "George Orwell", 1),
                                        ("9780140449136", "Crime and Punishment", "Fyodor Dostoevsky", 1),
                                        ("9780060935467", "To Kill a Mockingbird", "Harper Lee", 3)):
        s.call("POST", "/books", {"isbn": isbn, "title": title, "author": author, "copies": copies}, expect=201)
    s.call("POST", "/books", {"isbn": "9780451524935", "title": "1984", "author": "Orwell", "copies": 1},
           expect=409)
    s.call("POST", "/books", {"isbn": "123", "title": "Short", "author": "Nobody", "copies": 1}, expect=400)
    s.call("POST", "/books", {"isbn": "9780000000001", "title": "None", "author": "Nobody", "copies": 0},
           expect=400)
    s.call("GET", "/books")
    s.call("GET", "/books/9780451524935")
    s.call("GET", "/books/9789999999999", expect=404)
    ada = s.call("POST", "/members", {"name": "Ada Lovelace", "email": "Ada@example.org", "on": "2024-01-05"},
                 expect=201)["id"]
    bob = s.call("POST", "/members", {"name": "Bob Hope", "email": "bob@example.org", "on": "2024-01-06"},
                 expect=201)["id"]
    s.call("POST", "/members", {"name": "Ada Again", "email": "ada@example.org", "on": "2024-01-07"}, expect=409)
    s.call("POST", "/members", {"name": " ", "email": "x@example.org", "on": "2024-01-07"}, expect=400)
    s.call("POST", "/members", {"name": "Cy", "email": "cy@example.org", "on": "yesterday"}, expect=400)
    s.call("GET", f"/members/{ada}")
    s.call("GET", "/members/99", expect=404)
    first = s.call("POST", "/loans", {"member_id": ada, "isbn": "9780451524935", "on": "2024-02-01"},
                   expect=201)["id"]
    s.call("POST", "/loans", {"member_id": bob, "isbn": "9780451524935", "on": "2024-02-02"}, expect=409)
    second = s.call("POST", "/loans", {"member_id": ada, "isbn": "9780141439518", "on": "2024-02-01"},
                    expect=201)["id"]
    third = s.call("POST", "/loans", {"member_id": ada, "isbn": "9780140449136", "on": "2024-02-03"},
                   expect=201)["id"]
    s.call("POST", "/loans", {"member_id": ada, "isbn": "9780060935467", "on": "2024-02-03"}, expect=409)
    s.call("POST", "/loans", {"member_id": 99, "isbn": "9780060935467", "on": "2024-02-03"}, expect=404)
    s.call("POST", "/loans", {"member_id": bob, "isbn": "9789999999999", "on": "2024-02-03"}, expect=404)
    s.call("POST", "/loans", {"member_id": "bob", "isbn": "9780060935467", "on": "2024-02-03"}, expect=400)
    s.call("GET", f"/members/{ada}")
    s.call("GET", "/books/9780451524935")
    s.call("POST", f"/loans/{first}/return", {"on": "2024-02-10"})
    s.call("POST", f"/loans/{first}/return", {"on": "2024-02-11"}, expect=409)
    s.call("POST", f"/loans/{second}/return", {"on": "2024-02-25"})
    s.call("POST", f"/loans/{third}/return", {"on": "2024-03-01"})
    s.call("POST", "/loans/99/return", {"on": "2024-03-01"}, expect=404)
    s.call("GET", f"/loans/{third}")
    s.call("GET", f"/members/{ada}")
    fines = s.call("GET", f"/members/{ada}/fines")
    s.call("POST", "/loans", {"member_id": ada, "isbn": "9780060935467", "on": "2024-03-02"}, expect=409)
    s.call("POST", f"/fines/{fines[0]['id']}/pay", {})
    s.call("POST", f"/fines/{fines[0]['id']}/pay", {}, expect=409)
    s.call("POST", "/fines/99/pay", {}, expect=404)
    s.call("POST", "/loans", {"member_id": ada, "isbn": "9780060935467", "on": "2024-03-02"}, expect=409)
    s.call("POST", f"/fines/{fines[1]['id']}/pay", {})
    s.call("POST", "/loans", {"member_id": ada, "isbn": "9780060935467", "on": "2024-03-02"}, expect=201)
    s.call("POST", "/loans", {"member_id": bob, "isbn": "9780451524935", "on": "2024-03-02"}, expect=201)
    s.call("GET", f"/members/{bob}")
    s.call("GET", "/members/1/fines")
    s.call("GET", "/books")
    s.call("DELETE", "/books", expect=404)
    return 1 if s.surprises else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
