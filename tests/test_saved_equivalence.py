"""The saved queries (kg/queries/) are tuned for large graphs: distinct entities before label
lookups, sorting on 16-character pieces of IRIs, articles counted from the triples in the
article graphs. Each must still return exactly what its straightforward first version
(tests/data/saved-reference/) returns, on a synthetic graph of the project's data model
(bench/generate.py) and on a hand-written store with the real vocabulary."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg import graph
from kg.saved import bind, list_saved, parse_saved

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "data" / "saved-reference"
HUBS = ["E0", "E1", "E2", "E5", "E30", "E31", "E45", "E99", "E150", "E199", "E250"]


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate import graph_articles, query_params, synthetic_list
    finally:
        sys.path.remove(str(ROOT / "bench"))
    directory = tmp_path_factory.mktemp("synthetic-store")
    store = graph.open_store(directory)
    quads = []
    for art, ents, facts in graph_articles(1500):
        quads += graph.article_quads(art, ents, facts, extractor="test", root="bench")
    store.extend(quads)
    graph.write_ontology(store, ROOT / "ontology" / "kg.ttl")
    from kg.lists import list_quads, refresh_links

    store.extend(list_quads(synthetic_list()))
    refresh_links(store)
    yield store, query_params()
    graph.close_store(directory)


def rows(store, text: str):
    result = store.query(graph.SPARQL_PREFIXES + text, use_default_graph_as_union=True)
    return [v.value for v in result.variables], [[str(t) for t in r] for r in result]


def test_every_saved_query_has_a_reference():
    assert sorted(q.name for q in list_saved()) == sorted(p.stem for p in REFERENCE.glob("*.rq"))


@pytest.mark.parametrize("query", list_saved(), ids=lambda q: q.name)
def test_tuned_query_returns_what_the_reference_returns(synthetic_store, query):
    store, params = synthetic_store
    reference = parse_saved(query.name, (REFERENCE / f"{query.name}.rq").read_text("utf-8"))
    assert reference.params == query.params
    bindings = [{p.name: params[p.name] for p in query.params if p.name in params}]
    if any(p.kind == "entity" for p in query.params):
        for i in range(len(HUBS)):  # the k-th entity parameter takes the (i + k)-th hub
            entities = iter(HUBS[i:] + HUBS[:i])
            bindings.append(
                {
                    p.name: f"kge:{next(entities)}" if p.kind == "entity" else params[p.name]
                    for p in query.params
                }  # fmt: skip
            )
    nonempty = 0
    for values in bindings:
        expected = rows(store, bind(reference, values))
        assert rows(store, bind(query, values)) == expected, (query.name, values)
        nonempty += bool(expected[1])
    assert nonempty, f"{query.name}: no binding gives a row; the comparison shows nothing"


@pytest.mark.parametrize("query", list_saved(), ids=lambda q: q.name)
def test_tuned_query_matches_reference_on_the_hand_store(hand_store, query):
    store = graph.open_store(hand_store, create=False)
    reference = parse_saved(query.name, (REFERENCE / f"{query.name}.rq").read_text("utf-8"))
    assert rows(store, bind(query, {}, store)) == rows(store, bind(reference, {}, store))


def test_firms_with_customers_in_the_country_itself(tmp_path):
    """A firm that supplies the customer country itself counts (the first version's
    `UNION { FILTER(?customer = ?customer_country) }` never matched: both unbound there)."""
    from conftest import ent, fact, write_hand_article

    japan, china = ent("Japan", "Country", en="Japan"), ent("China", "Country", en="China")
    alpha, beta, gamma = ent("Alpha", en="Alpha"), ent("Beta", en="Beta"), ent("Gamma")
    store = graph.open_store(tmp_path / "s")
    write_hand_article(store, "one.md", [japan, china, alpha, beta, gamma], [
        fact(alpha, "basedIn", japan), fact(beta, "basedIn", china),
        fact(alpha, "suppliesTo", china), fact(alpha, "manufacturesFor", beta),
        fact(alpha, "suppliesTo", gamma),  # Gamma: no country, not a customer in China
    ])  # fmt: skip
    q = next(q for q in list_saved() if q.name == "firms-with-customers-in")
    got = rows(store, bind(q, {}, store))[1]
    assert [(r[0], r[3]) for r in got] == [
        (f"<{alpha.iri}>", f"<{beta.iri}>"),
        (f"<{alpha.iri}>", f"<{china.iri}>"),
    ]
    graph.close_store(tmp_path / "s")
