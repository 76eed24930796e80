"""A throwaway PostgreSQL server for tests: Debian's PostgreSQL 15, a unix socket only, always stopped.

Use the session fixture ``postgres`` (import it into a conftest: ``from tests.pg import postgres  # noqa: F401``)
or the context manager ``postgres_server()``. Each test makes its own database with ``server.create_database()``,
which returns a URL like ``postgresql://postgres@/NAME?host=/tmp/cleave-pg-XXXX/socket``. The server has no TCP
listener; as root it runs as the ``postgres`` user (initdb refuses root). Skips when PostgreSQL is not installed.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("CLEAVE_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "postgres"  # the superuser initdb makes (-U), and the role the URLs log in as
_names = itertools.count(1)


@dataclass(frozen=True)
class PgServer:
    """A running server: its data directory, the directory holding its socket, its binaries."""

    root: Path
    data_dir: Path
    socket_dir: Path
    bin_dir: Path

    def url(self, database: str) -> str:
        """The SQLAlchemy / DATABASE_URL form, through the unix socket."""
        return f"postgresql://{USER}@/{database}?host={self.socket_dir}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database (``name`` or ``test_N``); returns its URL."""
        name = name or f"test_{next(_names)}"
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one SQL command with psql; returns its unaligned output."""
        result = subprocess.run(
            [str(self.bin_dir / "psql"), "-h", str(self.socket_dir), "-U", USER, "-d", database,
             "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
            capture_output=True, text=True, timeout=60, check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql {sql!r}: {result.stderr.strip()}")
        return result.stdout


def available() -> bool:
    """True when PostgreSQL's server binaries are installed (Debian: apt-get install postgresql)."""
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


def _as_server_user() -> tuple[list[str], pwd.struct_passwd | None]:
    if os.geteuid() != 0:
        return [], None
    account = pwd.getpwnam(USER)
    return ["runuser", "-u", USER, "--"], account


@contextlib.contextmanager
def postgres_server() -> Iterator[PgServer]:
    """Start a server in a fresh temporary folder; stop it and delete the folder on exit, even on failure."""
    if not available():
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}/initdb missing): apt-get install postgresql")
    prefix, account = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="cleave-pg-"))  # short: a unix socket path has at most 107 bytes
    data_dir, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir()
    if account is not None:
        os.chmod(root, 0o755)
        os.chown(socket_dir, account.pw_uid, account.pw_gid)
        os.chown(root, account.pw_uid, account.pw_gid)
    server = PgServer(root, data_dir, socket_dir, PG_BIN)
    log = root / "server.log"
    started = False
    try:
        subprocess.run(
            [*prefix, str(PG_BIN / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", USER, "-E", "UTF8",
             "--locale=C", "--no-sync"],
            capture_output=True, text=True, timeout=120, check=True,
        )
        options = f"-k {socket_dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off " \
                  "-c full_page_writes=off -c max_connections=50 -c shared_buffers=32MB"
        result = subprocess.run(
            [*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-o", options, "-l", str(log), "-w",
             "-t", "60", "start"],
            capture_output=True, text=True, timeout=90, check=False,
        )
        started = True
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip()}\n{_tail(log)}")
        yield server
    finally:
        if started:
            subprocess.run(
                [*prefix, str(PG_BIN / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "-w", "stop"],
                capture_output=True, timeout=60, check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


def _tail(log: Path) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-20:])
    except OSError:
        return ""


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole test session (skips when PostgreSQL is not installed)."""
    with postgres_server() as server:
        yield server
