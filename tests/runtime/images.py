"""Test images: an OCI layout with the host's Python (trimmed stdlib + the libraries it needs) and a test server.

Written by hand here so the runtime's tests do not depend on the packager; the layers are uncompressed tars.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from cleave.formats import topology as topo
from cleave.formats.oci import CONFIG_MEDIA_TYPE, LAYER_TAR_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, REF_NAME_ANNOTATION

ASSETS = Path(__file__).parent / "assets"
PREFIX = Path(sys.base_prefix)
STDLIB = PREFIX / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
SKIP = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3", "unittest",
        "pydoc_data", f"config-{sys.version_info.major}.{sys.version_info.minor}-x86_64-linux-gnu", "distutils"}
LIBS = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6", "/lib64/ld-linux-x86-64.so.2",
        "/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libffi.so.8"]


def _dir(tar: tarfile.TarFile, name: str, seen: set[str]) -> None:
    parts = Path(name).parts
    for i in range(1, len(parts) + 1):
        path = "/".join(parts[:i])
        if path not in seen:
            seen.add(path)
            info = tarfile.TarInfo(path)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)


def _file(tar: tarfile.TarFile, name: str, data: bytes, seen: set[str], mode: int = 0o644, mtime: int = 0,
          ) -> None:
    _dir(tar, str(Path(name).parent), seen)
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = mtime  # the stdlib's .pyc files are valid only with their sources' mtimes
    tar.addfile(info, io.BytesIO(data))


def _symlink(tar: tarfile.TarFile, name: str, target: str, seen: set[str]) -> None:
    _dir(tar, str(Path(name).parent), seen)
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


def python_layer() -> bytes:
    """The host interpreter, a trimmed stdlib and the libraries they load, at their host paths."""
    buffer = io.BytesIO()
    seen: set[str] = set()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        binary = Path(sys.executable).resolve()
        rel_prefix = str(PREFIX).lstrip("/")
        _file(tar, f"{rel_prefix}/bin/{binary.name}", binary.read_bytes(), seen, 0o755)
        for lib in sorted((PREFIX / "lib").glob("libpython*.so*")):
            _file(tar, f"{rel_prefix}/lib/{lib.name}", lib.resolve().read_bytes(), seen, 0o755)
        for lib in LIBS:
            if Path(lib).exists():
                _file(tar, lib.lstrip("/"), Path(lib).resolve().read_bytes(), seen, 0o755)
        for path in sorted(STDLIB.rglob("*")):
            relative = path.relative_to(STDLIB)
            if relative.parts[0] in SKIP or path.is_dir() or path.suffix not in (".py", ".so", ".pyc"):
                continue
            if ".opt-" in path.name:
                continue
            _file(tar, f"{rel_prefix}/lib/{STDLIB.name}/{relative}", path.read_bytes(), seen,
                  mtime=int(path.stat().st_mtime))
        _symlink(tar, "bin/python3", f"/{rel_prefix}/bin/{binary.name}", seen)
        _file(tar, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65532:65532::/:/bin/false\n", seen)
        _file(tar, "etc/group", b"root:x:0:\nnobody:x:65532:\n", seen)
        _file(tar, "app/junk.txt", b"hidden by the next layer\n", seen)
    return buffer.getvalue()


def app_layer(files: Mapping[str, bytes]) -> bytes:
    """The application: the test server, plus a whiteout of a file of the layer below."""
    buffer = io.BytesIO()
    seen: set[str] = set()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        _file(tar, "app/server.py", (ASSETS / "server.py").read_bytes(), seen)
        _file(tar, "app/.wh.junk.txt", b"", seen)
        for name, data in files.items():
            _file(tar, name, data, seen)
    return buffer.getvalue()


def _blob(layout: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    path = layout / "blobs" / "sha256" / digest
    if not path.exists():
        path.write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def write_layout(layout: Path, images: Iterable[str], base_layer: bytes, extra: Mapping[str, bytes] | None = None,
                 ) -> dict[str, str]:
    """An OCI layout holding one image per name (same layers); returns name -> manifest digest."""
    (layout / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    app = app_layer(extra or {})
    layers = [{"mediaType": LAYER_TAR_MEDIA_TYPE, **_blob(layout, data)} for data in (base_layer, app)]
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Env": ["PATH=/bin", "PYTHONDONTWRITEBYTECODE=1"], "Cmd": ["python3", "/app/server.py"],
                         "WorkingDir": "/app", "User": "65532:65532"},
              "rootfs": {"type": "layers", "diff_ids": [layer["digest"] for layer in layers]}}
    config_desc = {"mediaType": CONFIG_MEDIA_TYPE, **_blob(layout, json.dumps(config).encode())}
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_MEDIA_TYPE, "config": config_desc,
                           "layers": layers}).encode()
    manifest_desc = _blob(layout, manifest)
    index = {"schemaVersion": 2, "manifests": [
        {"mediaType": MANIFEST_MEDIA_TYPE, **manifest_desc, "annotations": {REF_NAME_ANNOTATION: name}}
        for name in images]}
    (layout / "index.json").write_text(json.dumps(index))
    return dict.fromkeys(images, manifest_desc["digest"])


def write_build(build: Path, services: Mapping[str, Mapping[str, Any]], base_layer: bytes, *,
                gateway: str | None = None, project: str = "testproj") -> topo.Topology:
    """A build directory: ``oci/`` plus ``topology.json`` with the given services (fields of ServiceSpec)."""
    digests = write_layout(build / "oci", list(services), base_layer)
    specs = []
    for name, fields in services.items():
        values: dict[str, Any] = {"image": name, "manifest_digest": digests[name], "source_dir": f"services/{name}",
                                  "command": ("python3", "/app/server.py"), "env": {"CLEAVE_SERVICE": name},
                                  "workdir": "/app", "user": "65532:65532", "replicas": 1}
        values.update(fields)
        if isinstance(values.get("resources"), dict):
            values["resources"] = topo.Limits(**values["resources"])
        specs.append(topo.ServiceSpec(name=name, **values))
    topology = topo.Topology(project=project, services=tuple(specs), gateway=gateway)
    topo.save_topology(topology, build / "topology.json")
    return topology


def rebuild_image(build: Path, name: str, base_layer: bytes, extra: Mapping[str, bytes]) -> str:
    """Give ``name`` its own new image (the app layer plus ``extra``) in the build's layout; returns its digest.

    The other images stay as they are; topology.json is not touched (see :func:`edit_topology`).
    """
    layout = build / "oci"
    index_path = layout / "index.json"
    kept = [m for m in json.loads(index_path.read_text())["manifests"]
            if m.get("annotations", {}).get(REF_NAME_ANNOTATION) != name]
    digest = write_layout(layout, [name], base_layer, extra)[name]
    index = json.loads(index_path.read_text())
    index["manifests"] = kept + index["manifests"]
    index_path.write_text(json.dumps(index))
    return digest


def edit_topology(build: Path, services: Mapping[str, Mapping[str, Any] | None], **fields: Any) -> None:
    """Change fields of services in topology.json (``None`` removes a service; an unknown name is added)."""
    topology = topo.load_topology(build / "topology.json")
    specs = []
    for spec in topology.services:
        change = services.get(spec.name, {})
        if change is not None:
            specs.append(replace(spec, **change))
    known = {spec.name for spec in topology.services}
    for name, change in services.items():
        if name not in known and change is not None:
            values: dict[str, Any] = {"image": name, "source_dir": f"services/{name}",
                                      "command": ("python3", "/app/server.py"), "env": {"CLEAVE_SERVICE": name}}
            values.update(change)
            specs.append(topo.ServiceSpec(name=name, **values))
    topo.save_topology(replace(topology, services=tuple(specs), **fields), build / "topology.json")
