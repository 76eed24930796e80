"""Usage errors exit 2 on every command (DESIGN: 1 is for failures, 2 for a bad command line), and every ``--help``
answers ``-h``, shows examples and the exit codes, and names values without Python types."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from cleave.cli.app import app, run

MINE = ("analyze", "split", "build", "report", "push", "migrate", "check", "config")
RUNTIME = ("up", "ps", "scale", "logs", "down", "restart", "stop", "start", "exec", "top", "stats", "events")

# one usage error per command that the command itself detects (beyond click's unknown option)
VALUE_ERRORS = {
    "analyze": ["analyze", ".", "--jobs", "0"],
    "split": ["split", "--services", "0"],
    "build": ["build", "-C", "/nonexistent/folder"],
    "report": ["report", "-C", "/nonexistent/folder"],
    "push": ["push", "127.0.0.1:abc/shop"],
    "migrate": ["migrate", ".", "--replicas", "orders=two"],
    "check": ["check", "-C", "/nonexistent/folder"],
    "config": ["config", "-C", "/nonexistent/folder"],
    "up": ["up", "--no-such-flag"],
    "ps": ["ps", "extra-argument"],
    "scale": ["scale", "orders=many"],
    "logs": ["logs", "--no-such-flag"],
    "down": ["down", "extra-argument"],
    "restart": ["restart"],
    "stop": ["stop"],
    "start": ["start"],
    "exec": ["exec"],
    "top": ["top", "extra-argument"],
    "stats": ["stats", "extra-argument"],
    "events": ["events", "--since", "yesterday"],
    "logs --previous --follow": ["logs", "--previous", "--follow"],
    "logs --since": ["logs", "--since", "yesterday"],
}
"""Every command has at least one; the checks a command makes itself come before it looks for a project (here
there is none, so a check made after that would fail with 1)."""


@pytest.fixture(autouse=True)
def _here(tmp_path: Path) -> None:
    """Every command runs in an empty folder, and a failed ``-C`` leaves the test's folder as it was."""
    previous = Path.cwd()
    os.chdir(tmp_path)
    yield
    os.chdir(previous)


@pytest.mark.parametrize("command", MINE + RUNTIME)
def test_an_unknown_option_exits_2(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([command, "--no-such-option"]) == 2
    assert "No such option: --no-such-option" in capsys.readouterr().err


@pytest.mark.parametrize("command", sorted(VALUE_ERRORS))
def test_a_bad_value_exits_2_with_one_line_and_writes_nothing(command: str, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert run(VALUE_ERRORS[command]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()
    assert list(tmp_path.iterdir()) == []


def test_every_command_has_a_usage_error_of_its_own() -> None:
    assert {argv[0] for argv in VALUE_ERRORS.values()} == set(MINE + RUNTIME)


def test_a_failure_that_is_not_a_usage_error_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["split", "-g", "missing.json"]) == 1
    assert capsys.readouterr().err.startswith("error: ")


@pytest.mark.parametrize("command", MINE + RUNTIME)
def test_dash_h_is_help_with_the_exit_codes(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([command, "-h"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Usage: cleave {command}")
    assert "Exit codes: 0 done; 1 failed" in " ".join(text.split())


@pytest.mark.parametrize("command", MINE + RUNTIME)
def test_help_has_examples_and_no_python_types(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run([command, "--help"]) == 0
    text = capsys.readouterr().out
    assert "Examples:" in text and f"cleave {command}" in text.split("Examples:")[1]
    for python_type in ("PATH", "INTEGER", "TEXT", "BOOLEAN", "FLOAT"):
        assert python_type not in text, f"{command} --help shows the Python type {python_type}"
    labels = re.findall(r"<(?:path|str|int|float|bool|list\[\w+\])>", text)
    assert not labels, f"{command} --help shows typer's type labels {labels}"


def test_every_command_of_mine_takes_the_same_common_options() -> None:
    from typer.main import get_command

    run([])  # registers the commands
    group = get_command(app)
    for name in MINE:
        command = group.commands[name]  # type: ignore[attr-defined]
        flags = {flag for param in command.params for flag in param.opts}
        assert {"-C", "--project", "--json"} <= flags, name
        if name not in {"push", "migrate"}:
            assert {"-o", "--output"} <= flags, name


def test_shell_completion_is_offered(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--show-completion", "bash"]) == 0
    assert "complete" in capsys.readouterr().out


def test_up_takes_dash_c_and_one_word_for_attached(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``-C DIR`` on ``up`` as on every command (BUILD resolves under DIR); ``--foreground`` is the one word for
    staying attached (``-d/--detach`` is accepted, hidden: detached is the default, as ``docker compose up -d``)."""
    project = tmp_path / "shop"
    project.mkdir()
    assert run(["up", "-C", str(project)]) == 1
    assert str(project / ".cleave" / "build" / "topology.json") in " ".join(capsys.readouterr().err.split())
    assert run(["up", "-h"]) == 0
    text = capsys.readouterr().out
    assert "-F, --foreground" in text and "--detach" not in text and "--no-detach" not in text
    assert run(["up", "--no-detach"]) == 2


def test_config_prints_the_effective_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``cleave config`` (compose's ``config``): the plan as cleave reads it, normal form and defaults; names only
    with ``--services``; one JSON document with ``--json``; a bad plan is one line with file:line, exit 1."""
    (tmp_path / "cleave.yaml").write_text("format: cleave.plan/1\nentry: shop.web:app\nservices:\n"
                                          "  orders: {modules: [shop.orders], resources: {disk: 1Gi}}  # a comment\n"
                                          "  web:\n    modules: [shop.web]\n")
    assert run(["config"]) == 0
    text = capsys.readouterr().out
    assert "# a comment" not in text and "replicas: 1" in text and "disk: 1Gi" in text
    assert run(["config", "--services"]) == 0
    assert capsys.readouterr().out == "orders\nweb\n"
    assert run(["config", "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)["services"]) == ["orders", "web"]
    (tmp_path / "cleave.yaml").write_text("format: cleave.plan/1\nservices:\n  orders:\n    modules: [a]\n"
                                          "    replicas: two\n")
    assert run(["config"]) == 1
    assert capsys.readouterr().err.startswith("error: cleave.yaml:5: replicas of 'orders'")
