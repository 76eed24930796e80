"""The layer store: digests checked, whiteouts applied, paths that escape the root refused with a clear error."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest

from cleave.formats.errors import FormatError
from runtime.errors import UnsafeLayerError
from runtime.store import Store, extract_layer
from tests.runtime.images import write_layout


def _tar(*entries: tuple[str, str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for kind, name, value in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(value)
                tar.addfile(info, io.BytesIO(value.encode()))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = value
                tar.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = value
                tar.addfile(info)
    return buffer.getvalue()


@pytest.mark.parametrize(("entries", "fragment"), [
    ([("file", "../evil", "x")], "'..'"),
    ([("file", "/etc/evil", "x")], "absolute path"),
    ([("symlink", "etc", "/etc"), ("file", "etc/evil", "x")], "through the symlink 'etc'"),
    ([("symlink", "up", "../.."), ("file", "up/evil", "x")], "through the symlink 'up'"),
    ([("hardlink", "passwd", "../../etc/passwd")], "'..'"),
])
def test_escaping_paths_are_refused_naming_layer_and_path(tmp_path: Path, entries: list[tuple[str, str, str]],
                                                         fragment: str) -> None:
    with pytest.raises(UnsafeLayerError) as caught:
        extract_layer(_tar(*entries), tmp_path / "out", "sha256:abc", overlay=False)
    assert "sha256:abc" in str(caught.value)
    assert fragment in str(caught.value)
    assert not (tmp_path.parent / "evil").exists()


def test_absolute_symlinks_are_kept_as_links_inside_the_image(tmp_path: Path) -> None:
    extract_layer(_tar(("dir", "bin", ""), ("symlink", "bin/python3", "/usr/bin/python3.11")),
                  tmp_path / "out", "sha256:abc", overlay=False)
    assert (tmp_path / "out" / "bin" / "python3").readlink() == Path("/usr/bin/python3.11")


def _small_layout(tmp_path: Path) -> Path:
    layout = tmp_path / "oci"
    base = _tar(("dir", "app", ""), ("file", "app/junk.txt", "old"), ("file", "app/keep.txt", "keep"))
    write_layout(layout, ["svc"], base)
    return layout


def test_unpack_applies_whiteouts_and_reuses_layers(tmp_path: Path) -> None:
    layout = _small_layout(tmp_path)
    store = Store(tmp_path / "store", overlay=False)
    image = store.unpack(layout, "svc")
    again = store.unpack(layout, "svc")
    assert image.layers == again.layers
    flat = store.flatten(image)
    assert sorted(p.name for p in (flat / "app").iterdir()) == ["keep.txt", "server.py"]
    assert image.config.command == ("python3", "/app/server.py")


def test_a_tampered_blob_is_refused(tmp_path: Path) -> None:
    layout = _small_layout(tmp_path)
    manifest_digest = json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]
    manifest = json.loads((layout / "blobs" / "sha256" / manifest_digest[7:]).read_bytes())
    layer = layout / "blobs" / "sha256" / manifest["layers"][0]["digest"][7:]
    data = bytearray(layer.read_bytes())
    data[600] ^= 1
    layer.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="does not match its digest"):
        Store(tmp_path / "store", overlay=False).unpack(layout, "svc")


def test_a_manifest_other_than_the_topology_says_is_refused(tmp_path: Path) -> None:
    layout = _small_layout(tmp_path)
    wrong = "sha256:" + hashlib.sha256(b"other").hexdigest()
    with pytest.raises(FormatError, match=r"topology\.json expects"):
        Store(tmp_path / "store", overlay=False).unpack(layout, "svc", wrong)


def test_layers_unpacked_without_overlay_marks_get_them_when_an_overlay_run_reuses_them(tmp_path: Path) -> None:
    layout = tmp_path / "oci"
    base = _tar(("dir", "app", ""), ("file", "app/junk.txt", "old"), ("dir", "cache", ""), ("file", "cache/a", "a"))
    write_layout(layout, ["svc"], base, extra={"cache/.wh..wh..opq": b"", "cache/b": b"b"})
    plain = Store(tmp_path / "store", overlay=False).unpack(layout, "svc")  # a plain-process run: no marks
    upper = plain.layers[-1]
    assert not (upper / "app" / "junk.txt").exists()
    image = Store(tmp_path / "store", overlay=True).unpack(layout, "svc")
    assert image.layers == plain.layers
    assert stat.S_ISCHR((upper / "app" / "junk.txt").lstat().st_mode)  # the app layer's whiteout, added
    assert (upper / "cache" / "b").read_text() == "b"  # the layer's own files stay
    assert os.getxattr(upper / "cache", "trusted.overlay.opaque" if os.geteuid() == 0 else "user.overlay.opaque") \
        == b"y"
