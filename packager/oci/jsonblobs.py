"""Image config, manifest and index documents, serialised canonically (sorted keys, no spaces)."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cleave.formats.oci import (
    CONFIG_MEDIA_TYPE,
    INDEX_MEDIA_TYPE,
    LAYER_GZIP_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    REF_NAME_ANNOTATION,
    Descriptor,
)
from packager.oci.model import ImageInput, LayerInfo
from packager.oci.runtime import IMAGE_PREFIX
from packager.oci.tarwriter import source_date_epoch

HEALTH_LABEL = "dev.cleave.health-path"
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x"}


def canonical_json(value: Any) -> bytes:
    """The one serialisation of every JSON blob: equal documents give equal bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def created() -> str:
    return datetime.fromtimestamp(source_date_epoch(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def image_env(image: ImageInput) -> list[str]:
    env = {
        "PATH": f"/{IMAGE_PREFIX}/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "DATA_DIR": "/data",
        "CLEAVE_SERVICE": image.name,
        "CLEAVE_LISTEN": f"0.0.0.0:{image.port}",
    }
    env.update(image.env)
    return [f"{key}={value}" for key, value in env.items()]


def config_document(image: ImageInput, layers: Sequence[LayerInfo]) -> dict[str, Any]:
    """The image config: non-root user, the kit's server as entrypoint, ``/data`` volume, health path label."""
    stamp = created()
    labels = {HEALTH_LABEL: image.health_path, "org.opencontainers.image.title": image.name, **image.labels}
    return {
        "created": stamp,
        "architecture": _ARCH.get(platform.machine(), platform.machine()),
        "os": "linux",
        "config": {
            "User": image.user,
            "Env": image_env(image),
            "Entrypoint": list(image.entrypoint),
            "WorkingDir": image.workdir,
            "Volumes": {"/data": {}},
            "ExposedPorts": {f"{image.port}/tcp": {}},
            "Labels": labels,
            "StopSignal": "SIGTERM",
        },
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
        "history": [{"created": stamp, "created_by": f"cleave: {layer.comment}"} for layer in layers],
    }


def manifest_document(config: Descriptor, layers: Sequence[LayerInfo], name: str) -> dict[str, Any]:
    return {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": config.digest, "size": config.size},
        "layers": [{"mediaType": LAYER_GZIP_MEDIA_TYPE, "digest": layer.digest, "size": layer.size}
                   for layer in layers],
        "annotations": {"org.opencontainers.image.title": name},
    }


def index_document(manifests: Sequence[tuple[str, Descriptor]]) -> dict[str, Any]:
    return {
        "schemaVersion": 2,
        "mediaType": INDEX_MEDIA_TYPE,
        "manifests": [{**descriptor.to_json(), "annotations": {REF_NAME_ANNOTATION: tag}}
                      for tag, descriptor in sorted(manifests)],
    }
