"""Real servers for tests: free ports on 127.0.0.1, bounded start-up, always stopped."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    exe = Path(sys.executable).parent / "oxigraph"
    found = str(exe) if exe.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the `oxigraph` server is missing: pip install -e '.[test]'")
    return found


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.args}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


@contextlib.contextmanager
def running(cmd: list[str], url: str, *, log: Path | None = None, timeout: float = 20.0, **kw):
    """Start `cmd`, wait until `url` answers (`timeout` s), yield the process, stop it.

    Its output is discarded (its stderr goes to the file `log` if given): an unread pipe
    fills up and blocks a chatty server.
    """
    with open(log or os.devnull, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, **kw)
    try:
        wait_until_up(url, proc, timeout)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# ----------------------------------------------------------------- a misbehaving endpoint

JSON_TYPE = b"application/sparql-results+json"
WRONG_VARIABLES = (
    b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"1"}}]}}'
)


def _answer(conn: socket.socket, status: bytes, ctype: bytes, body: bytes, extra=b"") -> None:
    conn.sendall(
        b"HTTP/1.1 " + status + b"\r\nContent-Type: " + ctype + b"\r\nContent-Length: "
        + str(len(body)).encode() + b"\r\nConnection: close\r\n" + extra + b"\r\n" + body
    )  # fmt: skip


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (headers and a Content-Length body) from `conn`; its bytes."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536) or b"\r\n\r\n"
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
    while len(body) < length:
        body += conn.recv(65536) or b"x" * length
    return head + b"\r\n\r\n" + body


def _misbehave(mode: str, conn: socket.socket, stop: threading.Event) -> None:
    """Answer one request (already read) the way `mode` says."""
    if mode == "garbage":
        _answer(conn, b"200 OK", JSON_TYPE, bytes(range(256)) * 4)
    elif mode == "html":
        _answer(conn, b"200 OK", b"text/html", b"<html><body>Welcome to nginx!</body></html>")
    elif mode == "error-500":
        _answer(conn, b"500 Internal Server Error", b"text/plain", b"boom\nStack trace: ...")
    elif mode == "redirect":
        _answer(conn, b"302 Found", b"text/plain", b"", b"Location: http://elsewhere.invalid/q\r\n")
    elif mode == "wrong-shape":
        _answer(conn, b"200 OK", JSON_TYPE, WRONG_VARIABLES)
    elif mode == "empty":
        _answer(conn, b"200 OK", JSON_TYPE, b"")
    elif mode == "truncated":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + JSON_TYPE
                     + b"\r\nContent-Length: 5000\r\n\r\n" + WRONG_VARIABLES[:40])  # fmt: skip
    elif mode == "hang":
        stop.wait()
    elif mode == "trickle":  # a byte a second, forever
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + JSON_TYPE + b"\r\n\r\n")
        while not stop.wait(1.0):
            conn.sendall(b" ")
    elif mode == "endless":  # an answer that never ends, as fast as it can be read
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + JSON_TYPE + b"\r\n\r\n")
        block = b" " * 65536
        while not stop.is_set():
            conn.sendall(block)
    else:
        raise ValueError(mode)


@contextlib.contextmanager
def misbehaving_endpoint(mode: str):
    """A SPARQL endpoint URL on 127.0.0.1 answering every request the way `mode` says:
    garbage, html, error-500, redirect, wrong-shape, empty, truncated, hang, trickle,
    endless; "refused" is a port nobody listens on."""
    if mode == "refused":
        yield f"http://127.0.0.1:{free_port()}/query"
        return
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(30)
            read_request(conn)
            _misbehave(mode, conn, stop)

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = server.accept()
                threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/query"
    finally:
        stop.set()
        server.close()


# ----------------------------------------------------------------- kg serve as a process


@contextlib.contextmanager
def kg_serve(store: Path, *options: str, log: Path):
    """`kg serve` on a free port of 127.0.0.1 (its stderr in `log`): yields (port, process)."""
    port = free_port()
    cmd = [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port),
           *options]  # fmt: skip
    with running(cmd, f"http://127.0.0.1:{port}/", log=log, timeout=60) as proc:
        yield port, proc


def children(pid: int) -> list[int]:
    """The pids of the live child processes of `pid` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def threads(pid: int) -> int:
    """How many threads process `pid` has (Linux /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("Threads:")))


def alive(pid: int) -> bool:
    """Has process `pid` a thread that has not ended? (Its main thread can be a zombie while
    the others still run and hold its files.)"""
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        with contextlib.suppress(OSError):
            if stat.read_text().rsplit(")", 1)[1].split()[0] not in "ZX":
                return True
    return False


def sparql(port: int, query: str, *, method: str = "POST", headers=None, timeout: float = 60):
    """(status, body) of one SPARQL query (a form POST, or a GET) to 127.0.0.1:`port`."""
    import http.client
    import urllib.parse

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        form = urllib.parse.urlencode({"query": query})
        if method == "GET":
            conn.request("GET", f"/query?{form}", headers=headers or {})
        else:
            form_type = {"Content-Type": "application/x-www-form-urlencoded"}
            conn.request("POST", "/query", body=form, headers={**form_type, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@contextlib.contextmanager
def recording_proxy(target: str):
    """An HTTP proxy on 127.0.0.1 in front of `target` (scheme://host:port) that records
    (method, path, answer body) of every request: yields (base URL, records)."""
    import http.client
    import urllib.parse
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    upstream = urllib.parse.urlsplit(target)
    records: list[tuple[str, str, bytes]] = []

    class Proxy(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            records.append((self.command, self.path.split("?")[0], data))
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _relay

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", records
    finally:
        server.shutdown()
        server.server_close()
