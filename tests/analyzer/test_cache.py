"""The fact cache: a rerun reuses it, a changed file is reparsed, a damaged cache is ignored."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx

from analyzer import analyze
from tests.analyzer._util import ASSETS, out


def _same(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> bool:
    return dict(a.nodes(data=True)) == dict(b.nodes(data=True)) and sorted(a.edges(keys=True, data=True)) == sorted(
        b.edges(keys=True, data=True))


def test_warm_and_changed_runs_match_a_cold_run(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ASSETS / "classes", src)
    cache = tmp_path / "cache"
    cold = analyze(src, cache_dir=cache, jobs=1)
    assert (cache / "facts.pickle").exists() and (cache / "graph.pickle").exists()
    warm = analyze(src, cache_dir=cache, jobs=1)
    assert _same(cold.graph, warm.graph)

    models = src / "shop" / "models.py"
    models.write_text(models.read_text().replace("        self.log()\n", "        self.log()\n        make()\n"))
    changed = analyze(src, cache_dir=cache, jobs=1)
    assert "shop.models.make" in out(changed, "shop.models.Order.save", "calls")
    assert _same(changed.graph, analyze(src, jobs=1).graph)

    (src / "shop" / "base.py").write_text("class Base:\n    pass\n\n\nclass Mixin:\n    def log(self):\n        pass\n")
    again = analyze(src, cache_dir=cache, jobs=1)
    assert out(again, "shop.models.Order.save", "calls") == {"shop.base.Mixin.log", "shop.models.make",
                                                              "shop.models.Repo.store"}
    assert _same(again.graph, analyze(src, jobs=1).graph)


def test_identical_files_in_two_modules_do_not_collide(tmp_path: Path) -> None:
    for package in ("a", "b"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / "m.py").write_text("def f():\n    return 1\n")
    graph = analyze(tmp_path, cache_dir=tmp_path / ".cache", jobs=1)
    assert {"a.m.f", "b.m.f", "a", "b"} <= set(graph.graph)


def test_damaged_cache_is_ignored(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ASSETS / "state", src)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "facts.pickle").write_bytes(b"not a pickle")
    (cache / "graph.pickle").write_bytes(b"\x80\x05garbage")
    (cache / "graph.key").write_bytes(b"x")
    graph = analyze(src, cache_dir=cache, jobs=1)
    assert "shop.cache.STORE" in graph.graph
    assert analyze(src, cache_dir=cache, jobs=1).graph.number_of_edges() == graph.graph.number_of_edges()


def test_added_definitions_patch_or_rebuild_to_the_same_graph(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(ASSETS / "imports", src)
    (src / "app" / "late.py").write_text("from app import util\n\n\ndef use():\n    return util.later()\n")
    cache = tmp_path / "cache"
    analyze(src, cache_dir=cache, jobs=1)
    util = src / "app" / "util.py"
    # a new function nobody refers to: the cached graph is patched
    util.write_text(util.read_text() + "\n\ndef brand_new():\n    return helper()\n")
    patched = analyze(src, cache_dir=cache, jobs=1)
    assert out(patched, "app.util.brand_new", "calls") == {"app.util.helper"}
    assert _same(patched.graph, analyze(src, jobs=1).graph)
    # a new function under a name another module looked up in vain: that module's edges change too
    util.write_text(util.read_text() + "\n\ndef later():\n    return 0\n")
    rebuilt = analyze(src, cache_dir=cache, jobs=1)
    assert out(rebuilt, "app.late.use", "calls") == {"app.util.later"}
    assert _same(rebuilt.graph, analyze(src, jobs=1).graph)
