"""Entities: mentions in parsed sentences, linked to one node per real-world entity.

Mentions come first from the gazetteer (ontology/gazetteer.ttl), then from GiNZA's named
entities for names the gazetteer lacks, with GiNZA's labels mapped to ontology classes by
ontology/entity-rules.yaml. Every spelling of a gazetteer entity links to its IRI; a name
outside the gazetteer gets an IRI minted from its normalized form, so the same unknown name
in two articles is one node. A name and its parenthesised alias (中芯国際集成電路製造(SMIC),
拓荊科技(Piotech)) are read as one mention of one entity.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from kg.errors import GazetteerError
from kg.vocab import CLASSES, KG, KGE, load_yaml, ontology_dir

if TYPE_CHECKING:
    from spacy.tokens import Doc

VERSION = "kg.entities.v1"
MINTED = f"{KGE}x/"


# ----------------------------------------------------------------- names and scripts


def normalize_name(name: str) -> str:
    """Key used to compare names: NFKC, case-folded, without spaces, dots and dashes (and
    without lone surrogates, which no text can hold but a bad argv or JSON escape can)."""
    s = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\s・･·\-‐‑–—─_.,'’()（）<>\[\]\ud800-\udfff]", "", s)


def _script(ch: str) -> str:
    if not ch:
        return ""
    o = ord(ch)
    if ch.isascii() and (ch.isalnum()):
        return "latin"
    if 0x30A0 <= o <= 0x30FF or 0x31F0 <= o <= 0x31FF or ch == "ー":
        return "kana"
    if 0x3040 <= o <= 0x309F:
        return "hira"
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or ch in "々〆":
        return "kanji"
    return "other"


def mint_iri(name: str) -> str:
    """Stable IRI for a name outside the gazetteer, minted from its normalized form."""
    return MINTED + quote(normalize_name(name), safe="")


# ----------------------------------------------------------------- gazetteer


@dataclass(frozen=True)
class Entity:
    """A gazetteer entity (or a minted one): its node and how it is written."""

    iri: str
    cls: str
    label_en: str | None = None
    label_ja: str | None = None
    aliases: tuple[str, ...] = ()
    tickers: tuple[str, ...] = ()
    short_forms: tuple[str, ...] = ()
    same_as: str | None = None
    home_country: str | None = None
    sectors: tuple[str, ...] = ()  # sector concept IRIs (ontology/sectors.ttl)
    country_code: str | None = None  # ISO 3166-1 alpha-2, for a country

    @property
    def label(self) -> str:
        return self.label_ja or self.label_en or self.iri.rsplit("/", 1)[-1]


@dataclass
class Gazetteer:
    """Entities by IRI and by every normalized spelling, plus country prefixes (米, 中)."""

    entities: dict[str, Entity]
    by_name: dict[str, str]  # normalize_name(alias) -> iri
    exact: dict[str, str]  # alias as written (NFKC, casefold) -> iri, for matching text
    short_forms: dict[str, str]  # 米 -> United States
    lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)  # first char -> lengths
    short_latin: frozenset[str] = frozenset()  # Latin names of <= 3 chars, matched case-exactly

    def lookup(self, name: str) -> str | None:
        """IRI of the gazetteer entity spelled `name`, if any."""
        return self.by_name.get(normalize_name(name))


def load_gazetteer(path: Path | str | None = None) -> Gazetteer:
    """Read the gazetteer Turtle file (default ontology/gazetteer.ttl)."""
    return _load_gazetteer(str(path or ontology_dir() / "gazetteer.ttl"))


@cache
def _load_gazetteer(path: str) -> Gazetteer:
    from rdflib import RDF, RDFS, Graph
    from rdflib.namespace import OWL, SKOS

    g = Graph()
    try:
        g.parse(path, format="turtle")
    except Exception as exc:
        raise GazetteerError(f"{path}: not valid Turtle ({exc}); fix the file") from exc
    entities: dict[str, Entity] = {}
    by_name: dict[str, str] = {}
    exact: dict[str, str] = {}
    short: dict[str, str] = {}
    for s, cls in g.subject_objects(RDF.type):
        local = str(cls).removeprefix(str(KG))
        if local not in CLASSES:
            continue
        iri = str(s)
        labels = {lit.language: str(lit) for lit in g.objects(s, RDFS.label)}
        aliases = tuple(sorted(str(x) for x in g.objects(s, SKOS.altLabel)))
        tickers = tuple(sorted(str(x) for x in g.objects(s, KG.ticker)))
        shorts = tuple(sorted(str(x) for x in g.objects(s, KG.shortForm)))
        same = g.value(s, OWL.sameAs)
        home = g.value(s, KG.homeCountry)
        code = g.value(s, KG.countryCode)
        ent = Entity(
            iri=iri,
            cls=local,
            label_en=labels.get("en"),
            label_ja=labels.get("ja"),
            aliases=aliases,
            tickers=tickers,
            short_forms=shorts,
            same_as=str(same) if same else None,
            home_country=str(home) if home else None,
            sectors=tuple(sorted(str(x) for x in g.objects(s, KG.sector))),
            country_code=str(code) if code else None,
        )
        entities[iri] = ent
        for name in (*labels.values(), *aliases, *tickers):
            norm = unicodedata.normalize("NFKC", name)
            by_name.setdefault(normalize_name(norm), iri)
            if len(norm) >= 2:  # one-character aliases (米, 英) act only as prefixes
                exact.setdefault(norm.casefold(), iri)
        for sf in shorts:
            short[unicodedata.normalize("NFKC", sf)] = iri
    if not entities:
        raise GazetteerError(f"{path}: no entities with a kg class; see ontology/GAZETTEER.md")
    short_latin = frozenset(
        unicodedata.normalize("NFKC", name)
        for ent in entities.values()
        for name in (ent.label_en or "", ent.label_ja or "", *ent.aliases, *ent.tickers)
        if len(name) <= 3
    )
    lengths: dict[str, set[int]] = {}
    for alias in exact:
        lengths.setdefault(alias[0], set()).add(len(alias))
    return Gazetteer(
        entities=entities,
        by_name=by_name,
        exact=exact,
        short_forms=short,
        lengths={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
        short_latin=short_latin,
    )


@dataclass(frozen=True)
class EntityRules:
    """ontology/entity-rules.yaml, loaded."""

    version: str
    ner_labels: dict[str, str]
    require_cue: frozenset[str]
    company_suffixes: tuple[str, ...]
    strip_suffixes: tuple[str, ...]
    descriptors: dict[str, str]  # noun -> class
    person_markers: frozenset[str]
    stop_names: frozenset[str]
    generic_heads: tuple[str, ...]
    group_words: tuple[str, ...]
    ticker: re.Pattern


@cache
def load_rules(path: str | None = None) -> EntityRules:
    """Read ontology/entity-rules.yaml."""
    import yaml

    p = Path(path) if path else ontology_dir() / "entity-rules.yaml"
    try:
        data = load_yaml(p.read_text(encoding="utf-8"))
        descriptors = {noun: cls for cls, nouns in data["descriptors"].items() for noun in nouns}
        return EntityRules(
            version=data["version"],
            ner_labels=dict(data["ner_labels"]),
            require_cue=frozenset(data.get("require_cue", [])),
            company_suffixes=tuple(sorted(data["company_suffixes"], key=len, reverse=True)),
            strip_suffixes=tuple(data.get("strip_suffixes", [])),
            descriptors=descriptors,
            person_markers=frozenset(data["person_markers"]),
            stop_names=frozenset(normalize_name(x) for x in data["stop_names"]),
            generic_heads=tuple(data["generic_heads"]),
            group_words=tuple(data["group_words"]),
            ticker=re.compile(data["ticker_pattern"]),
        )
    except (OSError, KeyError, TypeError, AttributeError, re.error, yaml.YAMLError) as exc:
        raise GazetteerError(f"{p}: cannot read entity rules ({exc!r}); fix the file") from exc


# ----------------------------------------------------------------- mentions


@dataclass
class Mention:
    """A span of one sentence that names an entity.

    `start`/`end` are token indices in the sentence `Doc`; `char_start`/`char_end` are
    offsets in the sentence text. `prefix` marks a one-character state prefix (米 in
    米Lam Research), which takes part only in prefix constructions.
    """

    start: int
    end: int
    char_start: int
    char_end: int
    iri: str
    cls: str
    text: str
    source: str  # gazetteer | ner | pattern | prefix
    prefix: bool = False
    aliases: list[str] = field(default_factory=list)  # other forms read as this mention


@dataclass
class ArticleEntities:
    """Mentions of each sentence of one article plus what the graph needs of each entity."""

    mentions: list[list[Mention]]
    entities: dict[str, Entity]
    surface: dict[str, set[str]]  # iri -> forms seen in this article
    examples: dict[str, str] = field(default_factory=dict)  # iri -> first sentence naming it


def _token_bounds(doc: Doc) -> tuple[set[int], set[int]]:
    starts = {t.idx for t in doc}
    ends = {t.idx + len(t.text) for t in doc}
    return starts, ends


def _boundary_ok(text: str, a: int, b: int, starts: set[int], ends: set[int]) -> bool:
    first, last = text[a], text[b - 1]
    left = text[a - 1] if a > 0 else ""
    right = text[b] if b < len(text) else ""
    for edge, neighbour, tok_edge in ((first, left, a in starts), (last, right, b in ends)):
        sc = _script(edge)
        if sc in ("latin", "kana") and _script(neighbour) == sc:
            return False
        if sc == "kanji" and _script(neighbour) == "kanji" and not tok_edge and b - a < 3:
            return False
    return True


def _inside_proper_noun(doc: Doc, a: int, b: int) -> bool:
    """Is [a, b) a strict part of one proper-noun token (華為技術 in 華為技術日本)?"""
    for t in doc:
        ta, tb = t.idx, t.idx + len(t.text)
        if ta <= a and b <= tb and (ta, tb) != (a, b):
            return "固有名詞" in t.tag_
        if ta > b:
            break
    return False


def _glued_proper_noun(doc: Doc, a: int, b: int) -> bool:
    """Is a Latin name glued to a following katakana proper noun (ASMLジャパン)?"""
    if not (b < len(doc.text) and _script(doc.text[b - 1]) == "latin"):
        return False
    if _script(doc.text[b]) != "kana":
        return False
    nxt = next((t for t in doc if t.idx == b), None)
    return nxt is not None and "固有名詞" in nxt.tag_


def _span(doc: Doc, a: int, b: int):
    return doc.char_span(a, b, alignment_mode="expand")


def gazetteer_matches(
    text: str,
    gaz: Gazetteer,
    bounds: tuple[set[int], set[int]] | None = None,
    doc: Doc | None = None,
) -> list[tuple[int, int, str]]:
    """Leftmost-longest gazetteer matches `(start, end, iri)` in `text`.

    `bounds` are the token starts and ends of the parsed text; without them (plain text,
    before parsing) every offset counts as a token boundary, so the matches are a superset
    of those found on the parsed sentence.
    """
    folded = text.casefold()
    out: list[tuple[int, int, str]] = []
    i = 0
    n = len(text)
    while i < n:
        lengths = gaz.lengths.get(folded[i])
        hit = None
        if lengths:
            for length in lengths:
                if i + length > n:
                    continue
                cand = folded[i : i + length]
                iri = gaz.exact.get(cand)
                if iri is None:
                    continue
                if length <= 3 and cand.isascii() and text[i : i + length] not in gaz.short_latin:
                    continue
                if bounds is None:
                    ok = _boundary_ok(text, i, i + length, _ALL, _ALL)
                else:
                    ok = _boundary_ok(text, i, i + length, *bounds)
                if ok and doc is not None and _inside_proper_noun(doc, i, i + length):
                    ok = False  # 華為技術 inside the name 華為技術日本
                if ok and doc is not None and _glued_proper_noun(doc, i, i + length):
                    ok = False  # ACM in ACMシャンハイ, ASML in ASMLジャパン: a longer name
                if ok:
                    hit = (i + length, iri)
                    break
        if hit:
            out.append((i, hit[0], hit[1]))
            i = hit[0]
        else:
            i += 1
    return out


class _Everything:
    """A set that contains every offset (plain text: any offset may be a token boundary)."""

    def __contains__(self, item: object) -> bool:
        return True


_ALL = _Everything()


def gazetteer_mentions(doc: Doc, gaz: Gazetteer) -> list[Mention]:
    """Leftmost-longest gazetteer matches in a sentence, on sensible word boundaries."""
    text = doc.text
    out: list[Mention] = []
    for a, b, iri in gazetteer_matches(text, gaz, _token_bounds(doc), doc):
        span = _span(doc, a, b)
        if span is not None:
            out.append(
                Mention(
                    span.start, span.end, a, b, iri, gaz.entities[iri].cls, text[a:b], "gazetteer"
                )
            )
    return out


def _overlaps(a: int, b: int, taken: Sequence[Mention]) -> bool:
    return any(a < m.char_end and m.char_start < b for m in taken)


def _strip(text: str, rules: EntityRules) -> str:
    for suf in rules.strip_suffixes:
        if text.endswith(suf) and _script(text[-len(suf) - 1 : -len(suf)]) in ("latin", "kana"):
            return text[: -len(suf)]
    return text


def _generic(text: str, rules: EntityRules) -> bool:
    """A common-noun phrase (金融会社, 産業政策) rather than a name."""
    if text.endswith(rules.company_suffixes) and not text.endswith(rules.generic_heads):
        return text in rules.descriptors
    return text.endswith(rules.generic_heads) or text.endswith(tuple(rules.descriptors))


def _has_company_cue(doc: Doc, start: int, end: int, text: str, rules: EntityRules) -> bool:
    if text.endswith(rules.company_suffixes):
        return True
    nxt = doc[end].text if end < len(doc) else ""
    if nxt in rules.strip_suffixes or rules.descriptors.get(nxt) == "Company":
        return True
    # descriptor before: 装置メーカーのX / 新興企業X
    j = start - 1
    if j >= 0 and doc[j].text == "の":
        j -= 1
    return j >= 0 and rules.descriptors.get(doc[j].text) == "Company"


def ner_mentions(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """GiNZA's named entities that the gazetteer did not cover, mapped to ontology classes."""
    out: list[Mention] = []
    for ent in doc.ents:
        cls = rules.ner_labels.get(ent.label_)
        if cls is None:
            continue
        a, b = ent.start_char, ent.end_char
        text = doc.text[a:b].strip()
        if not text or _overlaps(a, b, taken) or normalize_name(text) in rules.stop_names:
            continue
        if _generic(text, rules) or len(text) < 2:
            continue  # one character (米, 中) is a prefix, never a name of its own
        if any(ch.isdigit() for ch in text) and not any(_script(c) == "latin" for c in text):
            continue
        nxt = doc[ent.end].text if ent.end < len(doc) else ""
        if nxt in rules.person_markers:
            continue
        if ent.label_ in rules.require_cue and not _has_company_cue(
            doc, ent.start, ent.end, text, rules
        ):
            continue
        if cls == "Product" and _has_company_cue(doc, ent.start, ent.end, text, rules):
            cls = "Company"
        text = _strip(text, rules)
        out.append(Mention(ent.start, ent.end, a, a + len(text), mint_iri(text), cls, text, "ner"))
    return out


_LATIN_RUN = re.compile(r"[A-Z][A-Za-z0-9&.\-]*(?: [A-Z][A-Za-z0-9&.\-]*)*")


def pattern_mentions(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """Latin-script names outside gazetteer and NER, kept when a company cue confirms them."""
    out: list[Mention] = []
    text = doc.text
    for m in _LATIN_RUN.finditer(text):
        a, b = m.span()
        name = m.group().rstrip(".-")
        b = a + len(name)
        if len(name) < 2 or _overlaps(a, b, [*taken, *out]):
            continue
        if _script(text[a - 1] if a else "") == "latin" or normalize_name(name) in rules.stop_names:
            continue
        span = _span(doc, a, b)
        if span is None or not _has_company_cue(doc, span.start, span.end, name, rules):
            continue
        out.append(Mention(span.start, span.end, a, b, mint_iri(name), "Company", name, "pattern"))
    return out


def prefix_mentions(doc: Doc, taken: Sequence[Mention], gaz: Gazetteer) -> list[Mention]:
    """One-character state prefixes (米, 中, 英) standing as their own token."""
    out: list[Mention] = []
    for tok in doc:
        iri = gaz.short_forms.get(tok.text)
        if iri is None or _overlaps(tok.idx, tok.idx + len(tok.text), taken):
            continue
        out.append(
            Mention(
                tok.i,
                tok.i + 1,
                tok.idx,
                tok.idx + len(tok.text),
                iri,
                gaz.entities[iri].cls,
                tok.text,
                "prefix",
                prefix=True,
            )
        )
    return out


_PAREN = re.compile(r"\s*(?:<\s*)?[(\[（]\s*([^()\[\]（）]{1,60}?)\s*[)\]）](?:\s*>)?")


def merge_parentheses(
    doc: Doc, mentions: list[Mention], gaz: Gazetteer, rules: EntityRules
) -> list[Mention]:
    """Read `NAME(ALIAS)` as one mention: tickers and aliases in brackets join the name.

    When one side is in the gazetteer and the other is not, the unknown side becomes an
    alias of the known entity (this is how 華為技術 and ファーウェイ, or a Chinese and a
    Japanese form of one company, meet on one node).
    """
    text = doc.text
    by_start = {m.char_start: m for m in mentions}
    out: list[Mention] = []
    skip: set[int] = set()
    for m in sorted(mentions, key=lambda x: x.char_start):
        if id(m) in skip:
            continue
        while not m.prefix:
            pm = _PAREN.match(text, m.char_end)
            if not pm:
                break
            inner = pm.group(1).strip()
            inner_start = pm.start(1)
            other = by_start.get(inner_start)
            if other is not None and other.char_end <= pm.end(1) + 1:
                if other.iri != m.iri:
                    if other.source == "gazetteer" and m.source == "gazetteer":
                        break  # two known entities: a real apposition, keep both
                    if other.cls in ("Country", "Place") and m.cls not in ("Country", "Place"):
                        break  # 華為技術日本(東京・千代田): where it is, not what it is called
                    if other.source == "gazetteer" and not _same_kind(m.cls, other.cls):
                        skip.add(id(other))  # 国家経済会議(NEC): an abbreviation shared with
                        m.end, m.char_end = _extend(doc, m, pm.end())  # another entity
                        continue
                    if other.source == "gazetteer":
                        m.iri, m.cls = other.iri, other.cls
                m.aliases.append(other.text)
                skip.add(id(other))
            elif rules.ticker.fullmatch(inner) or _plausible_alias(inner, rules):
                former = inner.removeprefix("旧")  # レゾナック(旧昭和電工): a former name
                known = gaz.lookup(former)
                if known and not _same_kind(m.cls, gaz.entities[known].cls):
                    m.end, m.char_end = _extend(doc, m, pm.end())
                    continue
                if known and m.source != "gazetteer":
                    m.iri, m.cls = known, gaz.entities[known].cls
                m.aliases.append(former)
            else:
                break
            span = _span(doc, m.char_start, pm.end())
            if span is None:
                break
            m.end = span.end
            m.char_end = pm.end()
        out.append(m)
    kept: list[Mention] = []
    for m in out:  # drop what an extended mention now covers
        if id(m) in skip or any(k.char_start <= m.char_start < k.char_end for k in kept):
            continue
        kept.append(m)
    return kept


def _same_kind(a: str, b: str) -> bool:
    """Can two classes name the same thing? (organisations among themselves, places too)"""
    groups = ({"Company", "Association"}, {"Country", "Place", "GovernmentBody"})
    return a == b or any(a in g and b in g for g in groups)


def _extend(doc: Doc, m: Mention, char_end: int) -> tuple[int, int]:
    """Token and character end of `m` stretched over a bracket that follows it."""
    span = _span(doc, m.char_start, char_end)
    return (span.end, char_end) if span is not None else (m.end, m.char_end)


def _plausible_alias(s: str, rules: EntityRules) -> bool:
    if not s or len(s) > 40 or normalize_name(s) in rules.stop_names:
        return False
    if any(_script(c) == "hira" for c in s):
        return False
    if re.search(r"\d", s) and not re.search(r"[A-Za-z]", s):
        return False
    return True


def unknown_before_paren(
    doc: Doc, mentions: list[Mention], gaz: Gazetteer, rules: EntityRules
) -> list[Mention]:
    """`UNKNOWN(KNOWN)`: a noun compound right before a bracketed known name is its alias."""
    text = doc.text
    out = list(mentions)
    for m in mentions:
        if m.prefix or m.char_start == 0:
            continue
        j = m.char_start - 1
        while j >= 0 and text[j] in " <":
            j -= 1
        if j < 0 or text[j] not in "(（[":
            continue
        close = text.find(")" if text[j] == "(" else ("）" if text[j] == "（" else "]"), m.char_end)
        if close < 0 or text[m.char_end : close].strip(" >") not in ("",):
            continue
        # the compound before the bracket
        end_tok = _span(doc, j, j + 1)
        if end_tok is None:
            continue
        k = end_tok.start - 1
        toks = []
        while k >= 0 and doc[k].pos_ in ("PROPN", "NOUN") and doc[k].text not in rules.descriptors:
            if _overlaps(doc[k].idx, doc[k].idx + len(doc[k]), out):
                break
            toks.append(doc[k])
            k -= 1
        if not toks:
            continue
        toks.reverse()
        a, b = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        name = text[a:b]
        if not _plausible_alias(name, rules) or len(name) < 2:
            continue
        if all(_script(c) == "kana" for c in name if c != "・"):
            pass
        out.append(Mention(toks[0].i, toks[-1].i + 1, a, b, m.iri, m.cls, name, "pattern"))
    return out


def _is_name_token(t, rules: EntityRules, descriptors: bool = False) -> bool:
    """Could this token be part of a name? (no hiragana, not a particle, and not a
    descriptor unless `descriptors`)"""
    if t.pos_ not in ("NOUN", "PROPN", "SYM", "NUM", "VERB"):
        return False
    if t.text in rules.descriptors and not descriptors:
        return False
    if t.pos_ == "VERB" and "固有名詞" not in t.tag_:
        return False
    if t.pos_ == "SYM" and t.text not in ("・", "&", "-"):
        return False
    return not any(_script(c) == "hira" for c in t.text)


def _name_run(
    doc: Doc, i: int, rules: EntityRules, taken: Sequence[Mention], descriptors: bool = False
) -> tuple[int, int]:
    """The name-like token run starting at token i: [i, j) (see `_is_name_token`)."""
    j = i
    while j < len(doc) and _is_name_token(doc[j], rules, descriptors):
        if _overlaps(doc[j].idx, doc[j].idx + len(doc[j].text), taken):
            break
        j += 1
    while j > i and doc[j - 1].text in ("・", "-", "&"):
        j -= 1
    return i, j


def _name_ok(text: str, rules: EntityRules, toks=(), appositive: bool = False) -> bool:
    """Does a token run found by context look like a name rather than a common noun?

    Latin and katakana runs do (GiNZA tags loanword names as common nouns); a kanji run
    must be a dictionary proper noun or end in a company suffix (…科技, …集団). A run set
    off by a comma after its descriptor (`appositive`: 投資会社、中科算源が) may be any run of
    3 or more characters, unless it is a descriptor phrase without a proper noun
    (大手、半導体メーカー; but 上海科創基金).
    """
    if len(text) < 2 or normalize_name(text) in rules.stop_names:
        return False
    if all(c.isdigit() or not c.isalnum() for c in text):
        return False
    if text.endswith(tuple(rules.person_markers)) or text.endswith(tuple(rules.group_words)):
        return False
    proper = any("固有名詞" in t.tag_ for t in toks)
    if appositive:
        return len(text) >= 3 and (proper or not text.endswith(tuple(rules.descriptors)))
    if _generic(text, rules):
        return False
    scripts = {_script(c) for c in text} - {"other"}
    if any(c.isascii() and c.isalpha() for c in text) or scripts == {"kana"}:
        return True  # (digits alone do not make a name: 8社, 3製品)
    if proper:
        return True
    return len(text) >= 3 and text.endswith(rules.company_suffixes)


def _new(doc: Doc, i: int, j: int, cls: str, source: str = "pattern") -> Mention:
    a, b = doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text)
    name = doc.text[a:b]
    return Mention(i, j, a, b, mint_iri(name), cls, name, source)


def _glue_state_organs(mentions: list[Mention]) -> list[Mention]:
    """中国 + 商務省: a country name right before a ministry alias names that country's
    ministry, so the two are one mention of the first country."""
    out: list[Mention] = []
    for m in sorted(mentions, key=lambda x: x.char_start):
        prev = out[-1] if out else None
        if (
            prev is not None
            and not prev.prefix
            and prev.cls == "Country"
            and m.cls == "Country"
            and m.source == "gazetteer"
            and prev.char_end == m.char_start
            and prev.iri != m.iri
        ):
            prev.end, prev.char_end = m.end, m.char_end
            prev.text = prev.text + m.text
            continue
        out.append(m)
    return out


def extend_with_place(doc: Doc, mentions: list[Mention], rules: EntityRules) -> list[Mention]:
    """キオクシア岩手, TSMCアリゾナ: a company name with a place name glued on is a
    different company (usually a local subsidiary)."""
    for m in mentions:
        if m.cls != "Company" or m.prefix or m.end >= len(doc):
            continue
        t = doc[m.end]
        if "地名" in t.tag_ and doc[m.end - 1].idx + len(doc[m.end - 1].text) == t.idx:
            nxt = doc[m.end + 1] if m.end + 1 < len(doc) else None
            if nxt is None or nxt.pos_ in ("ADP", "PUNCT", "AUX") or nxt.text in ("(", "（"):
                b = t.idx + len(t.text)
                m.end, m.char_end = m.end + 1, b
                m.text = doc.text[m.char_start : b]
                m.iri, m.source = mint_iri(m.text), "pattern"
    return mentions


def context_mentions(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """Names the gazetteer and NER missed, found from their surroundings:

    - after a country prefix or a company descriptor: 米アンシス, 化学大手ソルベイ,
      国有投資会社、瀋陽先進製造技術産業;
    - a proper-noun token of the dictionary (ソニーセミコンダクタソリューションズ);
    - a kanji name with its reading in brackets: 摩爾線程(ムーア・スレッズ);
    - a quoted name after a product noun: GPU「MTT S80」 (a Product);
    - place-name tokens (瀋陽市, 千代田) as Places.
    """
    out: list[Mention] = []
    n = len(doc)

    def place(m: Mention) -> bool:
        return m.cls == "Place" and not m.prefix

    def others(places: bool) -> list[Mention]:
        return [m for m in [*taken, *out] if not (places and place(m))]

    def free(i: int, j: int, places: bool = False) -> bool:
        """No mention in tokens [i, j); with `places`, a place may be inside: it is the front
        of a name (瀋陽芯源微電子設備, 上海科創基金), and find_mentions drops it."""
        return i < j and not _overlaps(
            doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text), others(places)
        )

    prefixes = {m.end for m in taken if m.prefix}
    for i, t in enumerate(doc):
        start = None
        if i in prefixes:
            start = i
            # skip a descriptor chain after the prefix: 米半導体大手マイクロン
            k = i
            while k < n and doc[k].pos_ in ("NOUN",) and not _is_name_token(doc[k], rules):
                k += 1
            if k > i and k < n and doc[k - 1].text in rules.descriptors:
                start = k
        elif rules.descriptors.get(t.text) in ("Company", "Association") and i + 1 < n:
            start = i + 1
            if doc[start].text in ("の", "、", ",") and start + 1 < n:
                start += 1
        if start is not None and start < n:
            # 投資会社、中科算源が: a name set off by a comma after its descriptor may be any
            # noun run, even one holding or ending in common nouns (瀋陽先進製造技術産業)
            appositive = i not in prefixes and start > i + 1 and doc[start - 1].text in "、,"
            a, b = _name_run(doc, start, rules, others(appositive), descriptors=appositive)
            if appositive and any(place(m) and m.start == a and m.end >= b for m in taken):
                b = a  # the place alone
            name = doc.text[doc[a].idx : doc[b - 1].idx + len(doc[b - 1].text)] if a < b else ""
            toks = doc[a:b] if appositive else ()
            if free(a, b, appositive) and _name_ok(name, rules, toks, appositive):
                nxt = doc[b] if b < n else None
                if (
                    nxt is None
                    or nxt.pos_ in ("ADP", "PUNCT", "AUX", "SCONJ")
                    or nxt.text in rules.strip_suffixes
                ):
                    all_places = all("地名" in x.tag_ for x in doc[a:b])
                    kind = rules.descriptors.get(t.text) if i not in prefixes else None
                    out.append(_new(doc, a, b, "Place" if all_places else kind or "Company"))
                    continue
        # quoted product names after a product noun
        if t.text in ("「", "『") and i > 0 and rules.descriptors.get(doc[i - 1].text) == "Product":
            close = next(
                (k for k in range(i + 1, min(n, i + 12)) if doc[k].text in ("」", "』")), None
            )
            if (
                close
                and free(i + 1, close)
                and _name_ok(
                    doc.text[doc[i + 1].idx : doc[close - 1].idx + len(doc[close - 1].text)], rules
                )
            ):
                out.append(_new(doc, i + 1, close, "Product"))
    for i, t in enumerate(doc):
        # kanji name with a bracketed reading: 摩爾線程(ムーア・スレッズ)
        if t.text in ("(", "（") and i > 0:
            j = i - 1
            while (
                j >= 0
                and (
                    _is_name_token(doc[j], rules)
                    or (j == i - 1 and doc[j].text in rules.company_suffixes)  # 韋爾半導体(…)
                )
                and all(_script(c) in ("kanji", "other") for c in doc[j].text)
            ):
                j -= 1
            a, b = j + 1, i
            close = next(
                (k for k in range(i + 1, min(n, i + 10)) if doc[k].text in (")", "）")), None
            )
            if close and free(a, b, places=True):
                inner = (
                    doc.text[doc[i + 1].idx : doc[close - 1].idx + len(doc[close - 1].text)]
                    if close > i + 1
                    else ""
                )
                name = doc.text[doc[a].idx : doc[b - 1].idx + len(doc[b - 1].text)]
                reading = inner and all(_script(c) in ("kana", "other") for c in inner)
                abbrev = (
                    inner and all(_script(c) == "kanji" for c in inner) and len(inner) < len(name)
                )
                if len(name) >= 3 and (reading or abbrev) and _name_ok(name, rules, doc[a:b]):
                    cls = "Place" if name.endswith(("市", "省", "州", "県")) else "Company"
                    out.append(_new(doc, a, b, cls))
        # dictionary proper nouns nobody claimed
        if "固有名詞" in t.tag_ and free(i, i + 1) and len(t.text) >= 2:
            if "人名" in t.tag_:
                continue
            if "地名" in t.tag_:
                j = i + 1
                if j < n and doc[j].text in ("市", "州", "省", "県", "区", "町"):
                    j += 1
                if free(i, j):
                    out.append(_new(doc, i, j, "Place"))
                continue
            if (
                t.pos_ in ("PROPN", "NOUN", "VERB")
                and _name_ok(t.text, rules, [t])
                and len(t.text) >= 3
            ):
                nxt = doc[i + 1] if i + 1 < n else None
                if nxt is not None and nxt.text in rules.person_markers:
                    continue
                after = doc[i + 2] if i + 2 < n else None
                if (
                    nxt is not None
                    and nxt.text == "の"
                    and after is not None
                    and (_overlaps(after.idx, after.idx + 1, taken) or "固有名詞" in after.tag_)
                ):
                    continue  # フィンテックのアントグループ: a field word, not a name
                out.append(_new(doc, i, i + 1, "Company"))
    return out


def _inside(m: Mention, other: Mention) -> bool:
    """Is `m` strictly inside the longer mention `other`?"""
    return (
        other is not m
        and other.char_start <= m.char_start
        and m.char_end <= other.char_end
        and other.char_end - other.char_start > m.char_end - m.char_start
    )


def find_mentions(doc: Doc, gaz: Gazetteer, rules: EntityRules) -> list[Mention]:
    """All mentions of one sentence, in text order, without overlaps."""
    found = gazetteer_mentions(doc, gaz)
    found += ner_mentions(doc, found, rules)
    found += pattern_mentions(doc, found, rules)
    found += prefix_mentions(doc, found, gaz)
    found = _glue_state_organs(found)
    found = extend_with_place(doc, found, rules)
    found += context_mentions(doc, found, rules)
    found = [m for m in found if not any(_inside(m, o) for o in found)]
    found = merge_parentheses(doc, found, gaz, rules)
    found = unknown_before_paren(doc, found, gaz, rules)
    found.sort(key=lambda m: m.char_start)
    return found


def link_article(
    docs: Sequence[Doc], gaz: Gazetteer | None = None, rules: EntityRules | None = None
) -> ArticleEntities:
    """Mentions of every sentence of one article, and the entities they link to.

    Within an article, an unknown name that was seen in brackets beside a known or
    minted one (拓荊科技(Piotech)) links to the same node everywhere in the article.
    """
    gaz = gaz or load_gazetteer()
    rules = rules or load_rules()
    per_sentence = [find_mentions(doc, gaz, rules) for doc in docs]
    # aliases learned from brackets apply to the whole article
    learned: dict[str, tuple[str, str]] = {}
    for ms in per_sentence:
        for m in ms:
            for form in (m.text, *m.aliases):
                learned.setdefault(normalize_name(form), (m.iri, m.cls))
    entities: dict[str, Entity] = {}
    surface: dict[str, set[str]] = {}
    examples: dict[str, str] = {}
    for doc, ms in zip(docs, per_sentence, strict=True):
        for m in ms:
            if m.source != "gazetteer" and not m.prefix:
                iri, cls = learned.get(normalize_name(m.text), (m.iri, m.cls))
                m.iri, m.cls = iri, cls
                if m.cls == "Place":  # 瀋陽市 and 瀋陽 are one place
                    bare = _PLACE_SUFFIX.sub("", m.text) if len(m.text) > 2 else m.text
                    m.iri = gaz.lookup(bare) or gaz.lookup(m.text) or mint_iri(bare)
                    m.cls = gaz.entities[m.iri].cls if m.iri in gaz.entities else m.cls
            ent = gaz.entities.get(m.iri)
            if ent is None:
                ent = entities.get(m.iri) or Entity(iri=m.iri, cls=m.cls, **_minted_labels(m.text))
            entities[m.iri] = ent
            forms = surface.setdefault(m.iri, set())
            if not m.prefix:
                forms.add(m.text)
            forms.update(m.aliases)
            examples.setdefault(m.iri, doc.text)
    return ArticleEntities(per_sentence, entities, surface, examples)


_PLACE_SUFFIX = re.compile(r"(市|省|州|県|都|府|区)$")


def _minted_labels(text: str) -> dict[str, str]:
    latin = all(_script(c) in ("latin", "other") for c in text)
    return {"label_en": text} if latin else {"label_ja": text}


def resolve_name(name: str, gaz: Gazetteer | None = None) -> str:
    """IRI for a name typed by a user or found in a gold file: gazetteer, else minted."""
    gaz = gaz or load_gazetteer()
    return gaz.lookup(name) or mint_iri(name)


def describe(mentions: Iterable[Mention]) -> list[tuple[str, str, str]]:
    """(text, class, iri) of mentions, for debugging and `kg why`."""
    return [(m.text, m.cls, m.iri) for m in mentions]
