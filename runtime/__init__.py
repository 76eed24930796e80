"""Stage 4: build directory -> running replicas in namespaces and cgroups, scaled, balanced and restarted.

The public API (everything the CLI and ``migrate`` use; the rest of the package is internal)::

    up(build, *, timeout, on_progress) -> UpResult        start the engine, or apply the build to the running one
    down(paths, *, volumes) -> DownResult                  stop everything (idempotent)
    ps(paths), status(paths)                               the engine's status and replica rows
    scale(paths, counts, *, wait), restart(paths, names)   change what runs
    stop_services(paths, names), start_services(paths, names)
    project(folder) -> ProjectPaths                        the nearest .cleave
    read_logs, print_logs, follow_logs, read_events        replica logs and the engine's events (after down too)
"""

from runtime.api import (
    STAGES,
    DownResult,
    ServiceState,
    UpCancelled,
    UpFailed,
    UpResult,
    down,
    project,
    ps,
    replica_bound,
    restart,
    run_foreground,
    scale,
    start_services,
    status,
    stop_services,
    up,
)
from runtime.errors import EngineNotRunning, RuntimeEngineError
from runtime.events import read as read_events
from runtime.logview import LogLine, follow_logs, print_logs, read_logs
from runtime.paths import ProjectPaths

__all__ = [
    "STAGES",
    "DownResult",
    "EngineNotRunning",
    "LogLine",
    "ProjectPaths",
    "RuntimeEngineError",
    "ServiceState",
    "UpCancelled",
    "UpFailed",
    "UpResult",
    "down",
    "follow_logs",
    "print_logs",
    "project",
    "ps",
    "read_events",
    "read_logs",
    "replica_bound",
    "restart",
    "run_foreground",
    "scale",
    "start_services",
    "status",
    "stop_services",
    "up",
]
