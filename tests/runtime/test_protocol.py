"""The control protocol, attacked: crafted messages are answered with one error line, never crash the reader, and a
slow or huge client never holds up anyone else. A bounded Hypothesis fuzz of the parser. No root needed."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime import control
from runtime.control_server import ControlServer
from runtime.errors import RuntimeEngineError
from runtime.protocol import (
    MAX_REQUEST,
    ApplyRequest,
    Down,
    ProtocolError,
    Ps,
    Request,
    Restart,
    ScaleRequest,
    StartServices,
    Status,
    StopServices,
    encode_request,
    parse_request,
)


@pytest.mark.parametrize(("data", "error"), [
    (b"[1, 2]", "control request must be a JSON object, not list"),
    (b"null", "control request must be a JSON object, not NoneType"),
    (b'"status"', "control request must be a JSON object, not str"),
    (b'{"op": "scale", "services": ["catalog"]}', "scale: 'services' must be an object of service name to replicas"),
    (b'{"op": "scale", "services": {"web": -1}}', "web=-1: replicas must be a whole number >= 0"),
    (b'{"op": "scale", "services": {"web": true}}', "web=True: replicas must be a whole number >= 0"),
    (b'{"op": "scale", "services": {"web": 1000}}', "web=1000: more replicas than this machine can run (at most 8)"),
    (b'{"op": "apply", "build": "relative/build"}', "apply: 'build' must be an absolute path"),
    (b'{"op": "down", "volumes": "yes"}', "down: 'volumes' must be true or false, not 'yes'"),
    (b'{"op": "restart", "services": []}', "restart: 'services' must be a non-empty list of service names"),
    (b'{"op": "reboot"}', "unknown control operation 'reboot'"),
    (b"{\"op\": \"status\"", "control request is not JSON"),
    (b"\xff\xfe{}", "control request is not JSON"),
    (b"{" * (MAX_REQUEST + 1), f"control request larger than {MAX_REQUEST} bytes"),
])
def test_crafted_requests_are_refused_with_one_line(data: bytes, error: str) -> None:
    with pytest.raises(ProtocolError) as raised:
        parse_request(data, bound=8)
    assert raised.value.message.startswith(error)
    assert "\n" not in raised.value.message


REQUESTS: list[Request] = [Status(), Ps(usage=False), ScaleRequest((("web", 3), ("api", 0))), ApplyRequest("/b"),
                           Down(volumes=True), Restart(("web",)), StopServices(("a", "b")), StartServices(("a",))]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: type(r).__name__)
def test_every_request_round_trips(request_: Request) -> None:
    assert parse_request(encode_request(request_), bound=8) == request_


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=4), max_leaves=12)
OPS = st.sampled_from(["status", "ps", "scale", "apply", "down", "restart", "stop", "start", "x"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=64), JSON.map(lambda v: json.dumps(v).encode()),
                 st.builds(lambda op, rest: json.dumps({"op": op, **rest}).encode(), OPS,
                           st.dictionaries(st.sampled_from(["services", "build", "volumes", "usage"]), JSON,
                                           max_size=3))))
def test_fuzzed_requests_parse_or_raise_a_protocol_error_only(data: bytes) -> None:
    try:
        request = parse_request(data, bound=8)
    except ProtocolError as error:
        assert error.message and "\n" not in error.message
        return
    assert parse_request(encode_request(request), bound=8) == request


@pytest.mark.parametrize("data", [b'{"op":"scale","services":{"\\n":null}}',
                                  b'{"op":"scale","services":{"a\\u0007":1}}',
                                  b'{"op":"restart","services":["web\\r\\nx"]}'])
def test_a_service_name_with_a_control_character_is_refused_on_one_line(data: bytes) -> None:
    """Found by the fuzz above: a line break in a service name went into the error message as it was."""
    with pytest.raises(ProtocolError, match="service name") as caught:
        parse_request(data, bound=8)
    assert "\n" not in caught.value.message


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ControlServer, Path]]:
    """A control server with a loop that answers status requests as an engine would; stopped after the test."""
    path = tmp_path / "engine.sock"
    wake = threading.Event()
    served = ControlServer(path, wake.set)
    done = threading.Event()

    def loop() -> None:
        while not done.is_set():
            wake.wait(0.05)
            wake.clear()
            for call in served.take():
                call.answer({"phase": "ready", "asked": type(call.request).__name__})

    thread = threading.Thread(target=loop, daemon=True)
    served.start()
    thread.start()
    try:
        yield served, path
    finally:
        done.set()
        served.close()
        thread.join()


def _raw(path: Path, data: bytes) -> dict[str, object]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(str(path))
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    result: dict[str, object] = json.loads(answer)
    return result


def test_a_bad_client_gets_an_error_and_the_next_one_is_served(server: tuple[ControlServer, Path]) -> None:
    _, path = server
    assert _raw(path, b"[1, 2]\n") == {"error": "control request must be a JSON object, not list", "hint": None}
    assert str(_raw(path, b"x" * (MAX_REQUEST + 1000))["error"]).startswith("control request larger than")
    assert control.request(path, Status()) == {"phase": "ready", "asked": "Status"}


def test_a_silent_client_does_not_hold_up_the_others(server: tuple[ControlServer, Path]) -> None:
    _, path = server
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.connect(str(path))
        silent.sendall(b'{"op": ')  # and nothing more while others ask
        for _ in range(3):
            assert control.request(path, Ps())["asked"] == "Ps"


def test_the_client_refuses_an_answer_that_is_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "fake.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as fake:
        fake.bind(str(path))
        fake.listen(1)

        def answer_badly() -> None:
            conn, _ = fake.accept()
            with conn:
                conn.recv(1024)
                conn.sendall(b"[1]")

        thread = threading.Thread(target=answer_badly)
        thread.start()
        with pytest.raises(RuntimeEngineError, match="not a JSON object"):
            control.request(path, Status(), timeout=5)
        thread.join()


_FRAMES = st.one_of(st.binary(max_size=96), st.just(b"\n"), st.just(b'{"op": "status"}\n'),
                    JSON.map(lambda v: json.dumps(v).encode()), st.just(b"\xff\xfe{"), st.just(b"x" * 70000))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chunks=st.lists(_FRAMES, min_size=1, max_size=5))
def test_fuzz_the_control_socket_each_client_gets_one_json_object_and_the_next_is_served(
        server: tuple[ControlServer, Path], chunks: list[bytes]) -> None:
    """Bytes sent in pieces (partial frames, garbage, oversized lines, several requests at once): the server answers
    one JSON object or closes, never hangs a client (read timeout) or itself; a proper request right after is
    answered. The fixture's server is shared by the examples: one bad client must not spoil it for the next."""
    _, path = server
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(15)
        sock.connect(str(path))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for chunk in chunks:
                sock.sendall(chunk)
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    if answer:
        assert isinstance(json.loads(answer), dict)
    assert control.request(path, Status(), timeout=10) == {"phase": "ready", "asked": "Status"}


def test_a_call_the_engine_never_answered_is_told_it_stopped(tmp_path: Path) -> None:
    """A request handed to an engine that stops before taking it gets an answer from close(), not a hang until
    the answer timeout nor a connection closed without a word."""
    path = tmp_path / "engine.sock"
    queued = threading.Event()
    served = ControlServer(path, queued.set)
    served.start()
    asked: list[BaseException] = []

    def ask() -> None:
        try:
            control.request(path, Status())
        except RuntimeEngineError as error:
            asked.append(error)

    client = threading.Thread(target=ask)
    client.start()
    assert queued.wait(10)  # handed to an engine that never takes it
    served.close()
    client.join(10)
    assert [str(error) for error in asked] == ["the engine stopped before it answered"]
