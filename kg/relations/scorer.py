"""The learned scorer: a logistic model per relation over pairs of entities in a sentence.

The rules propose facts; the scorer weighs every candidate pair of the sentence
(`kg.relations.features`), rule facts included (that the rules made a fact is one of its
features). A rule fact the model finds unlikely is dropped (probability below `keep`), and a
pair the rules were silent on becomes a fact when the model is confident (at or above
`propose`). The model is a small JSON file, ontology/relation-scorer.json, trained by
scripts/train_scorer.py on the project's gold sets; without it the rules stand alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import GazetteerError
from kg.relations.context import Ref
from kg.relations.features import Arg, ancestors, arg_root, arguments, pair_features
from kg.relations.modality import modality_of
from kg.vocab import SYMMETRIC, ontology_dir

if TYPE_CHECKING:
    from kg.relations.grammar import Grammar
    from kg.relations.sentence import Sentence

MODEL_FILE = "relation-scorer.json"
RawFact = tuple[str, Ref, Ref, str, "str | None", str, str, float]


@dataclass(frozen=True)
class Model:
    """Weights per relation, and the two thresholds that put the model to use."""

    version: str
    weights: dict[str, dict[str, float]]  # relation -> feature -> weight ("" is the bias)
    propose: dict[str, float]
    keep: dict[str, float]

    def probability(self, relation: str, features: list[str]) -> float:
        w = self.weights.get(relation)
        if w is None:
            return 0.0
        z = w.get("", 0.0) + sum(w.get(f, 0.0) for f in set(features))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def load_model(path: str | Path | None = None) -> Model | None:
    """The shipped model (ontology/relation-scorer.json), or None when there is none."""
    return _load_model(str(path or ontology_dir() / MODEL_FILE))


@cache
def _load_model(path: str) -> Model | None:
    p = Path(path)
    if not p.is_file():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        return Model(
            version=str(data["version"]),
            weights={r: dict(w) for r, w in data["weights"].items()},
            propose={r: float(x) for r, x in data["propose"].items()},
            keep={r: float(x) for r, x in data["keep"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GazetteerError(
            f"{p}: cannot read the relation scorer ({exc!r}); retrain it with "
            "scripts/train_scorer.py or delete the file"
        ) from exc


_CUE_RELATIONS: dict[int, dict[str, frozenset[str]]] = {}


def cue_relations(grammar: Grammar) -> dict[str, frozenset[str]]:
    """Lemma -> the relations it is a cue of (from the cue file; made once per grammar)."""
    out = _CUE_RELATIONS.get(id(grammar))
    if out is None:
        out = {k: frozenset(e.relation for e in v) for k, v in grammar.by_lemma.items()}
        _CUE_RELATIONS[id(grammar)] = out
    return out


def candidates(sent: Sentence, rule_facts: list[RawFact]) -> list[tuple[Arg, Arg, list[str]]]:
    """Every ordered pair of distinct entities of the sentence, with its features; what
    the rules made of the pair is a feature too."""
    reporters = sent.reporters
    args = [a for a in arguments(sent) if a.iri not in reporters]
    made: dict[tuple[str, str], set[str]] = {}
    for rel, a, b, *_ in rule_facts:
        made.setdefault((a.iri, b.iri), set()).add(rel)
        if rel in SYMMETRIC:
            made.setdefault((b.iri, a.iri), set()).add(rel)
    cues = cue_relations(sent.g)
    out = []
    for a in args:
        for b in args:
            if a.iri == b.iri or a.via == b.via == "zero":
                continue
            f = pair_features(sent, a, b, cues)
            f += [f"rule={r}" for r in made.get((a.iri, b.iri), ())]
            f += [f"rule_rev={r}" for r in made.get((b.iri, a.iri), ())]
            out.append((a, b, f))
    return out


def apply(sent: Sentence, rule_facts: list[RawFact], model: Model) -> list[RawFact]:
    """The sentence's facts once the model has weighed them: rule facts it finds unlikely
    dropped, confident facts the rules did not make added."""
    pairs = candidates(sent, rule_facts)
    by_pair = {(a.iri, b.iri): (a, b, f) for a, b, f in pairs}
    classes = sent.g.classes
    out: list[RawFact] = []
    made: set[tuple[str, str, str]] = set()
    for fact in rule_facts:
        rel, a, b = fact[0], fact[1], fact[2]
        cand = by_pair.get((a.iri, b.iri))
        if cand is not None and rel in model.keep:
            if model.probability(rel, cand[2]) < model.keep[rel]:
                continue
        out.append(fact)
        made.add((rel, a.iri, b.iri))
        if rel in SYMMETRIC:
            made.add((rel, b.iri, a.iri))
    if any(t.lemma_ in sent.g.modality["conditional"] for t in sent.doc):
        return out  # 仮に…すれば: no fact of the model's own in a conditional sentence
    for a, b, f in pairs:
        for rel, threshold in model.propose.items():
            s_cls, o_cls = classes[rel]
            if a.cls not in s_cls or b.cls not in o_cls or (rel, a.iri, b.iri) in made:
                continue
            p = model.probability(rel, f)
            if p < threshold:
                continue
            tok = _anchor(sent, a, b)
            modality, reporter = modality_of(tok, sent)
            if (
                modality
                and "zero" not in (a.via, b.via)
                and tok.i
                in (
                    arg_root(sent, a).i,
                    arg_root(sent, b).i,
                )
            ):
                # one name hangs on the other (TSMC傘下のJASM): a fact the noun phrase
                # presupposes, whatever the clause around it plans or hedges; only a source
                # the sentence names still attributes it
                if modality != "reported":
                    modality, reporter = "asserted", None
            if modality is None:
                continue
            made.add((rel, a.iri, b.iri))
            if rel in SYMMETRIC:
                made.add((rel, b.iri, a.iri))
            out.append(
                (
                    rel,
                    Ref(a.iri, a.cls, a.text, "direct" if a.via == "name" else a.via),
                    Ref(b.iri, b.cls, b.text, "direct" if b.via == "name" else b.via),
                    modality,
                    reporter,
                    tok.text,
                    f"{model.version}/{rel}",
                    round(p, 2),
                )
            )
    return out


def _anchor(sent: Sentence, a: Arg, b: Arg):
    """The token that carries the pair's clause: where their paths in the parse meet."""

    up_a = ancestors(arg_root(sent, a))
    ids_a = {t.i for t in up_a}
    for t in ancestors(arg_root(sent, b)):
        if t.i in ids_a:
            return t
    return up_a[-1]
