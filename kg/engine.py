"""The SPARQL engine behind `kg serve`: Oxigraph's own server, as a supervised child process.

`oxigraph serve-read-only` (or `serve`, with `--allow-update`) runs with the union of all
graphs as default graph, on a random port of a random loopback address (127.x.y.z, Linux
routes all of 127/8 to the loopback interface): the engine itself has no origin checks and
runs SERVICE queries, so it is kept where a web page cannot find it by trying the ports of
127.0.0.1. `Engine` keeps one such child answering:

- it dies with `kg serve`, however `kg serve` ends (SIGKILL included): on Linux the child
  is started with the parent-death signal set to SIGKILL, from the supervisor thread that
  lives as long as the server (the signal follows the thread that started the child), so
  no orphan keeps the store open;
- the supervisor thread checks it every `PROBE_EVERY` seconds (the process is alive and
  answers `ASK {}` within `PROBE_TIMEOUT`) and replaces it when it has exited or failed
  `PROBE_FAILURES` checks in a row, as it does a child the front retires;
- a retired child (one that ran a query past the time limit: Oxigraph does not interrupt
  a running evaluation, so only ending the process stops it) finishes the other requests it
  is answering before it is stopped, `grace` seconds at most. Read-only, its successor
  starts at once and takes every new request; read-write (one process may open a store),
  new requests wait for the successor, which starts when the old child has stopped.

Oxigraph's own `--timeout-s` is not used: it does not stop an evaluation, and it keeps a
thread per request for that many seconds, so a flood of small requests made the child run
out of threads (`OxHTTP thread spawn error`).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from kg.errors import StoreError

START_SECONDS = 30.0  # a child that does not answer within this is a failed start
PROBE_EVERY = 2.0
PROBE_TIMEOUT = 5.0
PROBE_FAILURES = 3
RESTART_BACKOFF = (0.2, 1.0, 5.0, 10.0)  # seconds between failed starts, then the last one
PROBE = "/query?query=ASK%7B%7D"


class EngineUnavailable(Exception):
    """No child could take the request in time (restarting, or every start failed)."""


def oxigraph_binary() -> str:
    """The `oxigraph` executable of the PyPI package (beside this Python, else on PATH)."""
    exe = Path(sys.executable).parent / "oxigraph"
    found = str(exe) if exe.exists() else shutil.which("oxigraph")
    if not found:
        raise StoreError("kg serve needs the Oxigraph server: pip install 'oxigraph>=0.5,<0.6'")
    return found


def first_error_line(stderr: str) -> str:
    """The message of an Oxigraph failure, without the Rust backtrace that may follow it."""
    text = stderr.split("Stack backtrace:", 1)[0].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0].removeprefix("Error: ") if lines else ""


@dataclass(eq=False)
class Child:
    """One Oxigraph server process and the requests it is answering."""

    proc: subprocess.Popen
    host: str
    port: int
    log: object  # the temporary file holding its stderr
    inflight: int = 0
    retired: bool = False
    stop_by: float = 0.0  # for a retired child: stopped then at the latest
    failed_probes: int = 0

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read(65536).decode("utf-8", "replace")


class Engine:
    """The current Oxigraph child, its retired predecessors and the thread minding them."""

    def __init__(
        self, location: Path, *, writable: bool, grace: float, log=sys.stderr.write
    ) -> None:
        self.location = location
        self.writable = writable
        self.grace = grace
        self.log = log
        self._cond = threading.Condition()
        self._current: Child | None = None
        self._retired: list[Child] = []
        self._stopping = False
        self._failure: str | None = None
        self._first = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kg-engine", daemon=True)

    # ------------------------------------------------------------- for the front

    def start(self) -> None:
        """Start the supervisor and wait for the first child; `StoreError` if it fails."""
        self._thread.start()
        self._first.wait()
        with self._cond:
            if self._current is None:
                self._stopping = True
                self._cond.notify_all()
                raise StoreError(self._failure or "the Oxigraph server did not start")

    def acquire(self, deadline: float) -> Child:
        """The child to send a request to (counted as busy until `release`)."""
        with self._cond:
            while True:
                if self._stopping:
                    raise EngineUnavailable("the server is stopping")
                child = self._current
                if child is not None:
                    child.inflight += 1
                    return child
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    why = f" ({self._failure})" if self._failure else ""
                    raise EngineUnavailable(f"the SPARQL engine is restarting{why}")
                self._cond.wait(remaining)

    def release(self, child: Child) -> None:
        with self._cond:
            child.inflight -= 1
            if child.retired:
                self._cond.notify_all()

    def retire(self, child: Child, reason: str) -> None:
        """Replace `child` (a query on it overran the time limit, or it stopped answering)."""
        with self._cond:
            if child.retired:
                return
            child.retired = True
            child.stop_by = time.monotonic() + self.grace
            self._retired.append(child)
            if self._current is child:
                self._current = None
            self._cond.notify_all()
        self.log(f"kg serve: restarting the SPARQL engine: {reason}\n")

    def check(self, child: Child) -> None:
        """A request to `child` failed to connect or was cut: replace it if it has exited."""
        code = child.proc.poll()
        if code is not None:
            self.retire(child, f"it exited with status {code}")

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=15)
        for child in [self._current, *self._retired]:
            if child is not None:
                _stop(child)

    # ------------------------------------------------------------- the supervisor thread

    def _run(self) -> None:
        """The supervisor; should it fail, requests get 503 naming the failure, not a hang."""
        try:
            self._supervise()
        except Exception as exc:  # noqa: BLE001 - reported to every waiting request
            with self._cond:
                self._failure = f"the supervisor failed: {type(exc).__name__}: {exc}"
                self._stopping = True
                self._cond.notify_all()
            self.log(f"kg serve: {self._failure}\n")
        finally:
            self._first.set()

    def _supervise(self) -> None:
        attempts = 0
        next_start = 0.0
        next_probe = time.monotonic() + PROBE_EVERY
        while True:
            with self._cond:
                if self._stopping:
                    break
                now = time.monotonic()
                done = [c for c in self._retired if c.inflight <= 0 or now >= c.stop_by]
                self._retired = [c for c in self._retired if c not in done]
                current = self._current
                wanted = current is None and (not self.writable or not self._retired)
            if done:
                for child in done:
                    _stop(child, kill=True)
                continue
            if current is not None and current.proc.poll() is not None:
                self.retire(current, f"it exited with status {current.proc.returncode}")
                continue
            if wanted and time.monotonic() >= next_start:
                try:
                    child = self._spawn()
                except StoreError as exc:
                    attempts += 1
                    next_start = (
                        time.monotonic() + RESTART_BACKOFF[min(attempts, len(RESTART_BACKOFF)) - 1]
                    )
                    with self._cond:
                        self._failure = exc.message
                    if not self._first.is_set():
                        self._first.set()
                        return
                    self.log(f"kg serve: the SPARQL engine did not start: {exc.message}\n")
                    continue
                attempts = 0
                with self._cond:
                    self._current, self._failure = child, None
                    self._cond.notify_all()
                self._first.set()
                next_probe = time.monotonic() + PROBE_EVERY
                continue
            if current is not None and time.monotonic() >= next_probe:
                next_probe = time.monotonic() + PROBE_EVERY
                if _answers(current.host, current.port, PROBE_TIMEOUT):
                    current.failed_probes = 0
                else:
                    current.failed_probes += 1
                    if current.failed_probes >= PROBE_FAILURES:
                        self.retire(current, f"it did not answer {PROBE_FAILURES} checks")
                continue
            with self._cond:
                if not self._stopping:
                    self._cond.wait(0.2)

    def _spawn(self) -> Child:
        """Start a child and wait until it answers (in the supervisor thread only)."""
        for _ in range(3):  # the free port may be taken before the child binds it
            host, port = _free_address()
            log = tempfile.TemporaryFile()
            cmd = [
                oxigraph_binary(),
                "serve" if self.writable else "serve-read-only",
                "--location", str(self.location),
                "--bind", f"{host}:{port}",
                "--union-default-graph",
            ]  # fmt: skip
            env = {**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"}
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, env=env,
                preexec_fn=_die_with_parent(os.getpid()),
            )  # fmt: skip
            child = Child(proc, host, port, log)
            deadline = time.monotonic() + START_SECONDS
            while time.monotonic() < deadline and proc.poll() is None:
                if _answers(host, port, 1.0):
                    return child
                time.sleep(0.02)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            err = first_error_line(child.stderr())
            _stop(child)
            if "address" in err.lower() and "in use" in err.lower():
                continue
            if "lock" in err.lower():
                raise StoreError(
                    f"store {self.location.parent} is in use by another process; wait for"
                    f" it to finish ({err})"
                )
            if proc.returncode is None or proc.returncode == -signal.SIGKILL:
                raise StoreError(f"the Oxigraph server did not answer within {START_SECONDS:g} s")
            raise StoreError(f"the Oxigraph server did not start: {err or proc.returncode}")
        raise StoreError("the Oxigraph server found no free port on the loopback interface")


def _answers(host: str, port: int, timeout: float) -> bool:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", PROBE)
        resp = conn.getresponse()
        resp.read()
        return resp.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _free_address() -> tuple[str, int]:
    """A random loopback address with a free port (127.0.0.1 where no other is usable)."""
    import secrets

    a, b, c = (secrets.randbelow(254) + 1 for _ in range(3))
    for host in (f"127.{a}.{b}.{c}", "127.0.0.1"):
        with socket.socket() as s:
            try:
                s.bind((host, 0))
            except OSError:
                continue
            return host, s.getsockname()[1]
    raise StoreError("no loopback address to run the Oxigraph server on")


def _die_with_parent(parent: int):
    """A `preexec_fn` that makes the child get SIGKILL when its parent ends (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def set_signal() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:  # the parent ended before the signal was set
            os._exit(1)

    return set_signal


def _stop(child: Child, *, kill: bool = False) -> None:
    """End a child: SIGKILL for a retired one (its runaway query need not finish), else
    SIGTERM, then SIGKILL after 5 s."""
    proc = child.proc
    if proc.poll() is None and kill:
        proc.kill()
        proc.wait()
    elif proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    with contextlib.suppress(OSError):
        child.log.close()
