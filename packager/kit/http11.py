"""Just enough HTTP/1.1 for the kit, on plain blocking sockets: heads, bodies (length or chunked), keep-alive.

Hand-written rather than ``http.server``/``http.client`` because those parse headers with the ``email`` package and
cost several times the whole budget of a call (p50 <= 0.3 ms); one ``recv`` and one ``sendall`` per message here.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Final

RECV: Final = 65536
CRLF2: Final = b"\r\n\r\n"


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed request; header names are lower case."""

    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes


class ProtocolError(Exception):
    """The peer broke HTTP; ``status`` is the answer a server gives (400, 413, 431, 501)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def set_timeouts(sock: socket.socket, seconds: float) -> None:
    """Blocking socket whose recv/send give up after ``seconds`` (SO_RCVTIMEO: one syscall per recv, no poll)."""
    sock.settimeout(None)
    if seconds > 0:
        whole = int(seconds)
        packed = struct.pack("ll", whole, int((seconds - whole) * 1_000_000))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, packed)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, packed)


def read_head(sock: socket.socket, buf: bytearray, limit: int) -> bytes | None:
    """The next message head (without the blank line) from ``buf`` + ``sock``; None on a clean end of stream."""
    while True:
        while buf[:2] == b"\r\n":  # RFC 9112 2.2: ignore empty lines before a request line
            del buf[:2]
        end = buf.find(CRLF2)
        if end > limit:
            raise ProtocolError(431, f"message head larger than {limit} bytes")
        if end >= 0:
            head = bytes(buf[:end])
            del buf[:end + 4]
            return head
        if len(buf) > limit:
            raise ProtocolError(431, f"message head larger than {limit} bytes")
        chunk = sock.recv(RECV)
        if not chunk:
            if buf:
                raise ProtocolError(400, "connection closed in the middle of a message head")
            return None
        buf += chunk


def parse_headers(lines: list[bytes]) -> dict[str, str]:
    """Header lines as a dict of lower-case names; repeated headers joined with ``,`` (RFC 9110 5.3)."""
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(b":")
        if not sep or not name or name[-1:] in b" \t":
            raise ProtocolError(400, f"malformed header line {line[:80]!r}")
        key = name.decode("latin-1").lower()
        text = value.strip(b" \t").decode("latin-1")
        headers[key] = f"{headers[key]},{text}" if key in headers else text
    return headers


def read_body(sock: socket.socket, buf: bytearray, headers: dict[str, str], limit: int) -> bytes:
    """The message body the headers announce (Content-Length or chunked), at most ``limit`` bytes."""
    coding = headers.get("transfer-encoding")
    if coding is not None:
        if "content-length" in headers:
            raise ProtocolError(400, "both Transfer-Encoding and Content-Length")
        if coding.strip().lower() != "chunked":
            raise ProtocolError(501, f"unsupported Transfer-Encoding {coding!r}")
        return _read_chunked(sock, buf, limit)
    length_text = headers.get("content-length")
    if length_text is None:
        return b""
    if not length_text.isdigit():
        raise ProtocolError(400, f"malformed Content-Length {length_text!r}")
    length = int(length_text)
    if length > limit:
        raise ProtocolError(413, f"body of {length} bytes is larger than the limit of {limit}")
    return read_exactly(sock, buf, length)


def read_exactly(sock: socket.socket, buf: bytearray, length: int) -> bytes:
    """``length`` bytes from ``buf`` + ``sock``."""
    while len(buf) < length:
        chunk = sock.recv(max(RECV, length - len(buf)))
        if not chunk:
            raise ProtocolError(400, "connection closed in the middle of a body")
        buf += chunk
    data = bytes(buf[:length])
    del buf[:length]
    return data


def _read_line(sock: socket.socket, buf: bytearray) -> bytes:
    while True:
        end = buf.find(b"\r\n")
        if end >= 0:
            line = bytes(buf[:end])
            del buf[:end + 2]
            return line
        if len(buf) > 8192:
            raise ProtocolError(400, "chunk header line too long")
        chunk = sock.recv(RECV)
        if not chunk:
            raise ProtocolError(400, "connection closed in the middle of a chunked body")
        buf += chunk


def _read_chunked(sock: socket.socket, buf: bytearray, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_text = _read_line(sock, buf).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ProtocolError(400, f"malformed chunk size {size_text[:20]!r}") from None
        if size == 0:
            while _read_line(sock, buf):  # trailers, ignored
                pass
            return b"".join(parts)
        total += size
        if total > limit:
            raise ProtocolError(413, f"chunked body larger than the limit of {limit} bytes")
        parts.append(read_exactly(sock, buf, size))
        if read_exactly(sock, buf, 2) != b"\r\n":
            raise ProtocolError(400, "chunk not followed by CRLF")
