"""samples/djangoblog: the Django monolith answers its scenario as expected.txt says, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.pg import PgServer
from tests.sample_env import sample_python

from .conftest import SAMPLES, run_scenario, run_wsgi, status_codes

BLOG = SAMPLES / "djangoblog"
EXPECTED = BLOG / "expected.txt"
TARGET = "blogsite.wsgi:application"
TABLES = [
    "accounts_profile", "accounts_user", "accounts_user_groups", "accounts_user_user_permissions", "api_token",
    "blog_post", "blog_post_tags", "comments_comment", "tags_tag",
]


@pytest.fixture(scope="module")
def python() -> Path:
    return sample_python(BLOG)


def _manage(python: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "manage.py", *args], cwd=BLOG, env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True, text=True, timeout=180, check=False,
    )


def _session(python: Path, env: dict[str, str], log: Path) -> str:
    migrated = _manage(python, env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    with run_wsgi(python, BLOG, TARGET, env, log) as app:
        result = run_scenario(BLOG / "scenario.py", app.url)
        assert app.stop() == 0, log.read_text()
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in log.read_text(), log.read_text()
    return result.stdout


def test_scenario_on_sqlite_is_expected(python: Path, tmp_path: Path) -> None:
    output = _session(python, {"DATA_DIR": str(tmp_path / "data")}, tmp_path / "app.log")
    assert output == EXPECTED.read_text(encoding="utf-8"), "answers changed: diff against djangoblog/expected.txt"
    assert (tmp_path / "data" / "blog.sqlite3").exists()


def test_scenario_on_postgresql_is_expected(python: Path, postgres: PgServer, tmp_path: Path) -> None:
    url = postgres.create_database("djangoblog")
    output = _session(python, {"DATABASE_URL": url, "DATA_DIR": str(tmp_path / "unused")}, tmp_path / "app.log")
    assert output == EXPECTED.read_text(encoding="utf-8")
    assert not (tmp_path / "unused" / "blog.sqlite3").exists()
    tables = postgres.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", "djangoblog")
    assert set(TABLES) <= set(tables.split())


def test_migrations_are_committed_and_complete(python: Path, tmp_path: Path) -> None:
    result = _manage(python, {"DATA_DIR": str(tmp_path)}, "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_expected_output_covers_the_http_cases() -> None:
    lines = EXPECTED.read_text(encoding="utf-8").splitlines()
    assert 90 <= len(lines) <= 150
    assert status_codes(lines) == {200, 201, 204, 301, 302, 400, 401, 403, 404, 405, 409}


def _domains() -> dict:
    block = re.search(r"```yaml\n(.*?)```", (BLOG / "DOMAINS.md").read_text(encoding="utf-8"), re.DOTALL)
    assert block is not None
    return yaml.safe_load(block.group(1))


def test_domains_md_assigns_every_module_and_route_prefix() -> None:
    spec = _domains()
    listed = [module for domain in spec["domains"].values() for module in domain["modules"]] + spec["shared"]
    modules = set()
    for path in BLOG.rglob("*.py"):
        if path.name == "scenario.py":
            continue
        parts = list(path.relative_to(BLOG).with_suffix("").parts)
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    assert sorted(listed) == sorted(modules)
    assert sorted(table for domain in spec["domains"].values() for table in domain["tables"]) == TABLES
    prefixes = [prefix for domain in spec["domains"].values() for prefix in domain["routes"]]
    for line in EXPECTED.read_text(encoding="utf-8").splitlines():
        path = line.split()[1].split("?")[0]
        owners = [prefix for prefix in prefixes if path == prefix or path.startswith(prefix.rstrip("*"))]
        assert owners or path in spec["fallback"], f"no domain serves {path}"


def test_the_blogs_own_tests_pass(python: Path, tmp_path: Path) -> None:
    result = _manage(python, {"DATA_DIR": str(tmp_path)}, "test")
    assert result.returncode == 0, result.stderr
    assert re.search(r"Ran [1-9]\d* tests", result.stderr) and "\nOK" in result.stderr
