"""The images against the real tools: skopeo reads them, umoci unpacks them (it checks diff_ids), the unpacked
root runs the interpreter with every layer's libraries, and podman runs one image that answers its health check."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.packager.images.conftest import Built


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")


def test_skopeo_inspect_reads_every_image(built: Built) -> None:
    need("skopeo")
    for name, result in built.results.items():
        done = subprocess.run(["skopeo", "inspect", f"oci:{built.layout}:{name}"], capture_output=True, text=True,
                              timeout=60, check=True)
        info = json.loads(done.stdout)
        assert info["Digest"] == result.manifest_digest
        assert info["Layers"] == [layer.digest for layer in result.layers]


@pytest.fixture(scope="module")
def unpacked(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    need("umoci")
    bundle = tmp_path_factory.mktemp("bundle") / "alpha"
    subprocess.run(["umoci", "unpack", "--image", f"{built.layout}:alpha", str(bundle)], capture_output=True,
                   timeout=120, check=True)
    return bundle / "rootfs"


def test_umoci_unpacks_with_owners_and_modes(unpacked: Path) -> None:
    assert (unpacked / "usr/local/bin/python3").is_symlink()
    assert (unpacked / "data").stat().st_uid == 65532
    assert "nonroot:x:65532:65532" in (unpacked / "etc/passwd").read_text()


@pytest.mark.root
@pytest.mark.skipif(os.geteuid() != 0, reason="chroot needs root")
def test_unpacked_root_imports_the_stdlib_and_the_extensions(unpacked: Path) -> None:
    code = ("import ssl, sqlite3, ctypes, lzma, bz2, zlib, decimal, json, hashlib, uuid, yaml, rpds, sys;"
            "assert yaml.__with_libyaml__; print(sys.prefix, rpds.__file__)")
    chroot = shutil.which("chroot", path="/usr/sbin:/usr/bin:/sbin:/bin") or "chroot"
    command = [chroot, "--userspec=65532:65532", str(unpacked), "/usr/local/bin/python3", "-I", "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, env={"PATH": "/usr/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("/usr/local /usr/local/lib/python3.11/site-packages/rpds/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def podman(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """podman's command line and environment on this machine: runc, cgroupfs, no default rlimits."""
    need("podman")
    need("runc")
    conf = tmp_path / "containers.conf"
    conf.write_text("[containers]\ndefault_ulimits = []\n")
    return ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"], {**os.environ, "CONTAINERS_CONF": str(conf)}


@pytest.mark.root
@pytest.mark.skipif(os.geteuid() != 0, reason="podman here needs root")
def test_podman_runs_the_image_and_it_answers_healthz(built: Built, podman: tuple[list[str], dict[str, str]]) -> None:
    command, env = podman
    name = f"cleave-test-{uuid.uuid4().hex[:10]}"
    port = free_port()
    image_id = built.results["beta"].config_digest.removeprefix("sha256:")
    try:
        subprocess.run([*command, "run", "-d", "--rm", "--name", name, "--ulimit", "host", "--read-only",
                        "-p", f"127.0.0.1:{port}:8000", f"oci:{built.layout}:beta"],
                       capture_output=True, text=True, timeout=120, check=True, env=env)
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = response.status
                    break
            except OSError:
                time.sleep(0.2)
        assert health == 200, "no answer on /healthz within 30 s"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/rpc/hello.where", data=b'{"args":[],"kwargs":{}}',
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            where = json.loads(response.read())["result"]
        assert where["uid"] == 65532 and where["gid"] == 65532
        assert where["data_dir"] == "/data" and where["cwd"] == "/app" and where["prefix"] == "/usr/local"
        assert where["writable_root"] is False
        inspect = subprocess.run([*command, "image", "inspect", image_id], capture_output=True, text=True,
                                 timeout=60, check=True, env=env)
        assert json.loads(inspect.stdout)[0]["Digest"] == built.results["beta"].manifest_digest
    finally:
        subprocess.run([*command, "rm", "-f", "-t", "0", name], capture_output=True, timeout=60, check=False, env=env)
        subprocess.run([*command, "rmi", "-f", image_id], capture_output=True, timeout=60, check=False, env=env)
