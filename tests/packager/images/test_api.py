"""The public surface other stages call: what each name does, not only that it exists."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import packager.deploy
import packager.oci
from cleave.formats.topology import ServiceSpec, Topology


@pytest.mark.parametrize("module", [packager.oci, packager.deploy])
def test_public_names_have_docstrings(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        value = getattr(module, name)
        assert value.__doc__, f"{module.__name__}.{name} has no docstring"  # type: ignore[attr-defined]


def test_the_signatures_the_packager_calls() -> None:
    build = inspect.signature(packager.oci.build_images).parameters
    assert list(build)[:2] == ["services", "layout"] and build["cache_dir"].kind is inspect.Parameter.KEYWORD_ONLY
    push = inspect.signature(packager.oci.push_layout).parameters
    assert list(push)[:2] == ["layout", "registry"] and "credentials" in push
    assert list(inspect.signature(packager.oci.verify_layout).parameters) == ["layout"]
    image = packager.oci.ImageInput(name="orders", app_dir=Path("/nowhere"))
    assert image.name == "orders" and image.distributions == ()


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
