"""Node classes made cheap to build (:mod:`analyzer.cstnodes`): the same trees, and only in the workers."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from analyzer import analyze
from analyzer.pipeline import _SERIAL_BELOW

_SAME_TREES = textwrap.dedent("""
    import sys
    from pathlib import Path

    import libcst as cst

    from analyzer.cstnodes import build_for_reading

    files = [Path(p) for p in sys.argv[1:]]
    texts = [f.read_text(encoding="utf-8") for f in files]
    before = [cst.parse_module(text) for text in texts]
    changed = build_for_reading()
    after = [cst.parse_module(text) for text in texts]
    for file, text, old, new in zip(files, texts, before, after):
        assert new.deep_equals(old), file
        assert new.code == text, file
    made = cst.Call(func=cst.Name("f"), args=[cst.Arg(cst.Integer("1"))])  # built by hand, defaults filled
    assert made.deep_equals(cst.parse_expression("f(1)")) and made.lpar == () and made.whitespace_after_func
    cst.Name("")  # unchecked here: the parser's nodes are valid by construction
    print(changed, len(files))
""")


def _corpus() -> list[str]:
    """Sources of many shapes: this project's analyzer, and a slice of the standard library (async, match,
    decorators, f-strings, type hints, odd whitespace)."""
    analyzer_dir = Path(__file__).resolve().parents[2] / "analyzer"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    picked = sorted(analyzer_dir.rglob("*.py"))
    for name in ("asyncio", "email", "json", "importlib", "unittest", "dataclasses.py", "typing.py", "ast.py",
                 "inspect.py", "enum.py", "re/_parser.py", "functools.py"):
        path = stdlib / name
        picked.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [str(p) for p in picked]


def test_a_tree_built_for_reading_is_the_tree_libcst_builds() -> None:
    files = _corpus()
    done = subprocess.run([sys.executable, "-c", _SAME_TREES, *files], capture_output=True, text=True, check=False,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    changed, parsed = map(int, done.stdout.split())
    assert parsed == len(files) > 150
    assert changed > 300  # nearly every node class: fails if a libcst release stops being one this can vouch for


def test_the_callers_process_keeps_libcst_as_it_ships(tmp_path: Path) -> None:
    for number in range(_SERIAL_BELOW + 2):  # enough files for the process pool
        (tmp_path / f"mod{number}.py").write_text(f"def f{number}(x):\n    return x + {number}\n")
    graph = analyze(tmp_path, jobs=2)
    assert len(graph.nodes_of_kind("module")) == _SERIAL_BELOW + 2
    assert "__create_fn__" in cst.Name.__dict__["__init__"].__code__.co_qualname
    with pytest.raises(dataclasses.FrozenInstanceError):
        cst.Name("x").value = "y"  # type: ignore[misc]
    with pytest.raises(cst.CSTValidationError):  # nodes made here are still checked
        cst.Name("")


_FAILING_SPEED_UP = textwrap.dedent("""
    import sys
    from pathlib import Path

    from analyzer import analyze, worker

    def broken() -> int:
        raise RuntimeError("a libcst of another shape")

    worker.build_for_reading = broken  # the forked workers inherit it
    graph = analyze(Path(sys.argv[1]), jobs=2)
    print(len(graph.nodes_of_kind("module")))
""")


def test_a_speed_up_that_fails_leaves_the_analysis_whole(tmp_path: Path) -> None:
    """Were the node classes ever unchangeable (another libcst), the workers parse with libcst as it ships: the pool
    never dies in its initializer (which would restart it forever)."""
    for number in range(_SERIAL_BELOW + 2):
        (tmp_path / f"mod{number}.py").write_text(f"def f{number}(x):\\n    return x + {number}\\n")
    done = subprocess.run([sys.executable, "-c", _FAILING_SPEED_UP, str(tmp_path)], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == str(_SERIAL_BELOW + 2)
