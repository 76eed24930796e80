"""Start one replica: fork, join its cgroups, new namespaces, its own root, reduced privileges, exec.

The engine calls :func:`launch`, which forks a helper; the helper joins the replica's cgroups (so everything it
starts is accounted and limited), unshares the mount, pid, uts, ipc and net namespaces and forks the replica, which
is pid 1 of its pid namespace. The helper reports the replica's pid and exits; the engine is a child subreaper, so
the replica becomes the engine's child. The replica builds its root (overlayfs over the store's layers with a tmpfs
upper, then remounted read-only), ``/proc``, a minimal ``/dev``, a private ``/tmp``, the volume at ``DATA_DIR`` and
the unix sockets of the services it calls, brings up loopback, pivots into the root, drops capabilities, sets
no-new-privileges, switches to the image's user and execs. Errors travel back on a close-on-exec pipe: end of file
with no message means the exec happened.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from runtime import confine, linux
from runtime.errors import LaunchError
from runtime.rootfs import make_dir_in_root, mount_dev, mount_empty_proc

NAMESPACES: Final = (linux.CLONE_NEWNS | linux.CLONE_NEWPID | linux.CLONE_NEWUTS | linux.CLONE_NEWIPC
                     | linux.CLONE_NEWNET)
# A zygote stays in the host's pid namespace: the replicas it forks must become the engine's children (a pid
# namespace's init would inherit them instead, and kill them all when it exits); /proc shows it nothing, and a
# Landlock domain keeps its signals to its own replicas.
ZYGOTE_NAMESPACES: Final = linux.CLONE_NEWNS | linux.CLONE_NEWUTS | linux.CLONE_NEWIPC | linux.CLONE_NEWNET
_HIGH_FD: Final = 64


@dataclass(frozen=True)
class LaunchSpec:
    """Everything the child needs, computed by the engine before it forks."""

    name: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    workdir: str
    user: str
    listen_fd: int
    log_path: str
    cgroup_procs: tuple[str, ...] = ()
    isolate: bool = True
    layers: tuple[str, ...] = ()          # bottom layer first (isolated runs)
    staging_dir: str = ""                 # an empty host folder the replica mounts its private tmpfs on
    volume: str = ""                      # host folder bind-mounted at data_dir
    data_dir: str = "/data"
    sockets: tuple[tuple[str, str], ...] = ()  # (name inside /run/cleave, host socket path)
    cwd: str = ""                         # plain-process runs: the host folder to run in
    tmpfs_size: str = "64m"
    zygote: bool = False                  # a service's zygote: confined like a replica, in a user namespace of its own
    control_fd: int = -1                  # the zygote's control socket, passed as fd 4
    user_namespace: bool = False          # rootless: the namespaces live in a user namespace mapping us to the user
    rootfs: str = ""                      # a flattened image bind-mounted read-only instead of overlayfs (rootless)
    groups: tuple[int, ...] = ()          # supplementary groups: those of the sockets of the services it calls


@dataclass(frozen=True)
class Launched:
    """A running replica: its pid in the engine's pid namespace and its start time (``/proc/PID/stat``)."""

    pid: int
    start_time: int
    seconds: float


def become_subreaper() -> None:
    """Make orphaned replicas (their helper exits right after forking them) children of this process."""
    linux.prctl(linux.PR_SET_CHILD_SUBREAPER, 1)


def _high(fd: int) -> int:
    return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, _HIGH_FD)


@dataclass
class PendingLaunch:
    """A replica being set up: the engine watches ``fd`` (readable on progress) and calls :func:`feed`."""

    name: str
    log_path: str
    helper: int
    fd: int
    started: float
    data: bytearray = field(default_factory=bytearray)


def begin_launch(spec: LaunchSpec) -> PendingLaunch:
    """Fork the helper and return at once; the replica sets itself up in parallel with the caller."""
    started = time.perf_counter()
    read_end, write_end = os.pipe()
    log_fd = os.open(spec.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    pid = os.fork()
    if pid == 0:  # the helper
        try:
            os.close(read_end)
            _helper(spec, _high(write_end), _high(log_fd), _high(spec.listen_fd),
                    _high(spec.control_fd) if spec.control_fd >= 0 else -1)
        except BaseException as error:
            _report(write_end, f"{type(error).__name__}: {error}")
        os._exit(127)
    os.close(write_end)
    os.close(log_fd)
    return PendingLaunch(spec.name, spec.log_path, pid, read_end, started)


def feed(pending: PendingLaunch, *, block: bool = False) -> Launched | None:
    """Read what the helper and replica reported; the result once the replica exec'd (``None`` until then).

    The caller closes ``pending.fd`` afterwards, and must first unregister it from any epoll set: other processes
    forked meanwhile may still hold the pipe, and epoll keeps a closed fd's registration while the file lives.
    """
    os.set_blocking(pending.fd, block)
    while True:
        try:
            chunk = os.read(pending.fd, 65536)
        except BlockingIOError:
            return None
        if not chunk:
            break
        pending.data += chunk
    data = bytes(pending.data)
    replica = struct.unpack("q", data[:8])[0] if len(data) >= 8 else 0
    if pending.helper > 0 and replica != pending.helper:
        os.waitpid(pending.helper, 0)  # the helper has exited: it forks the replica, reports, exits
    message = data[8:].decode(errors="replace")
    if message or replica <= 0:
        if replica > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(replica, signal.SIGKILL)  # a replica that reported a failure is about to exit anyway
            with contextlib.suppress(ChildProcessError):
                os.waitpid(replica, 0)
        raise LaunchError(f"replica {pending.name} did not start: {message or 'the helper died'}",
                          path=pending.log_path, hint="see the replica's log")
    start_time = linux.process_start_time(replica) or 0
    return Launched(replica, start_time, time.perf_counter() - pending.started)


def begin_zygote_launch(control: socket.socket, spec: LaunchSpec) -> PendingLaunch:
    """Ask a service's zygote to fork the replica (see ``runtime/zygote_script.py``); same protocol as a launch."""
    started = time.perf_counter()
    uid, gid = (int(part) for part in (spec.user.partition(":")[0], spec.user.partition(":")[2] or spec.user))
    env = {**dict(spec.env), "LISTEN_FDS": "1", "LISTEN_PID": "1"}
    request = json.dumps({"name": spec.name, "env": env, "workdir": spec.workdir, "uid": uid, "gid": gid})
    read_end, write_end = os.pipe()
    fds = [write_end, os.open(spec.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)]
    try:
        fds += [os.open(procs, os.O_WRONLY | os.O_CLOEXEC) for procs in spec.cgroup_procs]
        socket.send_fds(control, [request.encode()], fds)
    except OSError:
        os.close(read_end)
        raise
    finally:
        for fd in fds:
            os.close(fd)
    return PendingLaunch(spec.name, spec.log_path, -1, read_end, started)


def launch(spec: LaunchSpec) -> Launched:
    """Start the replica and wait until it has exec'd its command (or report why it could not)."""
    pending = begin_launch(spec)
    try:
        result = feed(pending, block=True)
    finally:
        os.close(pending.fd)
    assert result is not None
    return result


def _report(fd: int, message: str) -> None:
    with contextlib.suppress(OSError):
        os.write(fd, struct.pack("q", 0) + message.encode())


def _helper(spec: LaunchSpec, pipe: int, log_fd: int, listen_fd: int, control_fd: int) -> None:
    os.setsid()
    step = "joining cgroups"
    announced = False
    try:
        for procs in spec.cgroup_procs:
            with open(procs, "w") as handle:
                handle.write(str(os.getpid()))
        if not spec.isolate:
            os.write(pipe, struct.pack("q", os.getpid()))
            announced = True
            step = "exec"
            _exec(spec, log_fd, listen_fd, str(os.getpid()))
            return
        step = "unsharing namespaces"
        if spec.user_namespace:
            inside_uid, inside_gid = image_ids(spec.user, (spec.rootfs,) if spec.rootfs else spec.layers)
            outside_uid, outside_gid = os.getuid(), os.getgid()
            linux.unshare(linux.CLONE_NEWUSER | NAMESPACES)
            step = "mapping the user"
            linux.map_to_user(outside_uid, outside_gid, inside_uid, inside_gid)
        else:
            linux.unshare(ZYGOTE_NAMESPACES if spec.zygote else NAMESPACES)
        child = os.fork()
        if child:
            os.write(pipe, struct.pack("q", child))
            os._exit(0)
        announced = True
        step = "building the root"
        proc_fd = os.open("/proc", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC) if spec.zygote else -1
        _build_root(spec)
        if spec.zygote:
            step = "confining the zygote"
            zygote_confinement(spec, proc_fd)
        step = "exec"
        _exec(spec, log_fd, listen_fd, "1", control_fd)
    except BaseException as error:
        header = b"" if announced else struct.pack("q", 0)
        os.write(pipe, header + f"{step}: {error}".encode())
        os._exit(127)


def _build_root(spec: LaunchSpec) -> None:
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    stage = spec.staging_dir
    linux.mount("tmpfs", stage, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, f"mode=755,size={spec.tmpfs_size}")
    for name in ("upper", "work", "root"):
        os.mkdir(f"{stage}/{name}")
    os.chmod(f"{stage}/upper", 0o755)
    parents = {str(Path(layer).parent) for layer in spec.layers}
    if len(parents) == 1:  # short relative lowerdir names keep the options under one page
        os.chdir(parents.pop())
        lower = ":".join(Path(layer).name for layer in reversed(spec.layers))
    else:
        lower = ":".join(reversed(spec.layers))
    root = f"{stage}/root"
    if spec.rootfs:  # no overlayfs in this user namespace: the flattened image, read-only once everything is in
        linux.mount(spec.rootfs, root, None, linux.MS_BIND | linux.MS_REC)
    else:
        userxattr = ",userxattr" if spec.user_namespace else ""  # whiteouts marked user.overlay.*: see the store
        linux.mount("overlay", root, "overlay", 0,
                    f"lowerdir={lower},upperdir={stage}/upper,workdir={stage}/work{userxattr}")
    os.chdir("/")
    for folder in ("proc", "dev", "tmp", "run/cleave", spec.data_dir.lstrip("/"), spec.workdir.lstrip("/")):
        make_dir_in_root(root, folder)
    if spec.zygote:
        mount_empty_proc(f"{root}/proc")
    else:
        linux.mount("proc", f"{root}/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
    mount_dev(root)
    linux.mount("tmpfs", f"{root}/tmp", "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, f"mode=1777,size={spec.tmpfs_size}")
    if spec.volume:
        linux.mount(spec.volume, f"{root}/{spec.data_dir.lstrip('/')}", None, linux.MS_BIND)
    linux.mount("tmpfs", f"{root}/run/cleave", "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "mode=755,size=64k")
    for name, host_path in spec.sockets:
        target = f"{root}/run/cleave/{name}"
        open(target, "w").close()
        linux.mount(host_path, target, None, linux.MS_BIND)
    linux.mount("tmpfs", f"{root}/run/cleave", None,
                linux.MS_REMOUNT | linux.MS_BIND | linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV)
    linux.mount(None, root, None, linux.MS_REMOUNT | linux.MS_BIND | linux.MS_RDONLY | linux.MS_NOSUID)
    socket.sethostname(spec.name)
    linux.loopback_up()
    os.chdir(root)
    linux.pivot_root(".", ".")
    linux.umount2(".", linux.MNT_DETACH)
    os.chdir("/")


def zygote_confinement(spec: LaunchSpec, proc_fd: int) -> None:
    """Become the image's user in a user namespace of our own, mapping only that user (uid and gid to themselves),
    keep CAP_SYS_ADMIN, CAP_NET_ADMIN and CAP_SETPCAP in it (ambient, so they survive the exec; they give nothing
    outside it) to make each replica's namespaces, then no-new-privileges, Landlock and seccomp."""
    uid, gid = _ids(spec.user)
    if uid == 0:
        raise LaunchError("a zygote never runs as root", hint="use a numeric non-root user")
    os.setgroups([gid, *spec.groups])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)  # from root to the user: every capability is gone
    linux.prctl(PR_SET_DUMPABLE, 1)  # the uid change made /proc/self root's; the maps below are written there
    linux.unshare(linux.CLONE_NEWUSER)
    pid = os.getpid()
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        fd = os.open(f"{pid}/{name}", os.O_WRONLY | os.O_CLOEXEC, dir_fd=proc_fd)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
    os.close(proc_fd)
    linux.keep_ambient(ZYGOTE_CAPABILITIES)
    confine.confine_last()


PR_SET_DUMPABLE: Final = 4
ZYGOTE_CAPABILITIES: Final = frozenset({linux.CAP_SYS_ADMIN, linux.CAP_NET_ADMIN, linux.CAP_SETPCAP})


def _ids(user: str) -> tuple[int, int]:
    return image_ids(user, ("/",))


def image_ids(user: str, roots: tuple[str, ...]) -> tuple[int, int]:
    """``uid, gid`` of ``user`` (``name``, ``uid``, ``uid:gid``), names looked up in ``etc/passwd`` and
    ``etc/group`` of the last of ``roots`` (image layers, bottom first) that has the file."""
    name, _, group = user.partition(":")
    try:
        uid = int(name)
    except ValueError:
        uid = _lookup(roots, "etc/passwd", name, user)
    if not group:
        return uid, uid
    try:
        return uid, int(group)
    except ValueError:
        return uid, _lookup(roots, "etc/group", group, user)


def _lookup(roots: tuple[str, ...], table: str, name: str, user: str) -> int:
    for root in reversed(roots):
        try:
            with open(os.path.join(root, table)) as handle:
                for line in handle:
                    fields = line.split(":")
                    if fields[0] == name and len(fields) > 2:
                        return int(fields[2])
        except OSError:
            continue
        break
    raise LaunchError(f"user {user!r}: {name!r} is not in the image's /{table}", hint="use numeric uid:gid")


def _exec(spec: LaunchSpec, log_fd: int, listen_fd: int, listen_pid: str, control_fd: int = -1) -> None:
    os.chdir(spec.cwd or spec.workdir or "/")
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.dup2(listen_fd, 3, inheritable=True)
    if control_fd >= 0:
        os.dup2(control_fd, 4, inheritable=True)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for number in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    env = dict(spec.env)
    env.update({"LISTEN_FDS": "1", "LISTEN_PID": listen_pid})
    if spec.isolate and spec.user_namespace:
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)  # already the image's user: the one id the namespace maps
        linux.drop_capabilities(linux.REDUCED_CAPABILITIES if os.getuid() == 0 else frozenset())
        confine.confine_last()
    elif spec.isolate and not spec.zygote:
        uid, gid = _ids(spec.user)
        linux.prctl(linux.PR_SET_NO_NEW_PRIVS, 1)
        if uid == 0:
            linux.drop_capabilities(linux.REDUCED_CAPABILITIES)
        else:
            for cap in range(linux.last_capability() + 1):
                with contextlib.suppress(OSError):
                    linux.prctl(linux.PR_CAPBSET_DROP, cap)
            os.setgroups([gid, *spec.groups])
            os.setgid(gid)
            os.setuid(uid)  # from root to another user: the kernel clears every capability
        confine.confine_last()
    os.execvpe(spec.argv[0], list(spec.argv), env)
