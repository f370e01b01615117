"""`kg serve`: a SPARQL 1.1 Protocol endpoint over the store, safe to leave running.

The SPARQL work is done by Oxigraph's own server, a supervised child process on a private
loopback address and port (`kg.engine`). In front of it a small stdlib HTTP server adds what the
Oxigraph server does not do on its own (docs/serving.md has the figures):

- every request is read before it runs (`kg.sparqlcheck`): SERVICE and LOAD, which make the
  engine fetch from the network, get 403; so does an update unless `--allow-update`, and
  even then an update must come by POST and not from a page of another origin; on a
  server bound to a loopback address, a request naming another host (DNS rebinding) gets
  403;
- a per-query time limit that really stops the query: a query that overruns gets 503 and
  its engine process is replaced, after the other requests it is answering are done;
- bounded work: at most `MAX_CONNECTIONS` connections (more get 503 at once), a request
  must arrive whole within `REQUEST_SECONDS`, at most `ENGINE_SLOTS` requests at the engine
  at a time (the others wait their turn, up to the time limit, then get 503);
- answers are streamed, not held: an answer up to `BUFFER_BYTES` is checked whole before
  its status is sent (too large: 413; cut short by an engine error: 500); a larger one is
  sent in chunks as it comes, and if it then grows past the result-size limit, or the
  engine fails, it ends without its last chunk, which HTTP clients report as an error;
- the pages of `kg.browse`: the query page at `/`, a page per entity and per article,
  search as you type (no CDN, every text escaped), their queries run within the same limits.

Content negotiation (SPARQL JSON, XML, CSV, TSV; Turtle, N-Triples, RDF/XML for CONSTRUCT
and DESCRIBE) is Oxigraph's: the client's `Accept` header is passed through; a `format=`
parameter (json, xml, csv, tsv, turtle, ntriples) overrides it, for browsers.

The store and `kg build`: RocksDB lets one process write a store. Read-only, `kg serve`
serves a snapshot (a RocksDB checkpoint, hard links, taken at start) so `kg build` can keep
updating the store while it runs; restart `kg serve` to serve the new graph. With
`--allow-update` it serves the store itself, read-write, and holds the store's lock
(`kg.storelock`): `kg build` on the same store says who holds it until the server stops.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import math
import os
import shutil
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kg import browse
from kg.deadlines import shared as shared_deadlines
from kg.engine import Child, Engine, EngineUnavailable, oxigraph_binary
from kg.errors import ServeError, StoreError
from kg.sparqlcheck import inspect

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0  # seconds per query
DEFAULT_MAX_RESULT_BYTES = 50_000_000
MAX_REQUEST_BYTES = 1_000_000  # a query or update body larger than this gets 413
REQUEST_SECONDS = 10.0  # a request must arrive whole within this; also the keep-alive idle limit
STALL_SECONDS = 10.0  # a client that takes no data (or sends none) for this long is dropped
TRANSFER_SECONDS = 60.0  # beyond the time limit, for sending an answer
MAX_CONNECTIONS = 1024
ENGINE_SLOTS = 8
BUFFER_BYTES = 1_000_000
LINGER_SECONDS, LINGER_BYTES = 2.0, 2 * MAX_REQUEST_BYTES  # a refused body is read, not kept
ENGINE_ERROR_BYTES = 65_536

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
SNAPSHOT_PREFIX = "serve-snapshot-"
LOCAL_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})
READ_WRITE = "served read-write by kg serve"  # what the store lock says while we hold it


# ----------------------------------------------------------------- the front


@dataclass(frozen=True)
class Settings:
    allow_update: bool = False
    timeout: float = DEFAULT_TIMEOUT
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES
    local_only: bool = True  # bound to a loopback address: the Host header must say so


def check_settings(host: str, port: int, timeout: float, max_result_bytes: int) -> None:
    """`ServeError` for an option no server can run with."""
    if not 0 <= port <= 65535:
        raise ServeError(f"--port {port} is not a port: use 1-65535, or 0 for a free one")
    if not (math.isfinite(timeout) and 0 < timeout <= 86400):
        raise ServeError(f"--timeout {timeout:g} is not a time limit: use 0 < seconds <= 86400")
    if max_result_bytes < 1:
        raise ServeError(f"--max-result-bytes {max_result_bytes} must be at least 1")
    if not host.strip():
        raise ServeError("--host is empty: give an address such as 127.0.0.1")


class Refusal(Exception):
    """An answer of ours (an error status) instead of the engine's."""

    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class _ClientGone(Exception):
    """The client stopped reading (or was too slow): nothing more can be sent to it."""


class _EngineFailed(Exception):
    """The engine's connection failed (it died, or cut the answer short)."""


def _busy(message: str) -> Refusal:
    return Refusal(503, f"{message}; try again in a moment", {"Retry-After": "1"})


def _is_local_host(header: str | None) -> bool:
    """Does a Host header name this machine (a loopback address or localhost)?"""
    if not header:
        return True  # HTTP/1.0 clients may send none
    name = urllib.parse.urlsplit("//" + header).hostname or ""
    if name.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def finished(content_type: str, tail: bytes) -> bool:
    """Does an answer ending in `tail` end as its format must? Oxigraph reports an error met
    after the first results by writing its message into the body, which then ends in the
    middle of a JSON or XML document or of a line."""
    end = tail.rstrip()
    if not end:
        return True
    if "json" in content_type:
        return end.endswith((b"}", b"]"))
    if "xml" in content_type:
        return end.endswith(b">")
    return tail.endswith(b"\n")


def engine_message(body: bytes, child: Child) -> str:
    """An engine error fit for a client: no backtrace, no private port, at most 1000 chars."""
    text = body.decode("utf-8", "replace").split("Stack backtrace:", 1)[0]
    text = " ".join(text.split()).removeprefix("Error: ") or "(no message)"
    return text.replace(f"{child.host}:{child.port}", "the engine")[:1000]


def make_handler(
    engine: Engine, settings: Settings, site: browse.Site, slots: threading.Semaphore
) -> type:  # fmt: skip
    deadlines = shared_deadlines()

    class Handler(BaseHTTPRequestHandler):  # noqa: N802 - do_* names are the stdlib's
        server_version = "kg-serve"
        protocol_version = "HTTP/1.1"
        timeout = STALL_SECONDS  # the socket's: no read or write may stall longer
        disable_nagle_algorithm = True  # a small answer is not held back waiting for an ACK

        def log_message(self, format, *args):  # noqa: A002 - stdlib signature
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

        def handle_one_request(self):
            self._sent = False  # has the status line of an answer gone out?
            self._engine_due = self._answer_due = math.inf
            deadlines.arm(self.connection, REQUEST_SECONDS)
            try:
                super().handle_one_request()
            finally:
                deadlines.disarm(self.connection)

        # --------------------------------------------------------- dispatch

        def do_GET(self):
            deadlines.disarm(self.connection)  # a GET has no body: the request is in
            url = urllib.parse.urlsplit(self.path)
            self._answer(lambda: self._get(url))

        def do_POST(self):
            url = urllib.parse.urlsplit(self.path)
            if self.headers.get("Transfer-Encoding"):
                self._refuse_body(411, "send the request body with a Content-Length")
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self._refuse_body(400, "bad Content-Length")
                return
            if length > MAX_REQUEST_BYTES:
                self._refuse_body(
                    413, f"request body over {MAX_REQUEST_BYTES} bytes; send a shorter query"
                )
                return
            body = self.rfile.read(length) if length else b""
            if len(body) < length:  # the client went away, or was cut off for being slow
                self.close_connection = True
                return
            deadlines.disarm(self.connection)
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            self._answer(lambda: self._post(url.path, params, body))

        def _refuse_body(self, status: int, message: str) -> None:
            """Answer without reading the body, then close the way nginx's lingering close
            does: stop sending, read and drop what the client still sends for a moment
            (LINGER_SECONDS, LINGER_BYTES at most), so that the kernel does not reset the
            connection, and the answer with it, while the client is still sending."""
            self.close_connection = True
            self._error(status, message)
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_WR)
                due, dropped = time.monotonic() + LINGER_SECONDS, 0
                while dropped < LINGER_BYTES and (left := due - time.monotonic()) > 0:
                    self.connection.settimeout(left)
                    chunk = self.connection.recv(65536)
                    if not chunk:
                        break
                    dropped += len(chunk)

        def _not_allowed(self):
            self.close_connection = True
            self._error(405, f"{self.command} is not supported; use GET or POST")

        do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_TRACE = do_CONNECT = _not_allowed

        def _answer(self, work: Callable[[], None]) -> None:
            try:
                if settings.local_only and not _is_local_host(self.headers.get("Host")):
                    raise Refusal(
                        403, "this server answers requests addressed to 127.0.0.1 or localhost"
                    )
                work()
            except Refusal as refusal:
                if self._sent:
                    self.close_connection = True
                else:
                    self._error(refusal.status, refusal.message, refusal.headers)
            except _ClientGone:
                self.close_connection = True

        def _get(self, url: urllib.parse.SplitResult) -> None:
            path, params = url.path, urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if path in browse.PAGES:
                page = browse.answer(path, url.query, self._select, site)
                self._send(page.status, page.content_type, page.body, page.headers)
            elif path in ("/query", "/sparql"):
                if "update" in params:
                    self._update(params["update"][0])
                elif "query" not in params:
                    self._send(303, "text/plain", b"", {"Location": "/"})
                else:
                    self._query(params)
            elif path == "/update":
                self._update("")
            else:
                raise Refusal(404, f"no such endpoint {path}; use /query or /")

        def _post(self, path: str, params: dict[str, list[str]], body: bytes) -> None:
            if path not in ("/query", "/sparql", "/update"):
                raise Refusal(404, f"no such endpoint {path}; use /query")
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            text = body.decode("utf-8", "replace")
            if ctype == "application/x-www-form-urlencoded":
                params.update(urllib.parse.parse_qs(text, keep_blank_values=True))
            elif ctype == "application/sparql-update":
                params["update"] = [text]
            elif ctype == "application/sparql-query":
                params["query"] = [text]
            if "update" in params or path == "/update":
                self._update(params.get("update", [""])[0])
            elif "query" in params:
                self._query(params)
            else:
                raise Refusal(400, "no query: send query= (or update=) as the SPARQL protocol says")

        # --------------------------------------------------------- queries and updates

        def _query(self, params: dict[str, list[str]]) -> None:
            text = params["query"][0]
            request = inspect(text)
            if request.form == "update":
                self._update(text)
                return
            _refuse_outside(request.outside)
            accept = self.headers.get("Accept") or FORMATS["json"]
            fmt = (params.pop("format", None) or params.pop("output", None) or [""])[0].lower()
            if fmt:
                if fmt not in FORMATS:
                    raise Refusal(400, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
                accept = FORMATS[fmt]
            fields = {k: v for k, v in params.items() if k in ("query", "default-graph-uri",
                                                                  "named-graph-uri")}  # fmt: skip
            data = urllib.parse.urlencode(fields, doseq=True).encode("utf-8")
            self._forward("/query", data, accept, retry=True)

        def _update(self, text: str) -> None:
            if not settings.allow_update:
                raise Refusal(
                    403,
                    "this endpoint is read-only: SPARQL updates are refused."
                    " Start `kg serve --allow-update` to accept them.",
                )
            if self.command != "POST":
                raise Refusal(405, "send updates with POST", {"Allow": "POST"})
            _refuse_outside(inspect(text).outside)
            other = self._other_origin()
            if other:
                raise Refusal(403, f"an update from another origin ({other}) is refused")
            data = urllib.parse.urlencode({"update": text}).encode("utf-8")
            self._forward("/update", data, "*/*", retry=False)

        def _other_origin(self) -> str | None:
            """The foreign origin a browser says the request comes from, if any."""
            origin = self.headers.get("Origin")
            host = (self.headers.get("Host") or "").lower()
            if origin is not None and urllib.parse.urlsplit(origin).netloc.lower() != host:
                return origin
            site = self.headers.get("Sec-Fetch-Site")
            if site is not None and site not in ("same-origin", "none"):
                return f"Sec-Fetch-Site: {site}"
            return None

        # --------------------------------------------------------- the engine

        def _forward(self, path: str, data: bytes, accept: str, *, retry: bool) -> None:
            """Send the request to the engine and its answer to the client, within the limits;
            a query whose engine failed before anything was sent is tried once more."""
            self._engine(lambda child: self._exchange(child, path, data, accept, self._relay),
                         retry=retry)  # fmt: skip

        def _select(self, query: str) -> dict:
            """The SPARQL JSON result of a SELECT a page runs, within the same limits."""
            data = urllib.parse.urlencode({"query": query}).encode("utf-8")
            accept = "application/sparql-results+json"
            body = self._engine(
                lambda child: self._exchange(child, "/query", data, accept, self._collect),
                retry=True,
            )
            return json.loads(body)

        def _engine(self, work: Callable[[Child], object], *, retry: bool):
            """`work(child)` with an engine slot and a child held: tried once more on a new
            child when the engine failed before anything was sent (and `retry`)."""
            started = time.monotonic()
            if not slots.acquire(timeout=settings.timeout):
                raise _busy("the server is busy")
            try:
                for attempt in (0, 1):
                    try:
                        child = engine.acquire(started + settings.timeout)
                    except EngineUnavailable as exc:
                        raise _busy(str(exc)) from None
                    try:
                        return work(child)
                    except _EngineFailed:
                        engine.check(child)
                        if self._sent or not retry or attempt:
                            raise Refusal(
                                502, "the SPARQL engine failed while answering; try again"
                            ) from None
                    finally:
                        engine.release(child)
            finally:
                slots.release()

        def _exchange(self, child: Child, path: str, data: bytes, accept: str, consume):
            """Send one request to `child`; `consume(child, sock, response)` takes the answer."""
            conn = http.client.HTTPConnection(child.host, child.port, timeout=settings.timeout)
            self._engine_due = time.monotonic() + settings.timeout
            self._answer_due = self._engine_due + TRANSFER_SECONDS
            try:
                try:
                    conn.request("POST", path, body=data, headers={
                        "Content-Type": "application/x-www-form-urlencoded", "Accept": accept,
                    })  # fmt: skip
                    sock = conn.sock  # kept: a response that closes the connection takes it
                    resp = conn.getresponse()
                except TimeoutError:
                    raise self._overran(child) from None
                except (OSError, http.client.HTTPException):
                    raise _EngineFailed from None
                return consume(child, sock, resp)
            finally:
                conn.close()

        def _overran(self, child: Child) -> Refusal:
            engine.retire(child, f"a query ran past the time limit of {settings.timeout:g} s")
            return Refusal(
                503,
                f"query cancelled: it ran longer than the time limit of {settings.timeout:g} s."
                " Narrow it down or add a LIMIT.",
            )

        def _read(self, child: Child, sock: socket.socket, resp) -> bytes:
            """The next bytes of the engine's answer, within the engine's time limit."""
            remaining = self._engine_due - time.monotonic()
            if remaining <= 0:
                raise self._overran(child)
            try:
                sock.settimeout(remaining)
                return resp.read1(65536)
            except TimeoutError:
                raise self._overran(child) from None
            except (OSError, http.client.HTTPException):
                raise _EngineFailed from None

        def _refuse_error(self, child: Child, sock: socket.socket, resp) -> None:
            """An error status of the engine, with its message, as our answer."""
            body = b""
            while len(body) < ENGINE_ERROR_BYTES:
                chunk = self._read(child, sock, resp)
                if not chunk:
                    break
                body += chunk
            raise Refusal(resp.status, engine_message(body, child))

        def _collect(self, child: Child, sock: socket.socket, resp) -> bytes:
            """The whole answer, for a page (at most the result-size limit)."""
            if resp.status != 200:
                self._refuse_error(child, sock, resp)
            body = bytearray()
            while chunk := self._read(child, sock, resp):
                body += chunk
                if len(body) > settings.max_result_bytes:
                    raise Refusal(413, "a query of this page has a result over the size limit")
            if not finished(resp.getheader("Content-Type") or "", bytes(body[-256:])):
                raise Refusal(500, "a query of this page failed after its first results")
            return bytes(body)

        def _relay(self, child: Child, sock: socket.socket, resp) -> None:
            ctype = resp.getheader("Content-Type") or "text/plain"
            if not 200 <= resp.status < 300:
                self._refuse_error(child, sock, resp)
            limit = settings.max_result_bytes
            too_big = Refusal(
                413, f"result larger than the limit of {limit} bytes: add a LIMIT or narrow the"
                " query",
            )  # fmt: skip
            held = bytearray()
            while len(held) <= BUFFER_BYTES:
                chunk = self._read(child, sock, resp)
                if not chunk:
                    if not finished(ctype, bytes(held[-256:])):
                        raise Refusal(
                            500, "the query failed after its first results: "
                            + engine_message(bytes(held[-300:]), child),
                        )  # fmt: skip
                    self._send(resp.status, ctype, bytes(held))
                    return
                held += chunk
                if len(held) > limit:
                    raise too_big
            self._stream(child, sock, resp, ctype, bytes(held), limit)

        def _stream(self, child, sock, resp, ctype: str, held: bytes, limit: int) -> None:
            """Send an answer larger than BUFFER_BYTES chunk by chunk; one that turns out too
            big or broken ends without its last chunk (a client error, never a short 200)."""
            chunked = self.request_version != "HTTP/1.0"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("X-Content-Type-Options", "nosniff")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.close_connection = True
            self._end_headers()
            total, tail = len(held), held[-256:]
            while True:
                chunk = self._read(child, sock, resp)
                if not chunk:
                    break
                total += len(chunk)
                tail = (tail + chunk)[-256:]
                if total > limit:
                    raise Refusal(413, "result over the limit after streaming began")
                self._write(_chunk(held) if chunked else held)
                held = chunk
            if not finished(ctype, tail):
                raise Refusal(500, "the query failed after its first results")
            self._write(_chunk(held) + b"0\r\n\r\n" if chunked else held)

        # --------------------------------------------------------- answers

        def _end_headers(self) -> None:
            self._sent = True
            try:
                self.end_headers()
            except OSError:
                raise _ClientGone from None

        def _write(self, data: bytes) -> None:
            """Send bytes to the client, holding the engine's clock while the client reads."""
            started = time.monotonic()
            if started > self._answer_due:
                raise _ClientGone
            try:
                self.wfile.write(data)
            except OSError:
                raise _ClientGone from None
            self._engine_due += time.monotonic() - started

        def _error(self, status: int, message: str, headers: dict | None = None) -> None:
            body = (message + "\n").encode("utf-8")
            with contextlib.suppress(_ClientGone):
                self._send(status, "text/plain; charset=utf-8", body, headers)

        def _send(self, status: int, ctype: str, body: bytes, headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if self.close_connection:
                self.send_header("Connection", "close")
            self._end_headers()
            if body and self.command != "HEAD":
                self._write(body)

    return Handler


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""


def _refuse_outside(keyword: str) -> None:
    if keyword == "SERVICE":
        raise Refusal(
            403, "SERVICE is refused: this endpoint answers from its own store only"
            " (no federated queries)",
        )  # fmt: skip
    if keyword == "LOAD":
        raise Refusal(403, "LOAD is refused: this endpoint fetches nothing from the network")


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
    """The front server: a thread per connection, at most `MAX_CONNECTIONS` of them (a
    connection over that gets 503 at once); a listen backlog of 1024, as socketserver's 5
    made the kernel reset connections under a burst of clients."""

    request_queue_size = 1024
    daemon_threads = True
    block_on_close = False

    def __init__(self, address, handler, max_connections: int = MAX_CONNECTIONS) -> None:
        self.max_connections = max_connections
        self._active = 0
        self._count = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        with self._count:
            full = self._active >= self.max_connections
            if not full:
                self._active += 1
        if not full:
            try:
                super().process_request(request, client_address)
                return
            except RuntimeError:  # no thread could be started
                self._done()
        _turn_away(request)
        self.shutdown_request(request)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._done()

    def _done(self) -> None:
        with self._count:
            self._active -= 1

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        sys.stderr.write(f"{client_address[0]} request failed: {type(exc).__name__}: {exc}\n")


def _turn_away(sock: socket.socket) -> None:
    body = b"too many connections; try again in a moment\n"
    head = (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with contextlib.suppress(OSError):
        sock.settimeout(0.5)
        sock.sendall(head + body)


def _is_loopback(host: str) -> bool:
    try:
        return all(
            ipaddress.ip_address(info[4][0]).is_loopback
            for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        )
    except (OSError, ValueError):
        return False


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
    from kg.storelock import build_lock

    check_settings(host, port, timeout, max_result_bytes)
    if as_remote(store) is not None:
        raise StoreError("kg serve serves a local store directory; that endpoint is already one")
    root = graph.store_dir(store)
    if not (root / graph.OXIGRAPH_DIR).is_dir():
        raise StoreError(f"no store at {root}: run `kg build` first or pass --store DIR")
    oxigraph_binary()
    settings = Settings(allow_update, timeout, max_result_bytes, local_only=_is_loopback(host))
    with contextlib.ExitStack() as stack:
        if allow_update:  # the store's writer while we run: `kg build` is told who has it
            stack.enter_context(build_lock(root, purpose=READ_WRITE))
            location = root / graph.OXIGRAPH_DIR
        else:
            location = _snapshot(root)
            stack.callback(shutil.rmtree, location, ignore_errors=True)
        engine = Engine(location, writable=allow_update, grace=timeout + 1)
        site = browse.Site(example_queries(), list(FORMATS), allow_update)
        handler = make_handler(engine, settings, site, threading.BoundedSemaphore(ENGINE_SLOTS))
        try:
            httpd = stack.enter_context(_Server((host, port), handler))
        except (OSError, OverflowError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise ServeError(f"cannot listen on {host}:{port}: {reason}") from exc
        engine.start()
        stack.callback(engine.stop)
        if ready:
            ready(f"http://{host}:{httpd.server_address[1]}/")
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()
