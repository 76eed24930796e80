"""RPC through a real `python -m cleave_kit` server: values, exceptions, keep-alive, unix sockets, activation."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from packager.kit import client
from packager.kit.errors import CodecError, RemoteError, ServiceUnavailable
from tests.kit.conftest import StartServer, free_port


@pytest.fixture
def demo(tree: Path, start_server: StartServer, monkeypatch: pytest.MonkeyPatch) -> str:
    server = start_server(tree)
    monkeypatch.setenv("CLEAVE_SERVICE_DEMO_URL", server.url)
    return server.url


def test_plain_values_and_keywords(demo: str) -> None:
    assert client.call("demo", "kitdemo.api.add", (1,), {"b": 41}) == 42
    assert client.call("demo", "kitdemo.api.add", ("a", "b"), {}) == "ab"
    assert client.call("demo", "kitdemo.api.add", ((1,), (2,)), None) == (1, 2)


def test_dataclasses_enums_decimal_cross_and_come_back(demo: str) -> None:
    from kitdemo.values import Colour, Line, Order

    order = Order(7, [Line("a", 2, Decimal("1.10")), Line("b", 1, Decimal("2.25"))], Colour.BLUE, frozenset({"x"}))
    back = client.call("demo", "kitdemo.api.total", (order,), {})
    assert type(back) is Order
    assert back == Order(8, [*order.lines, Line("extra", 1, Decimal("3.35"))], Colour.BLUE, frozenset({"x", "seen"}))


def test_domain_exception_with_custom_init_is_the_same_class(demo: str) -> None:
    from kitdemo.values import OutOfStock

    with pytest.raises(OutOfStock) as caught:
        client.call("demo", "kitdemo.api.reserve", ("sku-1", 3), {})
    assert caught.value.args == ("sku-1: only 2 left",)
    assert str(caught.value) == "sku-1: only 2 left"
    assert (caught.value.sku, caught.value.wanted) == ("sku-1", 3)
    assert "kitdemo/api.py" in caught.value.__notes__[0]


def test_builtin_exception_keeps_class_and_args(demo: str) -> None:
    with pytest.raises(KeyError) as caught:
        client.call("demo", "kitdemo.api.fail_builtin", ("missing",), {})
    assert caught.value.args == ("missing",)


def test_exception_without_a_local_class_is_remote_error_with_traceback(demo: str) -> None:
    with pytest.raises(RemoteError) as caught:
        client.call("demo", "kitdemo.api.fail_private", (), {})
    error = caught.value
    assert error.remote_class == "kitprivate.errors.PrivateError"
    assert error.message == "only here"
    assert "fail_private" in error.remote_traceback
    assert "raise PrivateError" in error.remote_traceback


def test_unsendable_argument_is_refused_before_sending(demo: str) -> None:
    with pytest.raises(CodecError, match=r"argument 'b' of kitdemo\.api\.add.*a function"):
        client.call("demo", "kitdemo.api.add", (1,), {"b": lambda: 2})
    expected = r"positional argument 2 of kitdemo\.api\.add at \[0\].*open file"
    with open(__file__) as handle, pytest.raises(CodecError, match=expected):
        client.call("demo", "kitdemo.api.add", (1, [handle]), {})


def test_unsendable_result_is_a_codec_error_naming_the_function(demo: str) -> None:
    with pytest.raises(CodecError, match=r"return value of kitdemo\.api\.unsendable"):
        client.call("demo", "kitdemo.api.unsendable", (), {})


def test_a_result_whose_class_is_missing_here_is_a_codec_error(demo: str) -> None:
    with pytest.raises(CodecError, match=r"result of kitdemo\.api\.private_value .* cannot be imported here"):
        client.call("demo", "kitdemo.api.private_value", (), {})


def test_an_exception_that_cannot_be_encoded_still_reaches_the_caller(demo: str) -> None:
    with pytest.raises(RemoteError) as caught:
        client.call("demo", "kitdemo.api.unsendable_error", (), {})
    assert caught.value.remote_class == "kitprivate.errors.Unsendable"
    assert caught.value.message == "has a handle"


def test_a_non_ascii_function_name(demo: str) -> None:
    assert client.call("demo", "kitdemo.api.grüße", ("welt",), {}) == "hallo welt"


def test_an_async_function_is_awaited(demo: str) -> None:
    assert client.call("demo", "kitdemo.api.later", (21,), {}) == 42


def test_a_function_outside_the_interface_is_not_served(demo: str) -> None:
    with pytest.raises(RemoteError, match="HTTP 404"):
        client.call("demo", "os.system", ("true",), {})


def test_service_unavailable_from_a_nested_call_names_the_missing_service(demo: str) -> None:
    with pytest.raises(ServiceUnavailable) as caught:
        client.call("demo", "kitdemo.api.relay", ("ghost",), {})
    assert caught.value.service == "ghost"
    assert "CLEAVE_SERVICE_GHOST_URL" in str(caught.value)


def test_pooled_connection_is_reused(demo: str) -> None:
    first = client.call("demo", "kitdemo.api.pid", (), {})
    target = client._targets[("demo", demo)]
    assert len(target.idle) == 1
    sock = target.idle[0].sock
    for _ in range(5):
        assert client.call("demo", "kitdemo.api.pid", (), {}) == first
    assert len(target.idle) == 1
    assert target.idle[0].sock is sock


def test_threads_share_the_pool_safely(demo: str) -> None:
    results: list[int] = []

    def work(base: int) -> None:
        results.extend(client.call("demo", "kitdemo.api.add", (base, i), {}) - base - i for i in range(25))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [0] * 100
    assert 1 <= len(client._targets[("demo", demo)].idle) <= 4


def test_server_keeps_alive_and_answers_pipelined_requests(demo: str) -> None:
    host, port = demo[7:].split(":")
    body = json.dumps({"args": [2, 3], "kwargs": {}}).encode()
    request = b"POST /rpc/kitdemo.api.add HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request + request)
        data = b""
        while data.count(b'{"result":5}') < 2:
            chunk = sock.recv(4096)
            assert chunk, data
            data += chunk
        sock.sendall(request)
        assert sock.recv(4096).endswith(b'{"result":5}')
    assert data.count(b"Connection: keep-alive") == 2


def test_unix_socket(tree: Path, start_server: StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "demo.sock"
    server = start_server(tree, listen=f"unix:{path}")
    monkeypatch.setenv("CLEAVE_SERVICE_DEMO_URL", server.url)
    assert client.call("demo", "kitdemo.api.add", (2, 3), {}) == 5
    assert server.stop() == 0
    assert not path.exists()


def test_tcp_port_from_cleave_listen(tree: Path, start_server: StartServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server = start_server(tree, listen=f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("CLEAVE_SERVICE_DEMO_URL", server.url)
    assert client.call("demo", "kitdemo.api.add", (2, 3), {}) == 5


def test_socket_activation_shares_one_socket_and_drains_without_loss(tree: Path, start_server: StartServer,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    first = start_server(tree)
    assert first.listener is not None
    second = start_server(tree, share=first.listener)
    monkeypatch.setenv("CLEAVE_SERVICE_DEMO_URL", first.url)
    replicas = {first.proc.pid, second.proc.pid}
    for _ in range(20):
        assert client.call("demo", "kitdemo.api.pid", (), {}) in replicas
        client.close_all()  # a new connection each time: the kernel's accept queue picks the replica
    assert first.stop() == 0  # scale down: the other replica keeps serving the same socket
    for _ in range(20):
        assert client.call("demo", "kitdemo.api.pid", (), {}) == second.proc.pid
        client.close_all()


def test_bad_service_json_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "cleave_kit").symlink_to(Path(__file__).resolve().parents[2] / "packager" / "kit")
    (tmp_path / "service.json").write_text('{"name": "x", "interface": ["nowhere.at.all"]}')
    result = subprocess.run([sys.executable, "-S", "-m", "cleave_kit"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=30, env={"PATH": os.environ["PATH"], "CLEAVE_LISTEN": f"127.0.0.1:{free_port()}"},
                            check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "nowhere.at.all" in result.stderr and "Traceback" not in result.stderr


def test_bad_listen_address_is_one_line_and_exit_2(tree: Path) -> None:
    result = subprocess.run([sys.executable, "-S", "-m", "cleave_kit"], cwd=tree, capture_output=True, text=True,
                            timeout=30, env={"PATH": os.environ["PATH"], "CLEAVE_LISTEN": "nonsense"}, check=False)
    assert result.returncode == 2
    assert "CLEAVE_LISTEN='nonsense'" in result.stderr and "Traceback" not in result.stderr
