"""kg query's output for people (names that paste back, labels, each row once), pages of a
result with their row count, and relations named in either language."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from conftest import HAND_FACTS
from typer.testing import CliRunner

from kg import graph
from kg.cli import app
from kg.errors import QueryError
from kg.query import (
    count_query,
    format_result,
    page_query,
    resolve_property,
    result_labels,
    run_page,
    run_query,
    sparql_name,
)


def kg(*args, ok=True):
    result = CliRunner().invoke(app, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("iri", [
    "https://w3id.org/chipkg/article/blog/deepseek-shock.md",
    "https://w3id.org/chipkg/article/a/b.md#2",
    "https://w3id.org/chipkg/entity/x/%E6%96%B0%E5%87%B1%E6%9D%A5",
    "https://w3id.org/chipkg/entity/-lead.and.trail.",  # <…>: Oxigraph reads no trail\.
    "https://w3id.org/chipkg/entity/a(b)c,d;e=f~g!h$i&j'k*l+m@n?o",
    "https://w3id.org/chipkg/entity/Tokyo_Electron",
    "https://w3id.org/chipkg/ontology#suppliesTo",
    "http://example.com/not/ours",
])  # fmt: skip
def test_printed_names_paste_back_into_a_query(iri):
    name = sparql_name(iri)
    assert name.startswith("<") == iri.startswith("http://example") or iri.endswith(".")
    (row,) = run_query(ox.Store(), f"SELECT ?x WHERE {{ BIND({name} AS ?x) }}").rows
    assert row[0].value == iri, name


def test_table_names_entities_and_shows_each_row_once(hand_store):
    store = graph.open_store(hand_store, create=False)
    # Alpha's label is in both article graphs: the union finds it twice
    result = run_query(store, "SELECT ?e ?l WHERE { VALUES ?e { kge:Alpha } ?e rdfs:label ?l }")
    assert len(result.rows) == 4  # 2 labels x 2 graphs
    text = format_result(result, "table", labels=result_labels(store, result))
    lines = text.splitlines()
    assert lines[-1] == "(2 rows; 2 repeated rows not shown)"
    assert sorted(line.split()[-1] for line in lines[2:-1]) == ["Alpha@en", "アルファ@ja"]
    assert all(line.startswith("kge:Alpha (アルファ)") for line in lines[2:-1])
    assert format_result(result, "csv").count("\n") == 4  # the formats for programs keep all


def test_pages_say_where_they_are(hand_store):
    store = graph.open_store(hand_store, create=False)
    q = "SELECT ?c WHERE { ?c a kg:Claim } ORDER BY ?c"
    claims = sum(len(f) for f in HAND_FACTS.values())
    first = run_page(store, q, limit=3)
    assert (len(first.rows), first.total) == (3, claims)
    assert format_result(first).splitlines()[-1] == (
        f"(rows 1–3 of {claims}; --offset 3 for the next page, --all for every row)"
    )
    last = run_page(store, q, limit=3, offset=claims - 1)
    assert format_result(last).splitlines()[-1] == f"(row {claims} of {claims})"
    everything = [r[0].value for r in run_query(store, q).rows]
    pages = [r[0].value for k in range(0, claims, 3) for r in run_page(store, q, limit=3,
                                                                        offset=k).rows]  # fmt: skip
    assert pages == everything
    past = run_page(store, q, limit=3, offset=claims + 5)
    assert format_result(past).splitlines()[-1] == (
        f"(no rows from row {claims + 6}: the result has {claims} rows)"
    )


def test_a_page_of_a_query_with_its_own_limit(hand_store):
    store = graph.open_store(hand_store, create=False)
    q = "SELECT ?c WHERE { ?c a kg:Claim } ORDER BY ?c LIMIT 5 # five"
    assert [len(run_page(store, q, limit=2, offset=k).rows) for k in (0, 2, 4, 6)] == [2, 2, 1, 0]
    assert run_page(store, q, limit=2).total == 5


def test_page_mark_cuts_and_counts_the_marked_sub_select():
    text = """PREFIX x: <http://e/#a>
SELECT ?a ?b WHERE {
  { SELECT ?a WHERE { VALUES ?v { "}{" '''"}''' } ?a ?p <http://x/y#z> # } in a comment
    } ORDER BY ?a
    #page
  }
  OPTIONAL { ?a x:b ?b }
}"""
    paged = page_query(text, 20, 40)
    assert "LIMIT 20 OFFSET 40\n  }\n  OPTIONAL" in paged and "#page" not in paged
    counted = count_query(text)
    assert counted.startswith("PREFIX x: <http://e/#a>\nSELECT (COUNT(*) AS ?rows)")
    assert "OPTIONAL" not in counted  # the rows of the sub-select only
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/1"), ox.NamedNode("http://e/p"),
                      ox.NamedNode("http://x/y#z")))  # fmt: skip
    assert run_query(store, counted).rows[0][0].value == "2"  # 2 values of ?v, 1 triple
    assert len(run_query(store, paged).rows) == 0 and len(run_query(store, text).rows) == 2
    with pytest.raises(QueryError, match="one sub-select"):
        page_query(text.replace("#page", "#page\n#page"), 1)


def test_saved_query_pages_on_the_command_line(hand_store):
    out = kg("query", "--saved", "articles", "--limit", "1", "--store", hand_store).stdout
    assert out.splitlines()[-1] == "(row 1 of 2; --offset 1 for the next page, --all for every row)"
    out = kg("query", "--saved", "articles", "--limit", "1", "--offset", "1",
             "--store", hand_store).stdout  # fmt: skip
    assert out.splitlines()[-1] == "(row 2 of 2)"
    assert kg("query", "--saved", "articles", "--all", "--store", hand_store).stdout.endswith(
        "(2 rows)\n"
    )
    bad = kg("query", "--saved", "articles", "--all", "--limit", "3", "--store", hand_store,
             ok=False)  # fmt: skip
    assert bad.exit_code == 1 and "either --limit N or --all" in bad.output


@pytest.mark.parametrize(
    "name",
    [
        "suppliesTo",
        "kg:suppliesTo",
        "supplies to",
        "Supplies To",
        "供給先",
        "https://w3id.org/chipkg/ontology#suppliesTo",
    ],
)
def test_relations_by_name_or_label_in_either_language(name):
    assert resolve_property(name) == "suppliesTo"


def test_why_with_a_japanese_relation_name(hand_store):
    english = kg("why", "アルファ", "competesWith", "gamma", "--store", hand_store).stdout
    assert kg("why", "アルファ", "競合", "gamma", "--store", hand_store).stdout == english
    bad = kg("why", "アルファ", "好き", "gamma", "--store", hand_store, ok=False)
    assert "unknown relation '好き'" in bad.output and "suppliesTo (供給先)" in bad.output
