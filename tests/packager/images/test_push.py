"""``cleave push`` against a real registry (docker-registry, distribution 2.8) on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
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
    process, address = start_registry(tmp_path_factory.mktemp("registry"))
    try:
        yield address
    finally:
        stop(process)


@pytest.fixture(scope="module")
def build_dir(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("build")
    (folder / "oci").symlink_to(built.layout)
    return folder


def cleave(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLEAVE, *args], capture_output=True, text=True, timeout=120, check=False, env=env)


def start_registry(root: Path, extra: str = "") -> tuple[subprocess.Popen[bytes], str]:
    """docker-registry on a free port with its storage under ``root``; ``extra`` is more YAML for the config."""
    port = free_port()
    config = root / "config.yml"
    config.write_text(f"version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem:\n    rootdirectory: {root}/data\n"
                      f"http:\n  addr: 127.0.0.1:{port}\n{extra}")
    process = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, f"127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                stop(process)
                pytest.fail("docker-registry did not start")
            time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def test_push_then_skopeo_sees_the_local_digests(built: Built, build_dir: Path, registry: str) -> None:
    from cleave.formats.topology import ServiceSpec, Topology, save_topology
    from packager.deploy import write_compose, write_k8s

    topology = Topology(project="shop", gateway="alpha", services=tuple(
        ServiceSpec(name=name, image=name, manifest_digest=result.manifest_digest, source_dir=f"services/{name}",
                    command=("python3", "-m", "cleave_kit")) for name, result in sorted(built.results.items())))
    save_topology(topology, build_dir / "topology.json")
    write_compose(topology, build_dir / "compose.yaml")
    write_k8s(topology, build_dir / "k8s")
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
        # the build's manifests now pull what was pushed, by digest
        pulled = f"{registry}/shop/{name}@{result.manifest_digest}"
        assert f"image: {pulled}" in (build_dir / "k8s" / f"{name}.yaml").read_text()
        assert f"image: {pulled}" in (build_dir / "compose.yaml").read_text()


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
    assert done.returncode == 2 and "is not a registry reference" in done.stderr


@pytest.mark.parametrize(("registry", "why"), [
    ("not a registry", "'not a registry' is not HOST[:PORT]"),
    ("127.0.0.1:abc/shop", "'127.0.0.1:abc' is not HOST[:PORT]"),
    ("127.0.0.1:99999/shop", "the port 99999 is not between 1 and 65535"),
    ("ftp://127.0.0.1:5000/shop", "the scheme 'ftp' is neither http nor https"),
])
def test_a_malformed_registry_is_one_usage_line(tmp_path: Path, registry: str, why: str) -> None:
    """Checked before the build folder is even read: exit 2, one line naming what is wrong, nothing written."""
    done = cleave("push", str(tmp_path / "no-build"), registry)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: {registry!r} is not a registry reference: {why} (write HOST[:PORT][/PREFIX], e.g. "
        "127.0.0.1:5000/shop)"]
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same registry behind TLS with a self-signed certificate for 127.0.0.1."""
    if shutil.which("docker-registry") is None or shutil.which("openssl") is None:
        pytest.skip("docker-registry or openssl is not installed")
    root = tmp_path_factory.mktemp("tls-registry")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(root / "key.pem"), "-out",
                    str(root / "cert.pem")], capture_output=True, timeout=60, check=True)
    process, address = start_registry(root, f"  tls:\n    certificate: {root}/cert.pem\n    key: {root}/key.pem\n")
    try:
        yield address
    finally:
        stop(process)


def test_tls_registry_with_a_self_signed_certificate(built: Built, build_dir: Path, tls_registry: str) -> None:
    refused = cleave("push", str(build_dir), f"{tls_registry}/shop", "--tls")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "TLS with the registry" in refused.stderr and "--no-tls-verify" in refused.stderr
    done = cleave("push", str(build_dir), f"{tls_registry}/shop", "--tls", "--no-tls-verify", "--json")
    assert done.returncode == 0, done.stderr
    digests = {item["name"]: item["digest"] for item in json.loads(done.stdout)["images"]}
    assert digests == {name: result.manifest_digest for name, result in built.results.items()}


@pytest.fixture(scope="module")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry that asks for a Basic login (htpasswd, bcrypt cost 4: it checks it on every request)."""
    if shutil.which("docker-registry") is None:
        pytest.skip("docker-registry is not installed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    root = tmp_path_factory.mktemp("basic-registry")
    hashed = crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    (root / "htpasswd").write_text(f"cleave:{hashed}\n")
    process, address = start_registry(root, f"auth:\n  htpasswd:\n    realm: cleave-test\n    path: {root}/htpasswd\n")
    try:
        yield address
    finally:
        stop(process)


def test_basic_login(built: Built, build_dir: Path, basic_registry: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLEAVE_REGISTRY_")}
    anonymous = cleave("push", str(build_dir), f"{basic_registry}/shop", env=clean)
    assert anonymous.returncode == 1
    assert "needs a login" in anonymous.stderr and "CLEAVE_REGISTRY_USER" in anonymous.stderr
    wrong = cleave("push", str(build_dir), f"{basic_registry}/shop",
                   env={**clean, "CLEAVE_REGISTRY_USER": "cleave", "CLEAVE_REGISTRY_PASSWORD": "nope"})
    assert wrong.returncode == 1 and "refused the login of 'cleave'" in wrong.stderr and "Traceback" not in wrong.stderr
    done = cleave("push", str(build_dir), f"{basic_registry}/shop", "--json",
                  env={**clean, "CLEAVE_REGISTRY_USER": "cleave", "CLEAVE_REGISTRY_PASSWORD": "s3cret"})
    assert done.returncode == 0, done.stderr
    digests = {item["name"]: item["digest"] for item in json.loads(done.stdout)["images"]}
    assert digests == {name: result.manifest_digest for name, result in built.results.items()}
