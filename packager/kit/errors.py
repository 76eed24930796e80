"""The errors the service kit raises.

Standard library only (the kit never imports cleave), so the root is :class:`KitError`, not ``CleaveError``::

    BaseException
    ├── ServiceUnavailable     a service cannot be reached (down, refused, URL unset, connection lost)
    │   └── ServiceTimeout     a service did not answer in time
    └── Exception
        └── KitError
            ├── RemoteError         a remote exception with no local class, or a protocol error; has the traceback
            ├── CodecError          a value that cannot cross a service boundary (names the function and argument)
            └── ServiceConfigError  service.json or the listening address is wrong (the server exits, one line)

``ServiceUnavailable`` derives from ``BaseException``, like ``KeyboardInterrupt``: the monolith's own
``except Exception`` handlers were written when no service could be down, and would turn it into their generic
500; instead it reaches the gateway, which answers 503 naming the service. Code that wants to degrade gracefully
catches it by name. Every class keeps its constructor arguments in ``args`` so the codec can carry it across
services unchanged: a ``ServiceUnavailable`` raised three services deep reaches the gateway as itself.
"""

from __future__ import annotations


class KitError(Exception):
    """The root of every error the service kit raises."""


class ServiceUnavailable(BaseException):
    """The service ``service`` cannot be reached; the gateway turns it into a 503 naming the service."""

    def __init__(self, service: str, reason: str = "") -> None:
        super().__init__(service, reason)
        self.service = service
        self.reason = reason

    def __str__(self) -> str:
        text = f"service {self.service!r} is unavailable"
        return f"{text}: {self.reason}" if self.reason else text


class ServiceTimeout(ServiceUnavailable):
    """The service ``service`` accepted the call but did not answer in time (the call may have run)."""


class RemoteError(KitError):
    """A remote failure with no local class to raise: ``remote_class`` and ``remote_traceback`` say what it was."""

    def __init__(self, service: str, function: str, remote_class: str, message: str,
                 remote_traceback: str = "") -> None:
        super().__init__(service, function, remote_class, message, remote_traceback)
        self.service = service
        self.function = function
        self.remote_class = remote_class
        self.message = message
        self.remote_traceback = remote_traceback

    def __str__(self) -> str:
        return f"{self.function} on service {self.service!r} raised {self.remote_class}: {self.message}"


class CodecError(KitError, TypeError):
    """A value that cannot cross a service boundary; the message names where it was (function and argument)."""


class ServiceConfigError(KitError):
    """The service's own configuration (``service.json``, ``CLEAVE_LISTEN``, the environment) is wrong."""
