"""The service trees as a whole: own code byte for byte, service.json, requirements, Dockerfile, refusals."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleave.formats.errors import FormatError
from cleave.formats.plan import Boundary, load_plan
from packager.build import build_services
from packager.errors import BlockedPlanError, PackagerError

from .helpers import make_plan

MINI = Path(__file__).resolve().parent.parent / "assets" / "packager" / "mini"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mini_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mini") / "build"
    build_services(MINI, load_plan(MINI / "cleave.yaml"), None, out)
    return out


def test_own_and_shared_modules_are_byte_for_byte(mini_build: Path) -> None:
    for service, relpath in [("web", "mini/web.py"), ("orders", "mini/orders/service.py"),
                             ("orders", "mini/util/money.py"), ("catalog", "mini/catalog/api.py")]:
        assert (mini_build / "services" / service / relpath).read_bytes() == (MINI / relpath).read_bytes()
    assert not (mini_build / "services" / "catalog" / "mini" / "web.py").exists()
    assert not (mini_build / "services" / "catalog" / "mini" / "util").exists()


def test_service_json_exposes_exactly_what_others_call(mini_build: Path) -> None:
    documents = {name: json.loads((mini_build / "services" / name / "service.json").read_text())
                 for name in ("web", "orders", "catalog")}
    assert documents["web"] == {"name": "web", "interface": [], "entry": "mini.web:application",
                                "health_path": "/_cleave/healthz", "calls": ["catalog", "orders"], "requirements": []}
    assert documents["orders"]["interface"] == ["mini.orders.service.order_count", "mini.orders.service.place_order"]
    assert documents["orders"]["entry"] is None and documents["orders"]["calls"] == ["catalog"]
    assert documents["catalog"]["interface"] == ["mini.catalog.api.price_of", "mini.catalog.api.products"]


def test_requirements_only_what_the_service_imports_with_the_plan_override(mini_build: Path,
                                                                           tmp_path: Path) -> None:
    assert (mini_build / "services" / "web" / "requirements.txt").read_text() == ""
    assert (mini_build / "services" / "orders" / "requirements.txt").read_text() == ""
    assert (mini_build / "services" / "catalog" / "requirements.txt").read_text() == "pyyaml==6.0.2\n"
    plan = load_plan(MINI / "cleave.yaml")
    plain = make_plan({s.name: s.modules for s in plan.services}, shared=plan.shared, entry=plan.entry)
    result = build_services(MINI, plain, None, tmp_path / "b")
    assert result.service("catalog").requirements == ("PyYAML==6.0.1",)  # the monolith's pin
    assert result.service("catalog").distributions == ("pyyaml",)


def test_dockerfile_and_kit(mini_build: Path) -> None:
    tree = mini_build / "services" / "catalog"
    dockerfile = (tree / "Dockerfile").read_text()
    for line in ("FROM python:3.11-slim", "RUN pip install --no-cache-dir -r /app/requirements.txt",
                 "COPY . /app", "USER 65532:65532", 'CMD ["python", "-m", "cleave_kit"]', "HEALTHCHECK",
                 "CLEAVE_SERVICE=catalog"):
        assert line in dockerfile
    assert "pip install" not in (mini_build / "services" / "web" / "Dockerfile").read_text()
    assert (tree / "cleave_kit" / "__main__.py").is_file()
    assert not list(tree.rglob("__pycache__"))


def test_generated_stubs_compile(mini_build: Path) -> None:
    for path in (mini_build / "services").rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_unaccepted_blockers_refuse_to_build_and_write_nothing(tmp_path: Path) -> None:
    plan = load_plan(MINI / "cleave.yaml")
    blocked = make_plan({s.name: s.modules for s in plan.services}, shared=plan.shared, entry=plan.entry,
                        boundaries=[Boundary("mini.orders.service", "mini.catalog.api._PRICES", "blocker",
                                             why="module global read by two services",
                                             where="mini/orders/service.py:25"),
                                    Boundary("mini.web", "table:orders", "blocker", why="shared table"),
                                    Boundary("mini.web", "table:x", "blocker", why="ok", accepted=True)])
    with pytest.raises(BlockedPlanError) as caught:
        build_services(MINI, blocked, None, tmp_path / "build")
    message = str(caught.value)
    assert "2 blocker(s)" in message
    assert ("\nmini/orders/service.py:25: mini.orders.service -> mini.catalog.api._PRICES: module global read by "
            "two services\n") in message  # one line per blocker, file:line first
    assert "mini.web -> table:orders: shared table" in message and "table:x" not in message
    assert not (tmp_path / "build").exists()


def test_plan_naming_a_missing_module_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"module pattern 'mini.nothing' of service 'web' matches no module"):
        build_services(MINI, make_plan({"web": ["mini.nothing"]}), None, tmp_path / "build")
    assert not (tmp_path / "build").exists()


def test_entry_outside_every_service_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PackagerError, match=r"the entry 'mini.web:application' is in no service"):
        build_services(MINI, make_plan({"catalog": ["mini.catalog*"]}, entry="mini.web:application"), None,
                       tmp_path / "build")


def test_a_failed_rebuild_keeps_the_previous_build(tmp_path: Path) -> None:
    out = tmp_path / "build"
    build_services(MINI, load_plan(MINI / "cleave.yaml"), None, out)
    src = tmp_path / "src"
    shutil.copytree(MINI, src)
    (src / "mini" / "catalog" / "api.py").write_text("CURRENCY = 'EUR'\n")  # products() disappears
    with pytest.raises(PackagerError):
        build_services(src, load_plan(src / "cleave.yaml"), None, out)
    assert (out / "services" / "catalog" / "mini" / "catalog" / "api.py").read_bytes() == \
        (MINI / "mini" / "catalog" / "api.py").read_bytes()


def test_cli_refuses_a_blocked_plan(tmp_path: Path) -> None:
    plan = (MINI / "cleave.yaml").read_text() + \
        "boundaries:\n  - {from: mini.web, to: table:orders, how: blocker, why: shared table, where: mini/web.py:3}\n"
    (tmp_path / "cleave.yaml").write_text(plan)
    run = subprocess.run([str(Path(sys.executable).parent / "cleave"), "build", str(MINI), "--plan",
                          str(tmp_path / "cleave.yaml"), "-o", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert run.returncode == 1, run.stderr
    assert "\nmini/web.py:3: mini.web -> table:orders: shared table" in run.stderr  # one line, file:line first
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_trees_are_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    script = ("import sys; from pathlib import Path; from cleave.formats.plan import load_plan; "
              "from packager.build import build_services; src = Path(sys.argv[1]); "
              "build_services(src, load_plan(src / 'cleave.yaml'), None, Path(sys.argv[2]))")
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"b{seed}"
        subprocess.run([sys.executable, "-c", script, str(MINI), str(out)], check=True, timeout=60, cwd=ROOT,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        outs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outs[0] == outs[1]


def test_bad_sources_are_one_clear_error_and_nothing_is_written(tmp_path: Path) -> None:
    plan = load_plan(MINI / "cleave.yaml")
    src = tmp_path / "src"
    shutil.copytree(MINI, src)
    (src / "mini" / "util" / "money.py").write_text("def broken(:\n")
    with pytest.raises(PackagerError, match=r"mini/util/money.py:1: syntax error"):
        build_services(src, plan, None, tmp_path / "out")
    (src / "mini" / "util" / "money.py").unlink()
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET = 1\n")
    (src / "mini" / "util" / "money.py").symlink_to(outside)
    with pytest.raises(PackagerError, match=r"mini/util/money.py: symlink points outside the source folder"):
        build_services(src, plan, None, tmp_path / "out")
    assert not (tmp_path / "out").exists()
