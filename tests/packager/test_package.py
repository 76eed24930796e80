"""``packager.package``: the facade the CLI calls; a build is written aside and swapped in whole."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

import packager
from analyzer import analyze
from cleave.formats.plan import load_plan

MINI = Path(__file__).resolve().parent.parent / "assets" / "packager" / "mini"


def _digest(folder: Path) -> str:
    """One hash over every file's path and bytes (what a reader of the build would see)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_a_build_outcome_is_frozen_and_points_at_the_final_folder(tmp_path: Path) -> None:
    out = tmp_path / "build"
    plan = load_plan(MINI / "cleave.yaml")
    outcome = packager.package(MINI, plan, out, analyze(MINI), images=False)
    assert outcome.out == out.absolute()
    assert all(service.path == out.absolute() / "services" / service.name for service in outcome.result.services)
    assert (out / "topology.json").is_file() and not any(p.name.endswith(".staging") for p in tmp_path.iterdir())
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.digests = {}  # type: ignore[misc]


def test_a_failed_build_leaves_the_previous_one_untouched(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(MINI, src)
    out = tmp_path / "build"
    plan = load_plan(src / "cleave.yaml")
    packager.package(src, plan, out, analyze(src), images=False)
    (out / "NOTES.txt").write_text("mine\n")  # a file the user put there is carried over
    before = _digest(out)
    web = src / "mini" / "web.py"
    web.write_text(web.read_text().replace("import mini.orders.service\n",
                                            "import mini.orders.service\nfrom mini.catalog.api import _PRICES\n"))
    # a private object of another service: the crossing rule refuses it before anything is written
    with pytest.raises(packager.BlockedPlanError, match="_PRICES"):
        packager.package(src, plan, out, analyze(src), images=False)
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "src"]


def test_ctrl_c_during_the_images_leaves_the_previous_build_whole(tmp_path: Path) -> None:
    out = tmp_path / "build"
    plan = load_plan(MINI / "cleave.yaml")
    code_graph = analyze(MINI)
    packager.package(MINI, plan, out, code_graph, images=False)
    before = _digest(out)

    def interrupt(step: str, done: int, total: int) -> None:
        if step.startswith("images") and done >= 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        packager.package(MINI, plan, out, code_graph, images=True, progress=interrupt)
    assert _digest(out) == before  # not services/ new and oci/ old: nothing new at all
    assert not (out / "oci").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]


def test_images_are_labelled_with_the_sources_git_origin_and_revision(tmp_path: Path) -> None:
    import subprocess

    from packager.orchestrate import image_labels

    src = tmp_path / "src"
    shutil.copytree(MINI, src)
    assert image_labels(src) == {}  # not a checkout: no guessed labels
    git = ["git", "-C", str(src), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "one"], ["tag", "v1.2.0"],
                 ["remote", "add", "origin", "https://example.com/shop.git"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    revision = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    assert image_labels(src) == {"org.opencontainers.image.source": "https://example.com/shop.git",
                                 "org.opencontainers.image.revision": revision,
                                 "org.opencontainers.image.version": "v1.2.0"}


def test_services_that_keep_tables_own_data_unless_the_plan_shares_a_database() -> None:
    from cleave.formats.plan import ServicePlan
    from cleave.formats.plan_edge import Database
    from packager.orchestrate import data_owners

    plan = dataclasses.replace(load_plan(MINI / "cleave.yaml"), metrics={"per_service": {
        "orders": {"tables": ["orders"]}, "catalog": {"tables": []}, "web": {}}})
    assert data_owners(plan) == {"orders": ("orders",)}
    shared = dataclasses.replace(plan, database=Database(engine="postgresql", services=("orders",)))
    assert data_owners(shared) == {}
    assert isinstance(plan.services[0], ServicePlan)


def test_ctrl_c_in_cleave_build_exits_130_and_keeps_the_old_build(tmp_path: Path) -> None:
    """A real SIGINT to a real `cleave build` while it writes the new build aside: exit 130, one line, the old
    build byte for byte, no staging folder left."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "build"
    packager.package(MINI, load_plan(MINI / "cleave.yaml"), out, analyze(MINI), images=False)
    before = _digest(out)
    cleave = str(Path(sys.executable).parent / "cleave")
    process = subprocess.Popen([cleave, "build", str(MINI), "-p", str(MINI / "cleave.yaml"), "-o", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not any(p.name.endswith(".staging") for p in tmp_path.iterdir()):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.skip("the build ended before its staging folder was seen")
            time.sleep(0.005)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted" and "Traceback" not in stderr
    assert "Exception ignored" not in stderr
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cleave", "build"]  # .cleave: the analysis cache


def test_the_splitters_table_owners_get_the_volumes() -> None:
    from packager.orchestrate import data_owners

    plan = dataclasses.replace(load_plan(MINI / "cleave.yaml"), metrics={"tables": {
        "orders": {"owner": "orders", "reads_from": {"web": ["mini/web.py:3"]}}, "lines": {"owner": "orders"},
        "products": {"owner": "catalog"}}})
    assert data_owners(plan) == {"catalog": ("products",), "orders": ("lines", "orders")}
