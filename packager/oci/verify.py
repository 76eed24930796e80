"""``verify_layout``: cleave checks its own images, because skopeo 1.9 accepts a config whose diff_id is wrong.

Every manifest, config and layer blob is checked against its digest and size, and every layer is decompressed and
its digest compared with the config's diff_id (shared layers only once).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

from cleave.formats.errors import FormatError
from cleave.formats.oci import (
    CONFIG_MEDIA_TYPE,
    LAYER_GZIP_MEDIA_TYPE,
    LAYER_TAR_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    Descriptor,
    ImageLayout,
    descriptor_from_json,
)
from packager.oci.errors import LayoutError

_HINT = "the layout is corrupt or was edited: run `cleave build` again"


def verify_layout(layout: Path) -> list[str]:
    """The tags of ``layout``, after checking every blob digest and every diff_id; raises :class:`LayoutError`."""
    image_layout = ImageLayout(layout)
    try:
        marker = json.loads((layout / "oci-layout").read_text())
    except (OSError, ValueError) as error:
        raise LayoutError("not an OCI image layout (no readable oci-layout file)", path=layout, hint=_HINT) from error
    if marker.get("imageLayoutVersion") != "1.0.0":
        raise LayoutError("oci-layout does not say imageLayoutVersion 1.0.0", path=layout / "oci-layout", hint=_HINT)
    diff_ids: dict[str, str] = {}  # layer digest -> its uncompressed digest (layers shared by images: read once)
    tags: list[str] = []
    try:
        for tag, descriptor in image_layout.tags():
            _verify_image(image_layout, tag, descriptor, diff_ids)
            tags.append(tag)
    except FormatError as error:
        if isinstance(error, LayoutError):
            raise
        raise LayoutError(error.message, path=error.path, hint=_HINT) from error
    except (KeyError, TypeError, ValueError) as error:
        raise LayoutError(f"malformed manifest or config: {error}", path=layout, hint=_HINT) from error
    if not tags:
        raise LayoutError("the layout holds no tagged image", path=layout / "index.json", hint=_HINT)
    return tags


def _verify_image(image_layout: ImageLayout, tag: str, descriptor: Descriptor, diff_ids: dict[str, str]) -> None:
    """One image: its manifest's and config's media types, and each layer against its config's diff_id."""
    layout = image_layout.root
    if descriptor.media_type != MANIFEST_MEDIA_TYPE:
        raise LayoutError(f"image {tag!r}: unexpected media type {descriptor.media_type}", path=layout)
    manifest = image_layout.read_json(descriptor)
    config_descriptor = descriptor_from_json(manifest["config"])
    if config_descriptor.media_type != CONFIG_MEDIA_TYPE:
        raise LayoutError(f"image {tag!r}: config has media type {config_descriptor.media_type}", path=layout)
    config = image_layout.read_json(config_descriptor)
    expected = list(config.get("rootfs", {}).get("diff_ids", []))
    layers = [descriptor_from_json(item) for item in manifest.get("layers", [])]
    config_path = image_layout.blob_path(config_descriptor.digest)
    if len(expected) != len(layers):
        raise LayoutError(f"image {tag!r}: {len(layers)} layers but {len(expected)} diff_ids in its config",
                          path=config_path, hint=_HINT)
    for number, (layer, diff_id) in enumerate(zip(layers, expected, strict=True)):
        if layer.digest not in diff_ids:
            data = image_layout.read_blob(layer.digest, layer.size)
            diff_ids[layer.digest] = _uncompressed_digest(data, layer.media_type, image_layout, layer.digest)
        if diff_ids[layer.digest] != diff_id:
            raise LayoutError(
                f"image {tag!r}: layer {number} ({layer.digest}) uncompresses to {diff_ids[layer.digest]}, "
                f"but the config's diff_id says {diff_id}", path=config_path, hint=_HINT)


def _uncompressed_digest(data: bytes, media_type: str, layout: ImageLayout, digest: str) -> str:
    if media_type == LAYER_TAR_MEDIA_TYPE:
        return "sha256:" + hashlib.sha256(data).hexdigest()
    if media_type != LAYER_GZIP_MEDIA_TYPE:
        raise LayoutError(f"layer {digest}: unsupported media type {media_type}", path=layout.root, hint=_HINT)
    try:
        tar = zlib.decompress(data, 47)
    except zlib.error as error:
        raise LayoutError(f"layer {digest} is not valid gzip: {error}", path=layout.blob_path(digest),
                          hint=_HINT) from error
    return "sha256:" + hashlib.sha256(tar).hexdigest()
