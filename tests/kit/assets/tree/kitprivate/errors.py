"""A module only the service has: its exception reaches callers as a RemoteError."""


class PrivateError(Exception):
    pass
