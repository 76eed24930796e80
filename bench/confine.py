"""What a process inside a cleave replica, a runc container and a podman container may do, measured here with
each tool's defaults (root needed; podman with runc and cgroupfs, as MACHINE.md says).

Run: ``.venv/bin/python bench/confine.py`` after ``./setup.sh --dev``. One image (the test Python layer, a probe
script, and a set-uid-root copy of the interpreter) runs the same probe as user 65532 in each: it tries the kernel
keyring, a user namespace, a mount, a set-uid binary, and reports its no-new-privileges, seccomp and capability
state. Results: ``bench/results/confine.json`` (docs/runtime.md has the table).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.launch import LaunchSpec, become_subreaper, launch  # noqa: E402
from runtime.store import Store  # noqa: E402
from tests.runtime.images import python_layer, write_layout  # noqa: E402

PYTHON = f"{Path(sys.executable).resolve()}"
PROBE = r'''
import ctypes, json, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def outcome(result):
    return "allowed" if result >= 0 else os.strerror(ctypes.get_errno())
status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
suid = subprocess.run(["/usr/local/bin/supython", "-c", "import os; print(os.geteuid())"], capture_output=True,
                      text=True)
print("PROBE " + json.dumps({
    "keyctl": outcome(libc.syscall(250, 0, 0)),
    "unshare_user_namespace": outcome(libc.unshare(0x10000000)),
    "mount_tmpfs": outcome(libc.mount(b"x", b"/app", b"tmpfs", 0, None)),
    "setuid_binary_euid": suid.stdout.strip() or suid.stderr.strip()[-80:],
    "no_new_privs": status.get("NoNewPrivs", "?").strip(),
    "seccomp_mode": status.get("Seccomp", "?").strip(),
    "cap_eff": status.get("CapEff", "?").strip(),
    "cap_bnd": status.get("CapBnd", "?").strip(),
    "processes_seen": sum(1 for p in os.listdir("/proc") if p.isdigit()),
}))
'''
PODMAN_CONF = "[containers]\ndefault_ulimits = []\n"


def _image(layout: Path) -> None:
    base = io.BytesIO(python_layer())
    with tarfile.open(fileobj=base, mode="a") as tar:
        data = Path(PYTHON).read_bytes()
        info = tarfile.TarInfo("usr/local/bin/supython")
        info.size, info.mode, info.uid, info.gid = len(data), 0o4755, 0, 0
        tar.addfile(info, io.BytesIO(data))
    write_layout(layout, ["probe"], base.getvalue(), extra={"app/probe.py": PROBE.encode()})


def _parse(text: str) -> dict[str, Any]:
    for line in text.splitlines():
        if line.startswith("PROBE "):
            result: dict[str, Any] = json.loads(line[6:])
            return result
    return {"error": text.strip()[-400:]}


def run_cleave(work: Path, layout: Path) -> dict[str, Any]:
    image = Store(work / "store", overlay=True).unpack(layout, "probe")
    (work / "stage").mkdir()
    log = work / "cleave.log"
    listener = os.open("/dev/null", os.O_RDONLY)
    spec = LaunchSpec(name="probe", argv=("python3", "/app/probe.py"), env=(("PATH", "/bin:/usr/local/bin"),),
                      workdir="/app", user="65532:65532", listen_fd=listener, log_path=str(log),
                      layers=tuple(map(str, image.layers)), staging_dir=str(work / "stage"))
    launched = launch(spec)
    os.waitpid(launched.pid, 0)
    os.close(listener)
    return _parse(log.read_text())


def run_runc(work: Path, layout: Path) -> dict[str, Any]:
    rootfs = Store(work / "store-plain", overlay=False)
    flat = rootfs.flatten(rootfs.unpack(layout, "probe"))
    bundle = work / "bundle"
    bundle.mkdir()
    subprocess.run(["runc", "spec", "--bundle", str(bundle)], check=True)
    config = json.loads((bundle / "config.json").read_text())
    config["root"] = {"path": str(flat), "readonly": True}
    config["process"].update({"args": ["python3", "/app/probe.py"], "terminal": False,
                              "env": ["PATH=/bin:/usr/local/bin"], "cwd": "/app",
                              "user": {"uid": 65532, "gid": 65532}})
    config["process"].pop("rlimits", None)
    (bundle / "config.json").write_text(json.dumps(config))
    result = subprocess.run(["runc", "run", "--bundle", str(bundle), f"cleave-confine-{os.getpid()}"],
                            capture_output=True, text=True, timeout=120, check=False)
    return _parse(result.stdout + result.stderr)


def run_podman(work: Path, layout: Path) -> dict[str, Any]:
    conf = work / "containers.conf"
    conf.write_text(PODMAN_CONF)
    env = {**os.environ, "CONTAINERS_CONF": str(conf)}
    podman = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
    pulled = subprocess.run([*podman, "pull", "-q", f"oci:{layout}:probe"], env=env, capture_output=True, text=True,
                            check=False)
    if pulled.returncode != 0:
        return {"error": pulled.stderr.strip()[-300:]}
    image_id = pulled.stdout.strip().splitlines()[-1]
    try:
        result = subprocess.run([*podman, "run", "--rm", "--ulimit", "host", "--network", "none", "--user",
                                 "65532:65532", "-e", "PATH=/bin:/usr/local/bin", image_id, "python3",
                                 "/app/probe.py"], env=env, capture_output=True, text=True, timeout=180, check=False)
        return _parse(result.stdout + result.stderr)
    finally:
        subprocess.run([*podman, "rmi", "-f", image_id], env=env, capture_output=True, check=False)


def main() -> None:
    if os.geteuid() != 0:
        sys.exit("bench/confine.py needs root")
    become_subreaper()
    results: dict[str, Any] = {"machine": os.uname().release, "when": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                                  time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="cleave-confine-") as folder:
        work = Path(folder)
        layout = work / "oci"
        _image(layout)
        results["cleave"] = run_cleave(work, layout)
        for tool, runner in (("runc", run_runc), ("podman", run_podman)):
            results[tool] = runner(work, layout) if shutil.which(tool) else {"error": f"{tool} not installed"}
    out = ROOT / "bench" / "results" / "confine.json"
    out.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(json.dumps(results, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
