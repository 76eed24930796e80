"""Configuration from the environment: the database URL, the secret, the admins."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """``DATABASE_URL`` or ``SQLALCHEMY_DATABASE_URI``, else a SQLite file in ``DATA_DIR`` (default: ./instance)."""
    url = os.environ.get("DATABASE_URL") or os.environ.get("SQLALCHEMY_DATABASE_URI")
    if url:
        if url.startswith("postgres://"):  # Heroku-style scheme, which SQLAlchemy 1.4+ no longer accepts
            url = "postgresql://" + url[len("postgres://"):]
        return url
    data_dir = Path(os.environ.get("DATA_DIR") or ROOT / "instance")
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'market.db'}"


def load_config() -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "market-dev-secret"),
        "MARKET_ADMINS": {name.strip() for name in os.environ.get("MARKET_ADMINS", "admin").split(",") if name},
        "MIGRATIONS_DIR": str(ROOT / "migrations"),
        "PAGE_SIZE": int(os.environ.get("PAGE_SIZE", "20")),
    }
