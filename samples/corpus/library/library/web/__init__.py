"""The HTTP front: ``application`` is the WSGI app."""

from library.web.app import application

__all__ = ["application"]
