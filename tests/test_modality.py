"""Modality (kg/relations/modality.py and the `modality:` cues of ontology/relation-cues.yaml):
each rule on a sentence of our own (tests/data/modality/sentences.jsonl, read back from a
built graph, denied claims included), and the accuracy per class (kg.evaluate
`ModalityScore.per_class`) on those sentences, on the real news set and on our own dev set.

Every threshold sits a stated margin under the figure measured when it was set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cached_build

from kg import graph
from kg.evaluate import evaluate, fact_key, format_evaluation, load_gold
from kg.vocab import KGE

DATA = Path(__file__).parent / "data"
SENTENCES = [
    json.loads(line)
    for line in (DATA / "modality" / "sentences.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]
CLASSES = ("asserted", "reported", "hedged", "planned", "denied")


@pytest.fixture(scope="module")
def claims(tmp_path_factory) -> dict[str, dict[tuple[str, str, str], set[str]]]:
    """{sentence: {(s, p, o): modalities}} of the graph built from the sentences, one article
    each (so that no sentence lends another its subject)."""
    base = tmp_path_factory.mktemp("modality")
    corpus = base / "corpus"
    corpus.mkdir()
    for i, line in enumerate(SENTENCES):
        front = f"---\ntitle: 文{i}\ndate: 2025-01-15\nsource: テスト\n---\n"
        (corpus / f"{i:03d}.md").write_text(front + line["text"] + "\n", encoding="utf-8")
    store = graph.open_store(cached_build([corpus], base / "store"), create=False)
    out: dict[str, dict[tuple[str, str, str], set[str]]] = {}
    for row in graph.select(
        store,
        """SELECT ?sentence ?s ?p ?o ?m WHERE { ?c a kg:Claim ; kg:sentence ?sentence ;
          rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:modality ?m }""",
    ):
        sentence, s, p, o, m = (t.value for t in row)
        key = fact_key(s.removeprefix(str(KGE)), p.rsplit("#", 1)[-1], o.removeprefix(str(KGE)))
        out.setdefault(sentence, {}).setdefault(key, set()).add(m.rsplit("#", 1)[-1])
    graph.close_store(base / "store")
    return out


def read(claims, line) -> set[str]:
    """The modalities the graph gives the expected fact of a sentence line."""
    return claims.get(line["text"], {}).get(fact_key(*line["fact"]), set())


@pytest.mark.parametrize("line", SENTENCES, ids=[x["rule"] for x in SENTENCES])
def test_each_rule_on_a_sentence(claims, line):
    expected = {line["modality"]} if line["modality"] else set()
    assert read(claims, line) == expected, claims.get(line["text"])


def test_per_class_accuracy_on_our_sentences(claims):
    """Every class, denied too, measured on the graph's claims: all 82 sentences read right
    when set (1.00 in each class); threshold 0.90, with at least 8 sentences a class."""
    score = {c: [0, 0] for c in CLASSES}
    for line in SENTENCES:
        if line["modality"]:
            score[line["modality"]][0] += read(claims, line) == {line["modality"]}
            score[line["modality"]][1] += 1
    print({c: f"{ok}/{n}" for c, (ok, n) in score.items()})
    for c, (ok, n) in score.items():
        assert n >= 8 and ok >= 0.9 * n, (c, score)


# ----------------------------------------------------------------- per-class accuracy


def test_per_class_accuracy_is_read_off_the_confusion_table(hand_store, gold_files):
    ev = evaluate(graph.open_store(hand_store), load_gold(*([f] for f in gold_files)))
    # conftest: alpha suppliesTo beta is hedged in the gold, asserted in both articles;
    # gamma competesWith alpha asserted on both sides
    assert ev.modality.per_class() == {"asserted": (1, 1), "hedged": (0, 2)}
    text = format_evaluation(ev, by_modality=True)
    assert "accuracy" in text.splitlines()[-4]
    assert text.splitlines()[-1].split()[-2:] == ["0/2", "(0%)"]


def _per_class(store: Path, entities: list[Path], relations: list[Path]):
    ev = evaluate(graph.open_store(store, create=False), load_gold(entities, relations))
    print(format_evaluation(ev, by_modality=True))
    graph.close_store(store)
    return ev.modality.per_class()


def test_per_class_accuracy_on_the_real_set(real_store, shared):
    """All 48 articles. When set (matched facts): planned 9/12, reported 5/7, hedged none
    matched; the target is 0.75 a class, which reported misses. Thresholds one fact under
    the measure (planned 0.66, reported 0.55), with at least 10 matched facts in the
    non-asserted classes so that the figures mean something."""
    real = shared / "gold" / "real"
    per_class = _per_class(
        real_store,
        [real / "entities.jsonl", shared / "gold" / "seed-entities.jsonl"],
        [real / "relations.jsonl"],
    )
    others = {c: v for c, v in per_class.items() if c != "asserted"}
    assert sum(n for _, n in others.values()) >= 10, per_class
    minimum = {"planned": 0.66, "reported": 0.55, "hedged": 0.75, "denied": 0.75}
    for c, (ok, n) in others.items():
        assert ok >= minimum[c] * n, (c, per_class)


def test_per_class_accuracy_on_our_dev_set(tmp_path):
    """tests/data/eval/dev. When set: hedged 9/9, planned 6/9, reported 6/6; thresholds
    hedged 0.75 (two facts of margin), planned 0.55 (one fact), reported 0.66 (two facts)."""
    d = DATA / "eval" / "dev"
    store = cached_build([d / "corpus"], tmp_path / "store")
    per_class = _per_class(store, [d / "entities.jsonl"], [d / "relations.jsonl"])
    minimum = {"hedged": (0.75, 8), "planned": (0.55, 8), "reported": (0.66, 6)}
    for c, (share, n) in minimum.items():
        ok, total = per_class[c]
        assert total >= n and ok >= share * total, (c, per_class)
