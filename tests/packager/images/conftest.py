"""Shared fixtures: two small services built once per session into one layout (cold cache)."""

from __future__ import annotations

import importlib.metadata
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from packager.oci import ImageInput, ImageResult, build_images

ASSETS = Path(__file__).parent / "assets"
KIT = Path(__file__).resolve().parents[3] / "packager" / "kit"


@dataclass(frozen=True)
class Built:
    layout: Path
    cache: Path
    inputs: tuple[ImageInput, ...]
    results: dict[str, ImageResult]


def service_inputs(root: Path) -> tuple[ImageInput, ...]:
    """``alpha`` (pyyaml + rpds-py, whose extension needs libgcc_s) and ``beta`` (pyyaml only), same code."""
    yaml = ("pyyaml", importlib.metadata.version("pyyaml"))
    rpds = ("rpds-py", importlib.metadata.version("rpds-py"))
    for name in ("alpha", "beta"):
        if not (root / name).exists():
            make_tree(root / name)
    return (ImageInput("alpha", root / "alpha", distributions=(yaml, rpds)),
            ImageInput("beta", root / "beta", distributions=(yaml,)))


def make_tree(target: Path) -> Path:
    """A service tree like `cleave build` writes: the service's modules, service.json and the real kit."""
    shutil.copytree(ASSETS / "tinyapp", target)
    shutil.copytree(KIT, target / "cleave_kit", ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("images")
    inputs = service_inputs(root / "apps")
    results = build_images(inputs, root / "oci", cache_dir=root / "cache")
    return Built(root / "oci", root / "cache", inputs, results)
