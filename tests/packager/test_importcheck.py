"""`cleave build` imports every service tree in a clean interpreter before it writes anything (importcheck.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import packager
from analyzer import analyze
from cleave.formats.plan import save_plan
from packager.errors import ImportCheckError
from packager.importcheck import ImportTarget, check_imports, targets_of, tree_modules

from .helpers import make_plan, write_tree

CLEAVE = str(Path(sys.executable).parent / "cleave")

RAISES = {
    "app/__init__.py": "",
    "app/web.py": "from app.lib import total\n\n\ndef application(environ, start_response):\n    return [b'']\n",
    "app/lib.py": '''
        import os

        LIMIT = int(os.environ["APP_LIMIT_NOT_SET"])


        def total(x):
            return x + LIMIT
    ''',
    "app/other.py": "def f():\n    return 1\n",
}


def test_a_module_that_raises_at_import_stops_the_build_and_nothing_is_written(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", RAISES)
    plan = make_plan({"web": ["app", "app.web"], "lib": ["app.lib", "app.other"]}, entry="app.web:application")
    out = tmp_path / "build"
    with pytest.raises(ImportCheckError) as caught:
        packager.package(src, plan, out, analyze(src), images=False)
    failures = caught.value.failures
    assert len(failures) == 1, failures  # app.lib fails once, not again for every module importing it
    assert failures[0].startswith("service lib: importing app.lib fails at app/lib.py:3: KeyError: ")
    assert "APP_LIMIT_NOT_SET" in failures[0]
    assert not out.exists()
    assert not list(tmp_path.glob("build*")), "nothing half-written beside the build folder"


def test_the_plans_env_is_given_to_the_check(tmp_path: Path) -> None:
    import dataclasses

    src = write_tree(tmp_path / "src", RAISES)
    plan = make_plan({"web": ["app", "app.web"], "lib": ["app.lib", "app.other"]}, entry="app.web:application")
    plan = dataclasses.replace(plan, env={"APP_LIMIT_NOT_SET": "3"})
    outcome = packager.package(src, plan, tmp_path / "build", analyze(src), images=False)
    assert {service.name for service in outcome.result.services} == {"web", "lib"}
    assert not list((tmp_path / "build").rglob("__pycache__")), "the check writes no bytecode into the trees"


def test_cleave_build_prints_one_line_per_failure_and_exits_1(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {**RAISES, "app/other.py": "import not_a_distribution_anywhere\n"})
    plan_path = tmp_path / "cleave.yaml"
    save_plan(make_plan({"web": ["app", "app.web"], "lib": ["app.lib", "app.other"]}, entry="app.web:application"),
              plan_path)
    out = tmp_path / "out"
    done = subprocess.run([CLEAVE, "build", str(src), "-p", str(plan_path), "-o", str(out), "--no-images"],
                          capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip().startswith("- service")]
    assert len(lines) == 2, done.stderr
    assert any("app/lib.py:3: KeyError" in line for line in lines)
    assert any("app/other.py:1: ModuleNotFoundError: No module named 'not_a_distribution_anywhere'" in line
               and "install the distribution" in line for line in lines)
    assert not out.exists()


def test_the_source_folder_is_never_on_the_path(tmp_path: Path) -> None:
    """A module the tree lacks must be missing in the check as in the image, even when SRC has it."""
    src = write_tree(tmp_path / "src", {"pkg/__init__.py": "", "pkg/a.py": "from pkg import b\n",
                                        "pkg/b.py": "X = 1\n"})
    tree = write_tree(tmp_path / "tree", {"pkg/__init__.py": "", "pkg/a.py": "from pkg import b\n",
                                          "pkg/__main__.py": "raise SystemExit('runs only with -m')\n"})
    assert tree_modules(tree) == ("pkg", "pkg.a")
    failures = check_imports([ImportTarget("one", tree, tree_modules(tree))], python=sys.executable,
                             site=[*sys.path, str(src)], src=src)
    assert [(f.module, f.where, f.error) for f in failures] == [
        ("pkg.a", "pkg/a.py:1", "ImportError: cannot import name 'b' from 'pkg' "
                                f"({tree.resolve()}/pkg/__init__.py)")]


def test_a_module_that_blocks_at_import_fails_after_the_timeout(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "tree", {"server.py": "import time\n\nwhile True:\n    time.sleep(1)\n",
                                          "quits.py": "raise SystemExit(3)\n"})
    other = write_tree(tmp_path / "other", {"fine.py": "import sqlite3\n\nX = sqlite3.connect(':memory:')\n"})
    failures = check_imports([ImportTarget("one", tree, ("quits", "server")), ImportTarget("two", other, ("fine",))],
                             python=sys.executable, site=sys.path, src=tmp_path / "src", timeout=1.0)
    assert [(f.service, f.error.split(" (")[0]) for f in failures] == [
        ("one", "its modules did not finish importing in 1 s")]


def test_an_edge_build_imports_its_entry_module_once(tmp_path: Path) -> None:
    from cleave.formats.plan import parse_plan
    from tests.edge.graphs import notes_app
    from tests.edge.test_edge_build import ASSET, PLAN

    src = tmp_path / "src"
    shutil.copytree(ASSET, src)
    plan = parse_plan(PLAN, str(tmp_path / "cleave.yaml"))
    outcome = packager.package(src, plan, tmp_path / "build", notes_app(str(src)), images=False)
    assert targets_of(outcome.result, plan) == [ImportTarget("notes", outcome.result.service("notes").path,
                                                             ("notes",), env={"MODE": "test"})]
    init = src / "notes" / "__init__.py"
    init.write_text(init.read_text().replace("DEFAULT_URL = ", "import notes.missing_module\nDEFAULT_URL = ", 1))
    with pytest.raises(ImportCheckError) as caught:
        packager.package(src, plan, tmp_path / "again", notes_app(str(src)), images=False)
    assert caught.value.failures == (
        "service notes: importing notes fails at notes/__init__.py:18: ModuleNotFoundError: No module named "
        "'notes.missing_module' (install the distribution in the app's environment (--python), or put the module "
        "it names in this service or in `shared`)",)
    assert not (tmp_path / "again").exists()
