"""The engine's state file: enough to re-adopt running replicas after the engine restarts or crashes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from cleave.formats.atomic import write_text_atomic
from runtime.errors import RuntimeEngineError

FORMAT: Final = "cleave.runtime-state/1"


@dataclass(frozen=True)
class ReplicaRecord:
    """One running replica, as the next engine needs it (pid + start time name one process for good)."""

    service: str
    index: int
    pid: int
    start_time: int
    restarts: int
    cgroup: str


@dataclass(frozen=True)
class ListenRecord:
    """A service's listening socket: a unix socket path, or a TCP port on 127.0.0.1 (the gateway)."""

    kind: str
    address: str


@dataclass(frozen=True)
class EngineState:
    """Everything in ``runtime-state.json``."""

    engine_pid: int
    engine_start_time: int
    build: str
    project: str
    cgroup_parent: str
    isolation: dict[str, Any]
    desired: dict[str, int]
    listeners: dict[str, ListenRecord]
    replicas: tuple[ReplicaRecord, ...] = ()
    gateway_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def save_state(path: Path, state: EngineState) -> None:
    document = asdict(state)
    document["format"] = FORMAT
    write_text_atomic(path, json.dumps(document, indent=1, sort_keys=True) + "\n")


def load_state(path: Path) -> EngineState | None:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as error:
        raise RuntimeEngineError(f"the runtime state is not JSON: {error.msg}", path=path, line=error.lineno,
                                 hint="stop the replicas by hand and delete the file") from error
    if document.pop("format", None) != FORMAT:
        raise RuntimeEngineError("unknown runtime state format", path=path, hint="run `cleave down`")
    document["listeners"] = {k: ListenRecord(**v) for k, v in document["listeners"].items()}
    document["replicas"] = tuple(ReplicaRecord(**r) for r in document["replicas"])
    return EngineState(**document)
