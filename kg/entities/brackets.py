"""Names with a bracketed alias or ticker: 中芯国際集成電路製造(SMIC), 拓荊科技(Piotech)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kg.entities.gazetteer import Gazetteer, script_of
from kg.entities.mentions import Mention, overlaps, span_of
from kg.entities.names import plausible_alias
from kg.entities.rules import EntityRules

if TYPE_CHECKING:
    from spacy.tokens import Doc


PAREN = re.compile(r"\s*(?:<\s*)?[(\[（]\s*([^()\[\]（）]{1,60}?)\s*[)\]）](?:\s*>)?")


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
            pm = PAREN.match(text, m.char_end)
            if not pm:
                break
            inner = pm.group(1).strip()
            inner_start = pm.start(1)
            if _list_in_brackets(doc, m, pm, mentions, rules, skip):
                break
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
            elif rules.ticker.fullmatch(inner) or plausible_alias(inner, rules):
                former = inner.removeprefix("旧")  # 新光化成(旧新光化学): a former name
                known = gaz.lookup(former)
                if known and not _same_kind(m.cls, gaz.entities[known].cls):
                    m.end, m.char_end = _extend(doc, m, pm.end())
                    continue
                if known and m.source != "gazetteer":
                    m.iri, m.cls = known, gaz.entities[known].cls
                m.aliases.append(former)
            else:
                break
            span = span_of(doc, m.char_start, pm.end())
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
    span = span_of(doc, m.char_start, char_end)
    return (span.end, char_end) if span is not None else (m.end, m.char_end)


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
        end_tok = span_of(doc, j, j + 1)
        if end_tok is None:
            continue
        k = end_tok.start - 1
        toks = []
        while k >= 0 and doc[k].pos_ in ("PROPN", "NOUN") and doc[k].text not in rules.descriptors:
            if overlaps(doc[k].idx, doc[k].idx + len(doc[k]), out):
                break
            toks.append(doc[k])
            k -= 1
        if not toks:
            continue
        toks.reverse()
        a, b = toks[0].idx, toks[-1].idx + len(toks[-1].text)
        name = text[a:b]
        if not plausible_alias(name, rules) or len(name) < 2:
            continue
        if all(script_of(c) == "kana" for c in name if c != "・"):
            pass
        out.append(Mention(toks[0].i, toks[-1].i + 1, a, b, m.iri, m.cls, name, "pattern"))
    return out


_PART_SEP = re.compile(r"[、,，]")


def _list_in_brackets(
    doc: Doc, m: Mention, pm: re.Match, mentions: list[Mention], rules: EntityRules, skip: set
) -> bool:
    """美団(メイトゥアン、北京市), キオクシアHD(HD、東京): a bracket holding several parts gives
    the name its aliases (the parts that read as names) and keeps the places in it as
    mentions of their own (where the organisation is). Descriptions (NAURA(エッチング、成膜装置))
    add nothing. True when the bracket was read this way."""
    inner = pm.group(1)
    if not _PART_SEP.search(inner) or m.cls in ("Country", "Place"):
        return False
    places = False
    offset = pm.start(1)
    for part in _PART_SEP.split(inner):
        a = offset + len(part) - len(part.lstrip())
        b = offset + len(part.rstrip())
        offset += len(part) + 1
        if a >= b:
            continue
        inside = [x for x in mentions if a <= x.char_start and x.char_end <= b and x is not m]
        if any(x.cls in ("Country", "Place") for x in inside):
            places = True
            continue
        name = doc.text[a:b]
        if name.endswith(("市", "省", "州", "県", "区", "都")):
            places = True  # a place the gazetteer does not know: still where it is
            continue
        if plausible_alias(name, rules):
            m.aliases.append(name)
            skip.update(id(x) for x in inside)
    if not places:
        m.end, m.char_end = _extend(doc, m, pm.end())
    return True
