"""The gateway serves the monolith's WSGI app (PEP 3333) and answers 503 naming a service that is down."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import struct
import time
from pathlib import Path

import pytest

from packager.kit.errors import ServiceTimeout, ServiceUnavailable
from packager.kit.wsgi import unavailable_middleware
from tests.kit.conftest import Running, StartServer, free_port


@pytest.fixture
def gateway(gateway_tree: Path, start_server: StartServer, tmp_path: Path) -> Running:
    return start_server(gateway_tree, env={"KIT_TEST_MARKER": str(tmp_path / "closed"),
                                           "CLEAVE_SERVICE_GHOST_URL": f"http://127.0.0.1:{free_port()}"})


_open: list[http.client.HTTPConnection] = []


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    while _open:
        _open.pop().close()


def _connect(server: Running) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection(server.url[7:], timeout=10)
    _open.append(conn)
    return conn


def test_environ_follows_pep_3333(gateway: Running) -> None:
    conn = _connect(gateway)
    conn.request("POST", "/echo?a=1&b=%20", body=b"payload", headers={"Content-Type": "text/x-test",
                                                                       "X-Trace": "abc"})
    response = conn.getresponse()
    assert response.status == 200
    seen = json.loads(response.read())
    assert seen["REQUEST_METHOD"] == "POST"
    assert seen["PATH_INFO"] == "/echo"
    assert seen["SCRIPT_NAME"] == ""
    assert seen["QUERY_STRING"] == "a=1&b=%20"
    assert seen["CONTENT_TYPE"] == "text/x-test"
    assert seen["CONTENT_LENGTH"] == "7"
    assert seen["body"] == "payload"
    assert seen["HTTP_X_TRACE"] == "abc"
    assert seen["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert seen["wsgi.version"] == [1, 0] and seen["url_scheme"] == "http"
    port = seen["REMOTE_PORT"]
    conn.request("GET", "/echo/%C3%A9")  # same keep-alive connection: same client port
    again = json.loads(conn.getresponse().read())
    assert again["REMOTE_PORT"] == port
    assert again["PATH_INFO"] == "/echo/\u00c3\u00a9"  # PEP 3333: bytes decoded as latin-1


def test_streamed_body_is_chunked_and_close_is_called(gateway: Running, tmp_path: Path) -> None:
    conn = _connect(gateway)
    conn.request("GET", "/stream")
    response = conn.getresponse()
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert response.read() == b"one two three"
    marker = tmp_path / "closed"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # close() runs just after the last chunk is sent
        if marker.exists() and marker.read_text() == "closed":
            break
        time.sleep(0.01)
    assert marker.read_text() == "closed"


def test_write_callable_and_head(gateway: Running) -> None:
    conn = _connect(gateway)
    conn.request("GET", "/write")
    response = conn.getresponse()
    assert (response.status, response.read()) == (201, b"hello world")
    conn.request("HEAD", "/write")
    response = conn.getresponse()
    assert response.status == 201 and response.getheader("Content-Length") == "11"
    assert response.read() == b""


def test_rpc_paths_outside_the_interface_go_to_the_app(gateway: Running) -> None:
    conn = _connect(gateway)
    conn.request("POST", "/rpc/not.an.interface.function", body=b"{}")
    response = conn.getresponse()
    assert (response.status, response.read()) == (404, b"not found: /rpc/not.an.interface.function")


def test_a_service_that_is_down_is_a_503_naming_it(gateway: Running) -> None:
    conn = _connect(gateway)
    conn.request("GET", "/ghost")
    response = conn.getresponse()
    assert response.status == 503
    body = json.loads(response.read())
    assert body["service"] == "ghost"
    assert "ghost" in body["message"] and "cannot connect" in body["message"]


def test_an_app_crash_is_a_500_and_one_log_line(gateway: Running) -> None:
    conn = _connect(gateway)
    conn.request("GET", "/crash")
    response = conn.getresponse()
    assert response.status == 500
    response.read()
    gateway.stop()
    lines = gateway.stderr().splitlines()
    assert len(lines) == 1
    assert "GET /crash: RuntimeError: the app broke" in lines[0] and "web.py" in lines[0]


def _reset(sock: socket.socket) -> None:
    """Close with an RST instead of a FIN (SO_LINGER 0), as load generators do at their end."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_a_client_resetting_between_requests_is_not_logged_but_mid_request_is(gateway: Running) -> None:
    host, port = gateway.url[7:].split(":")
    idle = socket.create_connection((host, int(port)), timeout=10)
    idle.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
    assert idle.recv(65536).startswith(b"HTTP/1.1 200")
    _reset(idle)  # between two requests on a keep-alive connection: the client's right
    partial = socket.create_connection((host, int(port)), timeout=10)
    partial.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    time.sleep(0.2)  # the server is reading the body
    _reset(partial)
    deadline = time.monotonic() + 10
    while "reset" not in gateway.stderr() and time.monotonic() < deadline:
        time.sleep(0.02)
    gateway.stop()
    lines = gateway.stderr().splitlines()
    assert len(lines) == 1, lines  # only the request cut in the middle
    assert "Connection reset by peer" in lines[0]


def test_malformed_request_is_a_400(gateway: Running) -> None:
    host, port = gateway.url[7:].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400")


def test_oversized_body_is_a_413(gateway_tree: Path, start_server: StartServer) -> None:
    server = start_server(gateway_tree, env={"CLEAVE_MAX_BODY": "100"})
    conn = _connect(server)
    conn.request("POST", "/echo", body=b"x" * 101)
    assert conn.getresponse().status == 413


def test_middleware_under_any_wsgi_server() -> None:
    def app(environ, start_response):
        raise ServiceTimeout("orders", "no answer within 1 s")

    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status
        return lambda data: None

    body = b"".join(unavailable_middleware(app)({}, start_response))
    assert seen["status"] == "504 Gateway Timeout"
    assert json.loads(body)["service"] == "orders"

    def down(environ, start_response):
        raise ServiceUnavailable("catalog")

    body = b"".join(unavailable_middleware(down)({}, start_response))
    assert seen["status"] == "503 Service Unavailable"
    assert json.loads(body) == {"error": "service unavailable", "service": "catalog",
                                "message": "service 'catalog' is unavailable"}


def test_an_asgi_entry_is_served_with_its_lifespan(tmp_path: Path, start_server: StartServer) -> None:
    from tests.kit.conftest import make_tree

    root = make_tree(tmp_path / "asgi", entry="kitasgi.app:application", name="web")
    server = start_server(root, env={"CLEAVE_SERVICE_GHOST_URL": f"http://127.0.0.1:{free_port()}"})
    conn = _connect(server)
    conn.request("POST", "/items?x=1", body=b"hi", headers={"X-Trace": "t"})
    response = conn.getresponse()
    assert response.status == 200
    seen = json.loads(response.read())
    assert seen["started"] is True
    assert (seen["method"], seen["path"], seen["query"], seen["body"]) == ("POST", "/items", "x=1", "hi")
    assert seen["headers"]["x-trace"] == "t"
    conn.request("GET", "/ghost")
    response = conn.getresponse()
    assert response.status == 503 and json.loads(response.read())["service"] == "ghost"
    assert server.stop() == 0


def _raw(server: Running, data: bytes) -> bytes:
    host, port = server.url[7:].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_http_1_0_chunked_upload_and_expect_continue(gateway: Running) -> None:
    answer = _raw(gateway, b"GET /echo?v=1 HTTP/1.0\r\n\r\n")  # HTTP/1.0 without keep-alive: closed after
    assert answer.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in answer
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["SERVER_PROTOCOL"] == "HTTP/1.0"

    answer = _raw(gateway, b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                           b"3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nTrailer: x\r\n\r\n")
    seen = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert (seen["body"], seen["CONTENT_LENGTH"]) == ("abcdefg", "7")

    answer = _raw(gateway, b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n"
                           b"Connection: close\r\n\r\nok")
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK")


def test_bad_framing_is_refused(gateway: Running) -> None:
    answer = _raw(gateway, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    answer = _raw(gateway, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    answer = _raw(gateway, b"GET / HTTP/1.1\r\nBad Header\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    answer = _raw(gateway, b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431")


def test_a_large_refused_body_still_gets_its_answer(gateway_tree: Path, start_server: StartServer) -> None:
    server = start_server(gateway_tree, env={"CLEAVE_MAX_BODY": "1000"})
    host, port = server.url[7:].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000\r\n\r\n")
        with contextlib.suppress(OSError):
            sock.sendall(b"x" * 3_000_000)
        assert sock.recv(4096).startswith(b"HTTP/1.1 413")


def test_the_apps_own_health_route_is_kept(tmp_path: Path, start_server: StartServer) -> None:
    from tests.kit.conftest import make_tree

    root = make_tree(tmp_path / "status", entry="kitdemo.web:application", name="web", health="/status")
    server = start_server(root)
    conn = _connect(server)
    conn.request("GET", "/status")  # the monolith answered this path itself: so does the gateway
    assert conn.getresponse().read() == b'{"status": "ok"}'
    conn.request("GET", "/_cleave/healthz")  # the kit's own, always
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"ok\n")


def test_the_kit_answers_the_health_path_the_app_lacks(gateway: Running) -> None:
    conn = _connect(gateway)
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"ok\n")
