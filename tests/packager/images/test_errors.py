"""Bad input: one clear error, and the previous layout left as it was."""

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

import pytest

from cleave.formats.oci import ImageLayout, sha256_digest
from packager.oci import ImageError, ImageInput, LayoutError, build_images, verify_layout
from tests.packager.images.conftest import Built, make_tree

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "svc")


def build_fails(app: Path, tmp_path: Path, built: Built, match: str, **kwargs: object) -> None:
    layout = tmp_path / "oci"
    layout.mkdir(exist_ok=True)
    (layout / "keep.txt").write_text("old")
    with pytest.raises(ImageError, match=match):
        build_images([ImageInput("svc", app, **kwargs)], layout, cache_dir=built.cache)  # type: ignore[arg-type]
    assert os.listdir(layout) == ["keep.txt"], "the old layout must stay untouched"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".oci")], "no staging folder left behind"


def test_symlink_outside_the_tree(app: Path, tmp_path: Path, built: Built) -> None:
    (tmp_path / "secret.txt").write_text("x")
    (app / "leak.txt").symlink_to(tmp_path / "secret.txt")
    build_fails(app, tmp_path, built, r"leak.txt: symlink points outside the service tree")


def test_relative_dotdot_symlink_outside_the_tree(app: Path, tmp_path: Path, built: Built) -> None:
    (app / "up").symlink_to("../..")
    build_fails(app, tmp_path, built, r"up: symlink points outside")


def test_dangling_symlink(app: Path, tmp_path: Path, built: Built) -> None:
    (app / "gone.py").symlink_to("nowhere.py")
    build_fails(app, tmp_path, built, r"gone.py: symlink to 'nowhere.py' is dangling")


def test_inner_symlink_is_kept(app: Path, tmp_path: Path, built: Built) -> None:
    (app / "alias.py").symlink_to("hello.py")
    results = build_images([ImageInput("svc", app)], tmp_path / "oci", cache_dir=built.cache)
    assert results["svc"].layers[-1].tar_size > 0


def test_special_file(app: Path, tmp_path: Path, built: Built) -> None:
    os.mkfifo(app / "pipe")
    build_fails(app, tmp_path, built, r"pipe: not a regular file")


UNREADABLE = """
import sys
from pathlib import Path
from packager.oci import ImageError, ImageInput, build_images
try:
    build_images([ImageInput("svc", Path(sys.argv[1]))], Path(sys.argv[2]), cache_dir=Path(sys.argv[3]))
except ImageError as error:
    print(error)
    sys.exit(1)
"""


def test_unreadable_file(app: Path, tmp_path: Path, built: Built) -> None:
    """As root, in a process without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so that mode 000 really means it."""
    (app / "hello.py").chmod(0)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root without setpriv reads files whatever their mode")
        prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--inh-caps",
                  "-dac_override,-dac_read_search"]
    layout = tmp_path / "oci"
    done = subprocess.run([*prefix, sys.executable, "-c", UNREADABLE, str(app), str(layout), str(built.cache)],
                          capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "hello.py: the file is not readable" in done.stdout
    assert not layout.exists()


def test_missing_tree(tmp_path: Path, built: Built) -> None:
    build_fails(tmp_path / "nothing", tmp_path, built, r"nothing: the service tree is not a directory")


def test_bad_names_and_distributions(app: Path, tmp_path: Path, built: Built) -> None:
    with pytest.raises(ImageError, match="cannot be an image tag"):
        build_images([ImageInput("../evil", app)], tmp_path / "oci", cache_dir=built.cache)
    build_fails(app, tmp_path, built, r"not-a-real-dist==1.0 is not installed",
                distributions=(("not-a-real-dist", "1.0"),))
    build_fails(app, tmp_path, built, r"pyyaml is installed at version .*, the service needs 0.0.1",
                distributions=(("pyyaml", "0.0.1"),))


def copy_layout(built: Built, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(built.layout, target)
    return target


def test_verify_detects_a_corrupt_blob(built: Built, tmp_path: Path) -> None:
    layout = copy_layout(built, tmp_path)
    blob = ImageLayout(layout).blob_path(built.results["beta"].layers[-1].digest)
    data = bytearray(blob.read_bytes())
    data[100] ^= 0xFF
    blob.unlink()
    blob.write_bytes(bytes(data))
    with pytest.raises(LayoutError, match="does not match its digest"):
        verify_layout(layout)


def test_verify_detects_a_wrong_diff_id(built: Built, tmp_path: Path) -> None:
    """A config whose diff_id is wrong but whose own digest is right (skopeo 1.9 accepts this; we do not)."""
    layout = copy_layout(built, tmp_path)
    image = ImageLayout(layout)
    descriptor, manifest = image.manifest_for("beta")
    config = json.loads(image.read_blob(manifest["config"]["digest"]))
    config["rootfs"]["diff_ids"][-1] = "sha256:" + "0" * 64
    config_bytes = json.dumps(config).encode()
    manifest["config"].update(digest=sha256_digest(config_bytes), size=len(config_bytes))
    manifest_bytes = json.dumps(manifest).encode()
    for data in (config_bytes, manifest_bytes):
        image.blob_path(sha256_digest(data)).write_bytes(data)
    index = json.loads((layout / "index.json").read_text())
    for item in index["manifests"]:
        if item["digest"] == descriptor.digest:
            item.update(digest=sha256_digest(manifest_bytes), size=len(manifest_bytes))
    (layout / "index.json").write_text(json.dumps(index))
    with pytest.raises(LayoutError, match=r"image 'beta': layer 3 .* but the config's diff_id says sha256:0000"):
        verify_layout(layout)


def test_verify_detects_a_missing_blob(built: Built, tmp_path: Path) -> None:
    layout = copy_layout(built, tmp_path)
    ImageLayout(layout).blob_path(built.results["alpha"].config_digest).unlink()
    with pytest.raises(LayoutError, match="is missing"):
        verify_layout(layout)


def test_a_damaged_cache_blob_never_reaches_a_layout(built: Built, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(built.cache, cache)
    digest = built.results["beta"].layers[-1].digest
    blob = cache / "blobs" / "sha256" / digest.removeprefix("sha256:")
    data = bytearray(blob.read_bytes())
    data[-20] ^= 0xFF
    blob.unlink()
    blob.write_bytes(bytes(data))
    with pytest.raises(ImageError, match="is damaged"):
        build_images(built.inputs, tmp_path / "oci", cache_dir=cache)
    assert not (tmp_path / "oci").exists()
    again = build_images(built.inputs, tmp_path / "oci", cache_dir=cache)  # the damaged layer is rebuilt
    assert again["beta"].manifest_digest == built.results["beta"].manifest_digest


@pytest.mark.parametrize(("field", "value", "match"), [
    ("workdir", "app", "must be an absolute"), ("workdir", "/app/../etc", "must be an absolute"),
    ("workdir", "/", "must be an absolute"), ("shared_dirs", ("../kit",), "must be a top-level folder"),
    ("shared_dirs", ("/abs",), "must be a top-level folder"), ("health_path", "healthz", "health path"),
    ("port", 0, "the port"),
])
def test_absolute_or_dotdot_paths_and_bad_fields_are_refused(app: Path, tmp_path: Path, built: Built, field: str,
                                                            value: object, match: str) -> None:
    build_fails(app, tmp_path, built, match, **{field: value})


def test_workdir_decides_where_the_tree_goes(app: Path, tmp_path: Path, built: Built) -> None:
    results = build_images([ImageInput("svc", app, workdir="/srv/svc")], tmp_path / "oci", cache_dir=built.cache)
    layout = ImageLayout(tmp_path / "oci")
    tar = zlib.decompress(layout.read_blob(results["svc"].layers[-1].digest), 47)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        assert "srv/svc/hello.py" in archive.getnames()
