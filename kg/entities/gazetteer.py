"""The gazetteer (ontology/gazetteer.ttl): entities, their spellings, and matching them in text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from kg.errors import GazetteerError
from kg.vocab import CLASSES, KG, KGE, ontology_dir

if TYPE_CHECKING:
    from spacy.tokens import Doc

MINTED = f"{KGE}x/"


def normalize_name(name: str) -> str:
    """Key used to compare names: NFKC, case-folded, without spaces, dots and dashes (and
    without lone surrogates, which no text can hold but a bad argv or JSON escape can)."""
    s = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\s・･·\-‐‑–—─_.,'’()（）<>\[\]\ud800-\udfff]", "", s)


def script_of(ch: str) -> str:
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


def token_bounds(doc: Doc) -> tuple[set[int], set[int]]:
    starts = {t.idx for t in doc}
    ends = {t.idx + len(t.text) for t in doc}
    return starts, ends


def _boundary_ok(text: str, a: int, b: int, starts: set[int], ends: set[int]) -> bool:
    first, last = text[a], text[b - 1]
    left = text[a - 1] if a > 0 else ""
    right = text[b] if b < len(text) else ""
    for edge, neighbour, tok_edge in ((first, left, a in starts), (last, right, b in ends)):
        sc = script_of(edge)
        if sc in ("latin", "kana") and script_of(neighbour) == sc:
            return False
        if sc == "kanji" and script_of(neighbour) == "kanji" and not tok_edge and b - a < 3:
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
    text = doc.text
    if not (b < len(text) and script_of(text[b - 1]) == "latin"):
        return False
    if script_of(text[b]) != "kana":
        return False
    nxt = next((t for t in doc if t.idx == b), None)
    return nxt is not None and "固有名詞" in nxt.tag_


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
