"""A tiny replica for the runtime's tests: stdlib HTTP on the socket-activation fd, with probes for isolation."""

import json
import os
import selectors
import signal
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

DRAINING = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def reply(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if DRAINING.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        if path == "/healthz":
            return self.reply(200, {"ok": True})
        if path == "/whoami":
            return self.reply(200, {"hostname": socket.gethostname(), "pid": os.getpid(), "uid": os.getuid(),
                                    "service": os.environ.get("CLEAVE_SERVICE")})
        if path == "/slow":
            time.sleep(float(query.get("s", "0.05")))
            return self.reply(200, {"hostname": socket.gethostname()})
        if path == "/procs":
            return self.reply(200, sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
        if path == "/write":
            try:
                with open(query.get("path", "/probe"), "w") as handle:
                    handle.write("x")
                return self.reply(200, {"written": True})
            except OSError as error:
                return self.reply(200, {"written": False, "error": str(error)})
        if path == "/fill":  # resources.disk: write MiBs until the quota says no
            written = 0
            try:
                with open(query.get("path", "/data/fill"), "wb") as handle:
                    for _ in range(int(query.get("mb", "1"))):
                        handle.write(b"\0" * (1 << 20))
                        handle.flush()
                        os.fsync(handle.fileno())
                        written += 1
                return self.reply(200, {"written_mb": written, "error": None})
            except OSError as error:
                return self.reply(200, {"written_mb": written, "error": error.strerror})
        if path == "/env":
            return self.reply(200, dict(os.environ))
        if path == "/call":
            return self.reply(200, call(query["service"], query.get("path", "/whoami")))
        if path == "/ls":
            try:
                return self.reply(200, sorted(os.listdir(query.get("path", "/"))))
            except OSError as error:
                return self.reply(200, {"error": str(error)})
        if path == "/hog-memory":
            chunks = []
            for _ in range(int(query.get("mb", "512"))):
                chunks.append(bytearray(1024 * 1024))
                for i in range(0, len(chunks[-1]), 4096):
                    chunks[-1][i] = 1
            return self.reply(200, {"survived": True})
        if path == "/hog-cpu":
            end = time.monotonic() + float(query.get("s", "2"))
            while time.monotonic() < end:
                pass
            return self.reply(200, {"done": True})
        if path == "/forkbomb":
            return self.reply(200, forkbomb(int(query.get("n", "200"))))
        if path == "/exit":
            self.reply(200, {"exiting": True})
            os._exit(int(query.get("code", "3")))
        return self.reply(404, {"error": "no such path"})


def call(service, path):
    url = os.environ.get(f"CLEAVE_SERVICE_{service.upper().replace('-', '_')}_URL", "")
    target = url.removeprefix("unix:")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(target)
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        return {"reached": True, "body": json.loads(data.split(b"\r\n\r\n", 1)[1])}
    except (OSError, ValueError) as error:
        return {"reached": False, "url": url, "error": str(error)}


def forkbomb(count):
    started, failed = 0, 0
    children = []
    for _ in range(count):
        try:
            pid = os.fork()
        except OSError:
            failed += 1
            continue
        if pid == 0:
            time.sleep(3)
            os._exit(0)
        children.append(pid)
        started += 1
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return {"started": started, "failed": failed}


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, sock):
        BaseHTTPRequestHandler.timeout = 5
        super().__init__(("", 0), Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.address_family = sock.family

    def get_request(self):
        conn, addr = self.socket.accept()
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr or ("unix", 0)


def main():
    if os.environ.get("LISTEN_FDS") == "1":
        sock = socket.socket(fileno=3)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        host, port = os.environ.get("CLEAVE_LISTEN", "127.0.0.1:8000").rsplit(":", 1)
        sock.bind((host, int(port)))
        sock.listen(128)
    server = Server(sock)
    socketserver._ServerSelector = selectors.EpollSelector  # the engine sees fd 3 in an epoll set: "listening"

    def drain(signum, frame):
        DRAINING.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, drain)
    if os.environ.get("CRASH_AT_START"):
        print("crashing on purpose", flush=True)
        sys.exit(5)
    if os.environ.get("NEVER_LISTEN"):
        print("never listening", flush=True)
        time.sleep(3600)
    own = os.environ.get("CLEAVE_HEALTH_LISTEN", "")
    if own.startswith("unix:@"):  # the runtime contract: this replica's own socket, for its health checks
        private = socket.socket(socket.AF_UNIX)
        private.bind("\0" + own[len("unix:@"):])
        private.listen(16)
        threading.Thread(target=Server(private).serve_forever, daemon=True).start()
    print(f"serving as {socket.gethostname()} pid {os.getpid()}", flush=True)
    server.serve_forever(poll_interval=0.05)
    sock.detach()  # stop accepting without closing the shared socket for the other replicas
    server.server_close()  # joins in-flight requests


if __name__ == "__main__":
    main()
