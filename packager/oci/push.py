"""``push_layout``: the OCI distribution push of every image in a layout, without a daemon.

Per image: each blob (layers, then config) is HEAD-checked and skipped when the registry has it, mounted from a
repository this push already filled, or uploaded (POST, then PUT with the digest); then the manifest is PUT by tag,
byte for byte, so the registry's digest is the local one. A Basic login is answered with credentials from the
environment; token servers (Bearer challenges) are not supported yet.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import quote, urlencode, urljoin, urlsplit

from cleave.formats.oci import MANIFEST_MEDIA_TYPE, ImageLayout, descriptor_from_json
from cleave.settings import Settings
from packager.oci.errors import PushError, RegistryReferenceError
from packager.oci.verify import verify_layout

_LOCAL_HOSTS: Final = ("localhost", "127.0.0.1", "[::1]")
_NETLOC: Final = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                            r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::(?P<port>[0-9]{1,5}))?$")
_REPOSITORY: Final = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")


@dataclass(frozen=True)
class PushResult:
    """One pushed image: where it went and what crossed the wire."""

    name: str
    reference: str
    digest: str
    uploaded: int
    skipped: int
    mounted: int
    bytes_sent: int


@dataclass(frozen=True)
class Target:
    """``host[:port][/prefix]`` split, with the scheme to use."""

    scheme: str
    netloc: str
    prefix: str

    @classmethod
    def parse(cls, registry: str, *, plain_http: bool | None = None) -> Target:
        """``[scheme://]host[:port][/prefix]``; anything else is a :class:`RegistryReferenceError` (exit 2)."""
        text = registry.strip().rstrip("/")
        scheme = ""
        if "://" in text:
            scheme, _, text = text.partition("://")
        netloc, _, prefix = text.partition("/")
        problem = _netloc_problem(netloc) or (
            "the prefix must be lower-case path components" if prefix and not _REPOSITORY.match(prefix) else "")
        if not problem and scheme not in {"", "http", "https"}:
            problem = f"the scheme {scheme!r} is neither http nor https"
        if problem:
            raise RegistryReferenceError(f"{registry!r} is not a registry reference: {problem}",
                                         hint="write HOST[:PORT][/PREFIX], e.g. 127.0.0.1:5000/shop")
        if not scheme:
            local = netloc.split(":")[0] in _LOCAL_HOSTS or netloc.startswith("[::1]")
            scheme = "http" if (plain_http if plain_http is not None else local) else "https"
        return cls(scheme, netloc, prefix)

    def repository(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name


def _netloc_problem(netloc: str) -> str:
    """What is wrong with ``host[:port]`` (a host name, an IPv4 address or a bracketed IPv6 one), or ``""``."""
    if not netloc:
        return "no host"
    match = _NETLOC.match(netloc)
    if match is None:
        return f"{netloc!r} is not HOST[:PORT]"
    port = match.group("port")
    if port is not None and not 0 < int(port) <= 65535:
        return f"the port {port} is not between 1 and 65535"
    return ""


class _Client:
    """A keep-alive HTTP(S) client for one registry."""

    def __init__(self, target: Target, *, tls_verify: bool = True) -> None:
        self.target = target
        self.tls_verify = tls_verify
        self.connection: http.client.HTTPConnection | None = None
        self.authorization: str | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            if self.target.scheme == "https":
                context = ssl.create_default_context()
                if not self.tls_verify:
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                self.connection = http.client.HTTPSConnection(self.target.netloc, timeout=60, context=context)
            else:
                self.connection = http.client.HTTPConnection(self.target.netloc, timeout=60)
        return self.connection

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
                ) -> tuple[int, http.client.HTTPMessage, bytes]:
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != self.target.netloc:
            raise PushError(f"the registry redirected to another host ({parts.netloc})",
                            hint="push to that host directly")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        sent = dict(headers or {})
        if self.authorization:
            sent["Authorization"] = self.authorization
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=sent)
                response = connection.getresponse()
                data = response.read()
                return response.status, response.headers, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
            except ssl.SSLError as error:
                self.close()
                raise PushError(f"TLS with the registry at {self.target.netloc} failed: {error}",
                                hint="for a self-signed certificate use --no-tls-verify; for a plain HTTP "
                                "registry use --plain-http") from error
            except OSError as error:
                self.close()
                raise PushError(f"cannot reach the registry at {self.target.scheme}://{self.target.netloc}: "
                                f"{error}", hint="is it running, and is the address right?") from error
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _refused(what: str, status: int, body: bytes) -> PushError:
    text = body.decode("utf-8", "replace").strip()[:300]
    hint = "the login was refused or lacks push rights: check CLEAVE_REGISTRY_USER and CLEAVE_REGISTRY_PASSWORD" \
        if status in (401, 403) else None
    return PushError(f"the registry refused {what}: HTTP {status} {text}", hint=hint)


def _login(client: _Client, credentials: tuple[str, str] | None) -> None:
    """Check the API version; answer a Basic challenge with ``credentials`` (token servers are not supported yet)."""
    status, headers, body = client.request("GET", "/v2/")
    if status == 200:
        return
    if status != 401:
        raise _refused("the API version check (GET /v2/)", status, body)
    challenge = headers.get("WWW-Authenticate", "")
    if not challenge.lower().startswith("basic"):
        raise PushError(f"the registry asks for a token login ({challenge.split(' ')[0] or 'unknown'}), which cleave "
                        "does not support yet", hint="push to a registry with basic or no authentication")
    if credentials is None:
        raise PushError(f"the registry at {client.target.netloc} needs a login",
                        hint="set CLEAVE_REGISTRY_USER and CLEAVE_REGISTRY_PASSWORD")
    token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
    client.authorization = f"Basic {token}"
    status, _, body = client.request("GET", "/v2/")
    if status != 200:
        raise _refused(f"the login of {credentials[0]!r}", status, body)


def credentials_from_env(environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    """``(user, password)`` from ``CLEAVE_REGISTRY_USER`` and ``CLEAVE_REGISTRY_PASSWORD``, when both are set."""
    return Settings.from_env(environ).registry_credentials


def push_layout(layout: Path, registry: str, *, tag: str = "latest", plain_http: bool | None = None,
                names: list[str] | None = None, tls_verify: bool = True,
                credentials: tuple[str, str] | None = None) -> list[PushResult]:
    """Push every image (or ``names``) of ``layout`` to ``registry`` as ``registry/<name>:<tag>``.

    ``plain_http`` forces HTTP (``True``) or HTTPS (``False``); by default localhost gets HTTP, anything else HTTPS.
    ``tls_verify=False`` accepts a registry's self-signed certificate. ``credentials`` answer a Basic challenge
    (default: :func:`credentials_from_env`).
    """
    target = Target.parse(registry, plain_http=plain_http)
    tags = verify_layout(layout)
    if names is not None:
        missing = sorted(set(names) - set(tags))
        if missing:
            raise PushError(f"no image named {', '.join(missing)} in the layout", path=layout)
        tags = [t for t in tags if t in names]
    image_layout = ImageLayout(layout)
    client = _Client(target, tls_verify=tls_verify)
    homes: dict[str, str] = {}  # blob digest -> a repository that has it
    results = []
    try:
        _login(client, credentials if credentials is not None else credentials_from_env())
        for name in sorted(tags):
            results.append(_push_image(client, image_layout, target, name, tag=tag, homes=homes))
    finally:
        client.close()
    return results


def _push_image(client: _Client, layout: ImageLayout, target: Target, name: str, *, tag: str,
                homes: dict[str, str]) -> PushResult:
    repository = target.repository(name)
    descriptor, manifest = layout.manifest_for(name)
    blobs = [descriptor_from_json(item) for item in manifest["layers"]] + [descriptor_from_json(manifest["config"])]
    uploaded = skipped = mounted = sent = 0
    for blob in blobs:
        base = f"/v2/{repository}/blobs/"
        status, _, _ = client.request("HEAD", base + blob.digest)
        if status == 200:
            skipped += 1
            homes.setdefault(blob.digest, repository)
            continue
        query = ""
        if blob.digest in homes and homes[blob.digest] != repository:
            query = "?" + urlencode({"mount": blob.digest, "from": homes[blob.digest]})
        status, headers, body = client.request("POST", base + "uploads/" + query, b"", {"Content-Length": "0"})
        if status == 201:
            mounted += 1
            homes[blob.digest] = repository
            continue
        if status != 202 or not headers.get("Location"):
            raise _refused(f"the upload of {blob.digest} to {repository}", status, body)
        location = urljoin(f"{target.scheme}://{target.netloc}{base}", headers["Location"])
        separator = "&" if "?" in location else "?"
        data = layout.read_blob(blob.digest, blob.size)
        status, _, body = client.request("PUT", f"{location}{separator}digest={quote(blob.digest)}", data,
                                         {"Content-Type": "application/octet-stream",
                                          "Content-Length": str(len(data))})
        if status != 201:
            raise _refused(f"blob {blob.digest} for {repository}", status, body)
        uploaded += 1
        sent += len(data)
        homes[blob.digest] = repository
    data = layout.read_blob(descriptor.digest, descriptor.size)
    status, headers, body = client.request("PUT", f"/v2/{repository}/manifests/{tag}", data,
                                           {"Content-Type": MANIFEST_MEDIA_TYPE, "Content-Length": str(len(data))})
    if status != 201:
        raise _refused(f"the manifest of {repository}:{tag}", status, body)
    remote = headers.get("Docker-Content-Digest")
    if remote and remote != descriptor.digest:
        raise PushError(f"the registry stored {repository}:{tag} as {remote}, not {descriptor.digest}",
                        hint="the registry rewrote the manifest; use an OCI-compliant registry")
    return PushResult(name, f"{target.netloc}/{repository}:{tag}", descriptor.digest, uploaded, skipped, mounted,
                      sent + len(data))
