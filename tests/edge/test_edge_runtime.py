"""An edge split run by the runtime: shared SQLite volume, the one-time init, secrets, route filters, 3 replicas;
``down`` keeps the data, ``down --volumes`` removes it; a failing init stops ``up`` with its log."""

from __future__ import annotations

import json
import shutil
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from cleave.cli.build_cmd import run_build
from cleave.formats.plan import parse_plan
from tests.edge.graphs import notes_app
from tests.runtime.conftest import needs_root
from tests.runtime.project import Project

ASSET = Path(__file__).parent / "assets" / "notes"
PLAN = textwrap.dedent("""\
    format: cleave.plan/1
    entry: notes:create_app()
    services:
      web: {routes: ["/", "/whoami"]}
      notes: {routes: ["/notes/*"], replicas: 3}
      tags: {routes: ["/tags"]}
    database: {engine: sqlite, variable: DATABASE_URL}
    env: {SECRET_KEY: {from_env: NOTES_SECRET}}
    init: python -m notes.initdb{fail}
    """)

pytestmark = [needs_root, pytest.mark.slow]


def request(address: str | tuple[str, int], method: str, path: str, body: bytes = b"") -> tuple[int, object]:
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(address)
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: {len(body)}\r\n"
                     f"\r\n".encode() + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(rest) if rest.startswith((b"{", b"[")) else rest.decode()


def _project(root: Path, fail: bool) -> Project:
    src = root / "src"
    shutil.copytree(ASSET, src)
    plan_path = root / "cleave.yaml"
    plan_path.write_text(PLAN.replace("{fail}", " --fail" if fail else ""))
    run_build(src, parse_plan(plan_path.read_text(), str(plan_path)), root / "build", graph=notes_app(str(src)))
    return Project(root, env={"NOTES_SECRET": "s3cret"})


@pytest.fixture
def notes(tmp_path: Path) -> Iterator[Project]:
    project = _project(tmp_path, fail=False)
    try:
        yield project
    finally:
        project.teardown()


def test_edge_services_share_the_database_and_answer_only_their_routes(notes: Project) -> None:
    notes.up()
    sock = notes.paths.service_socket
    assert len(notes.wait_rows("notes", 3)) == 3
    assert request(str(sock("notes")), "POST", "/notes", b"first") == (201, {"id": 1})
    assert request(str(sock("tags")), "POST", "/tags", b"red") == (201, {"id": 1})
    assert request(str(sock("tags")), "GET", "/notes")[0] == 404  # not its route
    assert request(notes.gateway(), "GET", "/notes/1") == (200, {"text": "first"})  # routed to notes
    assert request(notes.gateway(), "GET", "/tags") == (200, ["red"])  # routed to tags
    assert request(str(sock("notes")), "GET", "/notes/1") == (200, {"text": "first"})
    assert request(notes.gateway(), "GET", "/") == (200, {"app": "notes", "notes": 1, "tags": 1})
    assert request(notes.gateway(), "GET", "/whoami") == (200, {"service": "web", "secret": "s3cret"})
    log = (notes.paths.logs / "web-init.log").read_text()
    assert "initdb: schema ready" in log
    notes.cli("down")
    notes.up()  # the data survives down, and the init (idempotent) runs again
    assert request(notes.gateway(), "GET", "/") == (200, {"app": "notes", "notes": 1, "tags": 1})
    notes.cli("down", "--volumes")
    assert not (notes.paths.volumes / "database").exists()


def test_a_failing_init_stops_up_with_its_log_and_starts_nothing(tmp_path: Path) -> None:
    project = _project(tmp_path, fail=True)
    try:
        result = project.cli("up", "build", check=False)
        assert result.returncode != 0
        assert "the init (python3 -m cleave_kit init python3 -m notes.initdb --fail) failed with exit status 3" \
            in result.stderr
        assert "initdb: refusing on purpose (--fail)" in result.stderr
        assert not list(project.paths.logs.glob("notes-*.log")), "no replica of any service was started"
    finally:
        project.teardown()


def test_an_unreachable_database_stops_up_in_one_line_without_its_password(tmp_path: Path) -> None:
    """The plan's own database (``url: {from_env: ...}``) is checked before anything starts. (``engine: sqlite``:
    cleave's environment has no PostgreSQL driver for the images to get; the check reads the URL, whatever the
    engine.)"""
    src = tmp_path / "src"
    shutil.copytree(ASSET, src)
    plan_path = tmp_path / "cleave.yaml"
    plan_path.write_text(PLAN.replace("database: {engine: sqlite, variable: DATABASE_URL}",
                                      "database: {engine: sqlite, variable: DATABASE_URL, "
                                      "url: {from_env: NOTES_DB}}").replace("init: python -m notes.initdb{fail}\n",
                                                                            ""))
    run_build(src, parse_plan(plan_path.read_text(), str(plan_path)), tmp_path / "build", graph=notes_app(str(src)))
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    project = Project(tmp_path, env={"NOTES_SECRET": "s3cret",
                                     "NOTES_DB": f"postgresql://app:pw0rd@127.0.0.1:{port}/app"})
    try:
        result = project.cli("up", "build", check=False)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert f"the database postgresql://app@127.0.0.1:{port}/app is unreachable" in result.stderr
        assert "pw0rd" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not list(project.paths.logs.glob("*-*.log")), "no replica was started"
    finally:
        project.teardown()


def test_a_mixed_plan_runs_its_interior_service_behind_the_edge(tmp_path: Path) -> None:
    """Both seams in one plan: the edge services' calls to the pure-domain module notes.wordcount go over RPC to
    the interior service ``words`` (which says it counted)."""
    src = tmp_path / "src"
    shutil.copytree(ASSET, src)
    plan_path = tmp_path / "cleave.yaml"
    plan_path.write_text(PLAN.replace("{fail}", "").replace('  tags: {routes: ["/tags"]}\n',
                                                           '  tags: {routes: ["/tags"]}\n'
                                                           '  words: {modules: [notes.wordcount], replicas: 2}\n'))
    run_build(src, parse_plan(plan_path.read_text(), str(plan_path)), tmp_path / "build", graph=notes_app(str(src)))
    project = Project(tmp_path, env={"NOTES_SECRET": "s3cret"})
    try:
        project.up()
        assert len(project.wait_rows("words", 2)) == 2
        assert request(project.gateway(), "POST", "/notes", b"three little words") == (201, {"id": 1})
        assert request(project.gateway(), "GET", "/notes/1/words") == (200, {"words": 3, "counted_by": "words"})
        assert request(project.gateway(), "GET", "/notes/2/words") == (404, {"error": "no such note"})
    finally:
        project.teardown()
