"""Reading OCI image layouts (image-spec v1.1), shared by the packager (which writes and verifies them) and the
runtime (which unpacks them). Every blob read here is checked against its digest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cleave.formats.errors import FormatError

INDEX_MEDIA_TYPE: Final = "application/vnd.oci.image.index.v1+json"
MANIFEST_MEDIA_TYPE: Final = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE: Final = "application/vnd.oci.image.config.v1+json"
LAYER_GZIP_MEDIA_TYPE: Final = "application/vnd.oci.image.layer.v1.tar+gzip"
LAYER_TAR_MEDIA_TYPE: Final = "application/vnd.oci.image.layer.v1.tar"
LAYER_ZSTD_MEDIA_TYPE: Final = "application/vnd.oci.image.layer.v1.tar+zstd"
REF_NAME_ANNOTATION: Final = "org.opencontainers.image.ref.name"


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": self.size}


@dataclass(frozen=True)
class ImageLayout:
    """An OCI image layout directory."""

    root: Path

    def blob_path(self, digest: str) -> Path:
        algorithm, _, hexdigest = digest.partition(":")
        if algorithm != "sha256" or len(hexdigest) != 64 or not all(c in "0123456789abcdef" for c in hexdigest):
            raise FormatError(f"unsupported or malformed digest {digest!r}", path=self.root)
        return self.root / "blobs" / "sha256" / hexdigest

    def read_blob(self, digest: str, size: int | None = None) -> bytes:
        """The blob's bytes, after checking its size and digest."""
        path = self.blob_path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError as error:
            raise FormatError(f"blob {digest} is missing", path=self.root) from error
        if size is not None and len(data) != size:
            raise FormatError(f"blob {digest} has {len(data)} bytes, its descriptor says {size}", path=path)
        if sha256_digest(data) != digest:
            raise FormatError(f"blob {digest} does not match its digest (corrupt or tampered)", path=path)
        return data

    def read_json(self, descriptor: Descriptor) -> dict[str, Any]:
        try:
            value = json.loads(self.read_blob(descriptor.digest, descriptor.size))
        except json.JSONDecodeError as error:
            raise FormatError(f"blob {descriptor.digest} is not JSON: {error.msg}", path=self.root) from error
        if not isinstance(value, dict):
            raise FormatError(f"blob {descriptor.digest} is not a JSON object", path=self.root)
        return value

    def index(self) -> dict[str, Any]:
        path = self.root / "index.json"
        try:
            value = json.loads(path.read_text())
        except FileNotFoundError as error:
            raise FormatError("not an OCI image layout (no index.json)", path=self.root) from error
        except json.JSONDecodeError as error:
            raise FormatError(f"index.json is not JSON: {error.msg}", path=path, line=error.lineno) from error
        if not isinstance(value, dict) or value.get("schemaVersion") != 2:
            raise FormatError("index.json lacks schemaVersion 2", path=path)
        return value

    def tags(self) -> Iterator[tuple[str, Descriptor]]:
        for item in self.index().get("manifests", []):
            name = item.get("annotations", {}).get(REF_NAME_ANNOTATION)
            if name:
                yield name, Descriptor(item["mediaType"], item["digest"], int(item["size"]))

    def manifest_for(self, tag: str) -> tuple[Descriptor, dict[str, Any]]:
        for name, descriptor in self.tags():
            if name == tag:
                return descriptor, self.read_json(descriptor)
        raise FormatError(f"image {tag!r} is not in the layout", path=self.root,
                          hint="run `cleave build` again")


def descriptor_from_json(value: dict[str, Any]) -> Descriptor:
    return Descriptor(str(value["mediaType"]), str(value["digest"]), int(value["size"]))
