"""HTTP/1.1 for the gateway's router: strict request and response heads, header rewriting, streamed body relays.

Stricter than :mod:`http11` (which serves requests to the kit's own server): the router stands between a client and
a server that may parse differently, so anything two parsers could read two ways is refused (RFC 9112 11.2,
request smuggling): a request with both ``Transfer-Encoding`` and ``Content-Length``, a ``Transfer-Encoding`` other
than ``chunked``, differing repeated ``Content-Length``, a folded header line, white space before a colon, bytes
outside a token in a method or a header name, control characters in a value. Bodies are never held whole: they are
relayed as they arrive (``Content-Length`` bodies byte for byte, chunked bodies chunk by chunk, re-framed so the
upstream sees exactly what this parser saw).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .http11 import CRLF2, RECV, ProtocolError, read_exactly

_TOKEN: Final = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE: Final = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_VERSION: Final = re.compile(rb"HTTP/1\.[01]")
HOP_BY_HOP: Final = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer",
                               b"transfer-encoding", b"upgrade", b"proxy-authenticate", b"proxy-authorization"})
MAX_HEADERS: Final = 128
NO_BODY_STATUS: Final = (204, 304)


@dataclass(frozen=True, slots=True)
class Head:
    """A parsed message head: the first line's three parts, the header lines kept as raw ``(name, line)`` pairs
    (name lower case, line as received: cookies and their order stay untouched), and the framing of the body."""

    first: tuple[bytes, bytes, bytes]
    lines: tuple[tuple[bytes, bytes], ...]
    length: int | None  # Content-Length, or None
    chunked: bool
    connection: frozenset[bytes]  # the tokens of the Connection header, lower case

    def get(self, name: bytes) -> bytes | None:
        """The value of the first header called ``name`` (lower case), or None."""
        for key, line in self.lines:
            if key == name:
                return line.partition(b":")[2].strip(b" \t")
        return None

    @property
    def version(self) -> bytes:
        """``HTTP/1.0`` or ``HTTP/1.1`` (of a request: the third part; of a response: the first)."""
        return self.first[2] if self.first[2].startswith(b"HTTP/") else self.first[0]

    def keep_alive(self) -> bool:
        """Whether the sender keeps the connection open after this message."""
        if self.version == b"HTTP/1.1":
            return b"close" not in self.connection
        return b"keep-alive" in self.connection


def parse_request(head: bytes) -> Head:
    """A request head (without the blank line); ProtocolError (400, 431, 501) says what is wrong."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not _VERSION.fullmatch(parts[2]):
        raise ProtocolError(400, f"malformed request line {lines[0][:80]!r}")
    target = parts[1]
    if not target or _BAD_VALUE.search(target) or b"\t" in target or not (
            target.startswith((b"/", b"http://", b"https://")) or target == b"*"):
        raise ProtocolError(400, f"malformed request target {target[:80]!r}")
    return _head((parts[0], target, parts[2]), lines[1:], request=True)


def parse_response(head: bytes) -> Head:
    """A response head from an upstream; ProtocolError(502) when it is not HTTP/1.x."""
    lines = head.split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    code, _, reason = rest.partition(b" ")
    if not _VERSION.fullmatch(version) or len(code) != 3 or not code.isdigit():
        raise ProtocolError(502, f"malformed status line from the upstream {lines[0][:80]!r}")
    try:
        return _head((version, code, reason), lines[1:], request=False)
    except ProtocolError as error:
        raise ProtocolError(502, f"malformed response from the upstream: {error}") from None


def _head(first: tuple[bytes, bytes, bytes], raw_lines: list[bytes], *, request: bool) -> Head:
    if len(raw_lines) > MAX_HEADERS:
        raise ProtocolError(431, f"more than {MAX_HEADERS} header lines")
    lines: list[tuple[bytes, bytes]] = []
    lengths: set[bytes] = set()
    codings: list[bytes] = []
    connection: set[bytes] = set()
    for line in raw_lines:
        name, sep, value = line.partition(b":")
        if not sep or not _TOKEN.fullmatch(name):
            raise ProtocolError(400, f"malformed header line {line[:80]!r}")
        if _BAD_VALUE.search(value):
            raise ProtocolError(400, f"control character in header {name[:40]!r}")
        key = name.lower()
        value = value.strip(b" \t")
        if key == b"content-length":
            lengths.update(part.strip(b" \t") for part in value.split(b","))
        elif key == b"transfer-encoding":
            codings.extend(part.strip(b" \t").lower() for part in value.split(b",") if part.strip(b" \t"))
        elif key == b"connection":
            connection.update(part.strip(b" \t").lower() for part in value.split(b","))
        lines.append((key, line))
    length, chunked = _framing(first, lengths, codings, request=request)
    return Head(first, tuple(lines), length, chunked, frozenset(connection))


def _framing(first: tuple[bytes, bytes, bytes], lengths: set[bytes], codings: list[bytes], *,
             request: bool) -> tuple[int | None, bool]:
    """(Content-Length or None, chunked) from every Content-Length value and transfer coding of a head."""
    if codings:
        if lengths and request:
            raise ProtocolError(400, "both Transfer-Encoding and Content-Length")
        if codings != [b"chunked"]:
            raise ProtocolError(501 if request else 502, f"unsupported Transfer-Encoding {b', '.join(codings)!r}")
        if request and first[2] == b"HTTP/1.0":
            raise ProtocolError(400, "Transfer-Encoding in an HTTP/1.0 request")
        return None, True
    if not lengths:
        return None, False
    text = next(iter(lengths))
    if len(lengths) != 1 or not text.isdigit() or len(text) > 18:
        raise ProtocolError(400, f"malformed Content-Length {b','.join(sorted(lengths))[:40]!r}")
    return int(text), False


def read_head(sock: socket.socket, buf: bytearray, limit: int) -> bytes | None:
    """The next head from ``buf`` + ``sock`` (without the blank line); None on a clean end of stream."""
    while True:
        end = buf.find(CRLF2)
        if 0 <= end <= limit:
            head = bytes(buf[:end])
            del buf[:end + 4]
            return head
        if end > limit or len(buf) > limit:
            raise ProtocolError(431, f"message head larger than {limit} bytes")
        chunk = sock.recv(RECV)
        if not chunk:
            if buf.strip(b"\r\n"):
                raise ProtocolError(400, "connection closed in the middle of a message head")
            return None
        buf += chunk
        if buf[:2] == b"\r\n":  # RFC 9112 2.2: empty lines before a request line are ignored
            del buf[:len(buf) - len(buf.lstrip(b"\r\n"))]


def forwarded_lines(head: Head, keep: Callable[[bytes], bool]) -> list[bytes]:
    """The header lines to pass on: hop-by-hop ones (and those the Connection header names) dropped, the rest as
    received, in order, when ``keep(name)`` says so."""
    named = head.connection
    return [line for key, line in head.lines if key not in HOP_BY_HOP and key not in named and keep(key)]


def relay_length(src: socket.socket, buf: bytearray, length: int, send: Callable[[bytes], object]) -> None:
    """Pass ``length`` body bytes from ``buf`` + ``src`` to ``send`` as they arrive."""
    if len(buf) >= length:
        if length:
            send(bytes(buf[:length]))
            del buf[:length]
        return
    left = length - len(buf)
    if buf:
        send(bytes(buf))
        buf.clear()
    while left:
        chunk = src.recv(min(RECV, left))
        if not chunk:
            raise ConnectionError("connection closed in the middle of a body")
        send(chunk)
        left -= len(chunk)


def relay_chunked(src: socket.socket, buf: bytearray, send: Callable[[bytes], object], limit: int,
                  chunked_out: bool = True) -> int:
    """Pass a chunked body on chunk by chunk, re-framed (extensions and trailers dropped); ``chunked_out=False``
    sends the bare data (an HTTP/1.0 client). Returns the body's size; ProtocolError(413) past ``limit``."""
    total = 0
    while True:
        line = _line(src, buf)
        size_text = line.split(b";", 1)[0].strip(b" \t")
        if not size_text or len(size_text) > 16 or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
            raise ProtocolError(400, f"malformed chunk size {size_text[:20]!r}")
        size = int(size_text, 16)
        if size == 0:
            while _line(src, buf):  # trailers, dropped
                pass
            if chunked_out:
                send(b"0\r\n\r\n")
            return total
        total += size
        if total > limit:
            raise ProtocolError(413, f"chunked body larger than the limit of {limit} bytes")
        if chunked_out:
            send(b"%x\r\n" % size)
        relay_length(src, buf, size, send)
        if read_exactly(src, buf, 2) != b"\r\n":
            raise ProtocolError(400, "chunk not followed by CRLF")
        if chunked_out:
            send(b"\r\n")


def relay_until_close(src: socket.socket, buf: bytearray, send: Callable[[bytes], object],
                      chunked_out: bool) -> None:
    """A response body delimited by the end of the connection, passed on (re-chunked for a keep-alive client)."""
    while True:
        data = bytes(buf) if buf else src.recv(RECV)
        buf.clear()
        if not data:
            if chunked_out:
                send(b"0\r\n\r\n")
            return
        send(b"%x\r\n%b\r\n" % (len(data), data) if chunked_out else data)


def _line(sock: socket.socket, buf: bytearray) -> bytes:
    while True:
        end = buf.find(b"\r\n")
        if end >= 0:
            line = bytes(buf[:end])
            del buf[:end + 2]
            return line
        if len(buf) > 4096:
            raise ProtocolError(400, "chunk header line too long")
        chunk = sock.recv(RECV)
        if not chunk:
            raise ConnectionError("connection closed in the middle of a chunked body")
        buf += chunk
