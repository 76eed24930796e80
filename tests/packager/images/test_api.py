"""The public surface other stages call: complete, importable, documented."""

from __future__ import annotations

from pathlib import Path

import pytest

import packager.deploy
import packager.oci


@pytest.mark.parametrize("module", [packager.oci, packager.deploy])
def test_public_names_exist_and_have_docstrings(module: object) -> None:
    for name in module.__all__:  # type: ignore[attr-defined]
        value = getattr(module, name)
        assert value.__doc__, f"{module.__name__}.{name} has no docstring"  # type: ignore[attr-defined]


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLEAVE_CACHE_DIR", str(tmp_path / "c"))
    assert packager.oci.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("CLEAVE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert packager.oci.default_cache_dir() == tmp_path / "xdg" / "cleave" / "oci"
