"""Drive the journal's HTTP API and print every answer on one line (``METHOD PATH -> STATUS BODY``).

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
    mia = s.call("POST", "/authors", {"handle": "mia", "name": "Mia Wong"}, expect=201)["id"]
    leo = s.call("POST", "/authors", {"handle": "leo_b", "name": "Leo Brandt"}, expect=201)["id"]
    s.call("POST", "/authors", {"handle": "mia", "name": "Another Mia"}, expect=409)
    s.call("POST", "/authors", {"handle": "X", "name": "Shouty"}, expect=400)
    s.call("GET", f"/authors/{leo}")
    s.call("GET", "/authors/42", expect=404)
    ids = []
    for author, title, on, labels in ((mia, "Sourdough at home", "2024-02-01", ["bread", "baking"]),
                                      (leo, "Cycling the Alps", "2024-02-03", ["travel"]),
                                      (mia, "Rye, again", "2024-02-10", ["bread"]),
                                      (leo, "Packing light", "2024-02-12", ["travel", "gear"]),
                                      (mia, "Oven thermometers", "2024-02-15", ["gear", "baking"])):
        body = {"author_id": author, "title": title, "body": f"All about {title.lower()}.", "on": on,
                "tags": labels}
        ids.append(s.call("POST", "/posts", body, expect=201)["id"])
    s.call("POST", "/posts", {"author_id": 42, "title": "Ghost", "body": "", "on": "2024-02-16"}, expect=404)
    s.call("POST", "/posts", {"author_id": mia, "title": " ", "body": "", "on": "2024-02-16"}, expect=400)
    s.call("POST", "/posts", {"author_id": mia, "title": "Dated", "body": "", "on": "soon"}, expect=400)
    s.call("POST", "/posts", {"author_id": mia, "title": "Bad tag", "body": "", "on": "2024-02-16",
                              "tags": ["no spaces"]}, expect=400)
    s.call("GET", f"/posts/{ids[0]}")
    s.call("GET", "/posts/99", expect=404)
    s.call("POST", f"/posts/{ids[0]}/comments", {"who": "sam", "text": "Lovely crumb!", "on": "2024-02-02"},
           expect=201)
    s.call("POST", f"/posts/{ids[0]}/comments", {"who": "kim", "text": "Which flour?", "on": "2024-02-04"},
           expect=201)
    s.call("POST", f"/posts/{ids[1]}/comments", {"who": "sam", "text": "Too early", "on": "2024-01-01"},
           expect=409)
    s.call("POST", f"/posts/{ids[1]}/comments", {"who": "sam", "text": "  ", "on": "2024-02-05"}, expect=400)
    s.call("POST", "/posts/99/comments", {"who": "sam", "text": "Hello?", "on": "2024-02-05"}, expect=404)
    s.call("GET", f"/posts/{ids[0]}")
    s.call("GET", "/pages/1")
    s.call("GET", "/pages/2")
    s.call("GET", "/pages/3")
    s.call("GET", "/pages/0", expect=400)
    s.call("GET", "/tags/travel")
    s.call("GET", "/tags/gear")
    s.call("GET", "/tags/none")
    s.call("DELETE", f"/posts/{ids[0]}", expect=404)
    return 1 if s.surprises else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
