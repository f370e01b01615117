"""`kg serve`: a real server (kg serve -> oxigraph serve-read-only) queried with SPARQLWrapper."""

from __future__ import annotations

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
