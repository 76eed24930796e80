"""samples/flaskmarket: the Flask monolith answers its scenario as expected.txt says, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.pg import PgServer
from tests.sample_env import sample_python

from .conftest import SAMPLES, run_scenario, run_wsgi, status_codes

MARKET = SAMPLES / "flaskmarket"
EXPECTED = MARKET / "expected.txt"
TARGET = "market:create_app()"


@pytest.fixture(scope="module")
def python() -> Path:
    return sample_python(MARKET)


def _upgrade(python: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(python), "-m", "flask", "--app", "market", "db", "upgrade"], cwd=MARKET,
        env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr


def _session(python: Path, env: dict[str, str], log: Path) -> str:
    _upgrade(python, env)
    with run_wsgi(python, MARKET, TARGET, env, log) as app:
        result = run_scenario(MARKET / "scenario.py", app.url)
        assert app.stop() == 0, log.read_text()
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in log.read_text(), log.read_text()
    return result.stdout


def test_scenario_on_sqlite_is_expected(python: Path, tmp_path: Path) -> None:
    output = _session(python, {"DATA_DIR": str(tmp_path / "data")}, tmp_path / "app.log")
    assert output == EXPECTED.read_text(encoding="utf-8"), "answers changed: diff against flaskmarket/expected.txt"
    assert (tmp_path / "data" / "market.db").exists()


def test_scenario_on_postgresql_is_expected(python: Path, postgres: PgServer, tmp_path: Path) -> None:
    url = postgres.create_database("flaskmarket")
    output = _session(python, {"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "unused")}, tmp_path / "app.log")
    assert output == EXPECTED.read_text(encoding="utf-8")
    assert not (tmp_path / "unused" / "market.db").exists()
    tables = postgres.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", "flaskmarket")
    assert tables.split() == [
        "alembic_version", "api_tokens", "category", "order_item", "orders", "product_tags", "products", "review",
        "tag", "users",
    ]


def test_expected_output_covers_the_http_cases() -> None:
    lines = EXPECTED.read_text(encoding="utf-8").splitlines()
    assert 100 <= len(lines) <= 150
    assert status_codes(lines) == {200, 201, 204, 302, 308, 400, 401, 403, 404, 405, 409}


def _domains() -> dict:
    block = re.search(r"```yaml\n(.*?)```", (MARKET / "DOMAINS.md").read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    return yaml.safe_load(block.group(1))


def test_domains_md_assigns_every_module_and_route_prefix() -> None:
    spec = _domains()
    listed = [module for domain in spec["domains"].values() for module in domain["modules"]] + spec["shared"]
    modules = set()
    for path in (MARKET / "market").rglob("*.py"):
        parts = list(path.relative_to(MARKET).with_suffix("").parts)
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    assert sorted(listed) == sorted(modules)
    prefixes = [prefix for domain in spec["domains"].values() for prefix in domain["routes"]]
    lines = EXPECTED.read_text(encoding="utf-8").splitlines()
    for line in lines:
        path = line.split()[1].split("?")[0]
        owners = [prefix for prefix in prefixes if path == prefix or path.startswith(prefix.rstrip("*"))]
        assert owners or path in spec["fallback"], f"no domain serves {path}"


def test_the_markets_own_tests_pass(python: Path) -> None:
    result = subprocess.run(
        [str(python), "-m", "unittest", "discover", "-s", "tests", "-t", "."], cwd=MARKET,
        capture_output=True, text=True, timeout=120, check=False, env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"Ran (\d+) tests", result.stderr) and "OK" in result.stderr
