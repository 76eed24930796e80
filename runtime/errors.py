"""Errors of the runtime stage.

::

    CleaveError
    └── RuntimeEngineError     anything that stops `cleave up`, `ps`, `scale`, `logs` or `down`
        ├── UnsafeLayerError   an image layer that would write outside its root (names the layer and the path)
        ├── LaunchError        a replica that could not be set up or exec'd (names the step)
        └── EngineNotRunning   no engine answers on the project's control socket
"""

from __future__ import annotations

from cleave.errors import CleaveError


class RuntimeEngineError(CleaveError):
    """The runtime cannot go on; the message says what, where and what to do."""


class UnsafeLayerError(RuntimeEngineError):
    """A layer entry with an absolute path, a ``..`` component, or a path through a symlink."""


class LaunchError(RuntimeEngineError):
    """A replica failed before its command ran (namespaces, mounts, cgroups, user, exec)."""


class EngineNotRunning(RuntimeEngineError):
    """No engine is running for this project."""
