"""The monolith's own interpreter names its distributions (``--python``, default SRC/.venv), and is part of the
cache key."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer import AnalyzerError
from tests.analyzer._util import run


def _install(venv: Path, name: str, version: str, top: str) -> None:
    """A distribution as pip leaves it (metadata and top_level.txt) in the venv's site-packages."""
    [site] = list(venv.glob("lib/python*/site-packages"))
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "top_level.txt").write_text(top + "\n")
    (site / top).mkdir(exist_ok=True)
    (site / top / "__init__.py").write_text("")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("envapp")
    (src / "app.py").write_text("import slugify\n\n\ndef f():\n    return slugify.slugify('x')\n")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(src / ".venv")], check=True)
    _install(src / ".venv", "unicode-slugify", "0.1.5", "slugify")
    return src


def test_the_apps_venv_names_the_distribution(app: Path, tmp_path: Path) -> None:
    graph = run(app, cache_dir=tmp_path / "cache")
    assert graph.meta["python"] == str(app / ".venv" / "bin" / "python")
    node = graph.graph.nodes["package:unicode-slugify"]
    assert (node["version"], node["import_names"]) == ("0.1.5", ["slugify"])
    assert "package:python-slugify" not in graph.graph  # the fallback name of the table is not used
    for old in (app / ".venv").glob("lib/python*/site-packages/unicode_slugify-0.1.5.dist-info"):
        shutil.rmtree(old)
    _install(app / ".venv", "unicode-slugify", "0.1.6", "slugify")  # the environment changed: the cache too
    again = run(app, cache_dir=tmp_path / "cache")
    assert again.graph.nodes["package:unicode-slugify"]["version"] == "0.1.6"
    assert again.meta["fingerprint"] != graph.meta["fingerprint"]


def test_a_python_that_cannot_run_is_one_error(app: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "python"
    with pytest.raises(AnalyzerError, match="cannot run the interpreter"):
        run(app, python=missing)


def _install_namespaced(venv: Path, name: str, top: str, sub: str) -> None:
    """A distribution of namespace package ``top`` (no ``top/__init__.py``), with its RECORD."""
    [site] = list(venv.glob("lib/python*/site-packages"))
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (site / top / sub).mkdir(parents=True)
    (site / top / sub / "__init__.py").write_text("")
    (info / "RECORD").write_text(f"{top}/{sub}/__init__.py,,\n{info.name}/METADATA,,\n")


def test_a_namespace_package_is_named_by_its_sub_package(tmp_path: Path) -> None:
    """pinax-teams and pinax-invitations both install ``pinax``: ``pinax.teams`` (a Django INSTALLED_APPS string
    or an import) is pinax-teams, not whichever distribution is listed first."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text("import pinax.teams\nimport pinax.invitations\n")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(src / ".venv")], check=True)
    _install_namespaced(src / ".venv", "pinax-invitations", "pinax", "invitations")
    _install_namespaced(src / ".venv", "pinax-teams", "pinax", "teams")
    graph = run(src, cache_dir=tmp_path / "cache")
    used = {target for _, target, kind in graph.graph.out_edges("app", keys=True) if kind == "uses_package"}
    assert used == {"package:pinax-invitations", "package:pinax-teams"}


def test_the_running_environment_is_fingerprinted_by_its_listing_and_read_only_when_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer import environment

    monkeypatch.syspath_prepend(str(tmp_path))
    environment.running_environment.cache_clear()
    try:
        before = environment.running_environment().fingerprint
        environment.running_environment.cache_clear()
        info = tmp_path / "demo_dist-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-dist\nVersion: 1.0\n")
        (info / "top_level.txt").write_text("demo_top\n")
        after = environment.running_environment()
        assert after.fingerprint != before  # a distribution installed: another cache key
        assert "_contents" not in vars(after)  # a warm run needs only the fingerprint: no metadata read yet
        assert after.versions["demo-dist"] == "1.0" and after.names["demo_top"] == ["demo-dist"]
    finally:
        environment.running_environment.cache_clear()
