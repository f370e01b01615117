"""kg.frames: the hand-written store as DataFrames, compared with the facts written into it
(tests/conftest.py HAND_FACTS), not with another function of kg."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from conftest import ALPHA, BETA, HAND_FACTS

from kg import frames, graph


@pytest.fixture(scope="module")
def store(hand_store):
    return graph.open_store(hand_store, create=False)


def written():
    return [f for facts in HAND_FACTS.values() for f in facts]


def test_claims_one_row_per_claim_denied_ones_optional(store):
    claims = frames.claims(store)
    assert len(claims) == len(written())
    assert Counter(claims["modality"]) == Counter(f.modality for f in written())
    assert len(frames.claims(store, denied=False)) == sum(f.modality != "denied" for f in written())
    reported = claims[claims["modality"] == "reported"].iloc[0]
    assert (reported["subject"], reported["object"], reported["reported_by"]) == (
        BETA.iri,
        ALPHA.iri,
        "関係者",
    )
    assert reported["subject_label"] == "ベータ" and reported["object_label"] == "アルファ"
    assert claims["date"].dtype.kind == "M" and claims["char_start"].dtype.name == "Int64"
    assert (claims["date"] == pd.Timestamp("2024-01-02")).all()


def test_facts_group_the_claims_that_are_not_denied(store):
    facts = frames.facts(store, lang="en")
    expected = Counter((f.s, f.p, f.o) for f in written() if f.modality != "denied")
    got = {(r.subject, r.relation, r.object): r.claims for r in facts.itertuples()}
    assert got == dict(expected)
    keys = [(-r.articles, -r.claims, r.subject, r.relation, r.object) for r in facts.itertuples()]
    assert keys == sorted(keys)  # most stated first
    row = facts[(facts["subject"] == BETA.iri) & (facts["relation"] == "suppliesTo")].iloc[0]
    assert (row["subject_label"], row["object_label"], row["modalities"]) == (
        "Beta",
        "Alpha",
        "reported",
    )
    assert row["first"] == pd.Timestamp("2024-01-02") and row["articles"] == 1


def test_entities_with_their_facts_and_articles(store):
    entities = frames.entities(store).set_index("entity")
    alpha = entities.loc[ALPHA.iri]
    assert (alpha["label_ja"], alpha["label_en"], alpha["class"]) == (
        "アルファ",
        "Alpha",
        "Company",
    )
    assert alpha["facts"] == len({(f.s, f.p, f.o) for f in written() if f.modality != "denied"
                                  and ALPHA.iri in (f.s, f.o)})  # fmt: skip
    assert alpha["articles"] == 2


def test_any_select_with_typed_columns(store):
    df = frames.query(store, "SELECT ?a ?d (COUNT(?c) AS ?n) WHERE { ?a dcterms:date ?d . "
                             "?c prov:wasDerivedFrom ?a } GROUP BY ?a ?d ORDER BY ?a")  # fmt: skip
    assert list(df.columns) == ["a", "d", "n"]
    assert df["d"].dtype.kind == "M" and df["n"].dtype.kind == "i"
    assert list(df["n"]) == [len(HAND_FACTS["one.md"]), len(HAND_FACTS["two.md"])]
