"""Where a project's runtime state lives: ``.cleave/`` beside the build (or the build's own ``.cleave`` parent)."""

from __future__ import annotations

import errno
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from runtime import linux
from runtime.errors import EngineNotRunning, RuntimeEngineError


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
    """The nearest ``.cleave`` folder with runtime state, from ``start`` upwards (like git). A ``.cleave`` folder
    without state ends the search: its project is not running, and an enclosing project is someone else's."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for candidate in (folder / ".cleave", folder):
            if (candidate / "runtime-state.json").exists() or (candidate / "engine.sock").exists():
                return ProjectPaths(candidate)
        own = folder if folder.name == ".cleave" else folder / ".cleave"
        if own.is_dir():
            raise EngineNotRunning(f"the project of {own} is not running (its .cleave has no runtime state; "
                                   "folders above it are other projects)",
                                   hint="run `cleave up BUILD` first, or pass --project DIR")
    raise EngineNotRunning(f"no running cleave project here or above {here}",
                           hint="run `cleave up BUILD` first, or pass --project DIR")
