"""The router's request parser (packager/kit/proxy_http.py) and routing table (routes.py), without processes:
a bounded Hypothesis fuzz (any bytes: a head or one ProtocolError, never another exception; valid heads read back
as written), the framings that could smuggle a request, and one precise error per bad routing table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packager.kit.errors import ServiceConfigError
from packager.kit.http11 import ProtocolError
from packager.kit.proxy_http import forwarded_lines, parse_request, parse_response
from packager.kit.routes import load_table, parse_table, upstream_addresses

TOKEN = st.text(alphabet="!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                min_size=1, max_size=12)
VALUE = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40).map(str.strip)
PATH = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~%", max_size=8), max_size=5).map(
    lambda parts: "/" + "/".join(parts))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_parse_or_fail_with_a_protocol_error(data: bytes) -> None:
    try:
        head = parse_request(data)
    except ProtocolError as error:
        assert error.status in (400, 413, 431, 501)
        return
    assert head.first[2] in (b"HTTP/1.0", b"HTTP/1.1")


@settings(max_examples=100, deadline=None)
@given(TOKEN, PATH, st.lists(st.tuples(TOKEN, VALUE), max_size=8))
def test_valid_heads_read_back_as_written(method: str, path: str, headers: list[tuple[str, str]]) -> None:
    headers = [(name, value) for name, value in headers
               if name.lower() not in ("content-length", "transfer-encoding", "connection")]
    raw = "\r\n".join([f"{method} {path} HTTP/1.1", *(f"{n}: {v}" for n, v in headers)]).encode()
    head = parse_request(raw)
    assert head.first == (method.encode(), path.encode(), b"HTTP/1.1")
    assert [line for _, line in head.lines] == [f"{n}: {v}".encode() for n, v in headers]
    assert (head.length, head.chunked) == (None, False)
    assert forwarded_lines(head, lambda _key: True) == [f"{n}: {v}".encode() for n, v in headers
                                                         if n.lower() not in ("keep-alive", "te", "trailer",
                                                                              "upgrade", "proxy-connection",
                                                                              "proxy-authenticate",
                                                                              "proxy-authorization")]


@pytest.mark.parametrize(("head", "status"), [
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5", 400),
    (b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6", 400),
    (b"POST / HTTP/1.1\r\nContent-Length: -1", 400),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked", 501),
    (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity", 501),
    (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked", 400),
    (b"GET / HTTP/1.1\r\nHost : x", 400),
    (b"GET / HTTP/1.1\r\nHost: x\r\n folded", 400),
    (b"GET / HTTP/1.1\r\nX: a\x00b", 400),
    (b"GET /a b HTTP/1.1", 400),
    (b"GET noslash HTTP/1.1", 400),
    (b"GET / HTTP/2.0", 400),
    (b"G(T / HTTP/1.1", 400),
])
def test_framings_that_could_smuggle_are_refused(head: bytes, status: int) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_request(head)
    assert caught.value.status == status


def test_repeated_equal_lengths_and_connection_tokens() -> None:
    head = parse_request(b"POST /x HTTP/1.1\r\nContent-Length: 5, 5\r\nConnection: close, X-Private\r\n"
                         b"X-Private: secret\r\nCookie: a=1")
    assert head.length == 5 and not head.keep_alive()
    assert forwarded_lines(head, lambda key: key != b"content-length") == [b"Cookie: a=1"]  # named hop-by-hop: gone
    assert parse_request(b"GET / HTTP/1.0\r\nConnection: keep-alive").keep_alive()
    with pytest.raises(ProtocolError) as caught:
        parse_response(b"HTTP/1.1 2x0 OK")
    assert caught.value.status == 502


TABLE = {"fallback": "web", "routes": [{"methods": ["GET"], "regex": "^/a/special$", "service": "b"},
                                       {"methods": ["GET", "POST"], "regex": "^/a/[^/]+$", "service": "a"},
                                       {"methods": [], "regex": "^/any$", "service": "a"}]}


def test_routing_is_ordered_by_method_and_decoded_path() -> None:
    table = parse_table(TABLE, "test")
    assert table.services == ("web", "b", "a")
    cases = [("GET", "/a/special", "b"), ("POST", "/a/special", "a"), ("HEAD", "/a/1?q=1", "a"),
             ("DELETE", "/a/1", "web"), ("PATCH", "/any", "a"), ("GET", "/a/x%2Fy", "web"),
             ("GET", "/a/caf%C3%A9", "a"),
             ("GET", "http://host/a/1", "a"), ("GET", "/_cleave/healthz", "web"), ("GET", "/", "web")]
    for method, target, service in cases:
        assert table.service_for(method, target) == service, (method, target)


@pytest.mark.parametrize(("document", "message"), [
    ([], "must be an object with 'routes' and 'fallback'"),
    ({"routes": []}, "'fallback' must name the service"),
    ({"fallback": "w", "routes": {}}, "'routes' must be a list"),
    ({"fallback": "w", "routes": [{"regex": "^/$"}]}, "routes[0]: 'service' must be a service name"),
    ({"fallback": "w", "routes": [{"service": "a", "regex": "^/($"}]}, "routes[0]: 'regex' '^/($' does not compile"),
    ({"fallback": "w", "routes": [{"service": "a", "regex": "^/$", "methods": ["G T"]}]}, "routes[0]: 'methods'"),
])
def test_a_bad_table_is_one_precise_error(document: object, message: str) -> None:
    with pytest.raises(ServiceConfigError) as caught:
        parse_table(document, "gateway.json")
    assert message in str(caught.value) and str(caught.value).startswith("gateway.json: ")


def test_the_table_comes_from_the_environment_or_gateway_json(tmp_path: Path) -> None:
    with pytest.raises(ServiceConfigError, match=r"CLEAVE_GATEWAY_ROUTES is unset and .*gateway\.json cannot be read"):
        load_table({}, tmp_path)
    (tmp_path / "gateway.json").write_text(json.dumps(TABLE))
    assert load_table({}, tmp_path).fallback == "web"
    assert load_table({"CLEAVE_GATEWAY_ROUTES": '{"fallback": "x"}'}, tmp_path).fallback == "x"
    with pytest.raises(ServiceConfigError, match="not JSON"):
        load_table({"CLEAVE_GATEWAY_ROUTES": "{"}, tmp_path)
    table = parse_table(TABLE, "t")
    with pytest.raises(ServiceConfigError, match="sends requests to 'web' but CLEAVE_SERVICE_WEB_URL is unset"):
        upstream_addresses(table, {})
    urls = {"CLEAVE_SERVICE_WEB_URL": "unix:/w.sock", "CLEAVE_SERVICE_A_URL": "http://127.0.0.1:1",
            "CLEAVE_SERVICE_B_URL": "unix:/b.sock"}
    assert upstream_addresses(table, urls)["a"] == "http://127.0.0.1:1"
