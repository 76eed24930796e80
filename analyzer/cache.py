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

CACHE_FORMAT: Final = 5
_OVERLAY_AT_MOST: Final = 256


def file_key(data: bytes, module: str, is_package: bool, version: str) -> bytes:
    """Content hash + module path (identical empty ``__init__.py`` files must not collide) + version."""
    digest = hashlib.blake2b(data, digest_size=16)
    digest.update(f"\0{module}\0{is_package}\0{version}".encode())
    return digest.digest()


def _load(path: Path, tag: str) -> Any:
    try:
        with open(path, "rb") as handle:
            document = pickle.load(handle)
    except Exception:  # a damaged, foreign or outdated cache (any unpickling error) is just a miss
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
        self._pack_keys: set[bytes] = set()

    def load_facts(self) -> dict[bytes, FileResult]:
        """Every cached file's facts: the pack plus the small overlay of recent changes."""
        if self.directory is None:
            return {}
        pack = _load(self.directory / "facts.pickle", self.version)
        self._pack_keys = set(pack) if isinstance(pack, dict) else set()
        found: dict[bytes, FileResult] = pack if isinstance(pack, dict) else {}
        overlay = _load(self.directory / "facts-new.pickle", self.version)
        if isinstance(overlay, dict) and found:
            found.update(overlay)
        return found

    def save_facts(self, facts: dict[bytes, FileResult], new: set[bytes]) -> None:
        """Write the few new entries beside the pack, or the whole pack when they are many."""
        if self.directory is None:
            return
        outside = [key for key in facts if key not in self._pack_keys]
        if self._pack_keys and len(outside) <= _OVERLAY_AT_MOST:
            _save(self.directory / "facts-new.pickle", self.version, {key: facts[key] for key in outside})
            return
        _save(self.directory / "facts.pickle", self.version, facts)
        with contextlib.suppress(OSError):
            (self.directory / "facts-new.pickle").unlink()

    def graph_matches(self, fingerprint: bytes) -> bool:
        """Whether the cached graph was made from exactly these inputs (read without loading the graph)."""
        if self.directory is None:
            return False
        try:
            return (self.directory / "graph.key").read_bytes() == fingerprint
        except OSError:
            return False

    def load_graph(self, fingerprint: bytes | None) -> Any:
        """The cached graph snapshot (made from ``fingerprint``, or from anything when None)."""
        if self.directory is None:
            return None
        found = _load(self.directory / "graph.pickle", self.version)
        if not isinstance(found, tuple) or len(found) != 2:
            return None
        if fingerprint is not None and found[0] != fingerprint:
            return None
        return found[1]

    def save_graph(self, fingerprint: bytes, value: Any) -> None:
        if self.directory is not None:
            with contextlib.suppress(OSError):
                (self.directory / "graph.key").unlink()
            _save(self.directory / "graph.pickle", self.version, (fingerprint, value))
            with contextlib.suppress(OSError):
                write_bytes_atomic(self.directory / "graph.key", fingerprint)
