"""The public surface other stages call: what each name does, not only that it exists."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

import packager.deploy
import packager.oci
from cleave.formats.topology import ServiceSpec, Topology
from tests.packager.images.conftest import Built


@pytest.mark.parametrize("module", [packager.oci, packager.deploy])
def test_public_names_have_docstrings(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        value = getattr(module, name)
        assert value.__doc__, f"{module.__name__}.{name} has no docstring"  # type: ignore[attr-defined]


def test_build_images_returns_one_result_per_service_that_the_layout_holds(built: Built) -> None:
    assert sorted(built.results) == sorted(image.name for image in built.inputs)
    assert sorted(packager.oci.verify_layout(built.layout)) == sorted(built.results)
    for name, result in built.results.items():
        assert isinstance(result, packager.oci.ImageResult) and result.name == result.tag == name
        assert result.manifest_digest.startswith("sha256:") and result.config_digest.startswith("sha256:")
        assert all(isinstance(layer, packager.oci.LayerInfo) for layer in result.layers)
        assert result.size == sum(layer.size for layer in result.layers) > 0


def test_build_images_refuses_bad_inputs_before_writing(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    for images, message in (([packager.oci.ImageInput("a b", app)], "cannot be an image tag"),
                            ([packager.oci.ImageInput("a", app)] * 2, "appears twice"),
                            ([packager.oci.ImageInput("a", app, distributions=(("x", ""),))], "not a name")):
        with pytest.raises(packager.oci.ImageError, match=message):
            packager.oci.build_images(images, tmp_path / "oci", cache_dir=tmp_path / "cache")
        assert not (tmp_path / "oci").exists()


def test_push_layout_refuses_an_image_the_layout_does_not_hold(built: Built) -> None:
    with pytest.raises(packager.oci.PushError, match="no image named nope"):  # before any connection
        packager.oci.push_layout(built.layout, "127.0.0.1:9/shop", names=["nope"])


def test_installed_version_is_the_installed_distribution() -> None:
    assert packager.oci.installed_version("pyyaml") == importlib.metadata.version("pyyaml")
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        packager.oci.installed_version("no-such-distribution-here")


def test_a_layout_that_is_not_one_is_refused(tmp_path: Path) -> None:
    with pytest.raises(packager.oci.LayoutError, match="not an OCI image layout"):
        packager.oci.verify_layout(tmp_path)


def test_deploy_options_name_images() -> None:
    topology = Topology(project="shop", services=(ServiceSpec(name="orders", image="orders",
                                                              manifest_digest="sha256:" + "a" * 64,
                                                              source_dir="services/orders", command=("python3",)),))
    spec = topology.services[0]
    assert packager.deploy.DeployOptions().image(topology, spec) == "localhost/shop/orders:latest"
    pinned = packager.deploy.DeployOptions(image_prefix="registry.example/shop", pin_digest=True)
    assert pinned.image(topology, spec) == "registry.example/shop/orders@sha256:" + "a" * 64


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLEAVE_CACHE_DIR", str(tmp_path / "c"))
    assert packager.oci.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("CLEAVE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert packager.oci.default_cache_dir() == tmp_path / "xdg" / "cleave" / "oci"
