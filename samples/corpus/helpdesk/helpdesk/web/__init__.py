"""The HTTP layer; ``app`` is the WSGI application."""

from helpdesk.web.routes import app

__all__ = ["app"]
