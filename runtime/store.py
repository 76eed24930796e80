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
import io
import json
import os
import shutil
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cleave.formats import oci
from cleave.formats.errors import FormatError
from runtime.errors import RuntimeEngineError, UnsafeLayerError

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
OPAQUE_XATTR = "trusted.overlay.opaque"
USER_OPAQUE_XATTR = "user.overlay.opaque"  # what overlayfs reads when mounted with userxattr (user namespaces)


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


def _safe_relative(name: str, layer: str) -> PurePosixPath | None:
    """The member's path relative to the layer root, or ``None`` for the root itself; refuses escapes."""
    path = PurePosixPath(name)
    if path.is_absolute():
        raise UnsafeLayerError(f"layer {layer} has an absolute path {name!r}", hint="rebuild the image")
    parts = [p for p in path.parts if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeLayerError(f"layer {layer} has a path with '..': {name!r}", hint="rebuild the image")
    return PurePosixPath(*parts) if parts else None


def _prepare_parents(root: Path, relative: PurePosixPath, layer: str) -> Path:
    """Make the member's parent folders, refusing to go through a symlink (which could point outside)."""
    current = root
    for part in relative.parts[:-1]:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            os.mkdir(current, 0o755)
            continue
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeLayerError(f"layer {layer} writes {str(relative)!r} through the symlink "
                                   f"{str(current.relative_to(root))!r}", hint="rebuild the image")
        if not stat.S_ISDIR(info.st_mode):
            raise UnsafeLayerError(f"layer {layer} writes {str(relative)!r} below a non-directory",
                                   hint="rebuild the image")
    return root / relative


def _clear(target: Path) -> None:
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(target)
    else:
        os.unlink(target)


def extract_layer(tar_bytes: bytes, destination: Path, layer: str, *, overlay: bool) -> dict[str, list[str]]:
    """Unpack one uncompressed layer tar into ``destination``; returns its whiteouts and opaque folders."""
    whiteouts: list[str] = []
    opaque: list[str] = []
    as_root = os.geteuid() == 0
    destination.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as archive:
        for member in archive:
            relative = _safe_relative(member.name, layer)
            if relative is None:
                continue
            target = _prepare_parents(destination, relative, layer)
            base = relative.name
            if base == OPAQUE_MARKER:
                opaque.append(str(relative.parent))
                if overlay:
                    os.setxattr(target.parent, OPAQUE_XATTR if as_root else USER_OPAQUE_XATTR, b"y")
                continue
            if base.startswith(WHITEOUT_PREFIX):
                hidden = relative.parent / base[len(WHITEOUT_PREFIX):]
                whiteouts.append(str(hidden))
                if overlay:
                    _clear(destination / hidden)
                    os.mknod(destination / hidden, stat.S_IFCHR | 0o000, os.makedev(0, 0))
                continue
            if member.isdir():
                if not target.is_dir() or target.is_symlink():
                    _clear(target)
                    os.mkdir(target)
                os.chmod(target, member.mode & 0o7777)
            elif member.isreg():
                _clear(target)
                source = archive.extractfile(member)
                assert source is not None
                with open(target, "wb") as handle:
                    shutil.copyfileobj(source, handle)
                os.chmod(target, member.mode & 0o7777)
            elif member.issym():
                _clear(target)
                os.symlink(member.linkname, target)
            elif member.islnk():
                link = _safe_relative(member.linkname, layer)
                if link is None:
                    raise UnsafeLayerError(f"layer {layer} hard-links {member.name!r} to the root folder")
                source_path = _prepare_parents(destination, link, layer)
                if not source_path.is_file() or source_path.is_symlink():
                    raise UnsafeLayerError(f"layer {layer} hard-links {member.name!r} to {member.linkname!r}, "
                                           "which is not a regular file of this layer", hint="rebuild the image")
                _clear(target)
                os.link(source_path, target)
            else:
                continue  # devices and fifos: the runtime provides /dev itself
            if as_root:
                os.lchown(target, member.uid, member.gid)
            if not member.issym():  # timestamp-checked .pyc files stay valid only with their sources' mtimes
                os.utime(target, (member.mtime, member.mtime))
    return {"whiteouts": whiteouts, "opaque": opaque}


def _overlay_marks(layer: Path, marks: dict[str, list[str]]) -> None:
    """Whiteouts and opaque marks of a layer unpacked earlier without them (by a plain-process run, or as another
    kind of user): overlayfs needs them; a plain run ignores them (it flattens from the sidecar)."""
    as_root = os.geteuid() == 0
    for hidden in marks["whiteouts"]:
        path = layer / hidden
        if not (path.exists() or path.is_symlink()):  # anything there is the layer's own (a later entry won)
            os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
    for folder in marks["opaque"]:
        with contextlib.suppress(OSError):  # a layer of another user's store: overlayfs reads what it can
            os.setxattr(layer / folder, OPAQUE_XATTR if as_root else USER_OPAQUE_XATTR, b"y")


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
        if expected_digest and descriptor.digest != expected_digest:
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
        hexdigest = diff_id.partition(":")[2]
        if not diff_id.startswith("sha256:") or len(hexdigest) != 64:
            raise FormatError(f"malformed diff_id {diff_id!r}", path=layout.root)
        target = self.layers_dir / hexdigest
        if target.is_dir():
            if self.overlay:
                _overlay_marks(target, json.loads((self.layers_dir / f"{hexdigest}.json").read_text()))
            return target
        data = _decompress(layout.read_blob(descriptor.digest, descriptor.size), descriptor.media_type,
                           descriptor.digest)
        if "sha256:" + hashlib.sha256(data).hexdigest() != diff_id:
            raise FormatError(f"layer {descriptor.digest} does not match its diff_id {diff_id}", path=layout.root,
                              hint="the image is corrupt: run `cleave build` again")
        staging = self.layers_dir / f".{hexdigest}.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            marks = extract_layer(data, staging, descriptor.digest, overlay=self.overlay)
            (self.layers_dir / f"{hexdigest}.json").write_text(json.dumps(marks))
            os.rename(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target

    def flatten(self, image: UnpackedImage) -> Path:
        """One folder with every layer applied in order (hard links), for runs without overlayfs."""
        target = self.root / "rootfs" / image.manifest_digest.partition(":")[2]
        if target.is_dir():
            return target
        staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for layer in image.layers:
            marks = json.loads((layer.parent / f"{layer.name}.json").read_text())
            for hidden in marks["whiteouts"]:
                _clear(staging / hidden)
            for folder in marks["opaque"]:
                _clear(staging / folder)
                (staging / folder).mkdir(parents=True, exist_ok=True)
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
