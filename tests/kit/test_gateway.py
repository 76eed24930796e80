"""The gateway's router, with real processes: services "a" and "b" (the kit serving tests/kit/assets/gateway/gwapp.py
on unix sockets), a WebSocket service (uvicorn serving wsapp.py), a service whose socket does not exist ("down"),
and in front of them either router cleave can run: the kit's (``python -S -m cleave_kit.gateway``) and HAProxy with
the configuration runtime/gateway.py generates. Both are held to the same behaviour."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runtime.gateway import error_response, haproxy_config
from tests.kit.appvenv import app_venv

KIT = Path(__file__).resolve().parents[2] / "packager" / "kit"
ASSETS = Path(__file__).resolve().parent / "assets" / "gateway"
MAX_BODY = 1 << 20
TABLE = {"fallback": "b", "routes": [
    {"methods": ["GET"], "regex": r"^/items/special$", "service": "b"},
    {"methods": ["GET", "POST"], "regex": r"^/items/(?P<item>[^/]+)$", "service": "a"},
    {"methods": [], "regex": r"^/echo$", "service": "a"},
    {"methods": ["GET"], "regex": r"^/ws$", "service": "ws"},
    {"methods": ["GET"], "regex": r"^/down(?:/.*)?$", "service": "down"},
]}
_ACTIVATE = ("import os, sys; fd = int(sys.argv[1]); fd != 3 and os.dup2(fd, 3); "
             "os.execvp(sys.argv[2], sys.argv[2:])")


def _wait_unix(path: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
            probe.connect(str(path))
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {path}")


@dataclass
class Backends:
    sockets: dict[str, str]


@pytest.fixture(scope="module")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    root = tmp_path_factory.mktemp("gw")
    root.chmod(0o755)  # HAProxy may run as another user than the test
    tree = root / "tree"
    shutil.copytree(KIT, tree / "cleave_kit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ASSETS / "gwapp.py", tree)
    shutil.copy(ASSETS / "wsapp.py", tree)
    (tree / "service.json").write_text(json.dumps({"name": "app", "entry": "gwapp:application"}))
    sockets = {name: str(root / f"{name}.sock") for name in ("a", "b", "ws", "down")}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name in ("a", "b"):
            env = {"PATH": os.environ["PATH"], "CLEAVE_LISTEN": f"unix:{sockets[name]}", "CLEAVE_SERVICE": name}
            procs.append(subprocess.Popen([sys.executable, "-S", "-m", "cleave_kit"], cwd=tree, env=env))
        procs.append(subprocess.Popen([str(app_venv()), "-m", "uvicorn", "--uds", sockets["ws"], "--log-level",
                                       "warning", "--ws", "websockets", "wsapp:app"], cwd=tree))
        for name, proc in zip(("a", "b", "ws"), procs, strict=True):
            _wait_unix(Path(sockets[name]), proc)
        for name in ("a", "b", "ws"):
            os.chmod(sockets[name], 0o666)
        yield Backends(sockets)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class Router:
    kind: str
    port: int


def _start_router(kind: str, backends: Backends, folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    port = listener.getsockname()[1]
    fd = listener.fileno()
    if kind == "kit":
        env = {"PATH": os.environ["PATH"], "LISTEN_FDS": "1", "CLEAVE_GATEWAY_ROUTES": json.dumps(TABLE),
               "CLEAVE_MAX_BODY": str(MAX_BODY), "CLEAVE_READ_TIMEOUT": "20",
               **{f"CLEAVE_SERVICE_{name.upper()}_URL": f"unix:{path}" for name, path in backends.sockets.items()}}
        argv = [sys.executable, "-S", "-m", "cleave_kit.gateway"]
        cwd = folder  # where cleave_kit is found: a symlink to packager/kit
        os.symlink(KIT, folder / "cleave_kit")
    else:
        for name in backends.sockets:
            for status, error in ((503, "service unavailable"), (504, "service timeout")):
                (folder / f"{status}-{name}.http").write_text(error_response(status, error, name))
        (folder / "haproxy.cfg").write_text(haproxy_config(TABLE, backends.sockets, folder, max_body=MAX_BODY))
        env = {"PATH": os.environ["PATH"]}
        argv = ["haproxy", "-db", "-f", str(folder / "haproxy.cfg")]
        cwd = folder
    proc = subprocess.Popen([sys.executable, "-S", "-c", _ACTIVATE, str(fd), *argv], cwd=cwd, env=env,
                            pass_fds=(fd,))
    listener.close()
    return proc, port


@pytest.fixture(scope="module", params=["kit", "haproxy"])
def router(request: pytest.FixtureRequest, backends: Backends,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Router]:
    if request.param == "haproxy" and shutil.which("haproxy") is None:
        pytest.skip("HAProxy is not installed (./setup.sh --dev installs it)")
    folder = tmp_path_factory.mktemp(f"router-{request.param}")
    folder.chmod(0o755)
    proc, port = _start_router(request.param, backends, folder)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                sock.sendall(b"GET /_cleave/healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    break
            assert proc.poll() is None, f"the {request.param} router exited with {proc.returncode}"
            time.sleep(0.05)
        yield Router(request.param, port)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Client:
    """A raw HTTP/1.1 client connection: send bytes, read one response (head + body by its framing)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def head(self) -> tuple[int, dict[str, list[str]]]:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError(f"closed before a response head; got {self.buf[:200]!r}")
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, list[str]] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        return int(lines[0].split(" ")[1]), headers

    def exactly(self, size: int) -> bytes:
        while len(self.buf) < size:
            if not self._fill():
                raise ConnectionError("closed in the middle of a body")
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError("closed in the middle of a chunked body")
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def response(self, head_request: bool = False) -> tuple[int, dict[str, list[str]], bytes]:
        status, headers = self.head()
        if head_request or status in (204, 304):
            return status, headers, b""
        if "chunked" in headers.get("transfer-encoding", [""])[0]:
            body = b""
            while size := int(self.line().split(b";")[0], 16):
                body += self.exactly(size)
                self.exactly(2)
            while self.line():
                pass
            return status, headers, body
        if "content-length" in headers:
            return status, headers, self.exactly(int(headers["content-length"][0]))
        while self._fill():
            pass
        body, self.buf = self.buf, b""
        return status, headers, body

    def ask(self, method: str, target: str, headers: str = "", body: bytes = b"") -> tuple[int, dict[str, list[str]],
                                                                                              bytes]:
        length = f"Content-Length: {len(body)}\r\n" if body else ""
        self.sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: shop.test\r\n{headers}{length}\r\n".encode() + body)
        return self.response(head_request=method == "HEAD")


@pytest.fixture
def client(router: Router) -> Iterator[Client]:
    connection = Client(router.port)
    yield connection
    connection.close()


def test_routes_by_method_and_path_in_order(client: Client) -> None:
    cases = [("GET", "/items/7", 200, "a"), ("POST", "/items/7", 200, "a"), ("GET", "/items/special", 200, "b"),
             ("POST", "/items/special", 200, "a"), ("GET", "/items/caf%C3%A9", 200, "a")]
    for method, target, status, service in cases:
        got_status, _, body = client.ask(method, target)
        assert (got_status, json.loads(body)["service"]) == (status, service), (method, target)
    status, headers, body = client.ask("HEAD", "/items/7")
    assert (status, body) == (200, b"") and headers["content-length"] != ["0"]


def test_paths_nobody_owns_get_the_fallbacks_own_404_and_405(client: Client) -> None:
    assert client.ask("GET", "/nowhere")[::2] == (404, b"404 from b\n")
    status, headers, body = client.ask("DELETE", "/items/7")  # no route admits DELETE: the fallback's app says 405
    assert (status, body, headers["allow"]) == (405, b"405 from b\n", ["GET, HEAD, POST"])


def test_forwarded_headers_cookies_and_redirects(client: Client) -> None:
    status, headers, body = client.ask("GET", "/echo?x=1", "Cookie: session=abc; theme=dark\r\n"
                                                           "X-Forwarded-For: 203.0.113.9\r\n")
    seen = json.loads(body)
    assert status == 200
    assert seen["host"] == "shop.test" and seen["query"] == "x=1"
    assert seen["cookie"] == "session=abc; theme=dark"
    assert seen["forwarded_for"].replace(" ", "") == "203.0.113.9,127.0.0.1"
    assert (seen["forwarded_proto"], seen["forwarded_host"]) == ("http", "shop.test")
    assert headers["set-cookie"] == ["a=1; Path=/; HttpOnly", "b=2; Path=/"]
    status, headers, _ = client.ask("GET", "/redirect")
    assert (status, headers["location"]) == (302, ["/echo?from=redirect"])


def test_keep_alive_serves_many_requests_on_one_connection(client: Client) -> None:
    for index in range(20):
        target = "/echo" if index % 2 else "/nowhere"
        status, headers, _ = client.ask("GET", target)
        assert status == (200 if index % 2 else 404)
        assert "close" not in headers.get("connection", [""])[0]


def test_connections_to_the_services_are_kept_alive_and_reused(router: Router) -> None:
    """30 requests from 3 client connections, one after the other, reach the service over at most 3 new
    connections (HAProxy: a session's first request gets a new one, later requests take idle ones from the pool):
    the router never pays a connect nor the service an accept per request."""
    answers = []
    for _ in range(3):
        client = Client(router.port)
        for _ in range(10):
            status, _, body = client.ask("GET", "/connection")
            assert status == 200
            answers.append(json.loads(body))
        client.close()
    assert len({answer["pid"] for answer in answers}) == 1  # the fallback "b", one process
    # "connections": every connection the service has had open when it answered (idle pooled ones included), so
    # what the test opened is what appeared after the first answer, plus perhaps the first answer's own
    opened = answers[-1]["connections"] - answers[0]["connections"] + 1
    assert 1 <= opened <= 3, " ".join(f"{answer['thread']}:{answer['connections']}" for answer in answers)


def test_each_client_connection_has_its_own_connection_to_the_service(router: Router) -> None:
    """Two client connections used in turn: each one's requests all come to the service on one connection, not
    the other's (HAProxy with ``http-reuse never``; shared, it sent both clients' later requests over the pool's
    preferred connection, and a split of the pool between replicas outlived the clients)."""
    if router.kind == "kit":
        pytest.skip("the kit's router shares its pooled connections between clients")
    clients = [Client(router.port), Client(router.port)]
    carried: list[set[int]] = [set(), set()]
    for _ in range(8):
        for index, client in enumerate(clients):
            status, _, body = client.ask("GET", "/connection")
            assert status == 200
            carried[index].add(json.loads(body)["thread"])
    for client in clients:
        client.close()
    assert len(carried[0]) == len(carried[1]) == 1 and carried[0] != carried[1], carried


def test_chunked_upload_after_100_continue(client: Client) -> None:
    payload = os.urandom(200_000)
    client.sock.sendall(b"POST /echo HTTP/1.1\r\nHost: shop.test\r\nTransfer-Encoding: chunked\r\n"
                        b"Expect: 100-continue\r\n\r\n")
    status, _ = client.head()
    assert status == 100
    for start in range(0, len(payload), 65_000):
        piece = payload[start:start + 65_000]
        client.sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece))
    client.sock.sendall(b"0\r\n\r\n")
    status, _, body = client.response()
    seen = json.loads(body)
    assert (status, seen["length"], seen["sha256"]) == (200, len(payload), hashlib.sha256(payload).hexdigest())


def test_responses_stream_while_the_app_is_still_producing(client: Client, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    client.sock.sendall(f"GET /stream?{gate} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    status, headers = client.head()
    assert status == 200 and headers["transfer-encoding"] == ["chunked"]
    first = b""
    while b"first\n" not in first:  # arrives while the app waits for the gate, before the response is complete
        first += client.exactly(1)
    gate.touch()
    rest = b""
    while not rest.endswith(b"0\r\n\r\n"):
        rest += client.exactly(1)
    assert b"second\n" in rest


def test_a_service_that_is_down_is_a_503_naming_it(client: Client) -> None:
    status, headers, body = client.ask("GET", "/down/here")
    assert status == 503 and headers["content-type"] == ["application/json"]
    answer = json.loads(body)
    assert (answer["error"], answer["service"]) == ("service unavailable", "down")


def test_limits_on_heads_and_bodies(router: Router) -> None:
    big = Client(router.port)
    status, _, _ = big.ask("GET", "/echo", f"X-Big: {'x' * 70_000}\r\n")
    assert status in (400, 431)  # HAProxy answers 400 for a head past its buffer, the kit 431
    big.close()
    large = Client(router.port)
    large.sock.sendall(f"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n".encode())
    assert large.head()[0] == 413
    large.close()
    smuggle = Client(router.port)  # both framings: refused (kit), or read as chunked only (HAProxy, RFC 9112 6.3)
    smuggle.sock.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n"
                         b"\r\n0\r\n\r\n")
    status, _, body = smuggle.response()
    assert status == 400 if router.kind == "kit" else (status, json.loads(body)["length"]) == (200, 0)
    smuggle.close()


def _ws_frame(text: str) -> bytes:
    payload = text.encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def test_websocket_echo_through_an_asgi_app(client: Client) -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    client.sock.sendall(f"GET /ws HTTP/1.1\r\nHost: shop.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    status, headers = client.head()
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
    assert status == 101 and headers["sec-websocket-accept"] == [accept.decode()]
    for text in ("hello", "through the gateway"):
        client.sock.sendall(_ws_frame(text))
        first, length = client.exactly(2)
        assert first == 0x81 and length < 126
        assert client.exactly(length).decode() == "echo: " + text
