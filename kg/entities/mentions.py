"""Mentions: spans of a sentence that name an entity, from the gazetteer, GiNZA's NER, Latin
runs and one-character state prefixes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.entities.gazetteer import (
    Gazetteer,
    gazetteer_matches,
    mint_iri,
    normalize_name,
    script_of,
    token_bounds,
)
from kg.entities.names import common_phrase, generic, has_company_cue, strip_suffix
from kg.entities.rules import EntityRules

if TYPE_CHECKING:
    from spacy.tokens import Doc


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


def span_of(doc: Doc, a: int, b: int):
    return doc.char_span(a, b, alignment_mode="expand")


def overlaps(a: int, b: int, taken: Sequence[Mention]) -> bool:
    return any(a < m.char_end and m.char_start < b for m in taken)


def new_mention(doc: Doc, i: int, j: int, cls: str, source: str = "pattern") -> Mention:
    a, b = doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text)
    name = doc.text[a:b]
    return Mention(i, j, a, b, mint_iri(name), cls, name, source)


def inside(m: Mention, other: Mention) -> bool:
    """Is `m` strictly inside the longer mention `other`?"""
    return (
        other is not m
        and other.char_start <= m.char_start
        and m.char_end <= other.char_end
        and other.char_end - other.char_start > m.char_end - m.char_start
    )


def gazetteer_mentions(doc: Doc, gaz: Gazetteer) -> list[Mention]:
    """Leftmost-longest gazetteer matches in a sentence, on sensible word boundaries."""
    text = doc.text
    out: list[Mention] = []
    for a, b, iri in gazetteer_matches(text, gaz, token_bounds(doc), doc):
        span = span_of(doc, a, b)
        if span is not None:
            out.append(
                Mention(
                    span.start, span.end, a, b, iri, gaz.entities[iri].cls, text[a:b], "gazetteer"
                )
            )
    return out


def ner_mentions(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """GiNZA's named entities that the gazetteer did not cover, mapped to ontology classes."""
    out: list[Mention] = []
    full = doc.text
    for ent in doc.ents:
        cls = rules.ner_labels.get(ent.label_)
        if cls is None:
            continue
        start = _after_descriptor(doc, ent.start, ent.end, rules)
        a, b = doc[start].idx, ent.end_char
        while a < b and not full[a].isalnum():  # | Reuters
            a += 1
        text = full[a:b].strip()
        if not text or overlaps(a, b, taken) or normalize_name(text) in rules.stop_names:
            continue
        if generic(text, rules) or len(text) < 2:
            continue  # one character (米, 中) is a prefix, never a name of its own
        if any(ch.isdigit() for ch in text) and not any(script_of(c) == "latin" for c in text):
            continue
        nxt = doc[ent.end].text if ent.end < len(doc) else ""
        if nxt in rules.person_markers or text.endswith(tuple(rules.person_markers)):
            continue  # ジェンスン・ファン最高経営責任者: a person
        if _MONEY.fullmatch(text):
            continue  # 120億米ドル
        if text.isascii() and text.isupper() and len(text) <= 3:
            if not has_company_cue(doc, ent.start, ent.end, text, rules):
                continue  # EAR, FT: an acronym is a name only with a company cue
        if _cuts_word(full, a, b):
            continue  # ソウル in ソウルブレイン: part of a longer katakana or Latin word
        if not rules.name_suffix(text) and common_phrase(text):
            # 貿易摩擦, テックブランド, 国家安全保障: ordinary words NER took for a name;
            # bodies named with ordinary words end in what they are (国家経済会議)
            if cls not in ("GovernmentBody", "Association") or not text.endswith(rules.body_heads):
                continue
        if ent.label_ in rules.require_cue and not has_company_cue(
            doc, ent.start, ent.end, text, rules
        ):
            continue
        if cls == "Product" and has_company_cue(doc, ent.start, ent.end, text, rules):
            cls = "Company"
        text = strip_suffix(text, rules)
        if text[-1].isdigit() and full.startswith(rules.counters, a + len(text)):
            continue  # テック7社: a count of firms
        out.append(Mention(start, ent.end, a, a + len(text), mint_iri(text), cls, text, "ner"))
    return out


def _after_descriptor(doc: Doc, start: int, end: int, rules: EntityRules) -> int:
    """Where the name begins in an entity GiNZA took with the description before it
    (英半導体大手ダイアログ・セミコンダクター: at ダイアログ): after a descriptor noun led by
    kanji only, when a katakana or Latin name follows."""
    for k in range(end - 1, start, -1):
        if (
            doc[k - 1].text in rules.descriptors
            and script_of(doc[k].text[0]) in ("kana", "latin")
            and all(script_of(c) in ("kanji", "other") for t in doc[start:k] for c in t.text)
        ):
            return k
    return start


_MONEY = re.compile(
    r"[\d０-９.,，]+\s*(?:兆|億|万|千)?\s*(?:米|香港|台湾|人民)?(?:ドル|円|元|ユーロ|ウォン)"
)


def _cuts_word(text: str, a: int, b: int) -> bool:
    """Does [a, b) start or end inside a run of katakana or Latin letters?"""
    for inside, outside in ((a, a - 1), (b - 1, b)):
        if 0 <= outside < len(text) and script_of(text[inside]) in ("kana", "latin"):
            if script_of(text[outside]) == script_of(text[inside]):
                return True
    return False


_LATIN_RUN = re.compile(r"[A-Z][A-Za-z0-9&.\-]*(?: [A-Za-z0-9][A-Za-z0-9&.\-]*)*")
# particles after which a Latin word fills a slot of the clause: it names something
_SLOT_PARTICLES = frozenset(
    ["は", "が", "を", "に", "と", "の", "や", "から", "も", "で", "へ", "など", "、", "とは"]
)


def pattern_mentions(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """Latin-script names outside gazetteer and NER: kept when a company cue confirms them,
    or when they fill a slot of the clause (InspurはJD Cloudと…). A Latin name holding a
    model number (GH200, MI300X) is a product; others are companies. Acronyms of three
    letters or fewer need a company cue (EUV, LLM are no names)."""
    out: list[Mention] = []
    text = doc.text
    for m in _LATIN_RUN.finditer(text):
        a, b = m.span()
        name = m.group().rstrip(".-")
        b = a + len(name)
        if len(name) < 2 or overlaps(a, b, [*taken, *out]):
            continue
        if (
            script_of(text[a - 1] if a else "") == "latin"
            or normalize_name(name) in rules.stop_names
        ):
            continue
        span = span_of(doc, a, b)
        if span is None:
            continue
        model = rules.is_model_number(name)
        if not has_company_cue(doc, span.start, span.end, name, rules):
            nxt = doc[span.end].text if span.end < len(doc) else ""
            acronym = name.isupper() and len(name) <= 3
            product_noun = rules.descriptors.get(nxt) == "Product"  # H20チップ, B30A GPU
            if model and product_noun:
                pass
            elif nxt not in _SLOT_PARTICLES or acronym and not model:
                continue
        cls = "Product" if model else "Company"
        out.append(Mention(span.start, span.end, a, b, mint_iri(name), cls, name, "pattern"))
    return out


def prefix_mentions(doc: Doc, taken: Sequence[Mention], gaz: Gazetteer) -> list[Mention]:
    """One-character state prefixes (米, 中, 英) standing as their own token."""
    out: list[Mention] = []
    for tok in doc:
        iri = gaz.short_forms.get(tok.text)
        if iri is None or overlaps(tok.idx, tok.idx + len(tok.text), taken):
            continue
        if tok.i > 0 and (doc[tok.i - 1].like_num or doc[tok.i - 1].text[-1:].isdigit()):
            continue  # 11日 is a day, not Japan
        if tok.i > 0 and doc[tok.i - 1].text == "の" and tok.i + 1 < len(doc):
            if doc[tok.i + 1].pos_ in ("ADP", "PUNCT", "AUX"):
                continue  # 140社の中には: inside, not China
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


def glue_state_organs(mentions: list[Mention]) -> list[Mention]:
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
