"""The mini monolith split in three services answers exactly as the monolith does (plain processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cleave.formats.plan import load_plan
from packager.build import build_services

from .runner import get, run_services

MINI = Path(__file__).resolve().parent.parent / "assets" / "packager" / "mini"
PATHS = ["/order/apple,pear", "/order/apple", "/order/a,b,c,d", "/order/kiwi", "/count", "/products", "/nowhere"]

MONOLITH = """
import json, sys
from mini.web import application
out = []
for path in json.loads(sys.argv[1]):
    out.append(b"".join(application({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda *a: None)).decode())
print(json.dumps(out))
"""


def test_split_answers_like_the_monolith(tmp_path: Path) -> None:
    data = tmp_path / "monolith-data"
    data.mkdir()
    monolith = subprocess.run([sys.executable, "-c", MONOLITH, json.dumps(PATHS)], cwd=MINI, capture_output=True,
                              text=True, timeout=60, check=True, env={**os.environ, "DATA_DIR": str(data),
                                                                      "PYTHONDONTWRITEBYTECODE": "1"})
    expected = json.loads(monolith.stdout)
    build = tmp_path / "build"
    build_services(MINI, load_plan(MINI / "cleave.yaml"), None, build)
    with run_services(build) as running:
        assert running.gateway_url is not None
        answers = []
        for path in PATHS:
            status, body = get(running.gateway_url, path)
            assert status == 200, running.log("web")
            answers.append(body.decode())
    assert answers == expected
    assert "order error TooManyLines: at most 3 lines\n" in answers  # an exception subclass crossed two services
