"""The engine's state file: enough to re-adopt running replicas after the engine restarts or crashes.

The file is a claim, not a proof: anyone who can write ``.cleave/`` can write it. :func:`load_state` checks every
field's type and shape and that every cgroup it names lies under this project's own cgroup parent (a state file
naming another project's or the machine's cgroups is refused, with one line); ``runtime/adoption.py`` proves each
replica before anything is signalled.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from cleave.formats.atomic import write_text_atomic
from runtime.errors import RuntimeEngineError

FORMAT: Final = "cleave.runtime-state/1"
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_GENERATION: Final = re.compile(r"-g([0-9]+)$")


class StateError(RuntimeEngineError):
    """A runtime state file that is not what an engine writes (garbage, truncated, wrong shape, foreign cgroups)."""


@dataclass(frozen=True)
class ReplicaRecord:
    """One running replica, as the next engine needs it (pid + start time name one process for good)."""

    service: str
    index: int
    pid: int
    start_time: int
    restarts: int
    cgroup: str
    generation: int = 0

    @property
    def name(self) -> str:
        return f"{self.service}-{self.index}"


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
    generations: dict[str, int] = field(default_factory=dict)


def save_state(path: Path, state: EngineState) -> None:
    document = asdict(state)
    document["format"] = FORMAT
    write_text_atomic(path, json.dumps(document, indent=1, sort_keys=True) + "\n")


class _Reader:
    """Typed reads of one JSON object, each failure one :class:`StateError` naming the field."""

    def __init__(self, path: Path, where: str, document: object) -> None:
        self.path, self.where = path, where
        if not isinstance(document, dict):
            self.fail(f"{where or 'the file'} must be an object")
        self.document: dict[str, Any] = document  # type: ignore[assignment]

    def fail(self, message: str) -> None:
        raise StateError(f"the runtime state is damaged: {message}", path=self.path,
                         hint="`cleave down` stops what it can prove is this project's; then `cleave up`")

    def get(self, key: str, kind: type | tuple[type, ...], default: object = ...) -> Any:
        if key not in self.document:
            if default is not ...:
                return default
            self.fail(f"{self.where}{key} is missing")
        value = self.document[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(f"{self.where}{key} has the wrong type")
        if not isinstance(value, kind):
            self.fail(f"{self.where}{key} has the wrong type")
        return value

    def name(self, key: str) -> str:
        value: str = self.get(key, str)
        if not _NAME.fullmatch(value):
            self.fail(f"{self.where}{key} {value[:80]!r} is not a service name")
        return value

    def count(self, key: str, default: object = ...) -> int:
        value: int = self.get(key, int, default)
        if value < 0:
            self.fail(f"{self.where}{key} is negative")
        return value


def _cgroup(reader: _Reader, parent: str) -> str:
    value: str = reader.get("cgroup", str)
    head, _, tail = value.partition("/")
    if head != parent or not _NAME.fullmatch(tail):
        reader.fail(f"{reader.where}cgroup {value[:120]!r} is not under this project's cgroup {parent!r}")
    return value


def _replica(path: Path, index: int, raw: object, parent: str) -> ReplicaRecord:
    reader = _Reader(path, f"replicas[{index}].", raw)
    cgroup = _cgroup(reader, parent)
    found = _GENERATION.search(cgroup)
    record = ReplicaRecord(service=reader.name("service"), index=reader.count("index"), pid=reader.count("pid"),
                           start_time=reader.count("start_time"), restarts=reader.count("restarts"), cgroup=cgroup,
                           generation=reader.count("generation", int(found.group(1)) if found else 0))
    if record.pid <= 1:
        reader.fail(f"replicas[{index}].pid {record.pid} is not a replica's")
    return record


def _service_names(reader: _Reader, table: dict[str, Any], key: str) -> None:
    for name in table:
        if not _NAME.fullmatch(name):
            reader.fail(f"{key} names {name[:80]!r}, which is not a service name")


def _counts(reader: _Reader, key: str) -> dict[str, int]:
    table = _Reader(reader.path, f"{key}.", reader.get(key, dict, {}))
    _service_names(reader, table.document, key)
    return {name: table.count(name) for name in table.document}


def _listen(path: Path, name: str, raw: object) -> ListenRecord:
    reader = _Reader(path, f"listeners.{name}.", raw)
    kind, address = reader.get("kind", str), reader.get("address", str)
    if kind not in ("unix", "tcp") or (kind == "tcp" and not address.isdigit()) or \
            (kind == "unix" and not address.startswith("/")):
        reader.fail(f"listeners.{name} is not a unix socket path or a TCP port")
    return ListenRecord(kind, address)


def parse_state(path: Path, document: object, parent: str | None = None) -> EngineState:
    """The state in ``document`` (as read from ``path``), every field checked. Its ``cgroup_parent`` must be
    ``parent`` when given, and in any case this state folder's own (``cleave-<project>-<hash of the folder>``, see
    ``ProjectPaths.cgroup_parent``); every replica's cgroup must lie under it."""
    reader = _Reader(path, "", document)
    if reader.document.get("format") != FORMAT:
        reader.fail(f"format is not {FORMAT!r}")
    own_parent: str = reader.get("cgroup_parent", str)
    suffix = "-" + hashlib.sha256(str(path.parent).encode()).hexdigest()[:8]
    if not own_parent.startswith("cleave-") or not _NAME.fullmatch(own_parent) or \
            not own_parent.endswith(suffix) or (parent is not None and own_parent != parent):
        reader.fail(f"cgroup_parent {own_parent[:120]!r} is not this project's (cleave-<project>{suffix})")
    raw_replicas = reader.get("replicas", list, [])
    listeners: dict[str, Any] = reader.get("listeners", dict, {})
    _service_names(reader, listeners, "listeners")
    gateway_url = reader.get("gateway_url", (str, type(None)), None)
    return EngineState(
        engine_pid=reader.count("engine_pid"), engine_start_time=reader.count("engine_start_time"),
        build=reader.get("build", str), project=reader.get("project", str), cgroup_parent=own_parent,
        isolation=reader.get("isolation", dict, {}), desired=_counts(reader, "desired"),
        listeners={name: _listen(path, name, value) for name, value in listeners.items()},
        replicas=tuple(_replica(path, i, r, own_parent) for i, r in enumerate(raw_replicas)),
        gateway_url=gateway_url, generations=_counts(reader, "generations"))


def load_state(path: Path, parent: str | None = None) -> EngineState | None:
    """The state file, checked (:func:`parse_state`); None when there is none."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StateError(f"cannot read the runtime state: {error.strerror}", path=path) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise StateError(f"the runtime state is damaged: not JSON ({error.msg})", path=path, line=error.lineno,
                         hint="`cleave down` stops what it can prove is this project's; then `cleave up`") from None
    return parse_state(path, document, parent)
