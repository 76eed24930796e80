"""Attacks on the layer store, written as crafted layers: each is refused with one line naming the layer and the
entry, and the store (and everything outside it) is left as it was."""

from __future__ import annotations

import io
import os
import stat
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleave.formats import oci
from cleave.formats.errors import FormatError
from runtime.errors import UnsafeLayerError
from runtime.store import Store, extract_layer
from tests.runtime.images import write_layout


def _layer(*entries: tuple[str, str, str | int]) -> bytes:
    """A tar of (kind, name, value): file (text), dir, symlink/hardlink (target), setuid (mode of a file)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for kind, name, value in entries:
            info = tarfile.TarInfo(name)
            if kind in ("file", "mode"):
                data = b"x" if kind == "mode" else str(value).encode()
                info.size = len(data)
                info.mode = int(value) if kind == "mode" else 0o644
                tar.addfile(info, io.BytesIO(data))
            elif kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = str(value)
                tar.addfile(info)
    return buffer.getvalue()


def _snapshot(root: Path) -> list[tuple[str, int, int]]:
    return sorted((os.path.relpath(os.path.join(folder, name), root), os.lstat(os.path.join(folder, name)).st_mode,
                   os.lstat(os.path.join(folder, name)).st_size)
                  for folder, dirs, files in os.walk(root) for name in dirs + files)


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Store, Path]:
    """A store that already holds one good image (its layers are what an attack would try to delete)."""
    good = tmp_path / "good"
    write_layout(good, ["svc"], _layer(("dir", "lib", ""), ("file", "lib/hashlib.py", "import _hashlib")))
    store = Store(tmp_path / "project" / ".cleave" / "store", overlay=os.geteuid() == 0)
    store.unpack(good, "svc")
    return store, tmp_path


@pytest.mark.parametrize("name", [".wh...", "app/.wh...", ".wh..", ".wh.", "app/.wh..wh.x"])
def test_a_whiteout_that_hides_dot_dot_cannot_delete_the_store(stored: tuple[Store, Path], name: str) -> None:
    store, tmp_path = stored
    before = _snapshot(store.root)
    evil = tmp_path / "evil"
    write_layout(evil, ["svc"], _layer(("dir", "app", ""), ("file", name, "")))
    with pytest.raises(UnsafeLayerError) as caught:
        store.unpack(evil, "svc")
    message = str(caught.value)
    assert "\n" not in message.split(" hint", maxsplit=1)[0]
    assert "layer sha256:" in message and repr(name)[1:-1] in message
    assert _snapshot(store.root) == before  # the store is intact, no staging folder left behind


def test_a_whiteout_through_a_symlink_of_a_lower_layer_deletes_nothing_outside(tmp_path: Path) -> None:
    victim = tmp_path / "host" / "passwd"
    victim.parent.mkdir()
    victim.write_text("root:x:0:0")
    layout = tmp_path / "oci"
    write_layout(layout, ["svc"], _layer(("symlink", "etc", str(victim.parent))),
                 extra={"etc/.wh.passwd": b"", "etc/.wh..wh..opq": b""})
    store = Store(tmp_path / ".cleave" / "store", overlay=False)
    flat = store.flatten(store.unpack(layout, "svc"))  # a plain-process run applies whiteouts itself
    assert victim.read_text() == "root:x:0:0"
    assert (flat / "etc").is_dir() and not (flat / "etc").is_symlink()


@pytest.mark.parametrize(("entries", "fragment"), [
    ([("hardlink", "h", "/etc/shadow")], "absolute path"),
    ([("file", "x" * 300, "x")], "invalid path component"),
    ([("symlink", "link", "")], "empty, overlong or NUL"),
    ([("hardlink", "h", "missing")], "not a regular file of this layer"),
    ([("symlink", "d", "/"), ("hardlink", "h", "d/etc/shadow")], "through the symlink 'd'"),
])
def test_malformed_entries_are_refused(tmp_path: Path, entries: list[tuple[str, str, str]], fragment: str) -> None:
    with pytest.raises(UnsafeLayerError, match=fragment):
        extract_layer(_layer(*entries), tmp_path / "out", "sha256:abc", overlay=False)


def test_setuid_and_setgid_bits_never_survive_unpacking(tmp_path: Path) -> None:
    extract_layer(_layer(("mode", "su", 0o4755), ("mode", "sg", 0o2755), ("mode", "sticky", 0o1777)),
                  tmp_path / "out", "sha256:abc", overlay=False)
    assert stat.S_IMODE((tmp_path / "out" / "su").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "out" / "sg").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "out" / "sticky").stat().st_mode) == 0o1777


def test_a_diff_id_with_a_path_in_it_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "store", overlay=False)
    descriptor = oci.Descriptor(oci.LAYER_TAR_MEDIA_TYPE, "sha256:" + "0" * 64, 0)
    with pytest.raises(FormatError, match="malformed diff_id"):
        store._unpack_layer(oci.ImageLayout(tmp_path), descriptor, "sha256:" + "../" * 21 + "x")
    assert not (tmp_path / "x").exists()


def test_a_layer_changed_in_the_store_is_unpacked_again_before_use(stored: tuple[Store, Path]) -> None:
    store, tmp_path = stored
    layer = next(p for p in store.layers_dir.iterdir() if p.is_dir() and (p / "lib").exists())
    os.unlink(layer / "lib" / "hashlib.py")  # what the whiteout attack did to running replicas
    image = store.unpack(tmp_path / "good", "svc")
    assert (image.layers[0] / "lib" / "hashlib.py").read_text() == "import _hashlib"


_NAMES = st.lists(st.sampled_from(["a", "b", "..", ".", "", ".wh.a", ".wh...", ".wh..wh..opq", "/", "\x00", "c d"]),
                  min_size=1, max_size=4).map("/".join)
_ENTRY = st.tuples(st.sampled_from(["file", "dir", "symlink", "hardlink", "mode"]), _NAMES,
                   st.one_of(_NAMES, st.sampled_from(["/etc", "../..", "/", "a"]), st.integers(0, 0o7777)))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(entries=st.lists(_ENTRY, max_size=8))
def test_fuzz_the_unpacker_writes_nothing_outside_its_folder(tmp_path: Path, entries: list[tuple[str, str, object]],
                                                             ) -> None:
    box = tmp_path / "box"
    box.mkdir(exist_ok=True)
    (box / "sentinel").write_text("keep")
    out = box / "out"
    try:
        tar = _layer(*[(kind, name, value if kind != "mode" or isinstance(value, int) else 0o644)
                       for kind, name, value in entries])  # type: ignore[misc]
    except (ValueError, UnicodeError):
        return  # tarfile itself cannot write such a name
    try:
        extract_layer(tar, out, "sha256:fuzz", overlay=False)
    except UnsafeLayerError as error:
        assert "\n" not in str(error).split(" hint")[0]
    assert sorted(p.name for p in box.iterdir()) == ["out", "sentinel"]
    assert (box / "sentinel").read_text() == "keep"
    for folder, _, files in os.walk(out):
        for name in files:
            assert not os.lstat(os.path.join(folder, name)).st_mode & (stat.S_ISUID | stat.S_ISGID)
    import shutil
    shutil.rmtree(out)
