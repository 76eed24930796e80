"""The per-file fact cache and the whole-graph cache, both under ``<cache_dir>``.

``facts.pickle`` maps a file key (hash of content + module path + analyzer version) to its facts; only the
current files' entries are kept. ``graph.pickle`` holds the last graph with the fingerprint of everything it was
made from, so a run where nothing changed only hashes the files and loads it. A damaged or foreign cache is
ignored (and rewritten), never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from pathlib import Path
from typing import Any, Final

from analyzer.facts import FileResult
from cleave.formats.atomic import write_bytes_atomic

CACHE_FORMAT: Final = 3


def file_key(data: bytes, module: str, is_package: bool, version: str) -> bytes:
    """Content hash + module path (identical empty ``__init__.py`` files must not collide) + version."""
    digest = hashlib.blake2b(data, digest_size=16)
    digest.update(f"\0{module}\0{is_package}\0{version}".encode())
    return digest.digest()


def _load(path: Path, tag: str) -> Any:
    try:
        with open(path, "rb") as handle:
            document = pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError, TypeError, IndexError):
        return None
    if not isinstance(document, tuple) or len(document) != 3 or document[:2] != (CACHE_FORMAT, tag):
        return None
    return document[2]


def _save(path: Path, tag: str, value: Any) -> None:
    with contextlib.suppress(OSError):
        write_bytes_atomic(path, pickle.dumps((CACHE_FORMAT, tag, value), protocol=pickle.HIGHEST_PROTOCOL))


class Cache:
    """Reads and writes both caches; a ``None`` directory disables caching."""

    def __init__(self, directory: Path | None, version: str) -> None:
        self.directory = directory
        self.version = version

    def load_facts(self) -> dict[bytes, FileResult]:
        if self.directory is None:
            return {}
        found = _load(self.directory / "facts.pickle", self.version)
        return found if isinstance(found, dict) else {}

    def save_facts(self, facts: dict[bytes, FileResult]) -> None:
        if self.directory is not None:
            _save(self.directory / "facts.pickle", self.version, facts)

    def load_graph(self, fingerprint: bytes) -> Any:
        if self.directory is None:
            return None
        try:
            if (self.directory / "graph.key").read_bytes() != fingerprint:
                return None
        except OSError:
            return None
        found = _load(self.directory / "graph.pickle", self.version)
        if not isinstance(found, tuple) or len(found) != 2 or found[0] != fingerprint:
            return None
        return found[1]

    def save_graph(self, fingerprint: bytes, value: Any) -> None:
        if self.directory is not None:
            _save(self.directory / "graph.pickle", self.version, (fingerprint, value))
            with contextlib.suppress(OSError):
                write_bytes_atomic(self.directory / "graph.key", fingerprint)
