"""kg.evaluate on a hand-made gold and a hand-built store with known scores."""

from __future__ import annotations

import json

import pytest
from conftest import ALPHA, ALPHA2

from kg import graph
from kg.errors import EvalError
from kg.evaluate import evaluate, format_evaluation, load_gold


@pytest.fixture(scope="module")
def ev(hand_store, gold_files):
    return evaluate(graph.open_store(hand_store), load_gold(*map(lambda f: [f], gold_files)))


def test_per_relation_counts(ev):
    by = {r.relation: r for r in ev.relations}
    # (A,B) and (A2,B) match; (A,Xeno) has a non-gold end; (B,A) has the wrong direction
    s = by["suppliesTo"]
    assert (s.system, s.matched, s.gold, s.gold_matched) == (4, 2, 1, 1)
    assert s.precision == 0.5 and s.recall == 1.0
    # (A,G) in one article and (G,A) in another are one fact, matching the gold (G,A)
    c = by["competesWith"]
    assert (c.system, c.matched, c.gold, c.gold_matched) == (1, 1, 1, 1)
    # (D,B) matches only an optional gold fact: counted nowhere
    p = by["partnersWith"]
    assert (p.system, p.matched, p.gold) == (0, 0, 0)
    assert ev.excluded == 1
    # the denied (G acquires D) claim is no fact; the gold (D acquires eps) is missed
    a = by["acquires"]
    assert (a.system, a.gold, a.gold_matched) == (0, 1, 0)


def test_overall_and_entities(ev):
    o = ev.overall
    assert (o.system, o.matched, o.gold, o.gold_matched) == (5, 3, 4, 2)
    assert o.precision == pytest.approx(0.6) and o.recall == pytest.approx(0.5)
    assert o.f1 == pytest.approx(2 * 0.6 * 0.5 / 1.1)
    assert (ev.entities_found, ev.entities_total) == (4, 5)
    assert [(s.gold_id, s.iris) for s in ev.split] == [("alpha", sorted([ALPHA.iri, ALPHA2.iri]))]
    assert sorted((g.s, g.p, g.o) for g in ev.missed) == [
        ("alpha", "uses", "gamma"),
        ("delta", "acquires", "eps"),
    ]
    assert len(ev.false) == 2


def test_modality(ev):
    m = ev.modality
    assert (m.correct, m.total) == (1, 3)
    assert m.confusion == {("asserted", "asserted"): 1, ("hedged", "asserted"): 2}


def test_format(ev):
    text = format_evaluation(ev, show=True, by_modality=True)
    assert "overall" in text and "split entities: 1" in text
    assert "missed gold facts (2)" in text and "「買収」 (y.txt)" in text
    assert "false system facts (2)" in text
    assert "modality accuracy on matched facts: 1/3" in text


def test_files_merge_and_errors(tmp_path, gold_files):
    ents, rels = gold_files
    extra = tmp_path / "more.jsonl"
    extra.write_text(json.dumps({"id": "alpha", "names": ["Alpha Inc"]}) + "\n")
    gold = load_gold([ents, extra], [rels])
    assert gold.entities["alpha"].names == {"Alpha", "アルファ", "Alpha Inc"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"s": "alpha", "p": "likes", "o": "beta"}\n')
    with pytest.raises(EvalError, match="bad.jsonl:1: unknown relation 'likes'"):
        load_gold([ents], [bad])
    bad.write_text("not json\n")
    with pytest.raises(EvalError, match="bad.jsonl:1: not JSON"):
        load_gold([ents], [bad])
