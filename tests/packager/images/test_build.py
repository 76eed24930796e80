"""Images: layer contents, config, incremental rebuilds, reproducibility across environments, cache reuse."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

from cleave.formats.oci import ImageLayout
from packager.oci import build_images, verify_layout
from packager.oci.pyc import CACHE_TAG
from tests.packager.images.conftest import Built, service_inputs

ROOT = Path(__file__).resolve().parents[3]


def layer_members(layout: Path, digest: str) -> dict[str, tarfile.TarInfo]:
    tar = zlib.decompress(ImageLayout(layout).read_blob(digest), 47)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        return {m.name: m for m in archive.getmembers()}


def test_layers_are_shared_and_hold_what_they_should(built: Built) -> None:
    alpha, beta = built.results["alpha"], built.results["beta"]
    assert [lay.comment.split()[0] for lay in alpha.layers] == ["python", "distribution", "distribution", "shared",
                                                                "service"]
    assert alpha.layers[-2].digest == beta.layers[-2].digest  # the kit: one layer for every service
    assert alpha.layers[0] == beta.layers[0] or alpha.layers[0].digest == beta.layers[0].digest
    yaml_alpha = next(lay for lay in alpha.layers if "pyyaml" in lay.comment)
    yaml_beta = next(lay for lay in beta.layers if "pyyaml" in lay.comment)
    assert yaml_alpha.digest == yaml_beta.digest
    assert alpha.layers[-1].diff_id == beta.layers[-1].diff_id  # same tree content, same layer
    assert beta.layers[-1].comment == "service beta"  # each image's history names its own service

    runtime = layer_members(built.layout, alpha.layers[0].digest)
    assert "usr/local/bin/python3.11" in runtime and runtime["usr/local/bin/python3"].issym()
    assert f"usr/local/lib/python3.11/__pycache__/os.{CACHE_TAG}.pyc" in runtime
    assert not any("/test/" in name or "idlelib" in name or "tkinter" in name for name in runtime)
    assert not any(name.startswith("usr/local/lib/python3.11/site-packages/") for name in runtime)
    assert runtime["data"].uid == 65532 and runtime["tmp"].mode == 0o1777
    assert any(name.endswith("ld-linux-x86-64.so.2") for name in runtime)

    rpds = next(lay for lay in alpha.layers if "rpds" in lay.comment)
    members = layer_members(built.layout, rpds.digest)
    assert any("libgcc_s" in name for name in members), "rpds' extension needs libgcc_s, which the runtime lacks"
    assert not any("libc.so" in name for name in members), "the runtime layer already has libc"

    kit = layer_members(built.layout, alpha.layers[-2].digest)
    assert f"app/cleave_kit/__pycache__/__main__.{CACHE_TAG}.pyc" in kit
    app = layer_members(built.layout, alpha.layers[-1].digest)
    assert not any(name.startswith("app/cleave_kit") for name in app)
    assert "app/service.json" in app and f"app/__pycache__/hello.{CACHE_TAG}.pyc" in app
    assert app["app/hello.py"].uid == 0 and app["app/hello.py"].mode == 0o644


def test_pyc_files_are_unchecked_hash(built: Built) -> None:
    tar = zlib.decompress(ImageLayout(built.layout).read_blob(built.results["beta"].layers[-1].digest), 47)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        handle = archive.extractfile(f"app/__pycache__/hello.{CACHE_TAG}.pyc")
        assert handle is not None
        header = handle.read(16)
    assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, not checked against the source


def test_config_is_non_root_with_kit_entrypoint_and_data_volume(built: Built) -> None:
    layout = ImageLayout(built.layout)
    _, manifest = layout.manifest_for("alpha")
    config = json.loads(layout.read_blob(manifest["config"]["digest"]))
    body = config["config"]
    assert body["User"] == "65532:65532"
    assert body["Entrypoint"] == ["python3", "-m", "cleave_kit"]
    assert body["WorkingDir"] == "/app" and body["Volumes"] == {"/data": {}}
    assert body["ExposedPorts"] == {"8000/tcp": {}}
    assert body["Labels"]["dev.cleave.health-path"] == "/healthz"
    assert {"PYTHONDONTWRITEBYTECODE=1", "DATA_DIR=/data", "PYTHONUNBUFFERED=1"} <= set(body["Env"])
    assert config["rootfs"]["diff_ids"] == [lay.diff_id for lay in built.results["alpha"].layers]
    assert len(config["history"]) == len(config["rootfs"]["diff_ids"])


def test_verify_layout_accepts_the_build(built: Built) -> None:
    assert sorted(verify_layout(built.layout)) == ["alpha", "beta"]


def test_one_file_change_rebuilds_only_that_app_layer(built: Built, tmp_path: Path) -> None:
    shutil.copytree(built.inputs[0].app_dir.parent, tmp_path / "apps")  # the same kit, even if packager/kit moved on
    inputs = service_inputs(tmp_path / "apps")
    first = build_images(inputs, tmp_path / "oci", cache_dir=built.cache)
    assert all(lay.cached for result in first.values() for lay in result.layers[:-1])
    (tmp_path / "apps" / "beta" / "hello.py").write_text("def greet(name: str) -> str:\n    return name\n")
    second = build_images(inputs, tmp_path / "oci", cache_dir=built.cache)
    assert second["alpha"] == first["alpha"]
    assert all(lay.cached for lay in second["alpha"].layers)
    assert second["beta"].manifest_digest != first["beta"].manifest_digest
    assert second["beta"].layers[:-1] == first["beta"].layers[:-1]
    assert not second["beta"].layers[-1].cached
    assert sorted(verify_layout(tmp_path / "oci")) == ["alpha", "beta"]


REBUILD = """
import json, sys
from pathlib import Path
from tests.packager.images.conftest import service_inputs
from packager.oci import build_images
results = build_images(service_inputs(Path(sys.argv[1])), Path(sys.argv[2]), cache_dir=Path(sys.argv[3]))
print(json.dumps({name: r.manifest_digest for name, r in results.items()}))
"""


def test_reproducible_across_cache_cwd_tz_locale_umask_and_hash_seed(built: Built, tmp_path: Path) -> None:
    """A cold build in another process, folder, time zone, locale, umask and hash seed gives the same digests."""
    apps = built.inputs[0].app_dir.parent
    env = {**os.environ, "TZ": "Asia/Kathmandu", "LANG": "de_DE.UTF-8", "LC_ALL": "C", "PYTHONHASHSEED": "4242",
           "PYTHONPATH": str(ROOT)}
    command = ["sh", "-c", 'umask 077 && exec "$@"', "sh", sys.executable, "-c", REBUILD,
               str(apps), str(tmp_path / "out" / "oci"), str(tmp_path / "other-cache")]
    (tmp_path / "cwd").mkdir()
    done = subprocess.run(command, cwd=tmp_path / "cwd", env=env, capture_output=True, text=True, timeout=240,
                          check=False)
    assert done.returncode == 0, done.stderr
    digests = json.loads(done.stdout)
    assert digests == {name: result.manifest_digest for name, result in built.results.items()}
    assert sorted(os.listdir(tmp_path / "out" / "oci" / "blobs" / "sha256")) == sorted(
        os.listdir(built.layout / "blobs" / "sha256"))
