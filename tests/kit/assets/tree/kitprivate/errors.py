"""A module only the service has: its exception reaches callers as a RemoteError."""


class PrivateError(Exception):
    pass


class Unsendable(Exception):
    """An exception carrying something the codec refuses (an open file)."""

    def __init__(self, handle):
        super().__init__("has a handle")
        self.handle = handle
