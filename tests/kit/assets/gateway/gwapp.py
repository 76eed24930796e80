"""The app behind the router in tests/kit/test_gateway.py: WSGI, served by the kit as services "a" and "b"."""

import hashlib
import json
import os
import threading
import time

_SEEN = set()  # the kit serves each connection on its own thread: a native thread id is a connection


def application(environ, start_response):
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    service = os.environ.get("CLEAVE_SERVICE", "?")
    if path == "/connection":  # the connection this request came on; how many this process has had open so far
        _SEEN.update(t.native_id for t in threading.enumerate() if t.name == "cleave-connection")
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"pid": os.getpid(), "thread": threading.get_native_id(),
                            "connections": len(_SEEN)}).encode()]
    if path == "/echo":
        body = environ["wsgi.input"].read()
        seen = {"service": service, "method": method, "query": environ["QUERY_STRING"], "length": len(body),
                "sha256": hashlib.sha256(body).hexdigest(), "host": environ.get("HTTP_HOST"),
                "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
                "forwarded_proto": environ.get("HTTP_X_FORWARDED_PROTO"),
                "forwarded_host": environ.get("HTTP_X_FORWARDED_HOST"), "cookie": environ.get("HTTP_COOKIE")}
        start_response("200 OK", [("Content-Type", "application/json"), ("Set-Cookie", "a=1; Path=/; HttpOnly"),
                                  ("Set-Cookie", "b=2; Path=/")])
        return [json.dumps(seen).encode()]
    if path == "/stream":
        gate = environ["QUERY_STRING"]

        def chunks():
            yield b"first\n"
            deadline = time.monotonic() + 20
            while not os.path.exists(gate) and time.monotonic() < deadline:
                time.sleep(0.01)
            yield b"second\n"

        start_response("200 OK", [("Content-Type", "text/plain")])
        return chunks()
    if path == "/slow":  # a request still in flight when the gateway restarts or `down` runs
        time.sleep(float(environ["QUERY_STRING"] or 1))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"slow done by {service}\n".encode()]
    if path == "/redirect":
        start_response("302 Found", [("Location", "/echo?from=redirect"), ("Content-Length", "0")])
        return [b""]
    if path.startswith("/items/"):
        if method not in ("GET", "HEAD", "POST"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD, POST"), ("Content-Type", "text/plain")])
            return [f"405 from {service}\n".encode()]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"service": service, "item": path[7:], "method": method}).encode()]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [f"404 from {service}\n".encode()]
