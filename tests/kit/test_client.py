"""The client's failure semantics against real sockets: down services, retries only before sending, timeouts."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from packager.kit import client
from packager.kit.errors import RemoteError, ServiceTimeout, ServiceUnavailable
from tests.kit.conftest import free_port

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"result":1}'


class FakeService:
    """A raw TCP server that runs ``behave(conn, request_number)`` per received request, in a thread."""

    def __init__(self, behave: Callable[[socket.socket, int], bool]) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.behave = behave
        self.requests = 0
        self.connections = 0
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(10)
                while self._one(conn):
                    pass
            self.closed.set()

    def _one(self, conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        while len(body) < length:
            body += conn.recv(65536)
        self.requests += 1  # the side effect: the "function" ran
        return self.behave(conn, self.requests)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Callable[[socket.socket, int], bool]], FakeService]]:
    made: list[FakeService] = []

    def make(behave: Callable[[socket.socket, int], bool]) -> FakeService:
        service = FakeService(behave)
        made.append(service)
        monkeypatch.setenv("CLEAVE_SERVICE_FAKE_URL", service.url)
        return service

    try:
        yield make
    finally:
        client.close_all()
        for service in made:
            service.close()


def test_refused_connection_is_service_unavailable_naming_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEAVE_SERVICE_ORDERS_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ServiceUnavailable) as caught:
        client.call("orders", "shop.orders.place", (), {})
    assert caught.value.service == "orders"
    assert "service 'orders' is unavailable: cannot connect to http://127.0.0.1:" in str(caught.value)


def test_missing_unix_socket_and_unset_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLEAVE_SERVICE_PAY_MENTS_URL", f"unix:{tmp_path / 'absent.sock'}")
    with pytest.raises(ServiceUnavailable, match="pay-ments"):
        client.call("pay-ments", "x.y", (), {})
    monkeypatch.delenv("CLEAVE_SERVICE_PAY_MENTS_URL")
    with pytest.raises(ServiceUnavailable, match="CLEAVE_SERVICE_PAY_MENTS_URL is not set"):
        client.call("pay-ments", "x.y", (), {})
    monkeypatch.setenv("CLEAVE_SERVICE_PAY_MENTS_URL", "ftp://nowhere")
    with pytest.raises(ServiceUnavailable, match="neither http://host:port nor unix:/path"):
        client.call("pay-ments", "x.y", (), {})


def test_no_retry_once_the_request_was_sent(fake) -> None:
    service = fake(lambda conn, n: False)  # runs the call, then drops the connection without answering
    with pytest.raises(ServiceUnavailable, match="may have run; not retried"):
        client.call("fake", "side.effect", (), {})
    service.closed.wait(5)
    assert service.requests == 1
    assert service.connections == 1


def test_retry_on_a_pooled_connection_the_server_closed(fake) -> None:
    def answer_then_close(conn: socket.socket, n: int) -> bool:
        conn.sendall(OK)
        return False  # close the keep-alive connection after answering

    service = fake(answer_then_close)
    assert client.call("fake", "f", (), {}) == 1
    assert service.closed.wait(5)
    assert client.call("fake", "f", (), {}) == 1  # the pooled connection is found closed before sending
    assert (service.requests, service.connections) == (2, 2)


def test_retry_when_a_pooled_connection_is_reset_with_the_request_unread(fake) -> None:
    def answer_then_close_unread(conn: socket.socket, n: int) -> bool:
        conn.sendall(OK)
        if n == 1:
            select.select([conn], [], [], 10)  # the next request arrived: close without reading it (a reset)
            return False
        return True

    service = fake(answer_then_close_unread)
    assert client.call("fake", "f", (), {}) == 1
    assert client.call("fake", "f", (), {}) == 1  # retried on a new connection: the first copy was never read
    assert (service.requests, service.connections) == (2, 2)


def test_no_retry_when_a_pooled_connection_closes_after_reading(fake) -> None:
    def answer_once_then_run_and_close(conn: socket.socket, n: int) -> bool:
        if n == 1:
            conn.sendall(OK)
            return True
        return False  # read and "ran" the second call, then closed in order (as a crash would)

    service = fake(answer_once_then_run_and_close)
    assert client.call("fake", "f", (), {}) == 1
    with pytest.raises(ServiceUnavailable, match="may have run; not retried"):
        client.call("fake", "f", (), {})
    service.closed.wait(5)
    assert (service.requests, service.connections) == (2, 1)


def test_keep_alive_reuses_one_connection(fake) -> None:
    def answer(conn: socket.socket, n: int) -> bool:
        conn.sendall(OK)
        return True

    service = fake(answer)
    for _ in range(5):
        assert client.call("fake", "f", (), {}) == 1
    assert (service.requests, service.connections) == (5, 1)


def test_read_timeout_is_service_timeout_and_not_retried(fake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEAVE_READ_TIMEOUT", "0.2")
    gate = threading.Event()

    def hang(conn: socket.socket, n: int) -> bool:
        gate.wait(10)
        return False

    service = fake(hang)
    try:
        with pytest.raises(ServiceTimeout, match="service 'fake'"):
            client.call("fake", "slow", (), {})
    finally:
        gate.set()
    service.closed.wait(5)
    assert service.requests == 1


def test_transport_errors_are_remote_errors(fake) -> None:
    def bad_gateway(conn: socket.socket, n: int) -> bool:
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nbroke")
        return True

    fake(bad_gateway)
    with pytest.raises(RemoteError, match="HTTP 500: broke"):
        client.call("fake", "f", (), {})
