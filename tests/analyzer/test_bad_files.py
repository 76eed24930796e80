"""A bad file never stops the analysis: each becomes one diagnostic and the rest of the tree is analyzed."""

from __future__ import annotations

import os
import shutil
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
