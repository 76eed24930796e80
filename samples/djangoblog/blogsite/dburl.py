"""``DATABASE_URL`` to a Django ``DATABASES`` entry (what dj-database-url does, for the two engines used here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


def parse(url: str) -> dict[str, Any]:
    """``sqlite:///abs/path.db`` or ``postgresql://user:pass@host:port/name`` (``?host=/socket/dir`` for a socket)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parts.path) or ":memory:"}
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        query = parse_qs(parts.query)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": query.get("host", [parts.hostname or ""])[0],
            "PORT": str(parts.port or ""),
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {parts.scheme!r} (use sqlite:// or postgresql://)")


def sqlite_in(folder: Path, name: str) -> dict[str, Any]:
    """The default: a SQLite file in ``folder``, in WAL mode so several processes can share it."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(folder / name),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL", "timeout": 5},
    }
