"""``cleave push`` against a real registry (docker-registry, distribution 2.8) on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packager.images.conftest import Built

CLEAVE = str(Path(sys.executable).parent / "cleave")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry on a free port with its storage in a temporary folder; stopped even when a test fails."""
    if shutil.which("docker-registry") is None:
        pytest.skip("docker-registry is not installed")
    root = tmp_path_factory.mktemp("registry")
    port = free_port()
    config = root / "config.yml"
    config.write_text(f"version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\n"
                      f"  delete: {{enabled: true}}\nhttp:\n  addr: 127.0.0.1:{port}\n")
    process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("docker-registry did not start")
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def build_dir(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("build")
    (folder / "oci").symlink_to(built.layout)
    return folder


def cleave(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLEAVE, *args], capture_output=True, text=True, timeout=120, check=False)


def test_push_then_skopeo_sees_the_local_digests(built: Built, build_dir: Path, registry: str) -> None:
    done = cleave("push", str(build_dir), f"{registry}/shop", "--json")
    assert done.returncode == 0, done.stderr
    images = {item["name"]: item for item in json.loads(done.stdout)["images"]}
    assert set(images) == {"alpha", "beta"}
    # alpha goes first; beta's layers are all alpha's (same tree content), so they are mounted, not uploaded
    assert images["alpha"]["uploaded"] == len(built.results["alpha"].layers) + 1
    assert images["beta"]["mounted"] == len(built.results["beta"].layers)
    assert images["beta"]["uploaded"] == 1  # its config
    for name, result in built.results.items():
        inspect = subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{registry}/shop/{name}:latest"],
                                 capture_output=True, text=True, timeout=60, check=True)
        assert json.loads(inspect.stdout)["Digest"] == result.manifest_digest
        assert images[name]["digest"] == result.manifest_digest


def test_second_push_skips_every_blob(build_dir: Path, registry: str) -> None:
    cleave("push", str(build_dir), f"{registry}/again", "--json")
    done = cleave("push", str(build_dir), f"{registry}/again", "--json", "--tag", "v2")
    assert done.returncode == 0, done.stderr
    for item in json.loads(done.stdout)["images"]:
        assert item["uploaded"] == 0 and item["mounted"] == 0 and item["skipped"] > 0
        assert item["reference"].endswith(":v2")


def test_unreachable_registry_is_one_clear_error(build_dir: Path) -> None:
    done = cleave("push", str(build_dir), f"127.0.0.1:{free_port()}/shop")
    assert done.returncode == 1
    assert "cannot reach the registry" in done.stderr and "Traceback" not in done.stderr


def test_missing_layout_and_bad_reference(tmp_path: Path, build_dir: Path) -> None:
    done = cleave("push", str(tmp_path), "127.0.0.1:5000")
    assert done.returncode == 1 and "no OCI image layout here" in done.stderr and "Traceback" not in done.stderr
    done = cleave("push", str(build_dir), "127.0.0.1:5000/Not Valid")
    assert done.returncode == 1 and "is not a registry reference" in done.stderr


@pytest.fixture(scope="module")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same registry behind TLS with a self-signed certificate for 127.0.0.1."""
    if shutil.which("docker-registry") is None or shutil.which("openssl") is None:
        pytest.skip("docker-registry or openssl is not installed")
    root = tmp_path_factory.mktemp("tls-registry")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(root / "key.pem"), "-out",
                    str(root / "cert.pem")], capture_output=True, timeout=60, check=True)
    port = free_port()
    config = root / "config.yml"
    config.write_text(f"version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\n"
                      f"http:\n  addr: 127.0.0.1:{port}\n  tls:\n    certificate: {root}/cert.pem\n"
                      f"    key: {root}/key.pem\n")
    process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("docker-registry with TLS did not start")
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_tls_registry_with_a_self_signed_certificate(built: Built, build_dir: Path, tls_registry: str) -> None:
    refused = cleave("push", str(build_dir), f"{tls_registry}/shop", "--tls")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "TLS with the registry" in refused.stderr and "--no-tls-verify" in refused.stderr
    done = cleave("push", str(build_dir), f"{tls_registry}/shop", "--tls", "--no-tls-verify", "--json")
    assert done.returncode == 0, done.stderr
    digests = {item["name"]: item["digest"] for item in json.loads(done.stdout)["images"]}
    assert digests == {name: result.manifest_digest for name, result in built.results.items()}
