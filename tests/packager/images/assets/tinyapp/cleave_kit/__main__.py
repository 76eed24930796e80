"""Serve GET /healthz with 200 on CLEAVE_LISTEN (host:port), like the real kit does."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/healthz":
            body = json.dumps({"ok": True, "service": os.environ.get("CLEAVE_SERVICE"), "uid": os.getuid(),
                               "python": sys.version.split()[0], "data_dir": os.environ.get("DATA_DIR")}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:
        pass


host, _, port = os.environ.get("CLEAVE_LISTEN", "127.0.0.1:8000").rpartition(":")
ThreadingHTTPServer((host, int(port)), Handler).serve_forever()
