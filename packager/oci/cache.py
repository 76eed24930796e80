"""The content cache: compressed layers stored once under their digest, found again by their inputs' key.

Layout of ``cache_dir``: ``blobs/sha256/<hex>`` (gzip layers, the same files the OCI layout links to) and
``layers/<key>.json`` (the record of the layer built from inputs whose fingerprint is ``key``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleave.formats.atomic import write_bytes_atomic
from cleave.settings import Settings
from packager.oci.errors import ImageError
from packager.oci.tarwriter import gzip_bytes


def default_cache_dir() -> Path:
    """A cache shared by every build of this user: ``$CLEAVE_CACHE_DIR``, else ``$XDG_CACHE_HOME/cleave/oci``, else
    ``~/.cache/cleave/oci``. The runtime layer is the same for every project on a machine, so sharing it saves the
    cold build (about 9 s) in each new build folder."""
    return Settings.from_env().cache_dir


@dataclass(frozen=True)
class LayerRecord:
    """A compressed layer: its blob digest and size, its diff_id (digest of the tar) and what made it."""

    digest: str
    size: int
    diff_id: str
    tar_size: int
    comment: str
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"digest": self.digest, "size": self.size, "diff_id": self.diff_id, "tar_size": self.tar_size,
                "comment": self.comment, "extra": self.extra}


@dataclass(frozen=True)
class LayerCache:
    """Blobs and layer records under one folder; every write is atomic, so a crash never leaves half a blob."""

    root: Path

    def blob_path(self, digest: str) -> Path:
        return self.root / "blobs" / "sha256" / digest.removeprefix("sha256:")

    def lookup(self, key: str) -> LayerRecord | None:
        path = self.root / "layers" / f"{key}.json"
        try:
            value = json.loads(path.read_text())
            record = LayerRecord(**value)
        except (OSError, ValueError, TypeError):
            return None
        blob = self.blob_path(record.digest)
        try:
            if blob.stat().st_size != record.size:
                return None
        except OSError:
            return None
        return record

    def store(self, key: str, tar: bytes, *, comment: str, level: int, extra: dict[str, Any] | None = None
              ) -> LayerRecord:
        """Compress ``tar``, keep the blob, remember it under ``key``."""
        compressed = gzip_bytes(tar, level)
        digest = "sha256:" + hashlib.sha256(compressed).hexdigest()
        blob = self.blob_path(digest)
        if not blob.exists():
            write_bytes_atomic(blob, compressed)
        record = LayerRecord(digest, len(compressed), "sha256:" + hashlib.sha256(tar).hexdigest(), len(tar),
                             comment, extra or {})
        write_bytes_atomic(self.root / "layers" / f"{key}.json",
                           json.dumps(record.to_json(), sort_keys=True, separators=(",", ":")).encode())
        return record

    def put_blob(self, data: bytes) -> str:
        """Keep a small blob (config, manifest) and return its digest."""
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blob = self.blob_path(digest)
        if not blob.exists():
            write_bytes_atomic(blob, data)
        return digest

    def link_into(self, digest: str, blobs_dir: Path) -> None:
        """Put blob ``digest`` into a layout's ``blobs/sha256`` as a hard link (a copy across file systems), after
        checking its digest: a damaged cache must not reach a layout (about 40 ms for a 17 MB runtime layer)."""
        target = blobs_dir / digest.removeprefix("sha256:")
        if target.exists():
            return
        source = self.blob_path(digest)
        with source.open("rb") as handle:
            actual = "sha256:" + hashlib.file_digest(handle, "sha256").hexdigest()
        if actual != digest:
            source.unlink()
            raise ImageError(f"the cached blob {digest} is damaged (its content hashes to {actual}); removed it",
                             path=source, hint="run the build again: it rebuilds the layer")
        try:
            os.link(source, target)
        except OSError:
            write_bytes_atomic(target, source.read_bytes())
