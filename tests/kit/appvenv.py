"""A virtualenv with third-party web packages (Flask, gunicorn, uvicorn, websockets) for tests and bench/ runs.

Made once per set of requirements, under ``~/.cache/cleave/venvs/<hash of the requirements>`` (``XDG_CACHE_HOME``
respected), by the ordinary ``pip`` of this interpreter; a lock file keeps two processes from making it at once,
and a venv is used only once its ``complete`` marker exists.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

WEB = ("flask==3.1.3", "gunicorn==27.0.1", "uvicorn==0.55.0", "websockets==17.4")


def cache_root() -> Path:
    """Where the cached venvs live."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cleave" / "venvs"


def app_venv(requirements: tuple[str, ...] = WEB) -> Path:
    """The python of a venv that has ``requirements`` installed (made on first use; raises if pip fails)."""
    key = hashlib.sha256("\n".join(sorted(requirements)).encode()).hexdigest()[:16]
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    venv = root / key
    python = venv / "bin" / "python"
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (venv / "complete").exists():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *requirements],
                       check=True)
        (venv / "complete").write_text("\n".join(requirements) + "\n")
    return python
