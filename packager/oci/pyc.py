"""``.pyc`` files compiled as unchecked-hash (PEP 552): valid whatever the mtimes in the image say.

A read-only root with timestamp-based ``.pyc`` made stale by normalised mtimes imports about 5x slower (measured:
398 ms against 82 ms), and Python cannot rewrite them there.

Compilation runs in fresh ``python -I -S`` worker processes, never in cleave's own: ``marshal`` marks an object as
shared when its reference count is above one, so the bytes of a ``.pyc`` depend on which other modules the compiling
process holds (measured: the stdlib compiled after importing libcst, typer and rich differs from a clean process).
A clean worker compiles every file from the same state; the workers also use the cores.
"""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from packager.oci.errors import ImageError

CACHE_TAG: Final = sys.implementation.cache_tag
_PER_WORKER_MIN: Final = 64

# Runs with -I -S: no site, no user paths, only what the interpreter loads at start.
_WORKER: Final = """
import marshal, sys, warnings
from importlib.util import MAGIC_NUMBER, source_hash
warnings.simplefilter("ignore")
out = []
for name, source in marshal.loads(sys.stdin.buffer.read()):
    try:
        code = compile(source, name, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError):
        out.append(None)
        continue
    out.append(MAGIC_NUMBER + (1).to_bytes(4, "little") + source_hash(source) + marshal.dumps(code))
    del code
sys.stdout.buffer.write(marshal.dumps(out))
"""


def pyc_path(path: str) -> str:
    """Where the interpreter looks for the compiled form of ``path`` (``a/b.py`` -> ``a/__pycache__/b.<tag>.pyc``)."""
    folder, _, name = path.rpartition("/")
    stem = name[:-3]
    prefix = f"{folder}/" if folder else ""
    return f"{prefix}__pycache__/{stem}.{CACHE_TAG}.pyc"


def compile_many(items: Sequence[tuple[str, bytes]]) -> list[bytes | None]:
    """The unchecked-hash ``.pyc`` bytes for each ``(image path, source)``; ``None`` where it does not compile."""
    if not items:
        return []
    workers = max(1, min(os.cpu_count() or 1, len(items) // _PER_WORKER_MIN))
    size = -(-len(items) // workers)
    chunks = [list(items[start:start + size]) for start in range(0, len(items), size)]
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        results = list(pool.map(_run_worker, chunks))
    return [pyc for chunk in results for pyc in chunk]


def _run_worker(chunk: list[tuple[str, bytes]]) -> list[bytes | None]:
    env = {"PYTHONHASHSEED": "0", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    done = subprocess.run([sys.executable, "-I", "-S", "-c", _WORKER], input=marshal.dumps(chunk),
                          capture_output=True, env=env, check=False, timeout=600)
    if done.returncode != 0:
        raise ImageError(f"compiling .pyc files failed: {done.stderr.decode(errors='replace')[-500:]}",
                         hint="check that the interpreter cleave runs on works")
    result = marshal.loads(done.stdout)
    assert isinstance(result, list) and len(result) == len(chunk)
    return result
