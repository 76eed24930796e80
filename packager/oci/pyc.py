"""``.pyc`` files compiled as unchecked-hash (PEP 552): valid whatever the mtimes in the image say.

A read-only root with timestamp-based ``.pyc`` made stale by normalised mtimes imports about 5x slower (measured:
398 ms against 82 ms), and Python cannot rewrite them there.
"""

from __future__ import annotations

import importlib.util
import marshal
import sys
import warnings
from typing import Final

_UNCHECKED_HASH_FLAGS: Final = (0b01).to_bytes(4, "little")
CACHE_TAG: Final = sys.implementation.cache_tag


def pyc_path(path: str) -> str:
    """Where the interpreter looks for the compiled form of ``path`` (``a/b.py`` -> ``a/__pycache__/b.<tag>.pyc``)."""
    folder, _, name = path.rpartition("/")
    stem = name[:-3]
    prefix = f"{folder}/" if folder else ""
    return f"{prefix}__pycache__/{stem}.{CACHE_TAG}.pyc"


def compile_unchecked(source: bytes, image_path: str) -> bytes | None:
    """The ``.pyc`` bytes for ``source``, whose tracebacks name ``image_path``; ``None`` if it does not compile."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            code = compile(source, image_path, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError):
        return None
    header = importlib.util.MAGIC_NUMBER + _UNCHECKED_HASH_FLAGS + importlib.util.source_hash(source)
    return header + marshal.dumps(code)
