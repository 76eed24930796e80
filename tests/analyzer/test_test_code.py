"""Test code and what .cleaveignore names stay out of the graph unless asked for."""

from __future__ import annotations

from pathlib import Path

from analyzer import analyze


def _tree(root: Path) -> Path:
    files = {
        "app/__init__.py": "",
        "app/core.py": "def f():\n    return 1\n",
        "app/test_core.py": "from app.core import f\n\ndef test_f():\n    assert f() == 1\n",
        "app/core_test.py": "",
        "tests/__init__.py": "",
        "tests/conftest.py": "",
        "tests/test_app.py": "import app.core\n",
        "conftest.py": "",
        "drive.py": "import urllib.request\n",
        ".cleaveignore": "# the client script is not part of the app\ndrive.py\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _modules(root: Path, **options: bool) -> list[str]:
    return analyze(root, **options).nodes_of_kind("module")


def test_tests_and_cleaveignored_files_are_left_out(tmp_path: Path) -> None:
    assert _modules(_tree(tmp_path)) == ["app", "app.core"]


def test_include_tests_brings_test_code_back(tmp_path: Path) -> None:
    assert _modules(_tree(tmp_path), include_tests=True) == [
        "app", "app.core", "app.core_test", "app.test_core", "conftest", "tests", "tests.conftest", "tests.test_app"]
