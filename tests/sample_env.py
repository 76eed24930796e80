"""Virtual environments for the samples' own dependencies, cached by the hash of their requirements.

``sample_python(folder)`` returns the interpreter of a venv that has ``folder/requirements.txt`` installed, made
once under ``.cache/venvs/<hash>`` at the repository root (gitignored; ``CLEAVE_VENV_CACHE`` overrides the folder)
and reused by every later test and session. Concurrent callers (pytest-xdist workers) wait on a lock file.
Pass the result as cleave's ``--python`` in end-to-end tests.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("CLEAVE_VENV_CACHE") or REPO / ".cache" / "venvs")
INSTALL_TIMEOUT = 600


def requirements_key(requirements: Path) -> str:
    """The cache key: the requirements' bytes and the interpreter's version (a venv is tied to both)."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"{sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()[:16]


def venv_dir(folder: Path) -> Path:
    """Where the venv for ``folder/requirements.txt`` lives (it may not exist yet)."""
    return CACHE / requirements_key(folder / "requirements.txt")


def sample_python(folder: Path) -> Path:
    """The interpreter of a venv with ``folder/requirements.txt`` installed; created on first use."""
    requirements = folder / "requirements.txt"
    if not requirements.is_file():
        raise FileNotFoundError(f"{requirements}: no requirements.txt, so no venv to make for {folder.name}")
    target = venv_dir(folder)
    python, done = target / "bin" / "python", target / ".installed"
    if done.exists():
        return python
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f"{target.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():  # another worker made it while we waited
            return python
        shutil.rmtree(target, ignore_errors=True)  # a half-made venv from an interrupted run
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(target)], check=True, capture_output=True, timeout=120)
        result = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(requirements)],
            capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False,
        )
        if result.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            raise RuntimeError(f"pip install -r {requirements} failed:\n{result.stderr[-3000:]}")
        done.write_text(requirements.read_text())
    return python
