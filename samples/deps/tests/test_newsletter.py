"""The newsletter works as one process, and each domain imports only the distributions README says."""

from __future__ import annotations

import ast
import io
import json
import sys
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsletter.campaigns import api as campaigns  # noqa: E402
from newsletter.rendering import api as rendering  # noqa: E402
from newsletter.subscribers import api as subscribers  # noqa: E402
from newsletter.web import application  # noqa: E402

CAMPAIGN = """
name: spring
topic: Gardening
subject: Spring is here
body: |
  Dear {{ name }}, it is time to plant {{ plant }}.
values:
  plant: tomatoes
links:
  - https://news.example.com/tomatoes
"""


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_subscribers_are_cleaned_and_filtered() -> None:
    ann = subscribers.subscribe(" Ann@Example.com", "Ann", ("Gardening", "cooking"))
    assert ann.topics == ("cooking", "gardening")
    subscribers.subscribe("bob@example.com", "Bob", ("cooking",))
    assert [s.email for s in subscribers.subscribers_of("gardening")] == ["ann@example.com"]
    with pytest.raises(subscribers.InvalidSubscriber):
        subscribers.subscribe("nope", "X", ("cooking",))


def test_a_campaign_is_read_from_yaml_and_sent_once() -> None:
    subscribers.subscribe("ann@example.com", "Ann", ("gardening",))
    campaign = campaigns.save(CAMPAIGN)
    assert campaign.values == {"plant": "tomatoes"}
    emails = campaigns.send("spring")
    assert [(e.to, e.subject) for e in emails] == [("ann@example.com", "Spring is here")]
    assert emails[0].text == (
        "Hello Ann,\n\nDear Ann, it is time to plant tomatoes.\n\nRead more:\n"
        "  - https://news.example.com/tomatoes\n\n"
        "-- The Gardening newsletter. Unsubscribe: https://news.example.com/unsubscribe/gardening\n"
    )
    assert campaigns.send("spring") == []


def test_bad_input_is_refused() -> None:
    with pytest.raises(campaigns.InvalidCampaign, match="not valid YAML"):
        campaigns.parse("name: [unclosed")
    with pytest.raises(campaigns.InvalidCampaign, match="missing topic, subject, body"):
        campaigns.parse("name: x")
    with pytest.raises(rendering.RenderError):
        rendering.render("{{ missing }}", {}, (), name="Ann", topic="t")
    with pytest.raises(campaigns.UnknownCampaign):
        campaigns.send("autumn")


def _call(method: str, path: str, body: bytes = b"") -> tuple[str, Any]:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD=method, PATH_INFO=path, CONTENT_LENGTH=str(len(body)))
    environ["wsgi.input"] = io.BytesIO(body)
    status: list[str] = []
    data = b"".join(application(environ, lambda s, headers: status.append(s)))
    return status[0], json.loads(data)


def test_the_web_front() -> None:
    assert _call("GET", "/healthz") == ("200 OK", {"status": "ok"})
    body = json.dumps({"email": "ann@example.com", "name": "Ann", "topics": ["gardening"]}).encode()
    assert _call("POST", "/subscribers", body)[0] == "201 Created"
    assert _call("POST", "/campaigns", CAMPAIGN.encode())[0] == "201 Created"
    status, sent = _call("POST", "/campaigns/spring/send")
    assert status == "200 OK"
    assert [email["to"] for email in sent] == ["ann@example.com"]
    assert _call("POST", "/campaigns", b"- just a list")[0] == "400 Bad Request"
    assert _call("POST", "/campaigns/autumn/send")[0] == "404 Not Found"


def _third_party_imports(package: str) -> set[str]:
    names = set()
    for path in (ROOT / "newsletter" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name not in {"newsletter"}}


def test_each_domain_imports_only_its_own_distribution() -> None:
    assert _third_party_imports("campaigns") == {"yaml"}
    assert _third_party_imports("rendering") == {"jinja2"}
    assert _third_party_imports("subscribers") == set()


def test_requirements_pin_the_installed_versions() -> None:
    from importlib.metadata import version

    pins = dict(
        line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line and not line.startswith(("#", " "))
    )
    installed = {name: version(name) for name in ("Jinja2", "MarkupSafe", "PyYAML")}
    assert pins == installed, "requirements.txt no longer matches the installed versions: update its pins"
