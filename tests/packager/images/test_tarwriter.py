"""The canonical tar writer and gzip: same entries, same bytes; no PAX records; fixed owners and times."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zlib

import pytest

from packager.oci.tarwriter import DEFAULT_EPOCH, Entry, gzip_bytes, write_tar


def entries() -> list[Entry]:
    return [Entry("usr/bin/tool", "file", 0o755, b"#!/bin/sh\n"), Entry("a" * 120 + "/long.txt", "file", 0o644, b"x"),
            Entry("data", "dir", 0o755, uid=65532, gid=65532), Entry("usr/bin/alias", "symlink", linkname="tool")]


def test_same_entries_in_any_order_give_the_same_bytes() -> None:
    assert write_tar(entries()) == write_tar(list(reversed(entries())))


def test_members_are_sorted_with_parents_fixed_times_and_owners(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    data = write_tar(entries())
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = archive.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert "usr" in names and "usr/bin" in names
    for member in members:
        assert member.mtime == DEFAULT_EPOCH and isinstance(member.mtime, int)
        assert member.uname == "" and member.gname == ""
        assert not member.pax_headers
        assert (member.uid, member.gid) == ((65532, 65532) if member.name == "data" else (0, 0))
    assert b"mtime=" not in data and b"PaxHeader" not in data


def test_source_date_epoch_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with tarfile.open(fileobj=io.BytesIO(write_tar(entries()))) as archive:
        assert {m.mtime for m in archive.getmembers()} == {1700000000}


def test_gzip_has_mtime_zero_and_round_trips() -> None:
    data = write_tar(entries())
    compressed = gzip_bytes(data)
    assert compressed[:4] == b"\x1f\x8b\x08\x00" and compressed[4:8] == b"\0\0\0\0"
    assert zlib.decompress(compressed, 47) == data
    assert gzip_bytes(data) == compressed


def test_conflicting_entries_are_refused() -> None:
    with pytest.raises(ValueError, match="two different entries"):
        write_tar([Entry("x", "file", data=b"1"), Entry("x", "file", data=b"2")])


def test_parallel_gzip_is_one_valid_stream_independent_of_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"".join(i.to_bytes(4, "little") * (i % 7 + 1) for i in range(700_000))  # ~3.6 MiB: several chunks
    compressed = gzip_bytes(data)
    assert gzip.decompress(compressed) == data and zlib.decompress(compressed, 47) == data
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert gzip_bytes(data) == compressed
    assert gzip.decompress(gzip_bytes(b"")) == b""
