"""Step 3: cue entries map slots to a relation's subject and object (class constraints
reject impossible fillers); facts of a sentence and of an article."""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.entities.names import common_phrase
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
    reporters = sent.reporters
    # who tells the story is no party to it; what its own name says of it stands (英FT)
    out = [f for f in rule_facts(sent) if f[0] == "basedIn" or not {f[1].iri, f[2].iri} & reporters]
    scorer = load_model() if model is True else model or None
    if scorer is not None and _readable(sent) and _has_cue(sent):
        out = apply(sent, out, scorer)
    remember(sent, out)
    return out


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _readable(sent: Sentence) -> bool:
    """Can the sentence hold a fact: two names, or an anaphor (同社), or a group of firms
    (25社)? The pre-filter (kg.prefilter) parses no other sentence, so the rules and the
    scorer read no other. A line without a Japanese character (an English headline, a
    URL) is none the grammar reads."""
    if not _JAPANESE.search(sent.doc.text):
        return False
    return (
        len(sent.mentions) + len(sent.prefixes) >= 2
        or any(t.text in sent.g.company_anaphora for t in sent.doc)
        or bool(group_words(sent))
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
        remember(sent, out)


def remember(sent: Sentence, facts: list[RawFact]) -> None:
    """Note what the sentence talked about, for 同社, この技術 and dropped subjects and
    objects later."""
    context = sent.ctx
    about = dedupe(b for rel, a, b, *_ in facts if rel != "basedIn")
    topic = [Ref(r.iri, r.cls, r.text, "topic") for r in sent.topic]
    context.focus = about or topic or context.focus
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
        groups = group_words(sent)
        for tok in doc:
            entries: list[CueEntry] = []
            for lemma in _cue_lemmas(tok, sent):
                entries.extend(e for e in g.by_lemma.get(lemma, ()) if e not in entries)
            if not entries:
                continue
            if tok.i in sent.by_token:  # part of a name (東京エレクトロン)
                continue
            if tok.dep_ == "compound" and tok.head.i == tok.i + 1:
                if g.by_lemma.get(tok.text + tok.head.text):
                    continue  # 出資[比率]: the longer cue word speaks
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
                        for c in _slot_fillers(tok)
                        if sent.slot_of(sent.mention_end(c)) == sl
                    )
                    for sl, allowed in entry.needs_slot
                ):
                    continue
                s_cls, o_cls = g.classes[entry.relation]
                if entry.o_classes:
                    o_cls = o_cls & entry.o_classes
                subj, spec_s = _fill(entry.s, slots, s_cls)
                obj, spec_o = _fill(entry.o, slots, o_cls)
                if not subj and entry.implicit_s and not _says(tok, sent, entry.s):
                    subj = _implicit(sent, tok, entry.implicit_s, s_cls, obj)
                    spec_s = "implicit"
                pairs = _pairs(entry, subj, obj, sent)
                if subj and not pairs and entry.implicit_o and not _says(tok, sent, entry.o):
                    # nothing the sentence names can be the object (or only the subjects
                    # themselves): the one it leaves out
                    obj = _implicit(sent, tok, entry.implicit_o, o_cls, subj)
                    spec_o = "implicit"
                    pairs = _pairs(entry, subj, obj, sent)
                if not pairs and subj and entry.symmetric_pairs and len(subj) >= 2:
                    pairs = [
                        (subj[i], subj[j])
                        for i in range(len(subj))
                        for j in range(i + 1, len(subj))
                    ]
                    spec_o = spec_s
                elif not pairs and subj and entry.counterpart:
                    for rel, a, b, *_ in out:
                        if rel == entry.relation and b.iri in {r.iri for r in subj}:
                            pairs.extend((x, a) for x in subj if x.iri != a.iri)
                if subj and groups and entry.relation in g.group_relations:
                    _note_group(sent, tok, entry.relation, subj, groups)
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
    out += member_facts(sent, out)
    return out


def _slot_fillers(tok: Token) -> list[Token]:
    """Words that may fill a slot of the cue: its dependents, and words before it inside its
    argument phrase that the parser hung on a verb there (「リスト」には140社に上る企業を追加:
    リストに hangs on 上る)."""
    return [*tok.children, *(t for t in tok.subtree if t.i < tok.i and t.head.i != tok.i)]


def _pairs(entry: CueEntry, subj: list[Ref], obj: list[Ref], sent: Sentence) -> list:
    """(subject, object) pairs of an entry: never an entity with itself, and list members
    never each other's investor, supplier or owner (AやBも出資する)."""
    return [
        (a, b)
        for a in subj
        for b in obj
        if a.iri != b.iri and (entry.relation in SYMMETRIC or not sent.same_list(a.iri, b.iri))
    ]


def _says(tok: Token, sent: Sentence, specs: Sequence[str]) -> bool:
    """Does the sentence fill one of the cue's own slots `specs` (even with a word that names
    no entity: 同子会社に出資する)? Then nothing is left out."""
    own = {s for s in specs if "." not in s and s != "stopic"}
    return any(sent.slot_of(sent.mention_end(c)) in own for c in _clause_words(tok))


def _clause_words(tok: Token) -> list[Token]:
    """Words of the cue's own clause: its dependents, and words before it that the parser
    hung below them without a verb between (同子会社にはAやBも出資する: 同子会社に hangs on A)."""
    out = []
    for t in tok.subtree:
        if t.i == tok.i:
            continue
        h = t.head
        while h.i != tok.i and h.pos_ not in ("VERB", "ADJ") and h.head.i != h.i:
            h = h.head
        if h.i == tok.i:
            out.append(t)
    return out


def _own_topic(tok: Token, sent: Sentence, other: list[Ref]) -> Token | None:
    """A topic (Xは) on the cue's clause or a clause above it, other than `other`."""
    above = {tok.i, *(t.i for t in tok.ancestors)}
    ids = {r.iri for r in other}
    for t in sent.doc:
        if t.lemma_ in sent.g.about_verbs and t.head.i in above and t.i != tok.i:
            # Xをめぐっては: X is what the sentence is about
            end = max(x.i for x in t.subtree) + 1
            if sent.particle_after(end) in ("は", "、") or sent.doc[end - 1].text == "は":
                about = [c for c in t.children if c.i < t.i and c.pos_ in ("NOUN", "PROPN")]
                if about:
                    return about[0]
        if t.pos_ not in ("NOUN", "PROPN", "PRON", "NUM") or t.i == tok.i:
            continue
        end = sent.mention_end(t)
        if t.head.i in above and sent.slot_of(end) == "topic" and sent.particle_after(end) == "は":
            m = sent.by_token.get(t.i)
            if m is None and common_phrase(t.text):
                continue  # ラウンドは…: a thing, not a name the sentence leaves unrecognised
            if m is None or m.iri not in ids:
                return t
    return None


def _implicit(
    sent: Sentence, tok: Token, names: tuple[str, ...], classes, other: list[Ref]
) -> list[Ref]:
    """What an entry supplies for a role the sentence leaves out: the entity the last
    sentence was about ("focus"), or named entities (the Entity List's owner)."""
    from kg.entities import load_gazetteer

    taken = {r.iri for r in other}
    if names == ("focus",):
        topic = _own_topic(tok, sent, other)
        if topic is not None:  # YMTCは…AとBが出資して設立された: the clause's own topic
            return [r for r in sent.resolve(topic) if r.cls in classes and r.iri not in taken]
        return [r for r in sent.ctx.focus if r.cls in classes and r.iri not in taken]
    if names == ("topic",):
        # 17年に米Aを買収した (no subject): the firm the last sentences were about; any
        # phrase with は or が on the clause (a person, a thing) is a subject of its own
        above = {tok.i, *(t.i for t in tok.ancestors)}
        if any(
            t.head.i in above and t.i != tok.i and sent.particle_after(t.i + 1) in ("は", "が")
            for t in sent.doc
            if t.pos_ in ("NOUN", "PROPN", "PRON")
        ):
            return []
        ref = sent.ctx.last("Company", topical=True, window=2)
        return [ref] if ref is not None and ref.cls in classes and ref.iri not in taken else []
    gaz = load_gazetteer()
    out = []
    for name in names:
        iri = gaz.lookup(name)
        if iri is not None and iri not in taken:
            out.append(Ref(iri, gaz.entities[iri].cls, name, "topic"))
    return out


def group_words(sent: Sentence) -> list[str]:
    """Groups of firms the sentence counts: 25社, 140の企業, 36機関 (number and counter)."""
    doc = sent.doc
    out = []
    for t in doc:
        if not (t.like_num or t.pos_ == "NUM"):
            continue
        nxt = doc[t.i + 1].text if t.i + 1 < len(doc) else ""
        text = t.text + nxt
        for counter in sent.g.group_counters:
            if nxt == counter or t.text.endswith(counter) or text.endswith(counter):
                out.append(text if nxt == counter else t.text)
                break
    return out


def _note_group(sent: Sentence, tok: Token, relation: str, subj: list[Ref], groups: list[str]):
    """Remember that `subj` did `relation` to a group, for the sentences listing its members."""
    modality, reporter = modality_of(tok, sent)
    if modality is None:
        return
    ctx = sent.ctx
    ctx.groups.append(
        (ctx.sentence, tuple(groups), relation, tuple(subj), modality, reporter, tok.text)
    )


def member_facts(sent: Sentence, made: list[RawFact]) -> list[RawFact]:
    """A sentence listing the members of a group an earlier sentence spoke of
    (25社にはAやBなどが含まれる, 140社の中には、A、B…): each member gets the group's facts."""
    g = sent.g
    ctx = sent.ctx
    recent = [x for x in ctx.groups if 0 < ctx.sentence - x[0] <= g.group_window]
    if not recent:
        return []
    doc = sent.doc
    text = doc.text
    lemmas = {t.lemma_ for t in doc}
    out: list[RawFact] = []
    done = {(r, a.iri, b.iri) for r, a, b, *_ in made}
    order = {r: i for i, r in enumerate(g.group_relations_order)}
    best: dict[tuple, tuple] = {}
    for note in recent:
        key = (note[0], note[1])
        if key not in best or order[note[2]] < order[best[key][2]]:
            best[key] = note
    for _, words, relation, subj, modality, reporter, cue in best.values():
        named = any(
            w in text
            and text[text.find(w) + len(w) :].startswith(("には", "の中には", "の中に", "に"))
            for w in words
        )
        if not named and not (lemmas & g.membership):
            continue
        s_cls, o_cls = g.classes[relation]
        for m in sent.mentions:
            if m.cls not in o_cls or any(r.iri == m.iri for r in subj):
                continue
            for r in subj:
                if (relation, r.iri, m.iri) in done:
                    continue
                done.add((relation, r.iri, m.iri))
                out.append(
                    (
                        relation,
                        Ref(r.iri, r.cls, r.text, "coref"),
                        Ref(m.iri, m.cls, m.text, "list"),
                        modality,
                        reporter,
                        cue,
                        f"{g.version}/{relation}/group-members",
                        0.7,
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
