"""The saved queries (kg/queries/) are tuned for large graphs: distinct entities before label
lookups, articles counted from the triples in the article graphs, a page cut where the rows
are chosen (`#page`). Each must still return what its straightforward first version
(tests/data/saved-reference/) returns, on a synthetic graph of the project's data model
(bench/generate.py) and on a hand-written store with the real vocabulary, and its pages must
be the whole result, a page at a time, with the right row count."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg import graph
from kg.saved import bind, list_saved, parse_saved

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "data" / "saved-reference"
POOL = 3000  # entities of the synthetic graph: few enough for facts to repeat across articles
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
    # more hedged, reported and denied claims than the gold sets have, so that each query
    # that looks for them finds some in a graph of this size
    shares = {"asserted": 0.55, "reported": 0.15, "hedged": 0.1, "planned": 0.1, "denied": 0.1}
    for art, ents, facts in graph_articles(1500, n_entities=POOL, modalities=shares):
        quads += graph.article_quads(art, ents, facts, extractor="test", root="bench")
    store.extend(quads)
    graph.write_ontology(store, ROOT / "ontology" / "kg.ttl")
    from kg.lists import list_quads, refresh_links

    store.extend(list_quads(synthetic_list()))
    refresh_links(store)
    yield store, query_params(POOL)
    graph.close_store(directory)


# The columns the rows of a saved query are sorted by ("-": descending, "!": unbound last)
# where they may tie: tied rows come in the engine's order, which two formulations of a query
# need not share. Every other saved query orders its rows completely, compared row by row.
ORDER = {
    "articles": ["date"], "export-controls": ["date!"], "investments": ["date!"],
    "tariffs": ["date!"], "facts-over-time": ["firstReported!"],
    "facts-first-reported-after": ["first"],
    "hedged-or-reported-only": ["-claims"], "most-cited-facts": ["-articles", "-claims"],
    "ownership-chain": [], "products-and-users": [],
}  # fmt: skip
LISTS = {"developers", "users"}  # GROUP_CONCAT columns: the order of their items is free


def rows(store, text: str):
    result = store.query(graph.SPARQL_PREFIXES + text, use_default_graph_as_union=True)
    return [v.value for v in result.variables], [[str(t) for t in r] for r in result]


def _key(value: str):
    """An ORDER BY key from a cell as `rows` writes it ("2"^^xsd:integer, "2024-01-01"^^...)."""
    text = value.split("^^")[0].strip('"')
    return int(text) if text.isdigit() else text


def assert_same(name: str, got, expected) -> None:
    """`got` is `expected`: row by row, or for a query in ORDER, the same rows sorted as its
    ORDER BY says (ties in any order)."""
    (head, found), (want_head, want) = got, expected
    assert head == want_head
    lists = [i for i, h in enumerate(head) if h in LISTS]

    def norm(row):
        return tuple(" ".join(sorted(c.split(" "))) if i in lists else c for i, c in enumerate(row))

    if name not in ORDER:
        assert [norm(r) for r in found] == [norm(r) for r in want]
        return
    assert sorted(map(norm, found)) == sorted(map(norm, want))
    for column in ORDER[name]:
        i = head.index(column.strip("-!"))
        unbound = "\uffff" if column.endswith("!") else ""
        keys = [_key(r[i]) if r[i] != "None" else unbound for r in found]
        # the rows are sorted on the first key; later keys within ties of the earlier ones
        earlier = [head.index(c.strip("-!")) for c in ORDER[name][: ORDER[name].index(column)]]
        for a, b, ka, kb in zip(found, found[1:], keys, keys[1:], strict=False):
            if all(a[j] == b[j] for j in earlier):
                assert (ka >= kb) if column.startswith("-") else (ka <= kb), (name, a, b)


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
        assert_same(query.name, rows(store, bind(query, values)), expected)
        nonempty += bool(expected[1])
    assert nonempty, f"{query.name}: no binding gives a row; the comparison shows nothing"


@pytest.mark.parametrize("query", list_saved(), ids=lambda q: q.name)
def test_tuned_query_matches_reference_on_the_hand_store(hand_store, query):
    store = graph.open_store(hand_store, create=False)
    reference = parse_saved(query.name, (REFERENCE / f"{query.name}.rq").read_text("utf-8"))
    assert_same(
        query.name, rows(store, bind(query, {}, store)), rows(store, bind(reference, {}, store))
    )


@pytest.mark.parametrize("query", list_saved(), ids=lambda q: q.name)
def test_pages_are_the_whole_result_a_page_at_a_time(synthetic_store, query):
    """Pages (kg query --saved --limit N --offset K) hold every row of the result once,
    each sorted, one after the other, and each says how many rows the result has."""
    from kg.query import run_page, run_query

    store, params = synthetic_store
    text = graph.SPARQL_PREFIXES + bind(
        query, {p.name: params[p.name] for p in query.params if p.name in params}
    )
    whole = run_query(store, text)
    size = max(3, len(whole.rows) // 4)
    seen = []
    for offset in range(0, len(whole.rows) + size, size):
        page = run_page(store, text, limit=size, offset=offset)
        assert page.total == len(whole.rows) and len(page.rows) <= size
        seen += page.rows
    assert len(seen) == len(whole.rows)
    assert sorted(map(str, seen)) == sorted(map(str, whole.rows))
    if query.name in ORDER:  # each page's rows come after the previous page's in the order
        head = whole.variables
        got = (head, [[str(t) for t in r] for r in seen])
        assert_same(query.name, got, (head, [[str(t) for t in r] for r in whole.rows]))


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
