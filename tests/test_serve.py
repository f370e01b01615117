"""`kg serve`: a real server (kg serve -> oxigraph serve-read-only) queried with SPARQLWrapper."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from conftest import write_hand_store
from servers import free_port, running

from kg import graph

SPARQLWrapper = pytest.importorskip("SPARQLWrapper")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    store = tmp_path_factory.mktemp("serve") / "store"
    write_hand_store(store)
    graph.close_store(store)
    port = free_port()
    cmd = [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port),
           "--timeout", "2", "--max-result-bytes", "200000"]  # fmt: skip
    with running(cmd, f"http://127.0.0.1:{port}/") as proc:
        yield f"http://127.0.0.1:{port}", store, proc


def wrapper(url: str, query: str, fmt: str):
    from SPARQLWrapper import SPARQLWrapper as W

    w = W(url + "/query")
    w.setQuery(query)
    w.setReturnFormat(fmt)
    w.setTimeout(20)
    return w.query()


KG = "PREFIX kg: <https://w3id.org/chipkg/ontology#> PREFIX kge: <https://w3id.org/chipkg/entity/> "
SELECT = KG + "SELECT DISTINCT ?s ?o WHERE { ?s kg:suppliesTo ?o } ORDER BY ?s ?o"


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_in_every_result_format(endpoint, fmt):
    url, _, _ = endpoint
    result = wrapper(url, SELECT, fmt)
    body = result.convert()
    if fmt == "json":
        rows = [(b["s"]["value"], b["o"]["value"]) for b in body["results"]["bindings"]]
        assert (
            "https://w3id.org/chipkg/entity/Alpha",
            "https://w3id.org/chipkg/entity/Beta",
        ) in rows
    elif fmt == "xml":
        assert body.getElementsByTagName("result")  # an xml.dom Document
    else:
        text = body.decode("utf-8")
        sep = "," if fmt == "csv" else "\t"
        assert text.splitlines()[0].replace("?", "") == f"s{sep}o"
        assert "entity/Alpha" in text and "entity/Beta" in text


def test_ask_and_named_graphs(endpoint):
    url, _, _ = endpoint
    assert wrapper(url, KG + "ASK { kge:Alpha kg:suppliesTo kge:Beta }", "json").convert()[
        "boolean"
    ]
    q = KG + "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s kg:competesWith ?o } }"
    graphs = {b["g"]["value"] for b in wrapper(url, q, "json").convert()["results"]["bindings"]}
    assert graphs == {graph.article_iri("one.md"), graph.article_iri("two.md")}


@pytest.mark.parametrize("fmt", ["turtle", "n3"])
def test_construct(endpoint, fmt):
    import rdflib

    url, _, _ = endpoint
    q = KG + "CONSTRUCT { ?s kg:suppliesTo ?o } WHERE { ?s kg:suppliesTo ?o }"
    g = wrapper(url, q, fmt).convert()
    if not isinstance(g, rdflib.Graph):
        g = rdflib.Graph().parse(data=g, format="turtle")
    assert (rdflib.URIRef("https://w3id.org/chipkg/entity/Alpha"),
            rdflib.URIRef("https://w3id.org/chipkg/ontology#suppliesTo"),
            rdflib.URIRef("https://w3id.org/chipkg/entity/Beta")) in g  # fmt: skip


def test_construct_as_ntriples(endpoint):
    url, _, _ = endpoint
    q = KG + "CONSTRUCT { ?s kg:suppliesTo ?o } WHERE { ?s kg:suppliesTo ?o }"
    req = urllib.request.Request(
        url + "/query?" + urllib.parse.urlencode({"query": q}),
        headers={"Accept": "application/n-triples"},
    )
    with urllib.request.urlopen(req, timeout=20) as resp:
        assert resp.headers["Content-Type"].startswith("application/n-triples")
        assert b"<https://w3id.org/chipkg/entity/Alpha>" in resp.read()


def test_updates_are_refused(endpoint):
    from SPARQLWrapper import POST
    from SPARQLWrapper import SPARQLWrapper as W

    url, _, _ = endpoint
    w = W(url + "/query", updateEndpoint=url + "/update")
    w.setMethod(POST)
    w.setQuery("DROP ALL")
    with pytest.raises(Exception) as exc:
        w.query()
    assert "403" in str(exc.value) or "read-only" in str(exc.value)
    # also as form field on /query, and disguised as a query
    for data in ({"update": "DROP ALL"}, {"query": "PREFIX a: <x:> DROP ALL"}):
        req = urllib.request.Request(url + "/query", data=urllib.parse.urlencode(data).encode())
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=20)
        assert err.value.code == 403
        assert b"read-only" in err.value.read()
    assert wrapper(url, KG + "ASK { kge:Alpha kg:suppliesTo kge:Beta }", "json").convert()[
        "boolean"
    ]


def test_runaway_query_is_cut_off_and_server_keeps_answering(endpoint):
    url, _, _ = endpoint
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    answers = []

    def other_queries():
        for _ in range(3):
            time.sleep(0.3)
            answers.append(wrapper(url, KG + "ASK { ?s kg:suppliesTo ?o }", "json").convert())

    side = threading.Thread(target=other_queries)
    started = time.monotonic()
    side.start()
    req = urllib.request.Request(
        url + "/query", data=urllib.parse.urlencode({"query": runaway}).encode()
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    elapsed = time.monotonic() - started
    side.join(timeout=30)
    assert err.value.code == 503 and b"time limit" in err.value.read()
    assert elapsed < 10
    # later queries are answered (the runaway was killed with its engine process)
    assert wrapper(url, KG + "ASK { kge:Alpha kg:suppliesTo kge:Beta }", "json").convert()[
        "boolean"
    ]
    assert len(answers) == 3


def test_result_size_limit(endpoint):
    url, _, _ = endpoint
    q = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 100000"
    req = urllib.request.Request(url + "/query", data=urllib.parse.urlencode({"query": q}).encode())
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=30)
    assert err.value.code == 413 and b"LIMIT" in err.value.read()


def test_page_is_self_contained_and_escaped(endpoint):
    url, _, _ = endpoint
    with urllib.request.urlopen(url + "/", timeout=20) as resp:
        page = resp.read().decode("utf-8")
    assert "<textarea" in page and "http://" not in page.split("</textarea>")[1].split("<script")[0]
    assert "cdn" not in page.lower() and "<script src" not in page
    assert "ownership" in page.lower()


def test_saved_query_with_hostile_parameter(endpoint):
    """The hostile value becomes an IRI or an escaped literal: no effect, nothing returned."""
    from kg.saved import bind, get_saved

    url, store, _ = endpoint
    hostile = '"} ; DROP ALL ; #'
    for name, param in [("suppliers-and-customers", "entity"), ("ownership-chain", "entity")]:
        text = bind(get_saved(name), {param: hostile})
        assert "DROP ALL" not in text
        from kg.graph import SPARQL_PREFIXES

        body = wrapper(url, SPARQL_PREFIXES + text, "json").convert()
        assert body["results"]["bindings"] == []
    assert wrapper(url, KG + "ASK { kge:Alpha kg:suppliesTo kge:Beta }", "json").convert()[
        "boolean"
    ]


def test_build_and_serve_coexist(endpoint):
    """kg serve serves a snapshot: the store itself stays free for kg build."""
    _, store, _ = endpoint
    s = graph.open_store(store)  # would fail with "in use" if the server held the lock
    assert graph.count(s, "?s ?p ?o") > 0
    graph.close_store(store)
    del s
    out = subprocess.run(
        [sys.executable, "-m", "kg.cli", "stats", "--store", str(store)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr


# ----------------------------------------------------------------- options and messages


def kg_run(*args, cwd=None, timeout=60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--port", "99999", "--port 99999 is not a port"),
     ("--timeout", "-1", "--timeout -1 is not a time limit"),
     ("--max-result-bytes", "0", "--max-result-bytes 0 must be at least 1")],
)  # fmt: skip
def test_options_out_of_range_are_one_line(hand_store, option, value, message) -> None:
    r = kg_run("serve", "--store", hand_store, option, value, timeout=30)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f"error: [E080] {r.stderr.split('] ', 1)[1]}" and r.stderr.count("\n") == 1
    assert message in r.stderr, r.stderr


def test_a_busy_store_is_one_line_without_a_backtrace(tmp_path) -> None:
    """Another process has the store open: kg serve --allow-update says so in one line,
    without the engine's Rust backtrace."""
    store = tmp_path / "store"
    write_hand_store(store)
    graph.close_store(store)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pyoxigraph as ox\n"
         f"s = ox.Store({str(store / 'oxigraph')!r}); print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        r = kg_run("serve", "--store", store, "--allow-update", "--port", "0", timeout=60)
    finally:
        holder.communicate("")
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith(f"error: [E040] store {store} is in use by another process")
    assert "backtrace" not in r.stderr.lower() and "_start" not in r.stderr


def test_build_names_the_server_that_holds_the_store(tiny_copy, tmp_path) -> None:
    from servers import kg_serve

    corpus, store = tiny_copy
    graph.close_store(store)
    with kg_serve(store, "--allow-update", log=tmp_path / "serve.log") as (_, proc):
        r = kg_run("build", corpus, "--store", store, "--wait", "0.2", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr == (
        f"error: [E041] store {store} is served read-write by kg serve (pid {proc.pid});"
        " try again when it finishes\n"
    )


# ----------------------------------------------------------------- streaming (a stand-in engine)


class StandInEngine:
    """An engine that is a plain HTTP server sending fixed answers (the front's side of
    kg.engine.Engine: acquire, release, retire, check)."""

    def __init__(self, body: bytes, *, cut: bool = False) -> None:
        import socket

        from kg.engine import Child

        self.body, self.cut, self.retired = body, cut, []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.child = Child(proc=None, host="127.0.0.1", port=self.sock.getsockname()[1], log=None)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        from servers import read_request

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                read_request(conn)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                if self.cut:  # says how long it is, then dies half way
                    conn.sendall(head + b"Content-Length: %d\r\n\r\n" % len(self.body)
                                 + self.body[: len(self.body) // 2])  # fmt: skip
                else:
                    conn.sendall(head + b"Connection: close\r\n\r\n" + self.body)

    def acquire(self, deadline):
        return self.child

    def release(self, child) -> None:
        pass

    def retire(self, child, reason) -> None:
        self.retired.append(reason)

    def check(self, child) -> None:
        pass


@contextlib.contextmanager
def front(engine, max_result_bytes: int = 50_000_000):
    from kg.serve import Settings, _Server, make_handler

    settings = Settings(timeout=10, max_result_bytes=max_result_bytes)
    handler = make_handler(engine, settings, b"<html></html>", threading.BoundedSemaphore(4))
    httpd = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        engine.sock.close()


def results(n: int) -> bytes:
    row = b'{"s":{"type":"uri","value":"https://w3id.org/chipkg/entity/%07d"}}'
    rows = b",".join(row % i for i in range(n))
    return b'{"head":{"vars":["s"]},"results":{"bindings":[' + rows + b"]}}"


ERROR_TAIL = b"Error 404 Not Found returned by http://10.0.0.1/ with payload"


def test_a_whole_answer_is_sent_with_its_length(hand_store) -> None:
    from servers import sparql

    with front(StandInEngine(results(10))) as port:
        status, body = sparql(port, "SELECT ?s WHERE { ?s ?p ?o }")
    assert status == 200 and json.loads(body)["results"]["bindings"][9]


def test_a_large_answer_is_streamed_whole(hand_store) -> None:
    from servers import sparql

    body = results(40_000)  # 2.6 MB, over BUFFER_BYTES
    with front(StandInEngine(body)) as port:
        status, got = sparql(port, "SELECT ?s WHERE { ?s ?p ?o }")
    assert status == 200 and got == body


@pytest.mark.parametrize(
    ("body", "cut", "limit"),
    [(results(40_000)[:-3] + ERROR_TAIL, False, 50_000_000),  # an engine error after 2.6 MB
     (results(40_000), False, 2_000_000),  # over the size limit once streaming began
     (results(40_000), True, 50_000_000)],  # the engine died half way
    ids=["error-after-streaming", "over-the-limit", "engine-died"],
)  # fmt: skip
def test_a_failure_after_streaming_began_is_never_a_whole_200(body, cut, limit) -> None:
    from servers import sparql

    with front(StandInEngine(body, cut=cut), max_result_bytes=limit) as port:
        with pytest.raises(http.client.IncompleteRead):
            sparql(port, "SELECT ?s WHERE { ?s ?p ?o }")


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [(results(3)[:-3] + ERROR_TAIL, 500, b"the query failed after its first results"),
     (results(40_000), 413, b"result larger than the limit of 100000 bytes")],
    ids=["error", "over-the-limit"],
)  # fmt: skip
def test_a_failure_within_the_first_megabyte_is_an_error_status(body, status, message) -> None:
    from servers import sparql

    with front(StandInEngine(body), max_result_bytes=100_000) as port:
        got = sparql(port, "SELECT ?s WHERE { ?s ?p ?o }")
    assert got[0] == status and message in got[1]


# ----------------------------------------------------------------- the page, with hostile text

HOSTILE_LABELS = ["<img src=x onerror=alert(1)>", "終わり</script><script>alert(2)</script>",
                  '<a href="javascript:alert(3)">href</a>', "<b>太字</b>&amp;"]  # fmt: skip


def test_results_with_hostile_text_are_shown_as_text(tmp_path, monkeypatch) -> None:
    """Labels that are HTML and script, fetched with "Run as table" in headless Chromium, are
    shown as text: no element made from them, nothing run, nothing fetched."""
    import browser as chromium
    from browser import Browser, find_chromium
    from conftest import ent, write_hand_article
    from servers import kg_serve

    if not find_chromium():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    # this page is on 127.0.0.1: let that address resolve and bypass the dead proxy (every
    # other host still resolves to nothing and goes to it)
    flags = [f.replace("MAP * ~NOTFOUND", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
             for f in chromium.FLAGS if "<-loopback>" not in f]  # fmt: skip
    monkeypatch.setattr(chromium, "FLAGS", flags)
    store_dir = tmp_path / "store"
    store = graph.open_store(store_dir)
    entities = [ent(f"E{i}", ja=label, en=f"E{i}") for i, label in enumerate(HOSTILE_LABELS)]
    write_hand_article(store, "hostile.md", entities, [], title=HOSTILE_LABELS[0])
    del store
    graph.close_store(store_dir)
    query = ("SELECT ?label WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?label"
             " FILTER(LANG(?label) = 'ja') } ORDER BY ?label")  # fmt: skip
    with kg_serve(store_dir, log=tmp_path / "serve.log") as (port, _), Browser() as browser:
        url = f"http://127.0.0.1:{port}/"
        page = browser.open(url)
        page.wait_for("document.readyState === 'complete'")
        assert page.exceptions == []  # the page's script ran
        page.eval(f"document.getElementById('q').value = {json.dumps(query)}")
        page.eval("document.getElementById('tbl').click()")
        page.wait_for("document.querySelectorAll('#out td').length === 4", timeout=30)
        cells = page.eval("[...document.querySelectorAll('#out td')].map(c => c.textContent)")
        assert cells == sorted(HOSTILE_LABELS)
        made = "document.querySelectorAll('#out *:not(tr):not(td):not(th):not(span)').length"
        assert page.eval(made) == 0  # no element made from the labels
        assert page.eval("document.querySelectorAll('img, b, iframe').length") == 0
        assert page.dialogs == [] and page.exceptions == []
        assert [r for r in page.requests if not r.startswith(url)] == []
