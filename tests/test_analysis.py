"""Analytics on a small hand-made graph with known answers, and the projection of a real store."""

from __future__ import annotations

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg import analysis as A
from kg import graph
from kg.cli import app
from kg.errors import QueryError
from kg.vocab import KGE

# ----------------------------------------------------------------- a hand-made supply chain
#
#   Tool --suppliesTo--> Fab <--suppliesTo-- Chem          (Tool->Fab stated twice)
#   Fab --manufacturesFor--> Designer, Phone
#   Designer --suppliesTo--> Phone, Cloud
#   US --restrictsExportsTo--> Cloud                       (Cloud is export-controlled)
#   Fab --competesWith-- Rival                             (not a supply edge)
#   Unit -subsidiaryOf-> Fab -ownedBy-> HoldCo -subsidiaryOf-> Group
#   JV -ownedBy-> Fab, JV -ownedBy-> Designer              (two owners)
#   X -ownedBy-> Y -ownedBy-> X                            (a cycle)


def n(local: str) -> str:
    return str(KGE[local])


def add(g, s, rel, o, *, modality="asserted", article="a1", date="2024-03-01", key=None):
    key = key or f"{s}-{rel}-{o}-{article}"
    g.add_edge(
        n(s), n(o), key=key, relation=rel, modality=modality, article=article,
        title=f"title {article}", date=date, sentence=f"{s} {rel} {o} ({article})",
        confidence=0.9, claim=key,
    )  # fmt: skip


@pytest.fixture
def chain() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    add(g, "Tool", "suppliesTo", "Fab")
    add(g, "Tool", "suppliesTo", "Fab", article="a2")
    add(g, "Chem", "suppliesTo", "Fab")
    add(g, "Fab", "manufacturesFor", "Designer")
    add(g, "Fab", "manufacturesFor", "Phone", modality="hedged")
    add(g, "Designer", "suppliesTo", "Phone")
    add(g, "Designer", "suppliesTo", "Cloud", modality="reported", date="2024-04-01")
    add(g, "US", "restrictsExportsTo", "Cloud")
    add(g, "Fab", "competesWith", "Rival")
    add(g, "Unit", "subsidiaryOf", "Fab")
    add(g, "Fab", "ownedBy", "HoldCo")
    add(g, "HoldCo", "subsidiaryOf", "Group")
    add(g, "JV", "ownedBy", "Fab")
    add(g, "JV", "ownedBy", "Designer")
    add(g, "X", "ownedBy", "Y")
    add(g, "Y", "ownedBy", "X")
    for node in g.nodes:
        g.nodes[node].update(cls="Company", label_ja=node.rsplit("/", 1)[-1],
                             label_en=node.rsplit("/", 1)[-1], aliases=[])  # fmt: skip
    return g


def test_centrality_order_counts_distinct_supply_neighbours(chain):
    ranking = A.central_entities(chain, top=10)
    assert [c.entity for c in ranking] == [
        n("Fab"), n("Designer"), n("Phone"), n("Chem"), n("Cloud"), n("Tool"),
    ]  # fmt: skip
    fab, designer = ranking[0], ranking[1]
    assert (fab.degree, fab.in_degree, fab.out_degree) == (4, 2, 2)  # Tool counted once
    assert (designer.degree, designer.in_degree, designer.out_degree) == (3, 1, 2)
    # Fab and Designer are the only cut points of the supply subgraph
    assert fab.betweenness > designer.betweenness > 0
    assert all(c.betweenness == 0 for c in ranking[2:])
    assert n("Rival") not in {c.entity for c in ranking}
    assert [c.entity for c in A.central_entities(chain, ("manufacturesFor",), top=1)] == [n("Fab")]
    # exact on a graph this small: 7 of the 10 pairs of the other five go through Fab
    assert [round(c.betweenness, 9) for c in ranking] == [0.7, 0.4, 0, 0, 0, 0]


def test_betweenness_is_sampled_only_above_the_threshold(chain, monkeypatch):
    exact = A.central_entities(chain, top=10)
    assert A.betweenness_samples(A.BETWEENNESS_EXACT_MAX_NODES) is None
    assert A.betweenness_samples(A.BETWEENNESS_EXACT_MAX_NODES + 1) == A.BETWEENNESS_SAMPLES
    assert A.betweenness_samples(10**6, exact=True) is None
    # a six-entity supply subgraph above a threshold of 5: estimated from 3 seeded sources
    monkeypatch.setattr(A, "BETWEENNESS_EXACT_MAX_NODES", 5)
    monkeypatch.setattr(A, "BETWEENNESS_SAMPLES", 3)
    assert A.betweenness_samples(6) == 3
    sampled = A.central_entities(chain, top=10)
    assert [c.degree for c in sampled] == [c.degree for c in exact]
    # the estimate from the 3 sources the seed draws (exact: 0.7, 0.4)
    assert [round(c.betweenness, 9) for c in sampled] == SAMPLED
    exactly = A.central_entities(chain, top=10, exact=True)
    assert [round(c.betweenness, 9) for c in exactly] == [0.7, 0.4, 0, 0, 0, 0]


SAMPLED = [1.0, 0.25, 0, 0, 0, 0]  # betweenness estimated from 3 seeded sources, by rank

# The chain's sampled betweenness, computed in a fresh interpreter.
SAMPLE_RUN = """
import sys
sys.path.insert(0, sys.argv[1])
import test_analysis as T
from kg import analysis as A
A.BETWEENNESS_EXACT_MAX_NODES, A.BETWEENNESS_SAMPLES = 5, 3
g = T.chain.__wrapped__()
print([round(c.betweenness, 9) for c in A.central_entities(g, top=10)])
"""


def test_sampled_betweenness_is_the_same_in_every_run():
    """The seeded sample does not depend on the order Python happens to iterate sets in
    (string hashes differ from one interpreter to the next)."""
    import ast
    import os
    import subprocess
    import sys
    from pathlib import Path

    runs = [
        subprocess.run(
            [sys.executable, "-c", SAMPLE_RUN, str(Path(__file__).parent)], check=True,
            capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in range(4)
    ]  # fmt: skip
    assert [ast.literal_eval(run) for run in runs] == [SAMPLED] * 4


def test_exposure_along_supply_edges(chain):
    assert A.export_controlled(chain) == {n("Cloud"): [n("US")]}
    one = A.exposure(chain, hops=1)
    assert [(e.entity, e.hops) for e in one] == [(n("Designer"), 1)]
    two = A.exposure(chain, hops=2)
    assert {e.entity: e.hops for e in two} == {n("Designer"): 1, n("Fab"): 2, n("Phone"): 2}
    fab = next(e for e in two if e.entity == n("Fab"))
    assert fab.controlled == n("Cloud")
    assert fab.path == (n("Fab"), n("Designer"), n("Cloud"))
    three = {e.entity for e in A.exposure(chain, hops=3)}
    assert three == {n(x) for x in ("Designer", "Fab", "Phone", "Tool", "Chem")}
    # competesWith and ownership edges are not supply edges: Rival, Unit, HoldCo stay out
    assert not three & {n("Rival"), n("Unit"), n("HoldCo"), n("US")}
    assert A.exposure(chain, hops=0) == []
    with pytest.raises(QueryError):
        A.exposure(chain, hops=-1)


def test_roll_up_to_ultimate_parent(chain):
    ups = {(r.entity, r.parent): r for r in A.roll_up(chain)}
    unit = ups[(n("Unit"), n("Group"))]
    assert unit.chain == (n("Unit"), n("Fab"), n("HoldCo"), n("Group"))
    assert unit.relations == ("subsidiaryOf", "ownedBy", "subsidiaryOf")
    assert ups[(n("Fab"), n("Group"))].chain == (n("Fab"), n("HoldCo"), n("Group"))
    # two owners: one roll-up per ultimate parent
    assert {p for e, p in ups if e == n("JV")} == {n("Group"), n("Designer")}
    # a cycle stops before repeating an entity
    assert ups[(n("X"), n("Y"))].chain == (n("X"), n("Y"))
    assert ups[(n("Y"), n("X"))].chain == (n("Y"), n("X"))
    assert {e for e, _ in ups} == {n(x) for x in ("Unit", "Fab", "HoldCo", "JV", "X", "Y")}
    assert A.groups(A.roll_up(chain))[n("Group")] == sorted(
        [n("Fab"), n("HoldCo"), n("JV"), n("Unit")]
    )


def test_roll_up_through_cycles():
    g = nx.MultiDiGraph()
    # P -> Q -> R -> P, and R -> Top: a cycle that leads out rolls up beyond it
    for s, o in (("P", "Q"), ("Q", "R"), ("R", "P"), ("R", "Top"), ("Sub", "P")):
        add(g, s, "ownedBy", o)
    ups = {(r.entity, r.parent): r.chain for r in A.roll_up(g)}
    assert ups == {
        (n("P"), n("Top")): (n("P"), n("Q"), n("R"), n("Top")),
        (n("Q"), n("Top")): (n("Q"), n("R"), n("Top")),
        (n("R"), n("Top")): (n("R"), n("Top")),
        (n("Sub"), n("Top")): (n("Sub"), n("P"), n("Q"), n("R"), n("Top")),
    }
    # 12 firms all owning each other: no chain enumeration (12! chains), one search each;
    # nothing outside owns them, so each rolls up to the farthest member, the first by IRI
    firms = [f"F{i:02}" for i in range(12)]
    g = nx.MultiDiGraph()
    for a in firms:
        for b in firms:
            if a != b:
                add(g, a, "subsidiaryOf", b)
    ups = A.roll_up(g)
    assert [(r.entity, r.parent, len(r.chain)) for r in ups] == [
        (n(a), n("F01" if a == "F00" else "F00"), 2) for a in firms
    ]


def test_shortest_path_carries_evidence(chain):
    paths = A.shortest_paths(chain, n("Tool"), n("Cloud"))
    assert len(paths) == 1
    path = paths[0]
    assert [(s.source, s.target) for s in path] == [
        (n("Tool"), n("Fab")), (n("Fab"), n("Designer")), (n("Designer"), n("Cloud")),
    ]  # fmt: skip
    first = path[0].evidence
    assert [(s, o, ev.article) for s, o, ev in first] == [
        (n("Tool"), n("Fab"), "a1"), (n("Tool"), n("Fab"), "a2"),
    ]  # fmt: skip
    last_s, last_o, last = path[-1].evidence[0]
    assert (last_s, last_o, last.relation, last.modality) == (
        n("Designer"), n("Cloud"), "suppliesTo", "reported",
    )  # fmt: skip
    assert last.sentence.startswith("Designer suppliesTo Cloud")
    assert (last.title, last.date) == ("title a1", "2024-04-01")
    # paths ignore direction, and a set of sources means any of them
    assert A.shortest_paths(chain, {n("Cloud"), n("Rival")}, n("Fab"))[0][0].source == n("Rival")
    assert A.shortest_paths(chain, n("Tool"), n("Nowhere")) == []
    text = A.format_paths(chain, paths)
    assert "Tool - Fab - Designer - Cloud" in text and "「Designer suppliesTo Cloud" in text


def test_communities_are_seeded_and_separate_cliques():
    g = nx.MultiDiGraph()
    left, right = ["A1", "A2", "A3", "A4"], ["B1", "B2", "B3", "B4"]
    for group in (left, right):
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                add(g, a, "partnersWith", b)
    add(g, "A1", "suppliesTo", "B1")
    found = A.communities(g, seed=1)
    assert found == [sorted(map(n, left)), sorted(map(n, right))]
    assert A.communities(g, seed=1) == A.communities(g, seed=1)


# ----------------------------------------------------------------- projection of a real store


def test_projection_keeps_evidence_on_every_edge(hand_store):
    store = graph.open_store(hand_store, create=False)
    g = A.project(store)
    assert g.number_of_edges() == 7  # 8 claims, one of them denied
    for _, _, d in g.edges(data=True):
        assert set(A.EDGE_ATTRIBUTES) <= set(d)
        assert d["relation"] and d["modality"] != "denied" and d["sentence"]
        assert d["title"].startswith("記事") and d["date"] == "2024-01-02"
        assert d["article"].startswith("https://w3id.org/chipkg/article/")
        assert d["confidence"] == pytest.approx(0.9)
    alpha = g.nodes[n("Alpha")]
    assert (alpha["cls"], alpha["label_ja"], alpha["label_en"]) == ("Company", "アルファ", "Alpha")
    assert "BETA.O" in g.nodes[n("Beta")]["aliases"]
    reported = [d for _, _, d in g.edges(data=True) if d["modality"] == "reported"]
    assert [(d["relation"]) for d in reported] == ["suppliesTo"]

    with_denied = A.project(store, modalities=(*A.FACT_MODALITIES, "denied"))
    assert with_denied.number_of_edges() == 8
    assert A.project(store, relations=["kg:competesWith"]).number_of_edges() == 2
    assert A.project(store, since="2024-01-02").number_of_edges() == 7
    assert A.project(store, since="2024-01-03").number_of_edges() == 0
    with pytest.raises(QueryError):
        A.project(store, since="yesterday")
    with pytest.raises(QueryError):
        A.project(store, relations=["supplies"])


def test_explain_resolves_labels_aliases_and_tickers(hand_store):
    store = graph.open_store(hand_store, create=False)
    g, paths = A.explain(store, "BETA.O", "gamma")
    assert [[s.source for s in p] + [p[-1].target] for p in paths] == [
        [n("Beta"), n("Alpha"), n("Gamma")]
    ]
    beta_alpha = paths[0][0].evidence
    assert {(s, o, ev.modality) for s, o, ev in beta_alpha} == {
        (n("Alpha"), n("Beta"), "asserted"), (n("Beta"), n("Alpha"), "reported"),
    }  # fmt: skip
    # the denied "Gamma acquires Delta" is no path; the alias アルファ means two entities
    _, paths = A.explain(store, "アルファ", "Delta")
    assert sorted(p[0].source for p in paths) == [n("Alpha"), n("Alpha_Inc")]
    assert all(len(p) == 2 for p in paths)
    with pytest.raises(QueryError, match="no entity named"):
        A.explain(store, "Nobody", "Beta")
    with pytest.raises(QueryError, match="name the same entity"):
        A.explain(store, "ベータ", "BETA.O")


def test_analyze_on_store(hand_store):
    store = graph.open_store(hand_store, create=False)
    an = A.analyze(store)
    assert an.central["suppliesTo+manufacturesFor"][0].entity == n("Alpha")  # tie, by IRI
    text = A.format_analysis(an)
    for heading in ("most central entities", "exposure", "ownership roll-up", "communities"):
        assert heading in text
    assert an.sampled == {} and "approximate" not in text  # a small graph: exact betweenness


def test_analyze_says_when_betweenness_is_approximate(hand_store, monkeypatch):
    monkeypatch.setattr(A, "BETWEENNESS_EXACT_MAX_NODES", 1)
    monkeypatch.setattr(A, "BETWEENNESS_SAMPLES", 2)
    an = A.analyze(graph.open_store(hand_store, create=False))
    supply = "suppliesTo+manufacturesFor"
    size = len(A.relation_subgraph(an.graph, A.SUPPLY_RELATIONS))
    assert an.sampled[supply] == (2, size)
    assert "betweenness approximate: estimated from 2 of" in A.format_analysis(an)


def test_cli_analyze_and_explain(hand_store):
    graph.close_store(hand_store)
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", "--store", str(hand_store), "--hops", "1"])
    assert result.exit_code == 0, result.output
    assert "most central entities" in result.output and "Beta" in result.output
    result = runner.invoke(app, ["explain", "BETA.O", "Gamma", "--store", str(hand_store)])
    assert result.exit_code == 0, result.output
    assert "ベータ - アルファ - Gamma" in result.output
    assert "「" in result.output and "記事 two.md" in result.output
    result = runner.invoke(app, ["explain", "Nobody", "Gamma", "--store", str(hand_store)])
    assert result.exit_code == 1
    assert "no entity named 'Nobody'" in result.output


def test_records_show_labels(chain):
    rows = A.records(chain, A.exposure(chain, hops=2))
    assert rows[0] == {"entity": "Designer", "hops": 1, "controlled": "Cloud",
                       "path": "Designer - Cloud"}  # fmt: skip


def test_rollup_table_is_set_like_any_table(chain):
    """Wide (Japanese) and narrow labels line up: columns padded by display width."""
    names = {"Fab": "ファブ", "HoldCo": "Ｘ社", "Group": "東京エレクトロン", "Unit": "abc"}
    for node in chain.nodes:
        local = node.rsplit("/", 1)[-1]
        chain.nodes[node]["label_ja"] = names.get(local, local)
    # display widths: ファブ 6, Ｘ社 4, 東京エレクトロン 16 columns; two spaces between columns
    assert A._rollup_table(chain, A.roll_up(chain)).splitlines() == [
        "entity         ultimate parent   chain",
        "-------------  ----------------  " + "-" * 75,
        "ファブ (Fab)   東京エレクトロン  ファブ -ownedBy-> Ｘ社 -subsidiaryOf-> 東京エレクトロン",
        "Ｘ社 (HoldCo)  東京エレクトロン  Ｘ社 -subsidiaryOf-> 東京エレクトロン",
        "JV             Designer          JV -ownedBy-> Designer",
        "JV             東京エレクトロン  JV -ownedBy-> ファブ -ownedBy-> Ｘ社 -subsidiaryOf->"
        " 東京エレクトロン",
        "abc (Unit)     東京エレクトロン  abc -subsidiaryOf-> ファブ -ownedBy-> Ｘ社"
        " -subsidiaryOf-> 東京エレクトロン",
        "X              Y                 X -ownedBy-> Y",
        "Y              X                 Y -ownedBy-> X",
    ]
