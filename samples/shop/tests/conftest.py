"""Fixtures: a fresh DATA_DIR per test and an in-process client of the WSGI application."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shop.web import application  # noqa: E402


class Client:
    """Calls the WSGI app directly, the way a server would."""

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        path, _, query = path.partition("?")
        payload = b"" if body is None else json.dumps(body).encode("utf-8")
        environ: dict[str, Any] = {}
        setup_testing_defaults(environ)
        environ.update(
            REQUEST_METHOD=method,
            PATH_INFO=path,
            QUERY_STRING=query,
            CONTENT_LENGTH=str(len(payload)),
            CONTENT_TYPE="application/json",
        )
        environ["wsgi.input"] = io.BytesIO(payload)
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            answer["status"] = int(status.split(maxsplit=1)[0])
            answer["headers"] = dict(headers)

        data = b"".join(application(environ, start_response))
        assert answer["headers"]["Content-Type"] == "application/json"
        assert int(answer["headers"]["Content-Length"]) == len(data)
        return answer["status"], json.loads(data)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        got, value = self.call(method, path, body)
        assert got == status, value
        return value


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(path))
    return path


@pytest.fixture
def client(data_dir: Path) -> Client:
    return Client()


@pytest.fixture
def stocked(client: Client) -> Client:
    """A shop with two customers and a small catalog."""
    for name, email, country in (("Ann", "ann@example.com", "DE"), ("Bob", "bob@example.com", "FR")):
        address = {"street": "Main 1", "city": "Town", "postcode": "12345", "country": country}
        client.ok("POST", "/customers", {"name": name, "email": email, "address": address}, 201)
    client.ok("POST", "/categories", {"name": "Mugs"}, 201)
    client.ok("POST", "/products", {"name": "Blue Mug", "category": "mugs", "price": "12.50", "stock": 3}, 201)
    client.ok("POST", "/products", {"name": "Big Mug", "category": "mugs", "price": "150.00", "stock": 5}, 201)
    return client
