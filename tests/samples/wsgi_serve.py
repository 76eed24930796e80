"""Serve a sample's WSGI app on 127.0.0.1 with the standard library; run by a sample's own interpreter.

Usage: python wsgi_serve.py TARGET [--port N]   TARGET is ``module:attr`` or ``module:factory()``.
Prints ``listening on http://127.0.0.1:PORT`` once the socket is bound, serves until SIGTERM (then exits 0).
Stdlib only: it runs in the sample's venv, which has none of cleave's packages.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import socketserver
import sys
import threading
from types import FrameType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def load(target: str) -> Any:
    """``pkg.mod:attr`` or ``pkg.mod:factory()``: the WSGI callable."""
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise SystemExit(f"wsgi_serve: target {target!r} must look like 'module:attr' or 'module:factory()'")
    module = importlib.import_module(module_name)
    if attr.endswith("()"):
        return getattr(module, attr[:-2])()
    return getattr(module, attr)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="wsgi_serve")
    parser.add_argument("target")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    sys.path.insert(0, ".")
    app = load(args.target)
    server = make_server("127.0.0.1", args.port, app, server_class=_Server, handler_class=_QuietHandler)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
