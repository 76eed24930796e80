"""The values the image builder takes and returns (the API ``cleave build`` calls)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

TAG: Final = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")


@dataclass(frozen=True)
class ImageInput:
    """One service's image: its tree (copied to ``workdir``), the distributions it needs, how it starts."""

    name: str
    app_dir: Path
    distributions: tuple[tuple[str, str], ...] = ()
    """``(name, version)`` of installed distributions, each becomes a layer shared with other services."""
    env: Mapping[str, str] = field(default_factory=dict)
    user: str = "65532:65532"
    entrypoint: tuple[str, ...] = ("python3", "-m", "cleave_kit")
    workdir: str = "/app"
    health_path: str = "/healthz"
    port: int = 8000
    labels: Mapping[str, str] = field(default_factory=dict)
    shared_dirs: tuple[str, ...] = ("cleave_kit",)
    """Top-level folders of the tree that get a layer of their own, shared by every service whose copy is equal."""


@dataclass(frozen=True)
class LayerInfo:
    """One layer of an image: compressed blob digest and size, diff_id, uncompressed size, and a word on what it is."""

    digest: str
    size: int
    diff_id: str
    tar_size: int
    comment: str
    cached: bool


@dataclass(frozen=True)
class ImageResult:
    """What was written for one service (the tag is the service name in the layout's index)."""

    name: str
    tag: str
    manifest_digest: str
    manifest_size: int
    config_digest: str
    layers: tuple[LayerInfo, ...]

    @property
    def size(self) -> int:
        """Compressed bytes of all layers."""
        return sum(layer.size for layer in self.layers)
