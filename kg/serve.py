"""`kg serve`: a SPARQL 1.1 Protocol endpoint over the store, safe to leave running.

The SPARQL work is done by Oxigraph's own server (`oxigraph serve-read-only`, from the PyPI
package `oxigraph`), run as a child process on a private port of 127.0.0.1 with the union
of all graphs as default graph. In front of it a small stdlib HTTP server adds what the
Oxigraph server does not do on its own:

- read-only by default: an update (`update=`, `application/sparql-update`, `/update`, or
  an update sent as a query) gets 403 unless `--allow-update`;
- a per-query time limit that really stops the query: Oxigraph's `--timeout-s` does not
  interrupt a running evaluation, so when a query overruns, the front answers 503 and
  restarts the child (other requests are retried on the new child);
- a result-size limit (bytes of the serialized result; 413 when exceeded);
- the pages of `kg.browse`: the query page at `/`, a page per entity and per article,
  search as you type (no CDN, every text escaped).

Content negotiation (SPARQL JSON, XML, CSV, TSV; Turtle, N-Triples, RDF/XML for CONSTRUCT
and DESCRIBE) is Oxigraph's: the client's `Accept` header is passed through; a `format=`
parameter (json, xml, csv, tsv, turtle, ntriples) overrides it, for browsers.

The store and `kg build`: RocksDB lets one process write a store. Read-only, `kg serve`
serves a snapshot (a RocksDB checkpoint, hard links, taken at start) so `kg build` can keep
updating the store while it runs; restart `kg serve` to serve the new graph. With
`--allow-update` it serves the store itself, read-write, and `kg build` on the same store
fails with "store ... is in use" until the server stops.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kg import browse
from kg.errors import StoreError

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0  # seconds per query
DEFAULT_MAX_RESULT_BYTES = 50_000_000
MAX_REQUEST_BYTES = 1_000_000  # a query or update body larger than this gets 413

# `format=` (or `output=`, as SPARQLWrapper sends) -> Accept; Oxigraph picks the type that
# fits the query form (results for SELECT/ASK, RDF for CONSTRUCT/DESCRIBE)
FORMATS = {
    "json": "application/sparql-results+json, application/ld+json;q=0.9",
    "xml": "application/sparql-results+xml, application/rdf+xml;q=0.9",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "n3": "text/turtle",
    "ntriples": "application/n-triples",
    "nquads": "application/n-quads",
    "rdf": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "json-ld": "application/ld+json",
}
UPDATE_KEYWORDS = re.compile(
    r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE
)
PROLOGUE = re.compile(r"^\s*(#[^\n]*\n|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)", re.IGNORECASE)
SNAPSHOT_PREFIX = "serve-snapshot-"


def oxigraph_binary() -> str:
    exe = Path(sys.executable).parent / "oxigraph"
    found = str(exe) if exe.exists() else shutil.which("oxigraph")
    if not found:
        raise StoreError("kg serve needs the Oxigraph server: pip install 'oxigraph>=0.5,<0.6'")
    return found


def is_update(text: str) -> bool:
    """True when `text` (a query string) is a SPARQL update rather than a query."""
    while True:
        m = PROLOGUE.match(text)
        if not m:
            break
        text = text[m.end() :]
    return bool(UPDATE_KEYWORDS.match(text))


# ----------------------------------------------------------------- the Oxigraph child


def _free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class Backend:
    """The `oxigraph serve[-read-only]` child process, restartable."""

    def __init__(self, location: Path, *, writable: bool, timeout: float) -> None:
        self.location = location
        self.writable = writable
        self.timeout = timeout
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.generation = 0
        self.restarts = 0

    def start(self) -> None:
        port = _free_port()
        cmd = [
            oxigraph_binary(),
            "serve" if self.writable else "serve-read-only",
            "--location", str(self.location),
            "--bind", f"127.0.0.1:{port}",
            "--union-default-graph",
            "--timeout-s", str(max(1, int(self.timeout + 0.999))),
        ]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                err = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
                if "lock" in err.lower():
                    raise StoreError(
                        f"store {self.location.parent} is in use by another process"
                        f" (kg build?); wait for it to finish ({err.splitlines()[-1]})"
                    )
                raise StoreError(f"the Oxigraph server did not start: {err or proc.returncode}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/query?query=ASK%7B%7D")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            proc.kill()
            raise StoreError("the Oxigraph server did not answer within 30 s")
        old = self.proc
        self.proc, self.port = proc, port
        self.generation += 1
        if old is not None:
            _stop(old)

    def restart(self, generation: int) -> None:
        """Replace the child, unless someone already did since `generation`."""
        with self.lock:
            if generation == self.generation:
                self.restarts += 1
                self.start()

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# ----------------------------------------------------------------- the front


@dataclass
class Settings:
    allow_update: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES


class ProxyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def make_handler(backend: Backend, settings: Settings, site: browse.Site) -> type:
    class Handler(BaseHTTPRequestHandler):  # noqa: N802 - do_* names are the stdlib's
        server_version = "kg-serve"
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - stdlib signature
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

        # --------------------------------------------------------- dispatch

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path in browse.PAGES:
                self._browse(url)
            elif url.path in ("/query", "/sparql"):
                params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
                if "update" in params:
                    self._refuse_or_update(params["update"][0])
                elif "query" not in params:
                    self._send(303, "text/plain", b"", {"Location": "/"})
                else:
                    self._query(params)
            elif url.path == "/update":
                self._error(405, "send updates with POST")
            else:
                self._error(404, f"no such endpoint {url.path}; use /query or /")

        def _not_allowed(self):
            self._error(405, f"{self.command} is not supported; use GET or POST")

        do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_TRACE = do_CONNECT = _not_allowed

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self._error(400, "bad Content-Length")
                return
            if length > MAX_REQUEST_BYTES or length < 0:
                self.close_connection = True
                self._error(
                    413, f"request body over {MAX_REQUEST_BYTES} bytes; send a shorter query"
                )
                return
            body = self.rfile.read(length) if length else b""
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if url.path not in ("/query", "/sparql", "/update"):
                self._error(404, f"no such endpoint {url.path}; use /query")
                return
            if ctype == "application/x-www-form-urlencoded":
                params.update(
                    urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                )
            elif ctype == "application/sparql-update":
                params["update"] = [body.decode("utf-8", "replace")]
            elif ctype == "application/sparql-query":
                params["query"] = [body.decode("utf-8", "replace")]
            if "update" in params or url.path == "/update":
                self._refuse_or_update(params.get("update", [""])[0])
            elif "query" in params:
                self._query(params)
            else:
                self._error(400, "no query: send query= (or update=) as the SPARQL protocol says")

        def _browse(self, url: urllib.parse.SplitResult) -> None:
            def select(query: str) -> dict:
                data = urllib.parse.urlencode({"query": query}).encode("utf-8")
                status, _, body = self._forward("/query", data, FORMATS["json"])
                if status != 200:
                    raise ProxyError(502, f"the SPARQL engine answered {status} to a page query")
                return json.loads(body)

            try:
                page = browse.answer(url.path, url.query, select, site)
            except ProxyError as exc:
                self._error(exc.status, exc.message)
                return
            self._send(page.status, page.content_type, page.body, page.headers)

        # --------------------------------------------------------- queries

        def _query(self, params: dict[str, list[str]]) -> None:
            text = params["query"][0]
            if is_update(text):
                self._refuse_or_update(text)
                return
            accept = self.headers.get("Accept") or FORMATS["json"]
            fmt = (params.pop("format", None) or params.pop("output", None) or [""])[0].lower()
            if fmt:
                if fmt not in FORMATS:
                    self._error(400, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
                    return
                accept = FORMATS[fmt]
            fields = {k: v for k, v in params.items() if k in ("query", "default-graph-uri",
                                                                  "named-graph-uri")}  # fmt: skip
            data = urllib.parse.urlencode(fields, doseq=True).encode("utf-8")
            try:
                status, headers, body = self._forward("/query", data, accept)
            except ProxyError as exc:
                self._error(exc.status, exc.message)
                return
            self._send(status, headers.get("Content-Type", "text/plain"), body)

        def _refuse_or_update(self, text: str) -> None:
            if not settings.allow_update:
                self._error(
                    403,
                    "this endpoint is read-only: SPARQL updates are refused."
                    " Start `kg serve --allow-update` to accept them.",
                )
                return
            data = urllib.parse.urlencode({"update": text}).encode("utf-8")
            try:
                status, headers, body = self._forward("/update", data, "*/*")
            except ProxyError as exc:
                self._error(exc.status, exc.message)
                return
            self._send(status, headers.get("Content-Type", "text/plain"), body)

        def _forward(self, path: str, data: bytes, accept: str):
            """POST to the child with the time and size limits; retry once after a restart."""
            for attempt in (0, 1):
                generation, port = backend.generation, backend.port
                try:
                    return _post(port, path, data, accept, settings)
                except TimeoutError:
                    backend.restart(generation)  # stop the runaway query for good
                    raise ProxyError(
                        503,
                        f"query cancelled: it ran longer than the time limit of"
                        f" {settings.timeout:g} s. Narrow it down or add a LIMIT.",
                    ) from None
                except OSError:
                    if attempt or generation == backend.generation:
                        raise ProxyError(502, "the SPARQL engine is not answering") from None
                    # the child was replaced while we talked to it: try the new one
            raise AssertionError("unreachable")

        # --------------------------------------------------------- answers

        def _error(self, status: int, message: str) -> None:
            self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))

        def _send(self, status: int, ctype: str, body: bytes, headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return Handler


def _post(port: int, path: str, data: bytes, accept: str, settings: Settings):
    """One request to the child; `TimeoutError` past the deadline, `ProxyError` if too big."""
    deadline = time.monotonic() + settings.timeout
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=settings.timeout)
    try:
        conn.request(
            "POST", path, body=data,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        )  # fmt: skip
        resp = conn.getresponse()
        chunks, size = [], 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            conn.sock.settimeout(remaining)
            chunk = resp.read1(65536)
            if not chunk:
                break
            size += len(chunk)
            if size > settings.max_result_bytes:
                raise ProxyError(
                    413,
                    f"result larger than the limit of {settings.max_result_bytes} bytes:"
                    " add a LIMIT or narrow the query",
                )
            chunks.append(chunk)
        ctype = resp.getheader("Content-Type") or "text/plain"
        return resp.status, {"Content-Type": ctype}, b"".join(chunks)
    except TimeoutError:
        raise
    except OSError as exc:
        if isinstance(exc, TimeoutError) or "timed out" in str(exc):
            raise TimeoutError from exc
        raise
    finally:
        conn.close()


# ----------------------------------------------------------------- the pages


def example_queries() -> list[tuple[str, str]]:
    """(title, runnable text) of the saved queries, with their default parameters bound."""
    from kg.graph import SPARQL_PREFIXES
    from kg.saved import bind_defaults, list_saved

    return [(q.title, SPARQL_PREFIXES + bind_defaults(q)) for q in list_saved()]


# ----------------------------------------------------------------- running it


def _snapshot(root: Path) -> Path:
    """A RocksDB checkpoint of the store under `root` (hard links), for serving read-only."""
    from kg import graph

    for old in root.glob(SNAPSHOT_PREFIX + "*"):  # left behind by a killed server
        pid = old.name.removeprefix(SNAPSHOT_PREFIX)
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    target = root / f"{SNAPSHOT_PREFIX}{os.getpid()}"
    shutil.rmtree(target, ignore_errors=True)
    store = graph.open_store(root, create=False)
    try:
        store.backup(str(target))
    except OSError as exc:
        raise StoreError(f"cannot snapshot store {root} for serving: {exc}") from exc
    finally:
        del store
        graph.close_store(root)
    return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Server(ThreadingHTTPServer):
    """The front server. socketserver's listen backlog of 5 made the kernel reset
    connections under a burst of clients (tests/test_endpoint_abuse.py): take 128."""

    request_queue_size = 128
    daemon_threads = True


def serve(
    store: str | os.PathLike | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    allow_update: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the store until interrupted; `ready(url)` is called once it answers."""
    from kg import graph
    from kg.remote import as_remote

    if as_remote(store) is not None:
        raise StoreError("kg serve serves a local store directory; that endpoint is already one")
    root = graph.store_dir(store)
    if not (root / graph.OXIGRAPH_DIR).is_dir():
        raise StoreError(f"no store at {root}: run `kg build` first or pass --store DIR")
    oxigraph_binary()
    settings = Settings(allow_update, timeout, max_result_bytes)
    snapshot = None if allow_update else _snapshot(root)
    location = root / graph.OXIGRAPH_DIR if allow_update else snapshot
    backend = Backend(location, writable=allow_update, timeout=timeout)
    try:
        backend.start()
        site = browse.Site(example_queries(), list(FORMATS), allow_update)
        handler = make_handler(backend, settings, site)
        try:
            httpd = _Server((host, port), handler)
        except OSError as exc:
            raise StoreError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        with httpd:
            if ready:
                ready(f"http://{host}:{httpd.server_address[1]}/")
            with contextlib.suppress(KeyboardInterrupt):
                httpd.serve_forever()
    finally:
        backend.stop()
        if snapshot is not None:
            shutil.rmtree(snapshot, ignore_errors=True)
