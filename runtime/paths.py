"""Where a project's runtime state lives: ``.cleave/`` beside the build (or the build's own ``.cleave`` parent)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from runtime import linux
from runtime.errors import EngineNotRunning, RuntimeEngineError

SOCKET_GROUP_BASE = 0x7F000000


@dataclass(frozen=True)
class ProjectPaths:
    """Every path the engine and the CLI agree on, under one state folder."""

    state_dir: Path

    @classmethod
    def for_build(cls, build: Path) -> ProjectPaths:
        build = build.resolve()
        parent = build.parent
        return cls(parent if parent.name == ".cleave" else parent / ".cleave")

    @property
    def control_socket(self) -> Path:
        return self.state_dir / "engine.sock"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "runtime-state.json"

    @property
    def logs(self) -> Path:
        return self.state_dir / "logs"

    @property
    def engine_log(self) -> Path:
        return self.logs / "engine.log"

    @property
    def sockets(self) -> Path:
        return self.state_dir / "sock"

    @property
    def stage(self) -> Path:
        return self.state_dir / "run" / "stage"

    @property
    def store(self) -> Path:
        return self.state_dir / "store"

    @property
    def volumes(self) -> Path:
        return self.state_dir / "volumes"

    def replica_log(self, replica: str) -> Path:
        return self.logs / f"{replica}.log"

    def service_socket(self, service: str) -> Path:
        return self.sockets / f"{service}.sock"

    def make_private(self) -> None:
        """Create the engine's folders readable only by the engine's user (0700; log files 0600): other local
        users reach no socket, log, volume or layer through them. Replicas never walk these paths: root mounts
        what each needs into its own root (rootless, they run as the engine's user)."""
        for folder in (self.logs, self.sockets, self.stage, self.volumes, self.store):
            folder.mkdir(parents=True, exist_ok=True)
        for folder in (self.logs, self.sockets, self.state_dir / "run", self.volumes, self.store):
            with contextlib.suppress(PermissionError):
                os.chmod(folder, 0o700)
        for log in self.logs.glob("*.log*"):
            with contextlib.suppress(OSError):
                os.chmod(log, 0o600)

    def socket_group(self, service: str) -> int:
        """The group that may connect to ``service``'s socket (as root: the socket is ``root:<this> 0660`` and
        only the replicas of the services that call it get the group): one per project checkout and service,
        drawn from a range no distribution allocates (2130706432 + 24 bits of a hash)."""
        digest = hashlib.sha256(f"{self.state_dir}\0{service}".encode()).digest()
        return SOCKET_GROUP_BASE + int.from_bytes(digest[:3], "big")

    def cgroup_parent(self, project: str) -> str:
        """``cleave-<project>-<hash of the state folder>``: one parent per project checkout."""
        safe = re.sub(r"[^A-Za-z0-9_.-]", "-", project)[:40]
        digest = hashlib.sha256(str(self.state_dir).encode()).hexdigest()[:8]
        return f"cleave-{safe}-{digest}"


def artifact_path(build: Path, relative: str, what: str) -> Path:
    """``build/relative`` resolved without leaving ``build`` (openat2 RESOLVE_BENEATH: no ``..``, no symlink out);
    ``what`` names the entry in the refusal (``topology.json oci_layout``)."""
    try:
        return Path(linux.resolve_beneath(str(build), relative))
    except OSError as error:
        reason = "does not exist" if error.errno == errno.ENOENT else "leaves the build folder"
        raise RuntimeEngineError(f"{what} {relative!r} {reason}", path=build,
                                 hint="the build is corrupt or hand-edited: run `cleave build` again") from error


def find_project(start: Path | None = None) -> ProjectPaths:
    """The nearest ``.cleave`` folder, from ``start`` upwards (like git); the search stops at the first ``.cleave``
    even when nothing runs there, so commands never act on an enclosing project."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for candidate in (folder / ".cleave", folder):
            if (candidate / "runtime-state.json").exists() or (candidate / "engine.sock").exists():
                return ProjectPaths(candidate)
        if (folder / ".cleave").is_dir():  # a project with nothing running: never walk on into an enclosing one
            return ProjectPaths(folder / ".cleave")
    raise EngineNotRunning(f"no running cleave project here or above {here}",
                           hint="run `cleave up BUILD` first, or pass --project DIR")
