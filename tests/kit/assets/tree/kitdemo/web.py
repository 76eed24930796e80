"""A WSGI app (the monolith's entry) used to test the kit's WSGI serving."""

from __future__ import annotations

import json
import os

from cleave_kit.client import call


class _Body:
    def __init__(self, parts, marker):
        self.parts = parts
        self.marker = marker

    def __iter__(self):
        return iter(self.parts)

    def close(self):
        with open(self.marker, "w") as handle:
            handle.write("closed")


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/echo" or path.startswith("/echo/"):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        keys = ["REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "SCRIPT_NAME",
                "SERVER_PROTOCOL", "HTTP_X_TRACE", "REMOTE_PORT"]
        answer = {key: environ.get(key) for key in keys}
        answer["body"] = body.decode()
        answer["wsgi.version"] = list(environ["wsgi.version"])
        answer["url_scheme"] = environ["wsgi.url_scheme"]
        data = json.dumps(answer).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _Body([b"one ", b"", b"two ", b"three"], os.environ["KIT_TEST_MARKER"])
    if path == "/write":
        write = start_response("201 Created", [("Content-Type", "text/plain"), ("Content-Length", "11")])
        write(b"hello ")
        return [b"world"]
    if path == "/ghost":
        try:
            call("ghost", "ghost.api.anything", (), {})
        except Exception:  # the monolith's catch-all for its own bugs (like samples/shop): a service down passes it
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"the app failed"]
    if path == "/status":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']
    if path == "/crash":
        raise RuntimeError("the app broke")
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found: " + path.encode("latin-1")]
