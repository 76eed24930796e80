"""``build_images``: every service's image into one OCI image layout, reusing every layer whose inputs are unchanged.

A service's image is ``[runtime] + [one layer per distribution] + [cleave_kit] + [app]``. Each layer is found in
the content cache by the fingerprint of its inputs, so a change in one service's code rebuilds only that service's
app layer; every other blob is hard-linked from the cache as it is. The layout is written into a staging folder and
renamed into place at the end: a failed build leaves the previous layout untouched.
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from cleave.formats.atomic import staged_directory
from cleave.formats.oci import MANIFEST_MEDIA_TYPE, Descriptor
from packager.oci import dists, runtime
from packager.oci.app import app_sources
from packager.oci.cache import LayerCache, LayerRecord
from packager.oci.errors import ImageError
from packager.oci.jsonblobs import canonical_json, config_document, index_document, manifest_document
from packager.oci.model import TAG, ImageInput, ImageResult, LayerInfo
from packager.oci.sources import Source, fingerprint, materialize
from packager.oci.tarwriter import GZIP_LEVEL, source_date_epoch, write_tar

ProgressCallback = Callable[[int, int], None]
_FORMAT = "cleave-layer/4"  # change when the bytes a layer is made of change


@dataclass(frozen=True)
class _Built:
    record: LayerRecord
    cached: bool
    comment: str

    def info(self) -> LayerInfo:
        """The layer as this image sees it (the comment is this use's, not the one that first filled the cache)."""
        r = self.record
        return LayerInfo(r.digest, r.size, r.diff_id, r.tar_size, self.comment, self.cached)


class _Builder:
    def __init__(self, cache: LayerCache, level: int) -> None:
        self.cache = cache
        self.level = level
        self.salt = f"{_FORMAT}|{sys.version}|{level}|{source_date_epoch()}"

    def layer(self, sources: list[Source], *, kind: str, comment: str, by_content: bool,
              libraries: Callable[[], list[str]] | None = None,
              place: Callable[[list[str]], list[Source]] | None = None) -> _Built:
        """The cached layer for ``sources`` (plus placed libraries), or a new one."""
        key = fingerprint(sources, salt=f"{self.salt}|{kind}", by_content=by_content)
        record = self.cache.lookup(key)
        if record is not None and place is not None:
            libs = list(record.extra.get("libraries", []))
            try:
                current = fingerprint(place(libs), salt="libs", by_content=False)
            except ImageError:
                current = ""
            if current != record.extra.get("libraries_key"):
                record = None
        if record is not None:
            return _Built(record, True, comment)
        extra: dict[str, Any] = {}
        members = list(sources)
        if libraries is not None and place is not None:
            libs = libraries()
            placed = place(libs)
            members += placed
            extra = {"libraries": libs, "libraries_key": fingerprint(placed, salt="libs", by_content=False),
                     "paths": sorted(s.path for s in members)}
        tar = write_tar(materialize(members))
        return _Built(self.cache.store(key, tar, comment=comment, level=self.level, extra=extra), False, comment)


def build_images(services: Sequence[ImageInput], layout: Path, *, cache_dir: Path,
                 progress: ProgressCallback | None = None, search_path: Sequence[str] | None = None,
                 gzip_level: int = GZIP_LEVEL) -> dict[str, ImageResult]:
    """Write one image per service into the OCI image layout ``layout`` (replaced as a whole, atomically).

    ``search_path`` is where distributions are looked up (default: ``sys.path``). Returns the result per service name.
    """
    _check_inputs(services)
    report = progress or (lambda done, total: None)
    cache = LayerCache(cache_dir)
    builder = _Builder(cache, gzip_level)
    wanted = sorted({d for s in services for d in s.distributions})
    total = 1 + len(wanted) + len(services)
    report(0, total)

    base, elves = runtime.runtime_sources()
    runtime_layer = builder.layer(base, kind="runtime", comment=f"python runtime {runtime.PY_VERSION}",
                                  by_content=False, libraries=partial(runtime.needed_libraries, elves),
                                  place=runtime.place_libraries)
    provided = frozenset(runtime_layer.record.extra.get("paths", []))
    report(1, total)

    dist_layers: dict[tuple[str, str], _Built] = {}
    for number, (name, version) in enumerate(wanted, start=2):
        dist = dists.find_distribution(name, version, search_path)
        members = dists.distribution_sources(dist)
        root = Path(str(dist.locate_file("")))
        dist_layers[(name, version)] = builder.layer(
            members, kind=f"dist|{name}|{version}|{runtime_layer.record.diff_id}",
            comment=f"distribution {name}=={version}", by_content=False,
            libraries=partial(dists.needed_libraries, members, root),
            place=partial(dists.place_libraries, provided=provided))
        report(number, total)

    app_layers: dict[str, list[_Built]] = {}
    for number, image in enumerate(services, start=2 + len(wanted)):
        own: list[_Built] = []
        for shared in sorted(set(image.shared_dirs)):
            if (image.app_dir / shared).is_dir() and not (image.app_dir / shared).is_symlink():
                own.append(builder.layer(app_sources(image.app_dir / shared, f"{_image_dir(image)}/{shared}"),
                                         kind="shared", comment=f"shared {shared}", by_content=True))
        own.append(builder.layer(app_sources(image.app_dir, _image_dir(image), exclude=frozenset(image.shared_dirs)),
                                 kind="app",
                                 comment=f"service {image.name}", by_content=True))
        app_layers[image.name] = own
        report(number, total)

    results: dict[str, ImageResult] = {}
    for image in services:
        built = [runtime_layer, *(dist_layers[d] for d in sorted(set(image.distributions))), *app_layers[image.name]]
        layers = [b.info() for b in built]
        config = canonical_json(config_document(image, layers))
        config_digest = cache.put_blob(config)
        manifest = canonical_json(manifest_document(Descriptor("", config_digest, len(config)), layers, image.name))
        manifest_digest = cache.put_blob(manifest)
        results[image.name] = ImageResult(image.name, image.name, manifest_digest, len(manifest), config_digest,
                                          tuple(layers))
    _write_layout(layout, cache, results)
    return results


def _write_layout(layout: Path, cache: LayerCache, results: dict[str, ImageResult]) -> None:
    with staged_directory(layout) as staging:
        staging.chmod(0o755)
        blobs = staging / "blobs" / "sha256"
        blobs.mkdir(parents=True)
        (staging / "oci-layout").write_bytes(canonical_json({"imageLayoutVersion": "1.0.0"}))
        manifests = []
        for result in results.values():
            for digest in (result.manifest_digest, result.config_digest, *(lay.digest for lay in result.layers)):
                cache.link_into(digest, blobs)
            manifests.append((result.tag, Descriptor(MANIFEST_MEDIA_TYPE, result.manifest_digest,
                                                     result.manifest_size)))
        (staging / "index.json").write_bytes(canonical_json(index_document(manifests)))


def _image_dir(image: ImageInput) -> str:
    """Where the tree goes in the image: the working directory, without its leading slash."""
    return image.workdir.strip("/")


def _check_inputs(services: Sequence[ImageInput]) -> None:
    """Refuse, before anything is written, what would make a wrong or unsafe image."""
    names: set[str] = set()
    for image in services:
        where = f"service {image.name!r}"
        if not TAG.match(image.name):
            raise ImageError(f"service name {image.name!r} cannot be an image tag",
                             hint="use letters, digits, '.', '_' and '-' (at most 128)")
        if image.name in names:
            raise ImageError(f"{where} appears twice")
        names.add(image.name)
        for name, version in image.distributions:
            if not name or not version or "/" in name or name.startswith("."):
                raise ImageError(f"{where}: distribution {name!r}=={version!r} is not a name and a version",
                                 hint="give (name, version) pairs as installed")
        parts = image.workdir.split("/")
        if not image.workdir.startswith("/") or image.workdir == "/" or any(p in ("", ".", "..") for p in parts[1:]):
            raise ImageError(f"{where}: workdir {image.workdir!r} must be an absolute, normalised path below /",
                             hint="for example /app")
        for shared in image.shared_dirs:
            if not shared or "/" in shared or shared in (".", ".."):
                raise ImageError(f"{where}: shared folder {shared!r} must be a top-level folder name of the tree",
                                 hint="for example cleave_kit")
        if not image.health_path.startswith("/") or not 0 < image.port < 65536 or not image.entrypoint:
            raise ImageError(f"{where}: health path must start with '/', the port be 1-65535, the entrypoint "
                             "non-empty", hint="check the ImageInput")


def installed_version(name: str) -> str:
    """The version of an installed distribution (a convenience for callers building ``ImageInput``)."""
    return importlib.metadata.version(name)
