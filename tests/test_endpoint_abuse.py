"""The SPARQL endpoint under abuse: a real `kg serve` process on 127.0.0.1 over the tiny store.

Malformed queries and requests get a 4xx, never a 5xx or a dropped connection; the request
size limit is 1,000,000 bytes exactly; nothing a client sends makes the server reach the
network (SERVICE, LOAD) or change the store (updates on a read-only server, updates by GET or
from another origin on a read-write one); slow clients are cut off, a burst of them ending at
once is served, and answers are streamed, not held in memory.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from servers import children, kg_serve, sparql

from kg.serve import MAX_REQUEST_BYTES, REQUEST_SECONDS

SPARQL_PATH = "/query"
GOOD = "SELECT ?s WHERE { ?s a <https://w3id.org/chipkg/ontology#Article> } LIMIT 5"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/chipkg/ontology#Article> }"
BURST = 200


@pytest.fixture
def store(tiny_copy) -> Path:
    from kg import graph

    _, store = tiny_copy
    graph.close_store(store)
    return store


@pytest.fixture
def server(store, tmp_path):
    with kg_serve(store, log=tmp_path / "serve.log") as (port, _):
        yield port


@pytest.fixture
def writable(store, tmp_path):
    with kg_serve(store, "--allow-update", log=tmp_path / "serve.log") as (port, _):
        yield port


@contextlib.contextmanager
def listener():
    """A TCP port on 127.0.0.1 that counts the connections made to it."""
    sock = socket.create_server(("127.0.0.1", 0))
    sock.settimeout(0.2)
    hits: list[bytes] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    hits.append(conn.recv(4096))
                    conn.sendall(b"HTTP/1.1 500 Boom\r\nContent-Length: 4\r\n\r\nboom")

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        yield sock.getsockname()[1], hits
    finally:
        time.sleep(0.5)  # a connection the server makes late is still counted
        done.set()
        thread.join()
        sock.close()


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def get_query(port: int, query: str):
    return sparql(port, query, method="GET")


def articles(port: int) -> int:
    status, body = sparql(port, COUNT, headers={"Accept": "text/csv"})
    assert status == 200, body
    return int(body.split()[-1])


def still_answers(port: int) -> None:
    status, body = get_query(port, GOOD)
    assert status == 200 and b"article" in body


MALFORMED = [
    "SELECT",
    "SELECT ?x WHERE {",
    "}}}}",
    "\x00\x01\x02",
    "SELECT * WHERE { ?s ?p ?o } LIMIT -1",
    "SELECT * WHERE { ?s ?p ?o } " + "UNION { ?s ?p ?o } " * 2000,
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
    "SELECT ?x WHERE { BIND(<javascript:alert(1)> AS ?x) }",
]


def test_malformed_queries_are_4xx_and_the_server_survives(server) -> None:
    for query in MALFORMED:
        status, _ = get_query(server, query)
        assert 200 <= status < 500, (query[:60], status)
    sparql_type = {"Content-Type": "application/sparql-query"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for status, _ in (
        request(server, "GET", SPARQL_PATH),  # no query at all
        request(server, "POST", SPARQL_PATH, b"\xff\xfe", sparql_type),
        request(server, "POST", SPARQL_PATH, b"query=%ZZ", form),
        request(server, "GET", "/../../etc/passwd"),
        request(server, "GET", SPARQL_PATH + "?query=" + "A" * 100_000),
        request(server, "DELETE", SPARQL_PATH),
    ):
        assert 200 <= status < 500, status
    still_answers(server)


def test_the_request_size_limit_is_one_megabyte(server) -> None:
    """A body of MAX_REQUEST_BYTES is read; one byte more is 413, and 50 MB are not read."""
    query = b"SELECT * WHERE { ?s ?p ?o } LIMIT 1 #"
    headers = {"Content-Type": "application/sparql-query"}
    at_limit = query + b"x" * (MAX_REQUEST_BYTES - len(query))
    assert MAX_REQUEST_BYTES == 1_000_000
    assert request(server, "POST", SPARQL_PATH, at_limit, headers)[0] == 200
    status, body = request(server, "POST", SPARQL_PATH, at_limit + b"x", headers)
    assert status == 413 and b"over 1000000 bytes" in body
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        sock.sendall(
            b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/sparql-query\r\nContent-Length: 50000000\r\n\r\n" + query
        )
        assert sock.recv(4096).startswith(b"HTTP/1.1 413")  # fmt: skip
    still_answers(server)


def test_service_never_reaches_out(server) -> None:
    """SERVICE (by GET, so any web page can send it, or POST, in every spelling the engine
    reads as SERVICE) is refused, and the listener it names is never contacted; no answer
    shows the engine's private port."""
    with listener() as (port, hits):
        target = f"http://127.0.0.1:{port}/sparql"
        queries = [
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
            f"PREFIX : <{target}#>\nSELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ ?s ?p ?o . service<{target}>{{ ?s ?p ?o }} }}",
        ]
        answers = [sparql(server, q, method=m) for q in queries for m in ("GET", "POST")]
    assert hits == []
    for status, body in answers:
        assert status == 403 and b"SERVICE is refused" in body, (status, body[:200])
    still_answers(server)


def test_the_engine_is_out_of_sight(store, tmp_path) -> None:
    """The engine (no origin checks of its own) listens on a random loopback address, not on
    127.0.0.1 where a web page could find it by trying ports; no answer names it."""
    with kg_serve(store, log=tmp_path / "serve.log") as (port, proc):
        (engine,) = children(proc.pid)
        argv = Path(f"/proc/{engine}/cmdline").read_bytes().split(b"\0")
        address = argv[argv.index(b"--bind") + 1].decode()
        host, engine_port = address.rsplit(":", 1)
        bodies = [
            sparql(port, q)[1]
            for q in ("SELECT * WHERE { ?s ?p", "SELECT * FROM <http://127.0.0.1:1/> {}",
                      f"SELECT * WHERE {{ SERVICE <http://{address}/query> {{ ?s ?p ?o }} }}")
        ]  # fmt: skip
    assert host.startswith("127.") and host != "127.0.0.1"
    for body in bodies:
        assert engine_port.encode() not in body and b"Stack backtrace" not in body, body


def test_updates_are_refused_on_the_read_only_endpoint(server) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    update = {"Content-Type": "application/sparql-update"}
    for status, body in (
        get_query(server, "DROP ALL"),
        sparql(server, "PREFIX a: <x:> DROP ALL"),
        request(server, "GET", "/query?update=DROP%20ALL"),
        request(server, "POST", "/update", b"update=DROP+ALL", form),
        request(server, "POST", "/query", b"DROP ALL", update),
    ):
        assert status == 403 and b"read-only" in body, (status, body)
    assert articles(server) == 3


def test_updates_come_by_post_from_this_origin_only(writable) -> None:
    """With --allow-update: no update by GET (a link or an <img> could send it), none from a
    page of another origin (a cross-site form posts without asking), no LOAD; an update by
    POST from this origin, or from a client that is not a browser, is applied."""
    port = writable
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    evil = {**form, "Origin": "http://evil.example"}
    drop = b"update=DROP+ALL"
    with listener() as (target, hits):
        load = urllib.parse.urlencode({"update": f"LOAD <http://127.0.0.1:{target}/x.ttl>"})
        refused = [
            (405, request(port, "GET", "/query?update=DROP%20ALL", headers={"Origin": "http://e"})),
            (405, request(port, "GET", "/update?update=DROP%20ALL")),
            (403, request(port, "POST", "/update", drop, evil)),
            (403, request(port, "POST", "/query", drop, {**form, "Origin": "null"})),
            (403, request(port, "POST", "/update", drop, {**form, "Sec-Fetch-Site": "cross-site"})),
            (403, request(port, "POST", "/update", load.encode(), form)),
        ]  # fmt: skip
    assert hits == []
    assert [(want, got[0]) for want, got in refused] == [(want, want) for want, _ in refused]
    assert articles(port) == 3
    insert = (
        b"update="
        + urllib.parse.quote_plus(
            "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"
        ).encode()
    )
    same = {**form, "Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"}
    assert request(port, "POST", "/update", insert, same)[0] == 204
    assert sparql(port, "ASK { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }")[1].endswith(b"true}")
    assert request(port, "POST", "/update", b"update=CLEAR+GRAPH+%3Curn%3Ag%3E", form)[0] == 204
    assert articles(port) == 3


def test_a_request_for_another_host_is_refused(server) -> None:
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 reads nothing."""
    status, body = sparql(server, GOOD, headers={"Host": f"evil.example:{server}"})
    assert status == 403 and b"127.0.0.1 or localhost" in body
    for host in (f"localhost:{server}", f"127.0.0.1:{server}", "[::1]"):
        assert sparql(server, GOOD, headers={"Host": host})[0] == 200


def test_slow_clients_are_cut_off_and_a_burst_is_served(server, tmp_path) -> None:
    """200 clients that send half a request are disconnected after REQUEST_SECONDS while the
    server keeps answering others; 200 complete requests arriving at once are all answered,
    without cancelling any as a runaway."""
    half = f"GET /query?query={urllib.parse.quote(GOOD)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    slow = []
    for _ in range(BURST):
        sock = socket.create_connection(("127.0.0.1", server), timeout=30)
        sock.sendall(half.encode())
        slow.append(sock)
    started = time.monotonic()
    still_answers(server)
    assert time.monotonic() - started < 2
    closed = []
    for sock in slow:
        with sock:
            sock.settimeout(max(0.1, started + REQUEST_SECONDS + 3 - time.monotonic()))
            try:
                closed.append(sock.recv(4096) == b"")
            except OSError:
                closed.append(False)
    assert all(closed), closed.count(False)
    assert time.monotonic() - started < REQUEST_SECONDS + 3

    waiting = []
    for _ in range(BURST):
        sock = socket.create_connection(("127.0.0.1", server), timeout=60)
        sock.sendall(half.encode())
        waiting.append(sock)
    for sock in waiting:  # the burst: every request completed at once
        sock.sendall(b"\r\n")

    def status_of(sock: socket.socket) -> int:
        with sock:
            response = http.client.HTTPResponse(sock)
            response.begin()
            response.read()
            return response.status

    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(status_of, waiting))
    assert statuses.count(200) == BURST, sorted(set(statuses))
    started = time.monotonic()
    still_answers(server)
    assert time.monotonic() - started < 2
    assert "restarting" not in (tmp_path / "serve.log").read_text()


def test_burst_of_concurrent_requests(server) -> None:
    queries = [GOOD if i % 3 else MALFORMED[i % len(MALFORMED)] for i in range(BURST)]
    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(lambda q: get_query(server, q)[0], queries))
    assert all(200 <= s < 500 for s in statuses), sorted(set(statuses))
    assert statuses.count(200) >= BURST // 2
    still_answers(server)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(x.split()[1] for x in status.splitlines() if x.startswith("VmRSS:"))) / 1024


def test_large_answers_are_streamed_not_held(store, tmp_path) -> None:
    """8 clients at once each fetching a 7 MB answer: the front holds at most BUFFER_BYTES
    per request, not whole answers (growth under 50 MB, where holding them took more than
    100 MB); each answer arrives whole."""
    big = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 20000"
    with kg_serve(store, log=tmp_path / "serve.log") as (port, proc):
        sparql(port, GOOD)
        before = rss_mb(proc.pid)
        peak = [before]
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.05):
                peak.append(rss_mb(proc.pid))

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(pool.map(lambda _: sparql(port, big), range(8)))
        finally:
            done.set()
            watcher.join()
        engine = children(proc.pid)
    for status, body in answers:
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 20000
        assert len(body) > 6_000_000
    assert max(peak) - before < 50, (before, max(peak))
    assert len(engine) == 1


def test_page_shows_stored_text_only_escaped(server) -> None:
    status, body = request(server, "GET", "/?q=<script>alert(1)</script>")
    assert status < 500
    assert b"<script>alert(1)</script>" not in body
    status, body = get_query(server, 'SELECT ("<script>alert(2)</script>" AS ?x) WHERE {}')
    assert status == 200
