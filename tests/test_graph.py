"""kg.graph: one named graph per article, replaced and removed atomically."""

from __future__ import annotations

import pyoxigraph as ox
from conftest import (
    ALPHA,
    BETA,
    GAMMA,
    fact,
    graph_ontology_path,
    write_hand_article,
    write_hand_store,
)

from kg import graph
from kg.vocab import KG, ONTOLOGY_GRAPH, RDF


def quads_of(store, iri):
    return sorted(str(q) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))


def test_rewrite_replaces_exactly_that_graph(tmp_path):
    store = graph.open_store(tmp_path / "s")
    g1 = write_hand_article(store, "one.md", [ALPHA, BETA], [fact(ALPHA, "suppliesTo", BETA)])
    g2 = write_hand_article(store, "two.md", [ALPHA, GAMMA], [fact(ALPHA, "uses", GAMMA)])
    before_two = quads_of(store, g2)
    g1_again = write_hand_article(
        store, "one.md", [ALPHA, GAMMA], [fact(ALPHA, "competesWith", GAMMA)]
    )
    assert g1_again == g1
    after = quads_of(store, g1)
    assert not any("suppliesTo" in q for q in after)
    assert any("competesWith" in q for q in after)
    assert quads_of(store, g2) == before_two
    graph.remove_article(store, g1)
    assert quads_of(store, g1) == []
    assert quads_of(store, g2) == before_two
    assert set(graph.stored_articles(store)) == {"two.md"}


def test_ontology_graph_present_and_written_once(tmp_path):
    store = write_hand_store(tmp_path / "s")
    onto = ox.NamedNode(ONTOLOGY_GRAPH)
    assert ox.NamedNode(ONTOLOGY_GRAPH) in set(store.named_graphs())
    assert list(store.quads_for_pattern(ox.NamedNode(str(KG.suppliesTo)), None, None, onto))
    assert graph.write_ontology(store, graph_ontology_path()) is False


def test_denied_fact_has_claim_but_no_triple(tmp_path):
    store = graph.open_store(tmp_path / "s")
    denied = fact(ALPHA, "suppliesTo", BETA, "denied", sentence="AlphaはBetaと関係ない。")
    iri = write_hand_article(store, "d.md", [ALPHA, BETA], [denied])
    g = ox.NamedNode(iri)
    s, p, o = ox.NamedNode(ALPHA.iri), ox.NamedNode(str(KG.suppliesTo)), ox.NamedNode(BETA.iri)
    assert not list(store.quads_for_pattern(s, p, o, g))
    claims = list(store.quads_for_pattern(None, ox.NamedNode(str(RDF.subject)), s, g))
    assert len(claims) == 1
    claim = claims[0].subject
    modality = next(store.quads_for_pattern(claim, ox.NamedNode(str(KG.modality)), None, g))
    assert modality.object == ox.NamedNode(str(KG.denied))


def test_article_and_entity_description(tmp_path):
    store = graph.open_store(tmp_path / "s")
    iri = write_hand_article(
        store, "dir/x y#1.md", [ALPHA, BETA], [fact(ALPHA, "suppliesTo", BETA)],
        title="題", date="2024-03-04", source="通信", url="https://example.com/a",
    )  # fmt: skip
    assert iri == "https://w3id.org/chipkg/article/dir/x%20y%231.md"
    nq = graph.export(store, "nquads").decode()
    assert '"2024-03-04"^^<http://www.w3.org/2001/XMLSchema#date>' in nq
    assert f"<{ALPHA.iri}> <http://www.w3.org/2002/07/owl#sameAs>" in nq
    assert f'<{BETA.iri}> <https://w3id.org/chipkg/ontology#ticker> "BETA.O"' in nq
    assert f"<{ALPHA.iri}> <https://w3id.org/chipkg/ontology#mentionedIn> <{iri}>" in nq
    assert '"0.9"^^<http://www.w3.org/2001/XMLSchema#decimal>' in nq


def test_nquads_export_sorted_and_deterministic(tmp_path):
    a = graph.export(write_hand_store(tmp_path / "a"), "nquads").decode()
    b = graph.export(write_hand_store(tmp_path / "b"), "nquads").decode()
    assert a == b
    lines = a.splitlines()
    assert lines == sorted(lines)


def test_every_export_holds_the_same_graphs(hand_store):
    """TriG and JSON-LD hold every graph of the N-Quads export, Turtle their union: compared
    as graphs (blank nodes matched by isomorphism), read back by rdflib's own parsers."""
    from rdflib import Dataset, Graph
    from rdflib.compare import isomorphic

    store = graph.open_store(hand_store, create=False)

    def graphs(data: bytes, fmt: str) -> dict[str, Graph]:
        ds = Dataset()
        ds.parse(data=data, format=fmt)
        return {str(g.identifier): g for g in ds.graphs() if len(g)}

    expected = graphs(graph.export(store, "nquads"), "nquads")
    assert len(expected) == 3  # the ontology and two articles
    for fmt, parser in (("trig", "trig"), ("jsonld", "json-ld")):
        got = graphs(graph.export(store, fmt), parser)
        assert sorted(got) == sorted(expected), fmt
        for name, g in expected.items():
            assert isomorphic(got[name], g), (fmt, name)
    union = Graph()
    for g in expected.values():
        union += g
    turtle = Graph().parse(data=graph.export(store, "turtle"), format="turtle")
    assert len(turtle) == len(union) and isomorphic(turtle, union)


def test_open_dataset_reads_the_store(hand_store):
    from rdflib import URIRef

    ds = graph.open_dataset(hand_store)
    iri = URIRef(graph.article_iri("one.md"))
    assert (iri, URIRef(str(RDF.type)), URIRef(str(KG.Article))) in ds.graph(iri)


# ----------------------------------------------------------------- kg load


def test_load_dump_round_trips_an_export(tmp_path):
    write_hand_store(tmp_path / "s")
    dump = tmp_path / "dump.nq"
    dump.write_bytes(graph.export(graph.open_store(tmp_path / "s"), "nquads"))
    n = graph.load_dump(tmp_path / "copy", [dump])
    copy = graph.open_store(tmp_path / "copy", create=False)
    assert n == len(copy) > 0
    assert graph.export(copy, "nquads") == dump.read_bytes()
    assert graph.stored_articles(copy) == graph.stored_articles(graph.open_store(tmp_path / "s"))
    # a dump without the ontology graph gets it, as a built store has it
    no_onto = tmp_path / "articles.nq"
    no_onto.write_text(
        "".join(
            x + "\n"
            for x in dump.read_text("utf-8").splitlines()
            if not x.endswith(f"<{ONTOLOGY_GRAPH}> .")
        )
    )
    graph.load_dump(tmp_path / "copy2", [no_onto])
    assert graph.export(graph.open_store(tmp_path / "copy2"), "nquads") == dump.read_bytes()


def test_load_dump_refuses_a_full_store_and_bad_files(tmp_path):
    import pytest

    from kg.errors import StoreError

    write_hand_store(tmp_path / "s")
    before = graph.export(graph.open_store(tmp_path / "s"), "nquads")
    dump = tmp_path / "dump.nq"
    dump.write_bytes(before)
    with pytest.raises(StoreError, match="not empty"):
        graph.load_dump(tmp_path / "s", [dump])
    assert graph.export(graph.open_store(tmp_path / "s"), "nquads") == before

    bad = tmp_path / "bad.nq"
    bad.write_text(dump.read_text("utf-8") + "<a> <b> nonsense .\n", encoding="utf-8")
    with pytest.raises(StoreError, match="bad.nq: cannot load"):
        graph.load_dump(tmp_path / "new", [dump, bad])
    # nothing half-loaded is left: no store, no staging directory
    assert not (tmp_path / "new" / graph.OXIGRAPH_DIR).exists()
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["lock"]
    with pytest.raises(StoreError, match="not N-Quads"):
        graph.load_dump(tmp_path / "new", [tmp_path / "x.ttl"])


def test_kg_load_cli_reports_one_line(tmp_path):
    from typer.testing import CliRunner

    from kg.cli import app

    bad = tmp_path / "bad.nq"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["load", str(bad), "--store", str(tmp_path / "st")])
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "bad.nq: cannot load" in r.stderr
