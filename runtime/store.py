"""A content-addressed store of unpacked image layers under ``.cleave/store``.

Each layer is unpacked once, into ``layers/<diff_id hex>/``, after its blob digest and its diff_id are checked, and is
shared read-only by every replica of every image that has it. OCI whiteouts become overlayfs whiteouts (a 0/0
character device, ``trusted.overlay.opaque`` as root, ``user.overlay.opaque`` for a rootless overlay mounted with
``userxattr``), and are always listed in ``layers/<hex>.json`` so
that a plain-process run can flatten the layers into one folder without overlayfs.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleave.formats import oci
from cleave.formats.atomic import write_text_atomic
from cleave.formats.errors import FormatError
from runtime.errors import RuntimeEngineError
from runtime.layer_tar import (
    OPAQUE_MARKER,
    OPAQUE_XATTR,
    USER_OPAQUE_XATTR,
    WHITEOUT_PREFIX,
    extract_layer,
    fingerprint,
    valid_component,
)
from runtime.layer_tar import clear as _clear

__all__ = ["OPAQUE_MARKER", "WHITEOUT_PREFIX", "ImageConfig", "Store", "UnpackedImage", "extract_layer"]

DIFF_ID = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an OCI image config the runtime uses (the topology may override them)."""

    env: tuple[tuple[str, str], ...]
    command: tuple[str, ...]
    user: str
    workdir: str


@dataclass(frozen=True)
class UnpackedImage:
    """An image whose layers are in the store, bottom layer first."""

    tag: str
    manifest_digest: str
    layers: tuple[Path, ...]
    config: ImageConfig


def _overlay_marks(layer: Path, marks: dict[str, list[str]]) -> None:
    """Whiteouts and opaque marks of a layer unpacked earlier without them (by a plain-process run, or as another
    kind of user): overlayfs needs them; a plain run ignores them (it flattens from the sidecar)."""
    as_root = os.geteuid() == 0
    for hidden in marks["whiteouts"]:
        path = _beneath(layer, hidden)
        if path is not None and not (path.exists() or path.is_symlink()):  # anything there is the layer's own
            os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
    for folder in marks["opaque"]:
        path = _beneath(layer, folder, itself=True)
        if path is not None:
            with contextlib.suppress(OSError):  # a layer of another user's store: overlayfs reads what it can
                os.setxattr(path, OPAQUE_XATTR if as_root else USER_OPAQUE_XATTR, b"y")


def _valid_relative(relative: str) -> bool:
    return relative == "." or all(valid_component(part) for part in relative.split("/"))


def _beneath(root: Path, relative: str, *, itself: bool = False) -> Path | None:
    """``root / relative`` when every folder on the way is a real directory (no symlink, nothing missing), and,
    with ``itself``, the path is one too; ``None`` otherwise (a whiteout or mark there hides nothing)."""
    if not _valid_relative(relative):
        return None
    parts = [] if relative == "." else relative.split("/")
    current = root
    for part in parts[:-1] if not itself else parts:
        current = current / part
        try:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                return None
        except FileNotFoundError:
            return None
    return root / relative


def _make_dirs_beneath(root: Path, relative: str) -> None:
    """Make ``root / relative`` a directory, replacing any symlink or file on the way (an upper folder wins)."""
    current = root
    for part in ([] if relative == "." else relative.split("/")):
        current = current / part
        try:
            if stat.S_ISDIR(os.lstat(current).st_mode):
                continue
            _clear(current)
        except FileNotFoundError:
            pass
        os.mkdir(current, 0o755)


def _load_marks(sidecar: Path) -> dict[str, Any] | None:
    """The layer's sidecar (whiteouts, opaque folders, fingerprint), or ``None`` when missing or malformed."""
    try:
        marks = json.loads(sidecar.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(marks, dict):
        return None
    for key in ("whiteouts", "opaque"):
        value = marks.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and _valid_relative(v) for v in value):
            return None
    return marks


def _decompress(data: bytes, media_type: str, digest: str) -> bytes:
    if media_type in (oci.LAYER_TAR_MEDIA_TYPE, "application/vnd.docker.image.rootfs.diff.tar"):
        return data
    if media_type in (oci.LAYER_GZIP_MEDIA_TYPE, "application/vnd.docker.image.rootfs.diff.tar.gzip"):
        return gzip.decompress(data)
    raise RuntimeEngineError(f"layer {digest} has media type {media_type!r}, which this runtime cannot unpack",
                             hint="build the image with gzip or uncompressed layers")


class Store:
    """Layers unpacked once, shared by every replica; ``overlay`` writes overlayfs whiteouts (needs root)."""

    def __init__(self, root: Path, *, overlay: bool) -> None:
        self.root = root
        self.overlay = overlay
        self.layers_dir = root / "layers"

    def unpack(self, layout_dir: Path, tag: str, expected_digest: str | None = None) -> UnpackedImage:
        """Unpack the image tagged ``tag`` in the OCI layout (each layer only once, ever)."""
        layout = oci.ImageLayout(layout_dir)
        descriptor, manifest = layout.manifest_for(tag)
        if expected_digest == "":  # from topology.json: an emptied digest would run whatever has the tag
            raise FormatError(f"image {tag!r}: topology.json names no manifest digest, so nothing ties the image to "
                              "this build", path=layout_dir, hint="run `cleave build` (with images) again")
        if expected_digest is not None and descriptor.digest != expected_digest:
            raise FormatError(f"image {tag!r} is {descriptor.digest}, topology.json expects {expected_digest}",
                              path=layout_dir, hint="the build is inconsistent: run `cleave build` again")
        config_json = layout.read_json(oci.descriptor_from_json(manifest["config"]))
        diff_ids = list(config_json.get("rootfs", {}).get("diff_ids", []))
        layer_descriptors = manifest.get("layers", [])
        if len(diff_ids) != len(layer_descriptors):
            raise FormatError(f"image {tag!r}: {len(layer_descriptors)} layers but {len(diff_ids)} diff_ids",
                              path=layout_dir, hint="run `cleave build` again")
        self.layers_dir.mkdir(parents=True, exist_ok=True)
        layers = []
        for item, diff_id in zip(layer_descriptors, diff_ids, strict=True):
            layers.append(self._unpack_layer(layout, oci.descriptor_from_json(item), diff_id))
        settings = config_json.get("config", {}) or {}
        env = tuple(tuple(e.split("=", 1)) for e in settings.get("Env", []) or [] if "=" in e)
        command = tuple(settings.get("Entrypoint") or ()) + tuple(settings.get("Cmd") or ())
        config = ImageConfig(env=env, command=command, user=str(settings.get("User") or "0:0"),
                             workdir=str(settings.get("WorkingDir") or "/"))
        return UnpackedImage(tag, descriptor.digest, tuple(layers), config)

    def _unpack_layer(self, layout: oci.ImageLayout, descriptor: oci.Descriptor, diff_id: str) -> Path:
        if not isinstance(diff_id, str) or not DIFF_ID.fullmatch(diff_id):
            raise FormatError(f"malformed diff_id {str(diff_id)[:100]!r} (expected sha256:<64 hex digits>)",
                              path=layout.root, hint="the image config is corrupt: run `cleave build` again")
        hexdigest = diff_id.partition(":")[2]
        target = self.layers_dir / hexdigest
        sidecar = self.layers_dir / f"{hexdigest}.json"
        if target.is_dir() and not target.is_symlink():
            marks = _load_marks(sidecar)
            if marks is not None and marks.get("fingerprint") == fingerprint(target):
                if self.overlay:
                    _overlay_marks(target, marks)
                return target
            self._discard(target)  # changed since it was unpacked: unpack it again from the verified blob
        data = _decompress(layout.read_blob(descriptor.digest, descriptor.size), descriptor.media_type,
                           descriptor.digest)
        if "sha256:" + hashlib.sha256(data).hexdigest() != diff_id:
            raise FormatError(f"layer {descriptor.digest} does not match its diff_id {diff_id}", path=layout.root,
                              hint="the image is corrupt: run `cleave build` again")
        staging = self.layers_dir / f".{hexdigest}.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            marks = extract_layer(data, staging, descriptor.digest, overlay=self.overlay)
            write_text_atomic(sidecar, json.dumps({**marks, "fingerprint": fingerprint(staging)}))
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            with contextlib.suppress(FileNotFoundError):
                if not target.exists():
                    sidecar.unlink()
            raise
        return target

    def _discard(self, target: Path) -> None:
        aside = target.with_name(f".{target.name}.{os.getpid()}.changed")
        shutil.rmtree(aside, ignore_errors=True)
        os.rename(target, aside)
        shutil.rmtree(aside, ignore_errors=True)

    def flatten(self, image: UnpackedImage) -> Path:
        """One folder with every layer applied in order (hard links), for runs without overlayfs."""
        target = self.root / "rootfs" / image.manifest_digest.partition(":")[2]
        if target.is_dir():
            return target
        staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for layer in image.layers:
            marks = _load_marks(layer.parent / f"{layer.name}.json")
            if marks is None:
                raise RuntimeEngineError(f"the store's record of layer {layer.name} is missing or malformed",
                                         path=layer.parent, hint="remove the store folder and run `cleave up` again")
            for hidden in marks["whiteouts"]:
                path = _beneath(staging, hidden)
                if path is not None:
                    _clear(path)
            for folder in marks["opaque"]:
                path = _beneath(staging, folder)
                if path is not None:
                    _clear(path)
                _make_dirs_beneath(staging, folder)
            _link_tree(layer, staging)
        os.rename(staging, target)
        return target


def _link_tree(source: Path, destination: Path) -> None:
    for folder, dirnames, filenames in os.walk(source):
        relative = Path(folder).relative_to(source)
        out = destination / relative
        for name in dirnames:
            path = Path(folder) / name
            if path.is_symlink():
                _clear(out / name)
                os.symlink(os.readlink(path), out / name)
            else:
                if (out / name).is_symlink() or ((out / name).exists() and not (out / name).is_dir()):
                    _clear(out / name)
                (out / name).mkdir(exist_ok=True)
        for name in filenames:
            path = Path(folder) / name
            _clear(out / name)
            if path.is_symlink():
                os.symlink(os.readlink(path), out / name)
            elif stat.S_ISCHR(os.lstat(path).st_mode):
                continue  # an overlayfs whiteout: already applied from the sidecar
            else:
                os.link(path, out / name)
