"""samples/shop: the monolith served for real, the scenario against expected.txt, DOMAINS.md, its own tests."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import SHOP, run_own_tests, run_shop

EXPECTED = SHOP / "expected.txt"


def _scenario(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SHOP / "scenario.py"), url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_scenario_output_is_expected_and_deterministic(tmp_path: Path) -> None:
    """Two fresh monoliths, the scenario against both at once: both outputs equal expected.txt."""
    with (
        run_shop(tmp_path / "one", tmp_path / "one.log") as one,
        run_shop(tmp_path / "two", tmp_path / "two.log") as two,
    ):
        runs = [_scenario(one.url), _scenario(two.url)]
        try:
            outputs = [run.communicate(timeout=60) for run in runs]
        finally:
            for run in runs:
                if run.poll() is None:
                    run.kill()
                    run.communicate()
        assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
        assert one.stop() == 0, one.log.read_text()
        assert two.stop() == 0, two.log.read_text()
        assert "Traceback" not in one.log.read_text() + two.log.read_text()
    assert outputs[0][0] == outputs[1][0]
    expected = EXPECTED.read_text(encoding="utf-8")
    assert outputs[0][0] == expected, "the shop's answers changed: diff against samples/shop/expected.txt"
    assert (tmp_path / "one" / "orders.db").exists()


def test_expected_output_covers_the_error_cases() -> None:
    lines = EXPECTED.read_text(encoding="utf-8").splitlines()
    assert 80 <= len(lines) <= 150
    statuses = {int(re.match(r"^\S+ \S+ -> (\d{3}) ", line).group(1)) for line in lines}  # type: ignore[union-attr]
    assert statuses == {200, 201, 400, 402, 404, 405, 409}


def _modules() -> set[str]:
    names = set()
    for path in (SHOP / "shop").rglob("*.py"):
        parts = list(path.relative_to(SHOP).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.add(".".join(parts))
    return names


def _domains_md() -> dict:
    text = (SHOP / "DOMAINS.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert block is not None
    return yaml.safe_load(block.group(1))


def test_domains_md_assigns_every_module_once() -> None:
    spec = _domains_md()
    listed = [module for modules in spec["domains"].values() for module in modules] + spec["shared"]
    assert len(listed) == len(set(listed))
    assert set(listed) == _modules()
    assert len(spec["domains"]) >= 9


_SQL_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE IF NOT EXISTS)\s+([a-z_]+)\b")


def _sql_tables(path: Path) -> set[str]:
    tables = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            tables.update(_SQL_TABLE.findall(node.value))
    return tables


def test_each_domain_queries_only_its_own_tables() -> None:
    spec = _domains_md()
    for domain, modules in spec["domains"].items():
        own = set(spec["tables"][domain])
        used: set[str] = set()
        for module in modules:
            base = SHOP / Path(*module.split("."))
            path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
            used |= _sql_tables(path)
        assert used == own, f"{domain} uses tables {sorted(used - own)} it does not own, or misses {own - used}"


@pytest.mark.parametrize("forbidden", ["uuid4", "datetime.now", "date.today", "time.time(", "import random"])
def test_no_clock_and_no_random_ids(forbidden: str) -> None:
    for path in (SHOP / "shop").rglob("*.py"):
        assert forbidden not in path.read_text(encoding="utf-8"), f"{path} uses {forbidden}"


def test_the_shops_own_tests_pass() -> None:
    result = run_own_tests(SHOP)
    assert result.returncode == 0, result.stdout + result.stderr
