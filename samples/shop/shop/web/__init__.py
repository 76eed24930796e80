"""The web layer: JSON over HTTP in front of the domains. ``shop.web:application`` is the WSGI entry point."""

from .app import application

__all__ = ["application"]
