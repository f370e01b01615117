"""Candidates for the learned scorer: pairs of entities in one sentence, and what is known of
each pair (features as strings), read from the dependency parse and the cue file.

A candidate is an ordered pair of distinct entities of one sentence: named there (the closest
mentions of the two are used), named by 同社/両社 (resolved as the rules resolve them), or the
article's topic standing in for a dropped subject (zero anaphora: a sentence without a topic
or subject of its own continues the last one). Features are relation-independent and
unlexicalised (dependency labels, particles, cue relations, classes, lists, not the words
themselves): the gold sets are small, and words would be learnt by heart. Each relation's
model weighs them (`kg.relations.scorer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

    from kg.relations.sentence import Sentence


@dataclass(frozen=True)
class Arg:
    """One side of a candidate: an entity and where the sentence names it."""

    iri: str
    cls: str
    text: str
    start: int  # token span of the mention (for an implicit subject: 0, 0)
    end: int
    via: str = "name"  # name | coref | zero
    group: int = 1  # size of the list the mention stands in


def arguments(sent: Sentence) -> list[Arg]:
    """The entities a sentence speaks of, one `Arg` per entity (its first mention)."""
    out: dict[str, Arg] = {}
    for m in sorted(sent.mentions + sent.prefixes, key=lambda m: m.start):
        if m.iri not in out:
            out[m.iri] = Arg(m.iri, m.cls, m.text, m.start, m.end, "name", len(sent.members(m)))
    for tok in sent.doc:
        if tok.text in sent.g.company_anaphora and tok.i not in sent.by_token:
            for ref in sent.resolve(tok):
                if ref.iri not in out:
                    out[ref.iri] = Arg(ref.iri, ref.cls, tok.text, tok.i, tok.i + 1, "coref")
    if not sent.topic and not any(sent.slot_of(m.end) in ("topic", "subj") for m in sent.mentions):
        ref = sent.ctx.last("Company", topical=True)
        if ref is not None and ref.iri not in out:
            out[ref.iri] = Arg(ref.iri, ref.cls, ref.text, 0, 0, "zero")
    return list(out.values())


def arg_root(sent: Sentence, a: Arg) -> Token:
    """The token that links an argument into the parse (the sentence root for an implicit one)."""
    doc = sent.doc
    if a.via == "zero":
        return next((t for t in doc if t.dep_ == "ROOT"), doc[0])
    if a.via == "coref":
        return doc[a.start]
    m = sent.by_token.get(a.start)
    if m is not None:
        return doc[sent.root_of(m)]
    return doc[a.end - 1]


def ancestors(tok: Token) -> list[Token]:
    """`tok` and its heads up to the root."""
    out = [tok]
    while out[-1].head.i != out[-1].i and len(out) < 40:
        out.append(out[-1].head)
    return out


def _bucket(n: int) -> str:
    return str(n) if n < 4 else "4-6" if n < 7 else "7-12" if n < 13 else "13+"


def pair_features(sent: Sentence, a: Arg, b: Arg, cue_relations: dict[str, set[str]]) -> list[str]:
    """What is known of the ordered pair (a, b) in `sent`, as feature strings.

    `cue_relations` maps a lemma to the relations it is a cue of (from the cue file).
    """
    doc = sent.doc
    f = [f"cls={a.cls}|{b.cls}", f"via={a.via}|{b.via}"]
    if a.via == "zero" or b.via == "zero":
        first, second = (a, b) if a.via == "zero" else (b, a)
    else:
        first, second = (a, b) if a.start <= b.start else (b, a)
    f.append("order=ab" if first is a else "order=ba")
    for name, x in (("a", a), ("b", b)):
        if x.via == "zero":
            continue
        f.append(f"p{name}={sent.particle_after(x.end) or '-'}")
        if x.group > 1:
            f.append(f"{name}_list")
        if any(r.iri == x.iri for r in sent.topic):
            f.append(f"{name}_topic")
        if x.start > 0 and doc[x.start - 1].text == "対":
            f.append(f"{name}_tai")
    if a.via == "name" and b.via == "name":
        f.append(f"pp={sent.particle_after(a.end) or '-'}|{sent.particle_after(b.end) or '-'}")
        between = doc[first.end : second.start]
        f.append(f"gap={_bucket(len(between))}")
        if any(t.pos_ in ("VERB", "AUX") for t in between):
            f.append("btw_verb")
        ma = sent.by_token.get(a.start)
        if ma is not None and any(m.iri == b.iri for m in sent.members(ma) if m is not ma):
            f.append("same_list")
    ra, rb = arg_root(sent, a), arg_root(sent, b)
    up_a, up_b = ancestors(ra), ancestors(rb)
    ids_b = {t.i for t in up_b}
    lca = next((t for t in up_a if t.i in ids_b), None)
    if lca is not None:
        path_a = up_a[: next(i for i, t in enumerate(up_a) if t.i == lca.i)]
        path_b = up_b[: next(i for i, t in enumerate(up_b) if t.i == lca.i)]
        deps = "/".join(t.dep_ for t in path_a) + "^" + "/".join(t.dep_ for t in path_b)
        f.append(f"path={deps}")
        f.append(f"lca_pos={lca.pos_}")
        f.append(f"plen={_bucket(len(path_a) + len(path_b))}")
        on_path = [*path_a[1:], lca, *path_b[1:]]
        for t in on_path:
            for rel in cue_relations.get(t.lemma_, ()):
                f.append(f"cue_path={rel}")
        for rel in cue_relations.get(lca.lemma_, ()):
            f.append(f"cue_lca={rel}")
    for name, r in (("a", ra), ("b", rb)):
        if r.head.i != r.i:
            f.append(f"d{name}={r.dep_}")
    seen: set[str] = set()
    for t in doc:
        for rel in cue_relations.get(t.lemma_, ()):
            if rel not in seen:
                seen.add(rel)
                f.append(f"cue_sent={rel}")
    return f
