"""Relations: facts between entity mentions, read from GiNZA's dependency parse.

The linguistic knowledge lives in ontology/relation-cues.yaml; this module is the small
generic machine that applies it:

1. Mentions that stand in a list (A、BやCなど) are grouped, so a slot filled by one member
   is filled by all of them.
2. For every token whose lemma is a cue, its arguments are collected into named slots
   (subj, obj, dat, gen, rel, pred, gov.subj, obj.trade.target, ...) from case particles,
   relative clauses, predicate nouns, governing verbs and "transparent" nouns.
   Missing subjects are carried from coordinated predicates and from the sentence topic;
   同社, 自社, 両社 and この技術 are resolved from the article so far.
3. Each cue entry maps slots to the relation's subject and object; class constraints
   (domain and range) reject impossible fillers.
4. The modality of the claim is read from the predicates above the cue (否定, 見られる,
   計画, によると ...); conditionals and questions yield nothing.

Every fact records the id of the rule that produced it (VERSION/entry id) and a
confidence, so `kg why` can show why an edge exists.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import GazetteerError
from kg.vocab import SYMMETRIC, load_yaml, ontology_dir, relations

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from kg.entities import ArticleEntities, Mention
    from kg.parse import ParsedArticle

VERSION = "kg.relations.dependency.v1"
QUOTATIVE = ("と", "とも", "って")  # particles that end a quoted or reported clause


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


# ----------------------------------------------------------------- the cue file


@dataclass(frozen=True)
class CueEntry:
    id: str
    relation: str
    lemmas: frozenset[str]
    s: tuple[str, ...]
    o: tuple[str, ...]
    needs: frozenset[str] = frozenset()
    needs_not: frozenset[str] = frozenset()
    needs_slot: tuple[tuple[str, frozenset[str]], ...] = ()
    gov: frozenset[str] = frozenset()
    gov_not: frozenset[str] = frozenset()
    unless: frozenset[str] = frozenset()
    confidence: float = 0.8
    symmetric_pairs: bool = False
    counterpart: bool = False


@dataclass(frozen=True)
class Grammar:
    """ontology/relation-cues.yaml, loaded."""

    version: str
    particles: dict[str, str]
    identity: frozenset[str]
    transparent: dict[str, str]  # noun -> category
    company_anaphora: frozenset[str]
    country_anaphora: frozenset[str]
    class_nouns: dict[str, str]  # noun -> class
    transfer: frozenset[str]
    member_nouns: frozenset[str]
    attribute_nouns: frozenset[str]
    manner_nouns: frozenset[str]
    home_government: dict[str, str]
    state_organ_suffixes: tuple[str, ...]
    copulas: frozenset[str]
    receive: frozenset[str]
    passive: frozenset[str]
    quantity_units: frozenset[str]
    np_patterns: tuple[dict, ...]
    np_filler_max: int
    modality: dict[str, frozenset[str]]
    classes: dict[str, tuple[frozenset[str], frozenset[str]]]
    cues: tuple[CueEntry, ...]
    by_lemma: dict[str, tuple[CueEntry, ...]]
    max_particle: int


def load_grammar(path: str | Path | None = None) -> Grammar:
    """Read the cue file (default ontology/relation-cues.yaml)."""
    return _load_grammar(str(path or ontology_dir() / "relation-cues.yaml"))


@cache
def _load_grammar(path: str) -> Grammar:
    import yaml

    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
        known = set(relations())
        cues = []
        for raw in data["cues"]:
            if raw["relation"] not in known:
                raise GazetteerError(f"{path}: cue {raw['id']!r} names unknown relation")
            cues.append(
                CueEntry(
                    id=raw["id"],
                    relation=raw["relation"],
                    lemmas=frozenset(str(x).rstrip("?") for x in raw["lemmas"]),
                    s=tuple(raw["s"]),
                    o=tuple(raw["o"]),
                    needs=frozenset(raw.get("needs", [])),
                    needs_not=frozenset(raw.get("needs_not", [])),
                    needs_slot=tuple(
                        (k, frozenset(v)) for k, v in raw.get("needs_slot", {}).items()
                    ),
                    gov=frozenset(raw.get("gov", [])),
                    gov_not=frozenset(raw.get("gov_not", [])),
                    unless=frozenset(raw.get("unless", [])),
                    confidence=float(raw.get("confidence", 0.8)),
                    symmetric_pairs=bool(raw.get("symmetric_pairs", False)),
                    counterpart=bool(raw.get("counterpart", False)),
                )
            )
        by_lemma: dict[str, list[CueEntry]] = {}
        for c in cues:
            for lemma in c.lemmas:
                by_lemma.setdefault(lemma, []).append(c)
        mod = {k: frozenset(v) for k, v in data["modality"].items()}
        classes = {
            rel: (frozenset(pair[0]), frozenset(pair[1])) for rel, pair in data["relations"].items()
        }
        missing = known - set(classes)
        if missing:
            raise GazetteerError(f"{path}: no class constraints for {sorted(missing)}")
        ana = data["anaphora"]
        return Grammar(
            version=data["version"],
            particles=dict(data["particles"]),
            identity=frozenset(data["identity_links"]),
            transparent={n: cat for cat, ns in data["transparent"].items() for n in ns},
            company_anaphora=frozenset(ana["company"]),
            country_anaphora=frozenset(ana["country"]),
            class_nouns={n: cls for cls, ns in ana["class_nouns"].items() for n in ns},
            transfer=frozenset(data["transfer_nouns"]),
            member_nouns=frozenset(data["member_nouns"]),
            attribute_nouns=frozenset(data["attribute_nouns"]),
            manner_nouns=frozenset(data["manner_nouns"]),
            home_government=dict(ana.get("home_government", {})),
            state_organ_suffixes=tuple(ana.get("state_organ_suffixes", [])),
            copulas=frozenset(data["copulas"]),
            receive=frozenset(data["receive_verbs"]),
            passive=frozenset(data["passive_aux"]),
            quantity_units=frozenset(data["quantity_units"]),
            np_patterns=tuple(data["np_patterns"]),
            np_filler_max=int(data["np_filler_max"]),
            modality=mod,
            classes=classes,
            cues=tuple(cues),
            by_lemma={k: tuple(v) for k, v in by_lemma.items()},
            max_particle=max(len(p) for p in data["particles"]),
        )
    except GazetteerError:
        raise
    except (OSError, KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as exc:
        raise GazetteerError(f"{path}: cannot read relation cues ({exc!r}); fix the file") from exc


# ----------------------------------------------------------------- references


@dataclass(frozen=True)
class Ref:
    """An entity filling a slot, and how we got there (for confidence)."""

    iri: str
    cls: str
    text: str
    via: str = "direct"  # direct | list | coref | topic | deep


@dataclass
class Context:
    """What the article has said so far: for 同社, 両社, この技術."""

    history: list[tuple[int, Ref, bool]] = field(default_factory=list)  # (sentence, ref, topical)
    sentence: int = 0  # index of the sentence being read

    def last(
        self, cls: str, *, topical: bool = False, exclude: str | None = None, window: int = 3
    ) -> Ref | None:
        """The entity of class `cls` a back-reference most likely means.

        Looks at the nearest earlier sentence that mentions one (at most `window` back);
        there, a topic or subject wins over other mentions, else the first one.
        """
        by_sentence: dict[int, list[tuple[Ref, bool]]] = {}
        for idx, ref, top in self.history:
            if ref.cls == cls and ref.iri != exclude and idx < self.sentence:
                by_sentence.setdefault(idx, []).append((ref, top))
        for idx in sorted(by_sentence, reverse=True):
            if self.sentence - idx > window:
                break
            cands = by_sentence[idx]
            tops = [r for r, t in cands if t]
            if tops:
                return tops[0]
            if not topical:
                return cands[0][0]
        return None

    def last_two(self, cls: str) -> list[Ref]:
        out: list[Ref] = []
        for _, ref, _top in reversed(self.history):
            if ref.cls == cls and all(r.iri != ref.iri for r in out):
                out.append(ref)
            if len(out) == 2:
                break
        return out


class Sentence:
    """One parsed sentence with its mentions, list groups and particles."""

    def __init__(
        self, doc: Doc, mentions: Sequence[Mention], grammar: Grammar, context: Context
    ) -> None:
        self.doc = doc
        self.g = grammar
        self.ctx = context
        self.mentions = [m for m in mentions if not m.prefix]
        self.prefixes = [m for m in mentions if m.prefix]
        self.by_token: dict[int, Mention] = {}
        for m in self.mentions:
            for i in range(m.start, m.end):
                self.by_token[i] = m
        self.groups = self._groups()
        self._busy: set[tuple[str, int]] = set()
        self._memo: dict[tuple[str, int], object] = {}
        self.topic: list[Ref] = []
        self.topic = self._topic()

    # ------------------------------------------------------------- particles
    def particle_after(self, end: int) -> str:
        """Particle sequence right after token index `end - 1` (skipping brackets)."""
        doc = self.doc
        if end < len(doc) and doc[end].text in (")", "）", "]"):
            return ""  # a name inside brackets (東京・千代田): the particle after belongs outside
        i = self.skip_brackets(end)
        parts: list[str] = []
        while i < len(doc):
            t = doc[i]
            cand = "".join(parts) + t.text
            if len(cand) > self.g.max_particle:
                break
            if t.pos_ in ("ADP", "SCONJ", "PART") or any(
                p.startswith(cand) for p in self.g.particles
            ):
                parts.append(t.text)
                i += 1
                continue
            break
        seq = "".join(parts)
        for lead in ("など", "等"):
            rest = seq[len(lead) :]
            if seq.startswith(lead) and rest in self.g.particles and rest not in ("の", ""):
                return rest
        while seq and seq not in self.g.particles:
            seq = seq[:-1] if len(seq) > 1 else ""
            if seq in self.g.particles:
                break
        return seq

    def skip_brackets(self, i: int) -> int:
        """Index after closing quotes and bracketed asides (東京・千代田), (当時は東芝メモリ)."""
        doc = self.doc
        while i < len(doc):
            t = doc[i].text
            if t in ("」", "』", ")", "）", ">", " ", "<"):
                i += 1
            elif t in ("(", "（", "[") and i + 1 < len(doc):
                close = next(
                    (
                        k
                        for k in range(i + 1, min(len(doc), i + 16))
                        if doc[k].text in (")", "）", "]")
                    ),
                    None,
                )
                if close is None:
                    break
                i = close + 1
            else:
                break
        return i

    def skip_back(self, i: int) -> int:
        """Index of the last token of a name ending at or before i (skipping brackets)."""
        doc = self.doc
        while i > 0 and doc[i].text in (")", "）", "」", "』", "]", ">"):
            depth = 0
            j = i
            while j > 0:
                if doc[j].text in (")", "）", "]"):
                    depth += 1
                elif doc[j].text in ("(", "（", "["):
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            i = j - 1 if doc[i].text not in ("」", "』", ">") else i - 1
        return i

    def slot_of(self, end: int) -> str | None:
        seq = self.particle_after(end)
        return self.g.particles.get(seq)

    def mention_end(self, tok: Token) -> int:
        m = self.by_token.get(tok.i)
        return m.end if m else tok.i + 1

    # ------------------------------------------------------------- lists
    _SEP = re.compile(
        r"^[\s、,，・/]*(?:や|と|及び|および|並びに|ならびに|または|又は|、|,|，)?[\s、,，]*"
        r"(?:[^\sぁ-ゖ、,。]{1,14}(?:の|、)?)?$"
    )

    def _groups(self) -> dict[int, list[Mention]]:
        groups: dict[int, list[Mention]] = {}
        ms = sorted(self.mentions, key=lambda m: m.char_start)
        text = self.doc.text
        current: list[Mention] = []
        for m in ms:
            if current:
                prev = current[-1]
                gap = text[prev.char_end : m.char_start]
                for p in self.prefixes + [
                    x for x in self.mentions if x.cls in ("Country", "Place") and x is not m
                ]:
                    if prev.char_end <= p.char_start and p.char_end <= m.char_start:
                        gap = gap.replace(p.text, "")
                if not re.match(
                    r"^[\s、,，・/]*(?:や|と|及び|および|並びに|ならびに|または|又は|、|,|，)", gap
                ) and (gap.strip() not in ("", "・")):
                    gap = "x" * 99  # a list needs a separator
                if any(
                    prev.char_end <= x.char_start and x.char_end <= m.char_start
                    for x in self.mentions
                    if x.cls not in ("Country", "Place")
                ):
                    gap = "x" * 99
                gap = re.sub(r"\s*<?\s*[(（\[][^()（）\[\]]*[)）\]]\s*>?", "", gap)
                if (
                    gap
                    and self._SEP.match(gap)
                    and self._np_end(prev)
                    and prev.cls == m.cls
                    or (
                        gap
                        and self._SEP.match(gap)
                        and self._np_end(prev)
                        and {prev.cls, m.cls} <= {"Company", "Association", "GovernmentBody"}
                    )
                ):
                    current.append(m)
                    continue
                self._close(current, groups)
            current = [m]
        self._close(current, groups)
        return groups

    def _np_end(self, m: Mention) -> bool:
        i = m.end
        if i < len(self.doc) and self.doc[i].text in ("社", "製", "傘下", "系"):
            i += 1
        if i >= len(self.doc):
            return True
        t = self.doc[i]
        return t.pos_ in ("ADP", "PUNCT", "SYM", "CCONJ", "SCONJ") or t.text in ("、", "や", "と")

    @staticmethod
    def _close(current: list[Mention], groups: dict[int, list[Mention]]) -> None:
        if len(current) > 1:
            for m in current:
                groups[id(m)] = list(current)

    def root_of(self, m: Mention) -> int:
        """Token that heads a name in the parse (the last one attached outside it)."""
        core = ("nsubj", "obj", "obl", "nmod", "iobj", "compound", "ROOT", "dislocated", "appos")
        outside = [
            t
            for t in self.doc[m.start : m.end]
            if not (m.start <= t.head.i < m.end) or t.head.i == t.i
        ]
        good = [t for t in outside if t.dep_ in core]
        pick = good or outside
        return pick[-1].i if pick else m.end - 1

    def members(self, m: Mention) -> list[Mention]:
        return self.groups.get(id(m), [m])

    # ------------------------------------------------------------- topic
    def _topic(self) -> list[Ref]:
        """The main clause's topic (Xは), else its subject (Xが), for carried subjects."""
        for wanted in ("topic", "subj"):
            for m in self.mentions:
                if self.slot_of(m.end) == wanted and not self._in_relative_clause(m.end - 1):
                    return self.refs_of_mention(m)
        for tok in self.doc:
            if tok.text in self.g.company_anaphora and self.slot_of(tok.i + 1) == "topic":
                return self.resolve(tok)
        return []

    def _in_relative_clause(self, i: int) -> bool:
        tok = self.doc[i]
        m = self.by_token.get(i)
        while m is not None and m.start <= tok.head.i < m.end and tok.head.i != tok.i:
            tok = tok.head  # climb out of the name itself (GiNZA may tag a name as a verb)
        if m is not None and tok.dep_ == "acl":
            tok = tok.head
        steps = 0
        while tok.head.i != tok.i and steps < 20:
            if tok.dep_ == "acl":
                return True
            tok = tok.head
            steps += 1
        return False

    # ------------------------------------------------------------- resolution
    def refs_of_mention(self, m: Mention, via: str = "direct") -> list[Ref]:
        group = self.members(m)
        v = via if len(group) == 1 else "list"
        return [Ref(x.iri, x.cls, x.text, v) for x in group]

    def _guarded(self, kind: str, tok: Token, fn, empty):
        key = (kind, tok.i)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            return empty
        self._busy.add(key)
        try:
            value = fn(tok)
        finally:
            self._busy.discard(key)
        self._memo[key] = value
        return value

    def resolve(self, tok: Token, depth: int = 0) -> list[Ref]:
        """Entities a token stands for: a name, a list, 同社, この技術, or a descriptor noun."""
        return self._guarded("resolve", tok, self._resolve, [])

    def _resolve(self, tok: Token, depth: int = 0) -> list[Ref]:
        if depth > 4:
            return []
        m = self.by_token.get(tok.i)
        if m is not None:
            return self.refs_of_mention(m)
        text = tok.text
        g = self.g
        if text in g.company_anaphora or tok.lemma_ in g.company_anaphora:
            if text == "両社":
                here = _dedupe(
                    Ref(m.iri, m.cls, m.text, "coref")
                    for m in self.mentions
                    if m.end <= tok.i and m.cls == "Company"
                )
                pair = here[-2:] if len(here) >= 2 else self.ctx.last_two("Company")
                return [Ref(r.iri, r.cls, text, "coref") for r in pair]
            if text == "自社" and self.topic:
                return [Ref(r.iri, r.cls, text, "coref") for r in self.topic]
            ref = self.ctx.last("Company")
            return [Ref(ref.iri, ref.cls, text, "coref")] if ref else []
        if text in g.home_government and not (
            tok.i > 0 and (tok.i - 1 in self.by_token or self.doc[tok.i - 1].text == "の")
        ):
            from kg.entities import load_gazetteer

            iri = load_gazetteer().lookup(g.home_government[text])
            if iri:
                return [Ref(iri, "Country", text, "coref")]
        if text.endswith(g.state_organ_suffixes):
            for c in tok.children:
                cm = self.by_token.get(c.i)
                if cm is not None and cm.cls == "Country" and self.slot_of(cm.end) == "gen":
                    return [Ref(cm.iri, cm.cls, text, "coref")]
        if text in g.country_anaphora:
            ref = self.ctx.last("Country")
            return [Ref(ref.iri, ref.cls, text, "coref")] if ref else []
        cls = g.class_nouns.get(text)
        dets = [
            c for c in tok.children if c.dep_ == "det" and c.text in ("この", "その", "同", "当該")
        ]
        if cls and (dets or text.startswith("同")):
            ref = self._last_in_sentence(tok, cls) or self.ctx.last(cls, window=1)
            if ref:
                return [Ref(ref.iri, ref.cls, text, "coref")]
        if tok.pos_ not in ("NOUN", "PROPN", "PRON", "NUM"):
            return []
        # A、BなどのN / Aを含むN / A といった N: N is the list
        for c in tok.children:
            if c.i < tok.i:
                slot = self.slot_of(self.mention_end(c))
                if slot in g.identity:
                    refs = [r for r in self.resolve(c, depth + 1) if self.same_kind(tok, r)]
                    if refs:
                        return refs
                if c.dep_ == "acl" and c.lemma_ == "含む":
                    for cc in c.children:
                        if self.slot_of(self.mention_end(cc)) in ("obj", "incl"):
                            refs = self.resolve(cc, depth + 1)
                            if refs:
                                return refs
        # X製: the maker's name hangs on 製
        if text == "製":
            for c in tok.children:
                cm = self.by_token.get(c.i)
                if cm is not None and c.i < tok.i:
                    return self.refs_of_mention(cm)
        # A と B (B not a name): the phrase still names A; GAAと呼ぶ技術: the noun is GAA
        for c in tok.children:
            if c.i < tok.i and self.slot_of(self.mention_end(c)) == "with" and c.dep_ != "acl":
                refs = self.resolve(c, depth + 1)
                if refs:
                    return refs
            if c.dep_ == "acl" and c.lemma_ in ("呼ぶ", "いう", "言う", "称する"):
                for cc in c.children:
                    if self.slot_of(self.mention_end(cc)) == "with":
                        refs = self.resolve(cc, depth + 1)
                        if refs:
                            return refs
        # 「R1」モデル: a name of the noun's own class compounded into it
        if cls:
            for c in tok.children:
                cm = self.by_token.get(c.i)
                if cm and cm.cls == cls and c.i < tok.i and self.slot_of(cm.end) is None:
                    return self.refs_of_mention(cm)
        # 装置メーカーのナウラ is handled by the mention itself; here the descriptor is a
        # predicate complement: 同社は…プロバイダーになりたい
        head = tok.head
        if (
            head.i != tok.i
            and head.lemma_ in g.copulas
            and self.slot_of(tok.i + 1)
            in (
                "dat",
                "with",
            )
        ):
            refs = self.copula_subject(head)
            if refs:
                return refs
        # 主力スマホ「Mate 60 Pro」: a name of the same kind right after the noun
        for c in tok.children:
            cm = self.by_token.get(c.i)
            if cm and c.i > tok.i and self.noun_class(tok):
                between = self.doc[tok.i + 1 : cm.start]
                same = self.same_kind(tok, Ref(cm.iri, cm.cls, cm.text))
                if same and all(t.text in "「『(（ ・" for t in between):
                    return self.refs_of_mention(cm)
        # 新興企業DeepSeek / 金融会社アント・グループ: descriptor compounded onto a name
        hm = self.by_token.get(head.i)
        if (
            hm is not None
            and tok.dep_ in ("compound", "nmod", "appos")
            and self.slot_of(tok.i + 1) in (None, "gen")
        ):
            if head.i > tok.i:
                return self.refs_of_mention(hm)
        return []

    def noun_class(self, tok: Token) -> str | None:
        """Class a common noun denotes (メーカー -> Company, モデル -> Product), if known."""
        from kg.entities import load_rules

        return self.g.class_nouns.get(tok.text) or load_rules().descriptors.get(tok.text)

    def same_kind(self, tok: Token, ref: Ref) -> bool:
        """Can `tok` (a common noun) denote the entity `ref`? (メーカー yes, チップ no)"""
        cls = self.noun_class(tok)
        if cls is None:
            return True
        agents = {"Company", "Association", "GovernmentBody"}
        return cls == ref.cls or (cls in agents and ref.cls in agents)

    def _topic_before(self, tok: Token) -> Ref | None:
        """A company that is topic or subject earlier in this sentence (AはBと…、同社の…)."""
        for m in self.mentions:
            if m.end <= tok.i and m.cls == "Company" and self.slot_of(m.end) in ("topic", "subj"):
                return Ref(m.iri, m.cls, m.text, "coref")
        return None

    def _last_in_sentence(self, tok: Token, cls: str) -> Ref | None:
        for m in reversed(self.mentions):
            if m.end <= tok.i and m.cls == cls:
                return Ref(m.iri, m.cls, m.text, "coref")
        return None

    # ------------------------------------------------------------- slots
    def is_predicate(self, tok: Token) -> bool:
        if tok.pos_ in ("VERB", "ADJ"):
            return True
        return any(c.dep_ in ("aux", "cop") for c in tok.children) or tok.dep_ == "ROOT"

    def passive(self, tok: Token) -> bool:
        return any(c.dep_ == "aux" and c.lemma_ in self.g.passive for c in tok.children) or any(
            c.lemma_ in self.g.passive for c in tok.children if c.dep_ == "fixed"
        )

    def child_slots(
        self, tok: Token, prefix: str = "", depth: int = 0, lift: str | None = None
    ) -> dict[str, list[Ref]]:
        """Slots filled by the dependents of `tok`, through transparent nouns.

        Quantities (145%, 28億ドル) are see-through: their dependents fill the slots the
        quantity fills (米国による145%の対中追加関税 -> agent 米国).
        """
        out: dict[str, list[Ref]] = {}
        g = self.g
        for c in tok.children:
            if c.dep_ in ("aux", "cop", "mark", "punct", "case", "fixed", "cc"):
                continue
            cm = self.by_token.get(c.i)
            if cm is not None and (cm is self.by_token.get(tok.i) or c.i != self.root_of(cm)):
                continue  # part of the same name, or a stray token inside a name
            slot = self.slot_of(self.mention_end(c))
            if slot is None:
                if c.dep_ in ("compound", "nmod") and c.i < tok.i:
                    slot = "compound"
                elif c.dep_ == "nsubj":
                    slot = "subj"
                elif c.dep_ == "obj":
                    slot = "obj"
                else:
                    continue
            # nouns that only pass their dependents on: 米国[向け]の輸出, 輸出を[原則]として禁止
            postposition = c.pos_ == "NOUN" and c.text in g.particles
            manner = slot == "as" and c.lemma_ in g.manner_nouns
            if cm is None and depth < 4 and (postposition or manner):
                for k, v in self.child_slots(c, prefix, depth + 1).items():
                    out.setdefault(k, []).extend(v)
                continue
            if lift is not None and slot in ("gen", "list", "incl", "with"):
                slot = lift
            if c.text == "製" and slot == "gen":
                slot = "maker"  # [アプライド・マテリアルズ]製の装置: 製 heads the maker's name
            if self.is_quantity(c) and depth < 4:
                for k, v in self.child_slots(c, prefix, depth + 1, lift=slot).items():
                    out.setdefault(k, []).extend(v)
                continue
            refs = self.resolve(c)
            if slot in self.g.identity and refs and not all(self.same_kind(tok, r) for r in refs):
                slot = "gen"  # NvidiaなどのAIチップ: possessive, not "chips such as Nvidia"
            name = f"{prefix}{slot}"
            if refs:
                out.setdefault(name, []).extend(refs)
            cat = g.transparent.get(c.lemma_) or g.transparent.get(c.text)
            if not cat and refs and all(r.cls == "Product" for r in refs):
                cat = "product"  # アップルのiPhone: the maker stands behind the product
            if not cat and not refs and slot == "gen" and depth < 3:
                # 韓国向けのフッ化水素の輸出: where the goods go is where the trade goes
                bound = self.child_slots(c, prefix, depth + 1).get(f"{prefix}target")
                if bound:
                    out.setdefault(f"{prefix}target", []).extend(bound)
            if cat and depth < 3:
                inner = self.child_slots(c, f"{name}.{cat}.", depth + 1)
                for k, v in inner.items():
                    out.setdefault(k, []).extend(
                        Ref(r.iri, r.cls, r.text, "deep" if r.via == "direct" else r.via) for r in v
                    )
            # 対中 / 対米 / 対ファーウェイ: a target compounded into the noun
            if slot == "compound":
                target = self.target_prefix(c)
                if target is not None:
                    out.setdefault(f"{prefix}compound.target", []).append(target)
        # prefixes standing right after 対 as separate tokens (対 中 輸出 規制)
        for p in self.prefixes:
            if (
                p.start > 0
                and self.doc[p.start - 1].text == "対"
                and p.end <= tok.i
                and (p.end == tok.i or self._in_compound(p, tok))
            ):
                out.setdefault(f"{prefix}compound.target", []).append(Ref(p.iri, p.cls, p.text))
        return out

    def is_quantity(self, tok: Token) -> bool:
        """A number with its unit: 145%, 28億ドル, 2割 (not a number inside a name: R1, C920)."""
        if tok.i in self.by_token:
            return False
        return (
            tok.text in self.g.quantity_units
            and any(c.pos_ == "NUM" or c.like_num for c in tok.children)
            or (tok.pos_ == "NUM" and tok.dep_ != "nummod")
        )

    def target_prefix(self, tok: Token) -> Ref | None:
        """The entity in a 対X word (対中 -> China, 対ファーウェイ -> Huawei)."""
        if not tok.text.startswith("対") or len(tok.text) < 2:
            return None
        from kg.entities import load_gazetteer

        gaz = load_gazetteer()
        rest = tok.text[1:]
        iri = gaz.short_forms.get(rest) or gaz.lookup(rest)
        if iri is None:
            return None
        return Ref(iri, gaz.entities[iri].cls, tok.text)

    def _in_compound(self, p: Mention, tok: Token) -> bool:
        """Does the prefix stand inside the noun compound that ends at `tok`?"""
        i = p.end
        while i < tok.i:
            t = self.doc[i]
            if t.pos_ not in ("NOUN", "PROPN", "NUM", "SYM") and t.text != "対":
                return False
            i += 1
        return i == tok.i

    def pred_args(self, pred: Token) -> dict[str, list[Ref]]:
        """Slots of a predicate, with passive voice undone and missing subjects filled."""
        return dict(self._guarded("pred", pred, self._pred_args, {}))

    def _pred_args(self, pred: Token) -> dict[str, list[Ref]]:
        slots = self.child_slots(pred)
        clause = pred
        # A が導入し、B が採用した[この技術]: coordinated predicates share the modified noun
        while clause.dep_ in ("advcl", "conj") and clause.head.i != clause.i:
            clause = clause.head
        if clause.dep_ == "acl" and not slots.get("subj") and not slots.get("topic"):
            # Xが[…発売した]Y: a が-subject right before the clause the parser hung elsewhere
            first = min(t.i for t in pred.subtree)
            if first >= 2 and self.doc[first - 1].text == "が":
                m = self.by_token.get(self.skip_back(first - 2))
                if m is not None:
                    slots["subj"] = self.refs_of_mention(m)
        if clause.dep_ == "acl":
            rel = (
                self.rel_of(clause.head)
                if clause.i == pred.i
                else self.pred_args(clause).get("rel")
            )
            if rel:
                slots["rel"] = rel
                if not slots.get("subj") and not slots.get("topic"):
                    slots["subj"] = rel
        # の as subject inside a relative clause (メタの開発したLlama)
        if pred.dep_ == "acl" and "gen" in slots and "subj" not in slots:
            slots["subj"] = slots.pop("gen")
        if self.passive(pred):
            slots = self._unpassive(slots)
        for key in ("dat", "obj", "with", "from"):
            if not slots.get(key):
                stray = self._stray_argument(pred, key)
                if stray:
                    slots[key] = stray
        if not slots.get("subj") and not slots.get("topic") and not slots.get("agent"):
            inherited = self._inherit_subject(pred)
            if inherited:
                key = "obj" if self.passive(pred) and not slots.get("obj") else "subj"
                slots[key] = inherited
        return slots

    def rel_of(self, head: Token) -> list[Ref]:
        """The noun a relative clause modifies: only the name right after it, never the
        whole list that name starts (TikTokを運営する[字節跳動]、百度、…)."""
        m = self.by_token.get(head.i)
        if m is not None:
            return [Ref(m.iri, m.cls, m.text)]
        return self.resolve(head)

    def copula_subject(self, verb: Token) -> list[Ref]:
        """What a copular verb says something of (Xは…と見られる: X), voice left as is."""
        cs = self.child_slots(verb)
        for key in ("topic", "subj"):
            if cs.get(key):
                return cs[key]
        return self._inherit_subject(verb)

    def _unpassive(self, slots: dict[str, list[Ref]]) -> dict[str, list[Ref]]:
        out = dict(slots)
        patient = out.pop("subj", None) or out.pop("topic", None)
        agent = out.pop("agent", None)
        if agent is None and "dat" in out and patient is not None:
            agent = out.pop("dat")
        if patient is not None:
            out["obj"] = patient
        if agent is not None:
            out["subj"] = agent
        return out

    def _inherit_subject(self, pred: Token) -> list[Ref]:
        """Subject shared with a coordinated or governing predicate, else the topic."""
        seen = 0
        tok = pred
        while tok.dep_ in ("advcl", "conj", "ccomp", "xcomp", "acl", "csubj") and seen < 4:
            head = tok.head
            if tok.dep_ == "acl" and not self.is_predicate(head):
                # relative clause on a non-entity noun: climb to the noun's predicate
                head = head.head
            cs = self.child_slots(head)
            quoted = (
                tok.dep_ == "ccomp"
                or any(c.dep_ in ("case", "mark") and c.text in QUOTATIVE for c in tok.children)
                or self.particle_after(max(t.i for t in tok.subtree) + 1) in QUOTATIVE
            )
            for key in ("topic",) if quoted else ("subj", "topic"):
                if cs.get(key):
                    return [Ref(r.iri, r.cls, r.text, "topic") for r in cs[key]]
            # topic attached to a coordinated predicate further left
            tok = head
            seen += 1
        for c in pred.children:
            if c.dep_ in ("advcl", "conj") and c.i < pred.i:
                cs = self.child_slots(c)
                for key in ("topic",):
                    if cs.get(key):
                        return [Ref(r.iri, r.cls, r.text, "topic") for r in cs[key]]
        orphan = self._orphan_subject(pred)
        if orphan:
            return orphan
        if self.topic and all(r.iri for r in self.topic):
            return [Ref(r.iri, r.cls, r.text, "topic") for r in self.topic]
        return []

    def _stray_argument(self, pred: Token, slot: str) -> list[Ref]:
        """A phrase marked for `slot` (Xに, Xを) that the parser hung on another word instead of
        the predicate after it: 「ラピダス」(東京・千代田)に、…8社が出資した;
        …140社を、禁輸リストにあたるエンティティーリストに加える."""
        for t in reversed(self.doc[: pred.i]):
            if t.pos_ in ("PUNCT", "SYM", "ADP", "AUX", "SCONJ"):
                continue
            m = self.by_token.get(t.i)
            if m is not None and t.i != self.root_of(m):
                continue
            end = m.end if m is not None else t.i + 1
            if self.slot_of(end) != slot:
                continue
            if t.head.i == pred.i or self.is_predicate(t.head) and t.head.i > pred.i:
                return []  # attached where it belongs
            between = self.doc[end : pred.i]
            for v in between:  # a relative clause inside a later argument does not count
                if v.pos_ in ("VERB", "ADJ") and v.i not in self.by_token:
                    if not (v.dep_ == "acl" and end <= v.head.i < pred.i):
                        return []
            return self.resolve(t)
        return []

    def _orphan_subject(self, pred: Token) -> list[Ref]:
        """Xが attached by the parser to a noun rather than a predicate (米国が月曜日、…):
        the nearest such subject before `pred` is its subject."""
        best: Mention | None = None
        for m in self.mentions:
            if m.end > pred.i or self.slot_of(m.end) not in ("subj", "topic"):
                continue
            root = max(
                (self.doc[i] for i in range(m.start, m.end)),
                key=lambda t: t.head.i < m.start or t.head.i >= m.end,
            )
            if not self.is_predicate(root.head) and root.head.i < pred.i:
                best = m
        return (
            [Ref(r.iri, r.cls, r.text, "topic") for r in self.refs_of_mention(best)] if best else []
        )

    def noun_slots(self, tok: Token) -> dict[str, list[Ref]]:
        """Slots of a noun cue: its own dependents, what it describes or is said of,
        and the slots of the predicate governing it."""
        return dict(self._guarded("noun", tok, self._noun_slots, {}))

    def _noun_slots(self, tok: Token) -> dict[str, list[Ref]]:
        slots = self.child_slots(tok)
        head = tok.head
        g = self.g
        own_slot = self.slot_of(tok.i + 1)
        # the noun describes its head: アリババ傘下の[金融会社アント・グループ]
        if (
            head.i != tok.i
            and own_slot in (None, "gen")
            and tok.dep_ in ("nmod", "compound", "amod", "acl", "appos")
            and head.lemma_ not in g.transfer
        ):
            refs = self.rel_of(head)
            if refs:
                slots["desc"] = refs
        if any(c.dep_ == "cop" for c in tok.children) and tok.dep_ == "acl":
            refs = self.rel_of(head)
            if refs:
                slots["desc"] = refs
        # the noun is a predicate: Xは…の子会社だ / Xは…サプライヤーと見られる
        for key in ("subj", "topic"):
            if slots.get(key) and (
                any(c.dep_ in ("cop", "aux") for c in tok.children) or tok.dep_ == "ROOT"
            ):
                slots["pred"] = slots[key]
        if (
            "pred" not in slots
            and head.i != tok.i
            and (head.lemma_ in g.copulas and own_slot in ("dat", "with") or own_slot == "as")
        ):
            refs = self.copula_subject(head)
            if refs:
                slots["pred"] = refs
        if (
            "pred" not in slots
            and tok.dep_ == "ROOT"
            or (
                "pred" not in slots
                and any(c.dep_ == "cop" for c in tok.children)
                and tok.dep_ != "acl"
            )
        ):
            if self.topic:
                slots["pred"] = [Ref(r.iri, r.cls, r.text, "topic") for r in self.topic]
        # その親会社 / 同社の: determiner pointing back
        for c in tok.children:
            if c.dep_ == "det" and c.text in ("その", "同"):
                ref = self._last_in_sentence(tok, "Company") or self.ctx.last("Company")
                if ref:
                    slots["det"] = [ref]
        # list right before a noun: A、BなどのN (as subject of the noun)
        for c in tok.children:
            if c.i < tok.i and self.slot_of(self.mention_end(c)) in g.identity:
                refs = self.resolve(c)
                if refs:
                    slots["list"] = refs
        # relative clause on the cue noun: TSMCが過半を出資する[子会社]
        for c in tok.children:
            if c.dep_ == "acl" and self.is_predicate(c):
                for k, v in self.child_slots(c).items():
                    if k in ("subj", "topic", "obj", "dat", "agent"):
                        slots.setdefault(f"mod.{k}", v)
        # the noun is the topic of a copula: Xの顧客はYとみられる / Xの大株主はYだ
        if own_slot in ("topic", "subj") and head.i != tok.i:
            refs = (
                self.resolve(head)
                if not self.is_predicate(head) or any(c.dep_ == "cop" for c in head.children)
                else []
            )
            if not refs and head.lemma_ in g.copulas:
                for c in head.children:
                    if c.i != tok.i and self.slot_of(self.mention_end(c)) in ("with", "dat"):
                        refs = self.resolve(c)
                        if refs:
                            break
            if refs:
                slots["compl"] = refs
        if self.topic:
            slots["stopic"] = [Ref(r.iri, r.cls, r.text, "topic") for r in self.topic]
        # "one of": Xは…サプライヤーの一社とされる
        if head.i != tok.i and head.lemma_ in g.member_nouns and own_slot == "gen":
            hs = self.noun_slots(head)
            if hs.get("pred"):
                slots.setdefault("pred", hs["pred"])
        # a cue inside a compound (協力覚書を結ぶ) or on an attribute (関税の税率を引き上げる):
        # the predicate above governs
        gov_tok = tok
        steps = 0
        while (
            gov_tok.dep_ in ("compound", "nmod")
            and not self.is_predicate(gov_tok.head)
            and gov_tok.head.i != gov_tok.i
            and steps < 2
            and (
                self.slot_of(gov_tok.i + 1) is None
                or (
                    self.slot_of(gov_tok.i + 1) == "gen"
                    and gov_tok.head.lemma_ in g.attribute_nouns
                )
            )
        ):
            gov_tok = gov_tok.head
            steps += 1
        if gov_tok.i != tok.i:
            head = gov_tok.head
        # the governing predicate
        if (
            head.i != tok.i
            and self.is_predicate(head)
            and gov_tok.dep_ in ("obj", "obl", "nsubj", "iobj", "nmod", "ROOT", "compound")
        ):
            gs = self.pred_args(head)
            gs.pop("stopic", None)
            if head.lemma_ in g.receive:
                gs = {
                    (
                        "obj" if k in ("subj", "topic") else "subj" if k in ("from", "agent") else k
                    ): v
                    for k, v in gs.items()
                }
            for k, v in gs.items():
                slots[f"gov.{k}"] = v
        # X は [cue] の対象となった
        if head.i != tok.i and head.lemma_ in g.transfer:
            xs = self.noun_slots(head) if head.lemma_ != tok.lemma_ else {}
            for k, v in xs.items():
                if k in ("pred", "desc", "gov.subj", "gov.topic", "gov.obj", "rel"):
                    slots[f"xfer.{k}"] = v
        return slots


# ----------------------------------------------------------------- extraction


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
            return _dedupe(refs), spec
    return [], ""


def _dedupe(refs: Iterable[Ref]) -> list[Ref]:
    seen: set[str] = set()
    out = []
    for r in refs:
        if r.iri not in seen:
            seen.add(r.iri)
            out.append(r)
    return out


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


def _modality(tok: Token, sent: Sentence) -> tuple[str | None, str | None]:
    """Modality of a claim whose cue is `tok`; None when it is hypothetical.

    Walks from the cue up to the root through noun phrases and complement clauses
    (…と見られる, …との報道を否定), stopping at relative clauses on ordinary nouns and at
    coordination.
    """
    mod = sent.g.modality
    if _np_internal(tok, sent):
        return "asserted", None
    found: set[str] = set()
    coordinated = False
    reporter: str | None = None
    doc = sent.doc
    cur = tok
    first = True
    steps = 0
    while steps < 12:
        steps += 1
        kids = list(cur.children)
        lemmas = {cur.lemma_} | {
            c.lemma_ for c in kids if c.dep_ in ("aux", "fixed", "mark", "cop", "case")
        }
        texts = {c.text for c in kids if c.dep_ in ("aux", "fixed", "mark", "cop", "case")}
        near = (
            first
            or cur.pos_ in ("VERB", "ADJ", "AUX")
            or any(c.dep_ in ("aux", "cop") for c in kids)
        )
        if (lemmas | texts) & mod["conditional"]:
            return None, None
        if near and not coordinated and (lemmas & mod["negation"] or texts & mod["negation"]):
            found.add("denied")
        if cur.lemma_ in mod["denial"] or cur.text in mod["denial"]:
            found.add("denied")
        if cur.lemma_ in mod["hedge"] or lemmas & (mod["hedge"] - mod["hedge_needs_passive"]):
            if cur.lemma_ not in mod["hedge_needs_passive"] or sent.passive(cur):
                if not first:
                    found.add("hedged")
        if (cur.lemma_ in mod["plan"] or lemmas & {"たい"}) and not (
            cur.lemma_ in mod["plan_weak"] and first
        ):
            if not first or lemmas & {"たい"}:
                found.add("planned")
        if not first and cur.lemma_ in mod["report"] and cur.lemma_ not in mod["assert_verbs"]:
            found.add("reported")
            for c in kids:
                if sent.slot_of(sent.mention_end(c)) in ("subj", "topic"):
                    reporter = reporter or _phrase(c)
        head = cur.head
        if head.i == cur.i:
            break
        dep = cur.dep_
        if dep in ("advcl", "conj", "parataxis", "dislocated"):
            if sent.particle_after(cur.i + 1) not in ("と", "とも") and not _ends_quote(cur, doc):
                if dep != "advcl" or any(c.dep_ == "mark" and c.text in ("が", "けれど", "けど")
                                         for c in cur.children):  # fmt: skip
                    break
                # AしてBする計画 / Aし、Bしたい: a plan or hedge on the last predicate covers
                # the coordinated one, a negation does not
                coordinated = True
        if dep == "acl":
            if head.lemma_ in mod["modality_nouns"] or _ends_quote(cur, doc):
                pass
            elif (
                head.head.i != head.i
                and head.head.lemma_ in sent.g.copulas
                and sent.slot_of(head.i + 1) in ("dat", "with")
                and sent.by_token.get(head.i) is None
            ):
                # …を凌ぐ[プロバイダー]になりたい: the noun is what the subject becomes, so the
                # clause shares the copula's modality
                cur = head.head
                first = False
                continue
            else:
                break
        cur = head
        first = False
    # sentence-level attribution: によると / 関係者 / という
    for t in doc:
        follow = "".join(x.text for x in doc[t.i : t.i + 3])
        if follow.startswith(("によると", "によれば")):
            found.add("reported")
            src = t.head if t.head.i != t.i else (doc[t.i - 1] if t.i else None)
            if t.i and (src is None or src.i > t.i):
                src = doc[t.i - 1]
            reporter = reporter or (_phrase(src) if src is not None else None)
    if doc[-1].text in ("か", "?", "？") or (len(doc) > 1 and doc[-2].text == "か"):
        return None, None
    last_verbs = [t for t in doc if t.dep_ == "ROOT"]
    if last_verbs and any(c.text == "という" or c.lemma_ == "いう" for c in last_verbs[0].children):
        found.add("reported")
    for name in ("denied", "planned", "hedged", "reported"):
        if name in found:
            return name, reporter if name == "reported" or reporter else None
    return "asserted", None


def _np_internal(tok: Token, sent: Sentence) -> bool:
    """Is the cue a noun modifying another noun (アリババ傘下の…)? Such a fact is
    presupposed by the noun phrase, not asserted, planned or denied by the clause."""
    if sent.is_predicate(tok):
        return False
    head = tok.head
    return (
        head.i != tok.i
        and tok.dep_ in ("nmod", "compound", "amod", "appos", "acl")
        and head.pos_ in ("NOUN", "PROPN")
        and not sent.is_predicate(head)
        and sent.slot_of(tok.i + 1) in (None, "gen")
        and head.lemma_ not in sent.g.transfer
        and head.lemma_ not in sent.g.modality["modality_nouns"]
    )


def _ends_quote(tok: Token, doc: Doc) -> bool:
    end = max(t.i for t in tok.subtree) + 1
    nxt = "".join(t.text for t in doc[end : end + 2])
    return nxt.startswith(("と", "との", "という"))


def _phrase(tok: Token | None) -> str | None:
    if tok is None:
        return None
    toks = [t for t in tok.subtree if t.i <= tok.i and t.pos_ in ("NOUN", "PROPN", "NUM")]
    return "".join(t.text for t in toks[-4:]) or tok.text


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


def _np_pattern_facts(sent: Sentence) -> list[tuple[dict, Mention, Mention, Token]]:
    """Noun-phrase patterns: 米Lam Research, 台湾のTSMC, メタの「ラマ」, A、Bといった米国の企業."""
    g = sent.g
    doc = sent.doc
    out = []
    allm = sorted(sent.mentions + sent.prefixes, key=lambda m: m.start)
    for pat in g.np_patterns:
        first, second = pat["first"], pat["second"]
        for a in allm:
            if a.cls not in first["classes"] or bool(first.get("prefix")) != a.prefix:
                continue
            if first.get("address"):
                # 華為技術日本(東京・千代田): a place in brackets right after a company is its seat
                i = a.end
                while i < len(doc) and doc[i].text in ("」", "』", " "):
                    i += 1
                if i < len(doc) and doc[i].text in ("(", "（"):
                    b = next((m for m in allm if m.start == i + 1), None)
                    close = next(
                        (
                            k
                            for k in range(i + 1, min(len(doc), i + 8))
                            if doc[k].text in (")", "）")
                        ),
                        None,
                    )
                    if b is not None and close is not None and b.cls in second["classes"]:
                        rest = doc[b.end : close]
                        if all(
                            t.text == "・" or t.i in sent.by_token or t.pos_ == "PROPN"
                            for t in rest
                        ):
                            out.append((pat, a, b, doc[i]))
                continue
            if first.get("list_head"):
                # A、B といった/などの X の? 企業: list then a country genitive descriptor
                slot = sent.slot_of(a.end)
                if slot != "list" or a is not sent.members(a)[-1]:
                    continue
                i = a.end
                while i < len(doc) and doc[i].pos_ in ("ADP",) and doc[i].text != "の":
                    i += 1
                b = next((m for m in allm if m.start == i and m.cls in second["classes"]), None)
                if b is None or sent.slot_of(b.end) != "gen":
                    continue
                j = b.end + 1
                fillers = 0
                while (
                    j < len(doc)
                    and doc[j].pos_ in ("NOUN", "PROPN", "SYM", "ADJ")
                    and fillers < g.np_filler_max
                ):
                    j += 1
                    fillers += 1
                if fillers == 0 or doc[j - 1].text not in _descriptor_nouns("Company"):
                    continue
                for m in sent.members(a):
                    out.append((pat, m, b, doc[a.end]))
                continue
            i = a.end
            if first.get("genitive"):
                if i >= len(doc) or doc[i].text != "の":
                    continue
                i += 1
            fillers = 0
            while i < len(doc) and fillers <= g.np_filler_max:
                b = next((m for m in allm if m.start == i), None)
                if b is not None:
                    break
                t = doc[i]
                after_descriptor = i > a.end and doc[i - 1].text in _descriptor_nouns("Company")
                if (
                    t.pos_ in ("NOUN", "PROPN", "NUM", "SYM")
                    or t.text in ("「", "『", "(", ")", "（", "）", "・", " ")
                    or (t.text in ("、", ",") and after_descriptor)  # 中国の自動車大手、比亜迪
                    or (
                        t.text == "の"
                        and (after_descriptor or not first.get("genitive"))
                        and ("の" in pat.get("link", [""]) or after_descriptor)
                    )
                ):
                    if t.text == "の" and first.get("genitive") and not after_descriptor:
                        break
                    i += 1
                    fillers += 1
                    continue
                break
            else:
                continue
            b = next((m for m in allm if m.start == i), None)
            if b is None or b.prefix or b.cls not in second["classes"]:
                continue
            prev_text = doc[i - 1].text if i > a.end else ""
            link = pat.get("link", [""])
            if prev_text == "の" and "の" not in link and not first.get("genitive"):
                continue
            if not sent._np_end(b) and not (b.end < len(doc) and doc[b.end].text in ("」", "』")):
                continue
            if any(
                doc[k].pos_ in ("VERB", "AUX", "ADP") and doc[k].text != "の"
                for k in range(a.end, b.start)
            ):
                continue
            cue = doc[a.end] if a.end < len(doc) else doc[a.start]
            # 中国のAや、Bなど国内メーカー: a genitive modifier covers the whole list
            group = sent.members(b)
            closed = sent.slot_of(group[-1].end) in sent.g.identity
            products = all(x.cls in ("Product", "Technology") for x in group)
            seconds = group if first.get("genitive") and (closed or products) else [b]
            for bb in seconds:
                if bb.cls in second["classes"]:
                    out.append((pat, a, bb, cue))
    return out


@cache
def _descriptor_nouns(*classes: str) -> frozenset[str]:
    """Descriptor nouns of the entity rules that name a kind of `classes` (会社, 企業, 研究所)."""
    from kg.entities import load_rules

    return frozenset(n for n, c in load_rules().descriptors.items() if c in classes)


def extract_sentence(
    doc: Doc,
    mentions: Sequence[Mention],
    context: Context,
    grammar: Grammar | None = None,
) -> list[tuple[str, Ref, Ref, str, str | None, str, str, float]]:
    """Raw facts of one sentence: (relation, s, o, modality, reporter, cue, rule, confidence)."""
    g = grammar or load_grammar()
    sent = Sentence(doc, mentions, g, context)
    out: list[tuple[str, Ref, Ref, str, str | None, str, str, float]] = []
    if len(sent.mentions) + len(sent.prefixes) >= 2 or any(
        t.text in g.company_anaphora for t in doc
    ):
        fired: dict[int, set[str]] = {}
        kind_nouns = _descriptor_nouns("Company", "Association")
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
                modality, reporter = _modality(tok, sent)
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
        for pat, a, b, tok in _np_pattern_facts(sent):
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
    # remember what this sentence talked about, for 同社 and この技術 later
    for m in sent.mentions:
        slot = sent.slot_of(m.end)
        context.history.append(
            (context.sentence, Ref(m.iri, m.cls, m.text), slot in ("topic", "subj"))
        )
    context.sentence += 1
    return out


def extract_article(parsed: ParsedArticle, entities: ArticleEntities) -> list[Fact]:
    """Facts of one article from its parsed sentences and linked mentions."""
    g = load_grammar()
    ctx = Context()
    facts: dict[tuple, Fact] = {}
    for idx, (sentence, doc, mentions) in enumerate(
        zip(parsed.sentences, parsed.docs, entities.mentions, strict=True)
    ):
        for rel, a, b, modality, reporter, cue, rule, conf in extract_sentence(
            doc, mentions, ctx, g
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
