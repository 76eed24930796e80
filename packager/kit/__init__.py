"""The service kit copied into every image as the package ``cleave_kit``: RPC server, client and codec.

Standard library only, and it imports nothing of cleave (an import-linter contract and tests/kit check this);
imports between its modules are relative, so it works under any package name. Public surface:

- ``python -m cleave_kit``: serve the service described by ``./service.json`` (:mod:`.server`, :mod:`.__main__`).
- :func:`.client.call` ``(service, function, args=(), kwargs=None)``: what generated stubs call.
- :func:`.codec.encode` / :func:`.codec.decode` (JSON-able data), :func:`.codec.dumps` / :func:`.codec.loads` (bytes).
- :mod:`.errors`: ``ServiceUnavailable(service, reason)``, ``ServiceTimeout``, ``RemoteError``, ``CodecError``.
- :func:`.wsgi.unavailable_middleware`: an uncaught ServiceUnavailable becomes a 503 naming the service.
- :class:`.asgi.ASGIBridge`: how an ASGI entry app is served by the threaded server.

This file stays empty of imports so that a stub's ``from cleave_kit.client import call`` loads only the client.
"""
