"""A bad file never stops the analysis: each becomes one diagnostic and the rest of the tree is analyzed."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from analyzer import SourceError, analyze
from tests.analyzer._util import ASSETS, out


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ASSETS / "classes", src)
    bad = src / "shop"
    (bad / "syntax.py").write_text("def ok():\n    return 1\n\ndef broken(:\n    pass\n")
    (bad / "cookie.py").write_bytes(b"# -*- coding: no-such-codec -*-\nx = 1\n")
    (bad / "latin.py").write_bytes(b"# coding: utf-8\nname = '\xe9t\xe9'\n")
    (bad / "nul.py").write_bytes(b"x = 1\ny = 2\0\n")
    (bad / "huge.py").write_bytes(b"x = 1\n" * (10 * 1024 * 1024 // 6 + 1))
    (bad / "dangling.py").symlink_to(src / "nowhere.py")
    (bad / "selfloop.py").symlink_to(bad / "selfloop.py")
    (bad / "loopdir").symlink_to(src, target_is_directory=True)
    return src


def test_each_bad_file_is_one_diagnostic_and_the_rest_is_analyzed(tree: Path) -> None:
    graph = analyze(tree, jobs=1)
    found = {(d.file, d.line, d.code) for d in graph.diagnostics}
    assert found == {
        ("shop/syntax.py", 4, "syntax"),
        ("shop/cookie.py", 1, "encoding"),
        ("shop/latin.py", 2, "encoding"),
        ("shop/nul.py", 2, "binary"),
        ("shop/huge.py", 0, "too-large"),
        ("shop/dangling.py", 0, "unreadable"),
        ("shop/selfloop.py", 0, "unreadable"),
        ("shop/loopdir", 0, "symlink-loop"),
    }
    messages = {d.file: d.message for d in graph.diagnostics}
    assert "symlink loop" in messages["shop/selfloop.py"]
    assert "no-such-codec" in messages["shop/cookie.py"]
    # the good files are all there
    assert out(graph, "shop.models.Order.save", "calls") >= {"shop.base.Base.save", "shop.base.Base.validate"}
    # a file that could not be parsed is still a module node, so imports of it resolve
    assert graph.graph.nodes["shop.syntax"]["analyzed"] is False


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text("x = 1\n")
    secret = tmp_path / "secret.py"
    secret.write_text("y = 2\n")
    secret.chmod(0)
    graph = analyze(tmp_path, jobs=1)
    assert [(d.file, d.code) for d in graph.diagnostics] == [("secret.py", "unreadable")]


def test_missing_source_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        analyze(tmp_path / "nope")


def test_source_without_python_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("hello\n")
    with pytest.raises(SourceError, match="no Python files"):
        analyze(tmp_path)


def test_source_that_is_a_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(SourceError, match="not a folder"):
        analyze(tmp_path / "a.py")


def _generated_table(parts: int) -> str:
    """A module like pydoc's topics: a table of strings each written as one long implicit concatenation."""
    lines = "\n".join(f"           'line {n} of the text\\n'" for n in range(parts))
    return f"TOPICS = {{'assert': {lines.lstrip()}}}\n\ndef topic(name):\n    return helper(TOPICS[name])\n\n" \
           "def helper(text):\n    return text\n"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_generated_table_of_long_concatenations_is_analyzed(tmp_path: Path, jobs: int) -> None:
    """libcst nests an implicit concatenation one level per string: 3,000 of them are past Python's default
    recursion limit, which made the whole file one ``too-deep`` diagnostic (its defs, imports and calls lost).
    Both ways: in the caller's process (few files) and in the worker processes (enough files for a pool)."""
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "__init__.py").write_text("")
    (src / "pkg" / "topics.py").write_text(_generated_table(3000))
    for n in range(30 if jobs > 1 else 0):
        (src / "pkg" / f"m{n}.py").write_text(f"def f{n}():\n    return {n}\n")
    limit = sys.getrecursionlimit()
    graph = analyze(src, jobs=jobs)
    assert not graph.diagnostics
    assert graph.graph.has_edge("pkg.topics.topic", "pkg.topics.helper")
    assert sys.getrecursionlimit() == limit  # the caller's limit is put back
