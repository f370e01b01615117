"""Step 3: cue entries map slots to a relation's subject and object (class constraints
reject impossible fillers); facts of a sentence and of an article."""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.relations.context import Context, Ref, dedupe
from kg.relations.grammar import CueEntry, Grammar, load_grammar
from kg.relations.modality import modality_of
from kg.relations.patterns import descriptor_nouns, np_pattern_facts
from kg.relations.scorer import Model, RawFact, apply, cue_relations, load_model
from kg.relations.sentence import Sentence
from kg.vocab import SYMMETRIC

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from kg.entities import ArticleEntities, Mention
    from kg.parse import ParsedArticle

VERSION = "kg.relations.dependency.v1"


@dataclass(frozen=True)
class Fact:
    """One statement of a relation in one sentence of one article."""

    s: str  # subject entity IRI
    p: str  # relation local name (ontology/kg.ttl)
    o: str  # object entity IRI
    modality: str  # asserted | reported | hedged | planned | denied
    sentence_index: int
    char_start: int  # sentence offsets in the article text
    char_end: int
    sentence: str
    s_text: str  # subject and object as written
    o_text: str
    cue: str  # cue word that fired
    rule: str  # versioned rule id, e.g. "kg.relations.dependency.v1/suppliesTo/サプライヤー"
    confidence: float
    reported_by: str | None = None


def _match(spec: str, slots: dict[str, list[Ref]]) -> list[Ref]:
    if "*" in spec or "?" in spec:
        out: list[Ref] = []
        for k in sorted(slots):
            if fnmatch.fnmatchcase(k, spec):
                out.extend(slots[k])
        return out
    return slots.get(spec, [])


def _fill(
    specs: Sequence[str], slots: dict[str, list[Ref]], classes: frozenset[str]
) -> tuple[list[Ref], str]:
    for spec in specs:
        refs = [r for r in _match(spec, slots) if r.cls in classes]
        if refs:
            return dedupe(refs), spec
    return [], ""


def _lemma_set(tok: Token) -> set[str]:
    """Lemmas of the cue's own compound and of its nearest dependents and head."""
    out = {tok.lemma_, tok.text}
    doc = tok.doc
    for i in range(max(0, tok.i - 4), tok.i):  # the object right before the verb (…の供給を禁じる)
        out.add(doc[i].lemma_)
    for c in tok.subtree:
        if abs(c.i - tok.i) <= 12:
            out.add(c.lemma_)
            out.add(c.text)
    if tok.head.i != tok.i:
        out.add(tok.head.lemma_)
        for c in tok.head.children:
            if c.dep_ in ("obj", "compound"):
                out.add(c.lemma_)
    return out


def _cue_lemmas(tok: Token, sent: Sentence) -> list[str]:
    """Lemma candidates of a token: itself and noun compounds ending in it (輸出+規制)."""
    out = [tok.lemma_, tok.text]
    if tok.i > 0:
        prev = sent.doc[tok.i - 1]
        if prev.head.i == tok.i and prev.dep_ == "compound":
            out.append(prev.text + tok.text)
    return out


def _confidence(base: float, refs: Iterable[Ref], spec_s: str, spec_o: str) -> float:
    c = base
    for r in refs:
        if r.via in ("coref", "topic"):
            c -= 0.1
        elif r.via == "deep":
            c -= 0.05
    if spec_s.startswith(("gov.", "xfer.")) or spec_o.startswith(("gov.", "xfer.")):
        c -= 0.05
    return round(max(0.3, min(0.95, c)), 2)


def extract_sentence(
    doc: Doc,
    mentions: Sequence[Mention],
    context: Context,
    grammar: Grammar | None = None,
    model: Model | None | bool = True,
) -> list[RawFact]:
    """Raw facts of one sentence: (relation, s, o, modality, reporter, cue, rule, confidence).

    `model`: the learned scorer to weigh the rules' facts with (True: the shipped one, if
    any; False or None: the rules alone)."""
    g = grammar or load_grammar()
    sent = Sentence(doc, mentions, g, context)
    out = rule_facts(sent)
    scorer = load_model() if model is True else model or None
    if scorer is not None and _readable(sent) and _has_cue(sent):
        out = apply(sent, out, scorer)
    remember(sent)
    return out


def _readable(sent: Sentence) -> bool:
    """Can the sentence hold a fact: two names, or one and an anaphor (同社)? The pre-filter
    (kg.prefilter) parses no other sentence, so the rules and the scorer read no other."""
    return len(sent.mentions) + len(sent.prefixes) >= 2 or any(
        t.text in sent.g.company_anaphora for t in sent.doc
    )


def _has_cue(sent: Sentence) -> bool:
    """Does the sentence hold a cue word of some relation? (the scorer reads no other: the
    pre-filter parses a sentence without one only for its noun-phrase patterns)"""
    cues = cue_relations(sent.g)
    return any(t.lemma_ in cues or t.text in cues for t in sent.doc)


def read_article(
    parsed: ParsedArticle, entities: ArticleEntities
) -> Iterator[tuple[int, Sentence, list[RawFact]]]:
    """Each sentence of an article the scorer reads, with the rules' facts, as
    `extract_article` sees it (for training the scorer: scripts/train_scorer.py)."""
    g = load_grammar()
    ctx = Context()
    for idx, (doc, mentions) in enumerate(zip(parsed.docs, entities.mentions, strict=True)):
        sent = Sentence(doc, mentions, g, ctx)
        out = rule_facts(sent)
        if _readable(sent) and _has_cue(sent):
            yield idx, sent, out
        remember(sent)


def remember(sent: Sentence) -> None:
    """Note what the sentence talked about, for 同社, この技術 and dropped subjects later."""
    context = sent.ctx
    for m in sent.mentions:
        slot = sent.slot_of(m.end)
        context.history.append(
            (context.sentence, Ref(m.iri, m.cls, m.text), slot in ("topic", "subj"))
        )
    context.sentence += 1


def rule_facts(sent: Sentence) -> list[RawFact]:
    """The facts the cue entries and noun-phrase patterns of the cue file read in `sent`."""
    g = sent.g
    doc = sent.doc
    out: list[RawFact] = []
    if _readable(sent):
        fired: dict[int, set[str]] = {}
        kind_nouns = descriptor_nouns("Company", "Association")
        for tok in doc:
            entries: list[CueEntry] = []
            for lemma in _cue_lemmas(tok, sent):
                entries.extend(e for e in g.by_lemma.get(lemma, ()) if e not in entries)
            if not entries:
                continue
            if tok.i in sent.by_token:  # part of a name (東京エレクトロン)
                continue
            if tok.dep_ == "compound" and tok.head.text in kind_nouns:
                continue  # says what kind a company is: 投資[会社], 受託生産[企業]
            lemmas = None
            slots = None
            for entry in entries:
                if entry.unless & fired.get(tok.i, set()):
                    continue
                if entry.needs or entry.needs_not:
                    lemmas = lemmas if lemmas is not None else _lemma_set(tok)
                    if entry.needs and not (lemmas & entry.needs):
                        continue
                    if entry.needs_not and lemmas & entry.needs_not:
                        continue
                head = tok.head
                if entry.gov and head.lemma_ not in entry.gov:
                    continue
                if entry.gov_not and head.lemma_ in entry.gov_not:
                    continue
                if slots is None:
                    slots = sent.noun_slots(tok)
                    if sent.is_predicate(tok):
                        slots.update(sent.pred_args(tok))
                if entry.needs_slot and not all(
                    any(
                        c.lemma_ in allowed
                        or c.text in allowed
                        or any(a in c.text for a in allowed)
                        for c in tok.children
                        if sent.slot_of(sent.mention_end(c)) == sl
                    )
                    for sl, allowed in entry.needs_slot
                ):
                    continue
                s_cls, o_cls = g.classes[entry.relation]
                subj, spec_s = _fill(entry.s, slots, s_cls)
                obj, spec_o = _fill(entry.o, slots, o_cls)
                pairs: list[tuple[Ref, Ref]] = []
                if subj and obj:
                    pairs = [(a, b) for a in subj for b in obj if a.iri != b.iri]
                elif subj and entry.symmetric_pairs and len(subj) >= 2:
                    pairs = [
                        (subj[i], subj[j])
                        for i in range(len(subj))
                        for j in range(i + 1, len(subj))
                    ]
                    spec_o = spec_s
                elif subj and entry.counterpart:
                    for rel, a, b, *_ in out:
                        if rel == entry.relation and b.iri in {r.iri for r in subj}:
                            pairs.extend((x, a) for x in subj if x.iri != a.iri)
                if not pairs:
                    continue
                modality, reporter = modality_of(tok, sent)
                if modality is None:
                    fired.setdefault(tok.i, set()).add(entry.id)
                    continue
                for a, b in pairs:
                    out.append(
                        (
                            entry.relation,
                            a,
                            b,
                            modality,
                            reporter,
                            tok.text,
                            f"{g.version}/{entry.relation}/{entry.id}",
                            _confidence(entry.confidence, (a, b), spec_s, spec_o),
                        )
                    )
                fired.setdefault(tok.i, set()).add(entry.id)
        for pat, a, b, tok in np_pattern_facts(sent):
            s_m, o_m = (a, b) if pat["first"]["role"] == "s" else (b, a)
            modality, reporter = "asserted", None  # a name phrase states, it does not claim
            out.append(
                (
                    pat["relation"],
                    Ref(s_m.iri, s_m.cls, s_m.text),
                    Ref(o_m.iri, o_m.cls, o_m.text),
                    modality,
                    reporter,
                    tok.text,
                    f"{g.version}/{pat['relation']}/{pat['id']}",
                    float(pat.get("confidence", 0.8)),
                )
            )
    return out


def extract_article(
    parsed: ParsedArticle, entities: ArticleEntities, model: Model | None | bool = True
) -> list[Fact]:
    """Facts of one article from its parsed sentences and linked mentions."""
    g = load_grammar()
    ctx = Context()
    facts: dict[tuple, Fact] = {}
    for idx, (sentence, doc, mentions) in enumerate(
        zip(parsed.sentences, parsed.docs, entities.mentions, strict=True)
    ):
        for rel, a, b, modality, reporter, cue, rule, conf in extract_sentence(
            doc, mentions, ctx, g, model
        ):
            s, o = a.iri, b.iri
            if rel in SYMMETRIC and o < s:
                s, o = o, s
                a, b = b, a
            key = (s, rel, o, idx)
            fact = Fact(
                s=s,
                p=rel,
                o=o,
                modality=modality,
                sentence_index=idx,
                char_start=sentence.start,
                char_end=sentence.end,
                sentence=sentence.text,
                s_text=a.text,
                o_text=b.text,
                cue=cue,
                rule=rule,
                confidence=conf,
                reported_by=reporter,
            )
            old = facts.get(key)
            if old is None or fact.confidence > old.confidence:
                facts[key] = fact
    return sorted(facts.values(), key=lambda f: (f.sentence_index, f.p, f.s, f.o))


def fact_id(article_key: str, fact: Fact) -> str:
    """Stable id of a claim: article, triple and sentence offsets."""
    raw = f"{article_key}|{fact.s}|{fact.p}|{fact.o}|{fact.char_start}|{fact.char_end}"
    return hashlib.sha1(raw.encode()).hexdigest()
