"""Saved queries and parameter binding, SHACL validation, GraphML and CSV exports."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import write_hand_store
from typer.testing import CliRunner

from kg import graph
from kg.cli import app
from kg.errors import QueryError
from kg.query import run_query
from kg.saved import bind, get_saved, list_saved, parse_params

runner = CliRunner()


def test_at_least_twelve_saved_queries_all_run(hand_store):
    store = graph.open_store(hand_store, create=False)
    queries = list_saved()
    assert len(queries) >= 12
    for q in queries:
        assert q.title and q.description, q.name
        run_query(store, bind(q, {}, store))  # raises on malformed SPARQL


def test_saved_query_binds_entity_by_label(hand_store):
    r = runner.invoke(
        app, ["query", "--saved", "suppliers-and-customers", "--param", "entity=ベータ",
              "--store", str(hand_store), "--format", "csv"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {(x["role"], x["partner"].rsplit("/", 1)[-1]) for x in rows} >= {
        ("supplier", "Alpha"),
        ("customer", "Alpha"),
    }


@pytest.mark.parametrize("value", ['"} ; DROP ALL ; #', "> } DROP ALL { <", "kge:x> } ; DROP ALL"])
def test_hostile_parameter_values_stay_terms(hand_store, value):
    store = graph.open_store(hand_store, create=False)
    before = graph.count(store, "?s ?p ?o")
    for name in ("suppliers-and-customers", "facts-about", "articles-behind-fact"):
        q = get_saved(name)
        try:
            text = bind(q, {p.name: value for p in q.params if p.kind == "entity"}, store)
        except QueryError:
            continue  # refused as an invalid IRI: also fine
        assert "DROP ALL" not in text.upper().replace("%20", " ")
        assert run_query(store, text).rows == []
    with pytest.raises(QueryError):
        bind(get_saved("facts-first-reported-after"), {"since": '2024-01-01"} ; DROP ALL ; #'})
    lit = bind(get_saved("facts-first-reported-after"), {"since": "2024-01-01"})
    assert 'VALUES ?since { "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date> }' in lit
    assert graph.count(store, "?s ?p ?o") == before


def test_param_errors_are_clear():
    with pytest.raises(QueryError, match="has no parameter"):
        bind(get_saved("ownership-chain"), {"nope": "x"})
    with pytest.raises(QueryError, match="NAME=VALUE"):
        parse_params(["entity"])
    assert parse_params(["entity=a=b"]) == {"entity": "a=b"}
    with pytest.raises(QueryError, match="no saved query"):
        get_saved("missing")


# ----------------------------------------------------------------- SHACL


def test_shapes_file_is_generated_from_the_ontology():
    from kg.shapes import generate_shapes
    from kg.vocab import ontology_dir

    assert (ontology_dir() / "shapes.ttl").read_text(encoding="utf-8") == generate_shapes(), (
        "ontology/shapes.ttl is stale: python -m kg.shapes > ontology/shapes.ttl"
    )


def test_validate_passes_on_a_built_graph(tiny_built, hand_store):
    from kg.shapes import validate

    _, store, _ = tiny_built
    assert validate(graph.open_store(store, create=False)) == []
    assert validate(graph.open_store(hand_store, create=False)) == []


def test_validate_reports_a_broken_graph(tmp_path):
    # a fresh copy: copying the shared store's files races with RocksDB compaction
    write_hand_store(tmp_path / "store")
    store = graph.open_store(tmp_path / "store")
    kg, kge = "https://w3id.org/chipkg/ontology#", "https://w3id.org/chipkg/entity/"
    g = graph.article_iri("one.md")
    store.update(
        f"""INSERT DATA {{ GRAPH <{g}> {{
  <{kge}Beta> <{kg}acquires> <{kge}Gamma> .
  <{kge}Alpha> <{kg}basedIn> <{kge}Beta> .
  <{kge}Nameless> a <{kg}Company> ; <{kg}mentionedIn> <{g}> .
}} }}"""
    )
    from kg.shapes import validate

    assert validate(store, graphs=[g])  # the broken graph checked alone (what kg build does)
    others = [a.graph for a in graph.stored_articles(store).values() if a.graph != g]
    assert others and validate(store, graphs=others) == []
    r = runner.invoke(app, ["validate", "--store", str(tmp_path / "store")])
    assert r.exit_code == 1
    out = r.stdout
    assert "kg:acquires fact without a claim" in out  # evidence on every fact
    assert "the object of kg:basedIn must be a kg:Country or kg:Place" in out  # range
    assert "kge:Nameless" in out and "rdfs:label" in out  # required label
    assert r.stderr.strip().endswith("violation(s)")
    graph.close_store(tmp_path / "store")


# ----------------------------------------------------------------- exports


def test_graphml_and_csv_exports(tmp_path):
    import networkx as nx

    write_hand_store(tmp_path / "store")
    graph.close_store(tmp_path / "store")
    store = str(tmp_path / "store")
    r = runner.invoke(app, ["export", "-f", "graphml", "-o", str(tmp_path / "g.graphml"),
                            "--store", store])  # fmt: skip
    assert r.exit_code == 0, r.output
    g = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    alpha, beta = "https://w3id.org/chipkg/entity/Alpha", "https://w3id.org/chipkg/entity/Beta"
    assert g.nodes[alpha]["label"] == "Alpha" and g.nodes[alpha]["class"] == "Company"
    (edge,) = [e for e in g.get_edge_data(alpha, beta).values() if e["relation"] == "suppliesTo"]
    assert edge["claims"] == 1 and edge["modalities"] == "asserted"
    delta = "https://w3id.org/chipkg/entity/Delta"
    assert not g.has_edge("https://w3id.org/chipkg/entity/Gamma", delta)  # denied: no edge

    r = runner.invoke(app, ["export", "-f", "csv", "--store", store])
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and set(rows[0]) >= {"source", "relation", "target", "modality", "sentence",
                                      "article", "confidence"}  # fmt: skip
    assert all(row["modality"] != "denied" for row in rows)
    hedged = [row for row in rows if row["modality"] == "hedged"]
    assert hedged[0]["target_label"] == "Xeno" and hedged[0]["sentence"]
    again = runner.invoke(app, ["export", "-f", "csv", "--store", store]).stdout
    assert again == r.stdout
