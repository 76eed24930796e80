"""The plan's shared resources, as the runtime provides them: the database, secrets and the one-time init.

- **sqlite**: one file in the volume every database service mounts at its ``DATA_DIR`` (``.cleave/volumes/
  <volume>``), created in WAL mode (several processes write it) and owned by the services' user.
- **postgresql**: a server from the host's installation (``initdb``/``pg_ctl`` of PostgreSQL's own ``bin``),
  its data directory under ``.cleave/volumes/postgresql``, run as the ``postgres`` user (initdb refuses root),
  listening on a unix socket only (``listen_addresses=''``); the socket file is mounted into the replicas of the
  services that use the database, and no others. ``down`` stops it and keeps the data; ``down --volumes`` removes
  the data with the other volumes.
- **secrets**: ``secret_env`` values (``env:NAME``, ``file:/path``) are read when a replica starts and passed in its
  environment only.
- **init**: run once, before any replica, in the owning service's image (the same launch as a replica); a failure
  stops ``up`` with the last lines of its log.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

from cleave.formats.plan_edge import redact_url
from cleave.formats.topology import ServiceSpec, Topology
from runtime.errors import RuntimeEngineError
from runtime.launch import LaunchSpec, launch
from runtime.paths import ProjectPaths

PG_VOLUME: Final = "postgresql"
PG_ROOT_AS_ROOT: Final = Path("/var/lib/cleave/postgresql")
PG_SOCKET: Final = ".s.PGSQL.5432"
PG_USER: Final = "postgres"
PG_ROLE: Final = "app"
INIT_LOG_LINES: Final = 5
DEFAULT_PORTS: Final = {"postgresql": 5432, "postgres": 5432, "mysql": 3306, "mariadb": 3306}
_PG_BIN_ROOTS: Final = ("/usr/lib/postgresql",)


def volume_dir(paths: ProjectPaths, spec: ServiceSpec) -> Path:
    """The host folder mounted at the service's ``DATA_DIR``: a shared volume when one targets it."""
    for volume in spec.volumes:
        if volume.target == spec.data_dir:
            return paths.volumes / volume.name
    return paths.volumes / spec.name


def pg_root(paths: ProjectPaths) -> Path:
    """Where the managed server keeps its data and socket. ``.cleave/volumes/postgresql`` is a link to it: the
    server runs as the ``postgres`` user, who can seldom traverse the project's folders (a home or a 0700 temporary
    folder), and a unix socket path must stay under 108 bytes. As root: ``/var/lib/cleave/postgresql/<project>``,
    else ``~/.local/state/cleave/postgresql/<project>`` (``<project>``: a hash of the project's ``.cleave``)."""
    link = paths.volumes / PG_VOLUME
    if link.is_symlink():
        return link.resolve()
    key = hashlib.sha256(str(paths.state_dir.resolve()).encode()).hexdigest()[:16]
    base = PG_ROOT_AS_ROOT if os.geteuid() == 0 else Path.home() / ".local" / "state" / "cleave" / "postgresql"
    return base / key


def pg_dirs(paths: ProjectPaths) -> tuple[Path, Path]:
    """(data directory, socket directory) of the managed PostgreSQL server."""
    root = pg_root(paths)
    return root / "data", root / "run"


def pg_bin(tool: str) -> str:
    """A PostgreSQL server tool from the host's installation (newest major version first)."""
    for root in _PG_BIN_ROOTS:
        versions = sorted((p for p in Path(root).glob("*/bin") if (p / tool).exists()),
                          key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
        if versions:
            return str(versions[0] / tool)
    found = shutil.which(tool)
    if found is None:
        raise RuntimeEngineError(f"PostgreSQL's {tool} is not installed on this machine",
                                 hint="install it (Debian: apt-get install postgresql), or use engine: sqlite")
    return found


def replica_env(topology: Topology, spec: ServiceSpec, paths: ProjectPaths, *, isolated: bool) -> dict[str, str]:
    """What a replica of ``spec`` needs to reach the database, plus its secrets."""
    env = {name: _secret(name, ref) for name, ref in spec.secret_env.items()}
    database = topology.database
    if database is None or spec.name not in database.services:
        return env
    env["CLEAVE_DB_ENGINE"] = database.engine
    if database.engine == "sqlite" and database.file:
        folder = spec.data_dir if isolated else str(volume_dir(paths, spec))
        env["CLEAVE_DB_PATH"] = f"{folder}/{database.file}"
    elif database.engine == "postgresql":
        env["CLEAVE_DB_SOCKET_DIR"] = (database.socket_dir or "/run/cleave") if isolated else str(pg_dirs(paths)[1])
        env["CLEAVE_DB_NAME"] = database.name
        env["CLEAVE_DB_USER"] = PG_ROLE
    return env


def replica_sockets(topology: Topology, spec: ServiceSpec, paths: ProjectPaths) -> list[tuple[str, str]]:
    """The PostgreSQL socket, for isolated replicas of the services that use it (mounted in ``/run/cleave``)."""
    database = topology.database
    if database is None or database.engine != "postgresql" or spec.name not in database.services:
        return []
    return [(PG_SOCKET, str(pg_dirs(paths)[1] / PG_SOCKET))]


def _secret(name: str, ref: str) -> str:
    kind, _, target = ref.partition(":")
    if kind == "env":
        if target not in os.environ:
            raise RuntimeEngineError(f"secret {name} comes from ${target}, which is not set",
                                     hint=f"export {target}=... before `cleave up`")
        return os.environ[target]
    try:
        return Path(target).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise RuntimeEngineError(f"secret {name} comes from {target}, which cannot be read: {error.strerror}",
                                 hint="create the file, or change the plan's env") from None


def provision(topology: Topology, paths: ProjectPaths, owner: tuple[int, int] | None) -> None:
    """Create (or start again) the database before any replica starts. ``owner``: the replicas' uid and gid."""
    check_external(topology)
    database = topology.database
    if database is None:
        return
    if database.engine == "sqlite" and database.volume and database.file:
        folder = paths.volumes / database.volume
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / database.file
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")  # kept in the file: every writer uses WAL from now on
        for item in (folder, path):
            if owner is not None:
                os.chown(item, *owner)
        return
    if database.engine == "postgresql":
        start_postgresql(paths, database.name)


def check_external(topology: Topology, timeout: float = 3.0) -> None:
    """The user's own database (``CLEAVE_DATABASE_URL``) must answer before anything starts: one line naming its
    URL without the password when it does not."""
    variable = "CLEAVE_DATABASE_URL"
    urls = {spec.env.get(variable) or (_secret(variable, spec.secret_env[variable]) if variable in spec.secret_env
                                       else None) for spec in topology.services}
    for url in sorted(u for u in urls if u):
        parts = urlsplit(url)
        if parts.scheme.startswith("sqlite"):
            continue
        query = dict(item.partition("=")[::2] for item in parts.query.split("&") if item)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.split("+")[0], 5432)
        try:
            if parts.hostname and not parts.hostname.startswith("/"):
                socket.create_connection((parts.hostname, port), timeout=timeout).close()
            else:
                folder = unquote(parts.hostname or "") or query.get("host") or "/var/run/postgresql"
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(timeout)
                    sock.connect(f"{folder}/.s.PGSQL.{port}")
        except OSError as error:
            raise RuntimeEngineError(f"the database {redact_url(url)} is unreachable: "
                                     f"{error.strerror or error}; nothing was started",
                                     hint="start it, or fix the plan's database.url") from None


def _as_postgres(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", PG_USER, "--", *argv]


def _run(argv: list[str], what: str) -> str:
    result = subprocess.run(_as_postgres(argv), capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-INIT_LOG_LINES:])
        raise RuntimeEngineError(f"PostgreSQL {what} failed: {tail}", hint="see .cleave/volumes/postgresql/server.log")
    return result.stdout


def start_postgresql(paths: ProjectPaths, name: str) -> None:
    """initdb once, then start the server on its unix socket only, and create the app's role and database."""
    data, sockets = pg_dirs(paths)
    root = data.parent
    if not root.is_dir():
        root.parent.mkdir(parents=True, exist_ok=True)
        for folder in (*reversed(root.parents[:3]), root):  # .../cleave, .../postgresql: traversable
            if folder.is_dir() and folder.stat().st_uid == os.geteuid():
                os.chmod(folder, 0o755)
        root.mkdir(mode=0o755)
    link = paths.volumes / PG_VOLUME
    if not link.is_symlink():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(root, target_is_directory=True)
    sockets.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(PG_USER)
        for folder in (data.parent, sockets):
            os.chown(folder, entry.pw_uid, entry.pw_gid)
    os.chmod(sockets, 0o755)
    if not (data / "PG_VERSION").exists():
        _run([pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", PG_USER, "--no-sync"], "initdb")
    if not (sockets / PG_SOCKET).exists():
        _run([pg_bin("pg_ctl"), "-D", str(data), "-l", str(data.parent / "server.log"), "-w", "-o",
              f"-k {sockets} -c listen_addresses=''", "start"], "start")
    psql = [pg_bin("psql"), "-h", str(sockets), "-U", PG_USER, "-d", "postgres", "-tA", "-c"]
    if PG_ROLE not in _run([*psql, "SELECT rolname FROM pg_roles"], "role check").split():
        _run([*psql, f"CREATE ROLE {PG_ROLE} LOGIN"], "create role")
    if name not in _run([*psql, "SELECT datname FROM pg_database"], "database check").split():
        _run([*psql, f"CREATE DATABASE {name} OWNER {PG_ROLE}"], "create database")
    os.chmod(sockets / PG_SOCKET, 0o777)


def stop_postgresql(paths: ProjectPaths, *, remove: bool = False) -> None:
    """Stop the managed server if it runs; its data is kept unless ``remove`` (``down --volumes``)."""
    link = paths.volumes / PG_VOLUME
    if not link.is_symlink():
        return
    data, _ = pg_dirs(paths)
    if (data / "postmaster.pid").exists():
        with contextlib.suppress(RuntimeEngineError, OSError, subprocess.SubprocessError):
            _run([pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], "stop")
    if remove:
        shutil.rmtree(data.parent, ignore_errors=True)
        link.unlink()


def init_failure(log_path: Path, command: tuple[str, ...], status: int) -> RuntimeEngineError:
    """The error that stops ``up`` when the init fails: its command, exit status and the last lines of its log."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-INIT_LOG_LINES:]
    except OSError:
        lines = []
    shown = " | ".join(line.strip() for line in lines if line.strip()) or "(no output)"
    return RuntimeEngineError(f"the init ({' '.join(command)}) failed with exit status {status}, nothing was "
                              f"started; its log ends: {shown}", path=log_path,
                              hint="fix the init (the plan's `init:`), then `cleave up` again")


def run_init(spec: LaunchSpec) -> None:
    """Run the init (``spec`` is a replica's launch with the init's argv) and wait for it; raise on failure."""
    Path(spec.log_path).write_bytes(b"")
    launched = launch(spec)
    _, status = os.waitpid(launched.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise init_failure(Path(spec.log_path), spec.argv, code)
