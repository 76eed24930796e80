"""service.json loading and the RPC dispatch of one service, in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from packager.kit import codec
from packager.kit.errors import CodecError, ServiceConfigError
from packager.kit.service import Service, load_service


def double(value: int) -> int:
    return value * 2


@pytest.fixture
def service() -> Service:
    return Service("math", {"tests.kit.test_service.double": double})


def _call(service: Service, body: bytes) -> tuple[int, object]:
    status, payload = service.call("tests.kit.test_service.double", body)
    return status, (codec.loads(payload) if status == 200 else payload.decode())


def test_call_and_keywords(service: Service) -> None:
    assert _call(service, b'{"args": [2], "kwargs": {}}') == (200, {"result": 4})
    assert _call(service, b'{"kwargs": {"value": 5}}') == (200, {"result": 10})
    assert _call(service, b"{}")[1]["error"]["class"] == "builtins.TypeError"


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"args": {}}', b'{"args": [], "kwargs": []}'])
def test_malformed_bodies_are_400(service: Service, body: bytes) -> None:
    status, _text = _call(service, body)
    assert status == 400


def test_undecodable_arguments_are_a_codec_error_answer(service: Service) -> None:
    status, answer = _call(service, b'{"args": [{"$dc": "os:system", "f": {}}]}')
    assert status == 200
    assert isinstance(answer["error"]["value"], CodecError)
    assert "'os:system' named on the wire is not a dataclass here" in answer["error"]["message"]


def test_unknown_function_is_404(service: Service) -> None:
    status, payload = service.call("os.system", b"{}")
    assert status == 404 and b"not in the interface of service 'math'" in payload


def _write(root: Path, spec: object) -> None:
    (root / "service.json").write_text(json.dumps(spec))


@pytest.mark.parametrize(("spec", "complaint"), [
    ([], "must be a JSON object with a non-empty string 'name'"),
    ({"name": ""}, "non-empty string 'name'"),
    ({"name": "x", "interface": "a.b"}, "'interface' must be a list"),
    ({"name": "x", "health_path": "healthz"}, "'health_path' must be a path"),
    ({"name": "x", "interface": ["json.JSONDecodeError.nothing"]}, "is not a callable in module json"),
    ({"name": "x", "entry": "json"}, "'entry' must be 'module:attribute'"),
    ({"name": "x", "entry": "json:nothing"}, "is not a callable WSGI application"),
    ({"name": "x", "entry": "no_such_module_here:app"}, "importing the entry module no_such_module_here failed"),
])
def test_bad_service_json_names_the_problem(tmp_path: Path, spec: object, complaint: str) -> None:
    _write(tmp_path, spec)
    with pytest.raises(ServiceConfigError, match=complaint):
        load_service(tmp_path)


def test_missing_and_unreadable_service_json(tmp_path: Path) -> None:
    with pytest.raises(ServiceConfigError, match=r"service\.json: not found"):
        load_service(tmp_path)
    (tmp_path / "service.json").write_text("{")
    with pytest.raises(ServiceConfigError, match="cannot read it"):
        load_service(tmp_path)


def test_a_good_service_json(tmp_path: Path) -> None:
    _write(tmp_path, {"name": "math", "interface": ["tests.kit.test_service.double"], "entry": None,
                      "dependencies": ["other"]})
    loaded = load_service(tmp_path)
    assert loaded.functions == {"tests.kit.test_service.double": double}
    assert (loaded.name, loaded.app, loaded.health_path) == ("math", None, "/healthz")
