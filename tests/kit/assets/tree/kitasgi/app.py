"""A framework-free ASGI app with a lifespan, to test the kit's ASGI bridge."""

from __future__ import annotations

import json

from cleave_kit.client import call


class App:
    def __init__(self) -> None:
        self.started = False

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.started = True
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["path"] == "/ghost":
            call("ghost", "ghost.api.anything", (), {})
        request = await receive()
        body = json.dumps({"started": self.started, "method": scope["method"], "path": scope["path"],
                           "query": scope["query_string"].decode(), "body": request["body"].decode(),
                           "headers": {k.decode(): v.decode() for k, v in scope["headers"]}}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


application = App()
