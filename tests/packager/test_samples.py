"""samples/blockers refuses to build until its blockers are accepted; samples/deps gets exact requirements."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from cleave.formats.plan import load_plan
from packager.build import build_services
from packager.errors import BlockedPlanError
from packager.requirements import installed_closure

from .runner import connection, run_services

ROOT = Path(__file__).resolve().parents[2]
ASSETS = Path(__file__).resolve().parent.parent / "assets" / "packager"
BLOCKERS = ROOT / "samples" / "blockers"
DEPS = ROOT / "samples" / "deps"

# samples/blockers/README.md: where each case is (the use that crosses services)
README_CASES = ["clinic/billing/models.py:13", "clinic/scheduling/api.py:25", "clinic/billing/api.py:28",
                "clinic/patients/api.py:40", "clinic/patients/api.py:32", "clinic/billing/api.py:36"]


@pytest.mark.skipif(not BLOCKERS.is_dir(), reason="samples/blockers is not there")
def test_blockers_refuse_to_build_until_accepted(tmp_path: Path) -> None:
    import analyzer
    from splitter.api import split

    code_graph = analyzer.analyze(BLOCKERS)
    hand = load_plan(ASSETS / "clinic-domains.yaml")
    plan = dataclasses.replace(hand, boundaries=split(code_graph, previous=hand).boundaries)
    blockers = plan.blockers()
    out = tmp_path / "build"
    with pytest.raises(BlockedPlanError) as caught:
        build_services(BLOCKERS, plan, code_graph, out)
    message = str(caught.value)
    assert f"{len(blockers)} blocker(s)" in message
    for case in README_CASES:
        assert f"\n{case}: " in message, case  # one line per blocker, file:line first
    for blocker in blockers:
        assert f"{blocker.source} -> {blocker.target}" in message
    assert not out.exists()

    accepted = dataclasses.replace(plan, boundaries=tuple(dataclasses.replace(b, accepted=True)
                                                          for b in plan.boundaries))
    result = build_services(BLOCKERS, accepted, code_graph, out)
    assert {s.name for s in result.services} == {"web", "patients", "scheduling", "billing", "records"}
    assert any("accepted blocker" in warning for warning in result.warnings)


@pytest.mark.skipif(not DEPS.is_dir(), reason="samples/deps is not there")
def test_deps_each_service_requires_exactly_what_it_imports(tmp_path: Path) -> None:
    import analyzer

    result = build_services(DEPS, load_plan(ASSETS / "newsletter-domains.yaml"), analyzer.analyze(DEPS),
                            tmp_path / "build")
    requirements = {s.name: s.requirements for s in result.services}
    assert requirements == {"web": (), "campaigns": ("PyYAML==6.0.4",), "rendering": ("Jinja2==3.1.6",),
                            "subscribers": ()}
    for service in result.services:
        written = (service.path / "requirements.txt").read_text().splitlines()
        assert tuple(written) == service.requirements
    # the image layers also need what those distributions require
    rendering = result.service("rendering")
    assert [name for name, _ in installed_closure(rendering.distributions)] == ["jinja2", "markupsafe"]
    with run_services(tmp_path / "build") as running:
        assert running.gateway_url is not None
        subscriber = json.dumps({"email": "ann@example.com", "name": "Ann", "topics": ["gardening"]}).encode()
        assert post(running.gateway_url, "/subscribers", subscriber)[0] == 201
        assert post(running.gateway_url, "/campaigns", CAMPAIGN.encode())[0] == 201
        status, sent = post(running.gateway_url, "/campaigns/spring/send", b"")
        assert status == 200, running.log("campaigns")
        assert [email["to"] for email in json.loads(sent)] == ["ann@example.com"]


CAMPAIGN = """
name: spring
topic: Gardening
subject: Spring is here
body: |
  Dear {{ name }}, it is time to plant {{ plant }}.
values:
  plant: tomatoes
"""


def post(address: str, path: str, body: bytes) -> tuple[int, bytes]:
    conn = connection(address, 30.0)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
