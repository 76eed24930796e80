"""``python -m cleave_kit``: serve the service whose ``service.json`` is in the working directory.

Environment: ``LISTEN_FDS``/``LISTEN_PID`` (socket activation, fd 3) or ``CLEAVE_LISTEN`` (``host:port`` or
``unix:/path``, default ``127.0.0.1:8000``); ``CLEAVE_HEALTH_LISTEN`` (``unix:@name`` or ``unix:/path``: this
replica's own socket, for health checks that must reach it and not a sibling); ``CLEAVE_IDLE_TIMEOUT``,
``CLEAVE_DRAIN_TIMEOUT``, ``CLEAVE_MAX_BODY``, ``CLEAVE_MAX_CONNECTIONS``. The entry may be a WSGI or an ASGI
application (run with its lifespan). Exit status 0 after a drain, 2 when the configuration is wrong, 1 when an
ASGI startup fails (one line on stderr).
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

from .asgi import ASGIBridge, is_asgi
from .errors import ServiceConfigError, ServiceUnavailable
from .listen import open_health_listener, open_listener
from .server import Limits, Server, log
from .service import load_service
from .wsgi import health_fallback, unavailable_middleware


def main() -> int:
    """Load the service, open the socket, serve until SIGTERM, drain, return the exit status.

    ``python -m cleave_kit init CMD...`` instead runs an edge service's one-time init (cleave_kit.edge)."""
    root = Path.cwd()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # the service's own modules live beside service.json
    if sys.argv[1:2] == ["init"]:
        import json

        from .edge import run_init

        return run_init(json.loads((root / "service.json").read_text(encoding="utf-8")), sys.argv[2:])
    try:
        service = load_service(root)
        limits = Limits.from_env(os.environ)
        listener = open_listener(os.environ)
        health = open_health_listener(os.environ)
    except ServiceConfigError as error:
        log(str(error))
        return 2
    except ValueError as error:
        log(f"bad limit in the environment: {error}")
        return 2
    os.environ.setdefault("CLEAVE_SERVICE", service.name)
    bridge = None
    if service.app is not None:
        app = service.app
        if service.spec.get("seam") == "edge":
            from .edge import asgi_route_filter, wsgi_route_filter

            app = asgi_route_filter(app, service.spec) if is_asgi(app) else wsgi_route_filter(app, service.spec)
        if is_asgi(app):
            bridge = ASGIBridge(app)
            try:
                bridge.startup()
            except (Exception, ServiceUnavailable) as error:
                log(f"the ASGI application's lifespan startup failed: {type(error).__name__}: {error}")
                for opened in (listener, health):
                    if opened is not None:
                        opened.close()
                return 1
            app = bridge
        service = replace(service, app=unavailable_middleware(health_fallback(app, service.health_path)))
    try:
        return Server(service, listener, limits, health).serve()
    finally:
        if bridge is not None:
            bridge.shutdown(limits.drain_timeout)


if __name__ == "__main__":
    sys.exit(main())
