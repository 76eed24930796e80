"""Values that cross are judged alike by split and build, and what build copies works: a NamedTuple, a
``namedtuple()``, a dataclass, an enum, a constant and a container nobody writes are copied into the caller's
tree and import there; objects of other classes (``ArgumentParser()``, ``Template()``: like ``Blueprint()`` or
``JWTManager()``) are refused by both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import analyzer
from packager.build import build_services
from splitter.check import check
from tests.crossing.programs import OBJECTS, VALUES
from tests.packager.helpers import make_plan, write_tree

USE = ("from app import money; p = money.Price(1, 'EUR'); "
       "print(p.amount, p.currency, money.RATE, money.CURRENCIES, money.Pair(1, 2).left, money.Kind.GOODS.value, "
       "money.Line('tea', p).price.amount, issubclass(money.Refused, ValueError))")


def test_value_classes_and_constants_are_copied_and_import(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", VALUES.files)
    code_graph = analyzer.analyze(src)
    plan = make_plan(VALUES.services)
    how = {b.target: b.how for b in check(code_graph, plan).boundaries}
    for name in ("Price", "Line", "Kind", "Pair", "RATE", "CURRENCIES"):
        assert how[f"app.money.{name}"] == "shared", name
    assert how["app.money.total"] == "rpc"
    result = build_services(src, plan, code_graph, tmp_path / "build")
    tree = result.service("main").path
    stub = (tree / "app" / "money.py").read_text()
    assert "class Price(NamedTuple):" in stub and 'Pair = namedtuple("Pair", "left right")' in stub
    run = subprocess.run([sys.executable, "-c", USE], cwd=tree, capture_output=True, text=True, timeout=60,
                         check=False, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "EUR", "20", "['EUR',", "'USD']", "1", "goods", "1", "True"]


def test_objects_that_are_not_data_are_refused_by_both(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", OBJECTS.files)
    code_graph = analyzer.analyze(src)
    found = {b.target: b for b in check(code_graph, make_plan(OBJECTS.services)).open_blockers}
    assert "argparse.ArgumentParser" in (found["app.tools.PARSER"].why or "")
    assert "string.Template" in (found["app.tools.GREETING"].why or "")
