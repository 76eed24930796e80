"""Another local user against a running project (root mode): before, service sockets were 0666 and databases and
logs 0644, so any user could call a service's RPC or read its data. Now the engine's folders are 0700, logs 0600,
volumes 0700 and each service socket ``root:<its group> 0660``, the group given only to its callers' replicas."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.runtime.conftest import needs_root
from tests.runtime.project import Project

pytestmark = [needs_root, pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")]

PROBE = """
import socket, sys
results = []
for kind, path in zip(sys.argv[1::2], sys.argv[2::2]):
    try:
        if kind == "connect":
            socket.socket(socket.AF_UNIX).connect(path)
        else:
            open(path, "rb").read(1)
        results.append("reached " + path)
    except PermissionError:
        results.append("denied")
    except OSError as error:
        results.append(f"error {error}")
print("\\n".join(results))
"""


def test_another_local_user_reaches_no_socket_log_or_volume(shop: Project) -> None:
    shop.up()
    paths = shop.paths
    volume_file = paths.volumes / "api" / "customers.db"
    rows = shop.rows("api")
    # a file the service itself wrote in its volume (through its replica's view of it)
    with open(f"/proc/{rows[0]['pid']}/root/data/customers.db", "w") as handle:
        handle.write("alice@example.com")
    os.chown(volume_file, 65532, 65532)
    targets = ["connect", str(paths.service_socket("api")), "read", str(paths.replica_log("api-0")),
               "read", str(volume_file), "read", str(paths.engine_log)]
    result = subprocess.run(["setpriv", "--reuid", "12345", "--regid", "12345", "--clear-groups", sys.executable,
                             "-I", "-c", PROBE, *targets], capture_output=True, text=True, timeout=30, check=False)
    assert result.stdout.split() == ["denied"] * 4, result.stdout + result.stderr

    sock = os.stat(paths.service_socket("api"))
    assert stat.S_IMODE(sock.st_mode) == 0o660 and sock.st_gid == paths.socket_group("api")
    assert stat.S_IMODE(os.stat(paths.replica_log("api-0")).st_mode) == 0o600
    for folder in (paths.logs, paths.sockets, paths.volumes, paths.store):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    # the caller's replicas carry the group; a service that does not call api does not
    web = shop.rows("web")[0]["pid"]
    other = shop.rows("other")[0]["pid"]
    assert str(paths.socket_group("api")) in _groups(web)
    assert str(paths.socket_group("api")) not in _groups(other)


def _groups(pid: int) -> list[str]:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Groups:"):
            return line.split()[1:]
    return []
