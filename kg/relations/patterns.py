"""Noun-phrase patterns that state a fact without a cue word: 米Lam Research, 台湾のTSMC,
メタの「ラマ」, A、Bといった米国の企業 (ontology/relation-cues.yaml, np_patterns)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

    from kg.entities import Mention
    from kg.relations.sentence import Sentence


def np_pattern_facts(sent: Sentence) -> list[tuple[dict, Mention, Mention, Token]]:
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
                b = _seat(sent, a, allm, second["classes"])
                if b is not None:
                    out.append((pat, a, b, doc[a.end]))
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
                if fillers == 0 or doc[j - 1].text not in descriptor_nouns("Company"):
                    continue
                for m in sent.members(a):
                    out.append((pat, m, b, doc[a.end]))
                continue
            i = a.end
            if first.get("genitive"):
                if i >= len(doc) or doc[i].text != "の":
                    continue
                i += 1
            via = pat.get("via")
            if via:  # NVIDIA製「RTX 6000」: the word that makes the pattern
                if i >= len(doc) or doc[i].text != via:
                    continue
                i += 1
            kinds = descriptor_nouns(*second["classes"])
            fillers = 0
            while i < len(doc) and fillers <= g.np_filler_max:
                b = next((m for m in allm if m.start == i), None)
                if b is not None:
                    break
                t = doc[i]
                if first.get("genitive") and i == a.end + 1 and t.lemma_ in g.by_lemma:
                    if t.text in descriptor_nouns("Company"):
                        break  # Xの親会社であるY: a relational noun says how Y stands to X
                after_descriptor = i > a.end and doc[i - 1].text in kinds
                if after_descriptor and doc[i : i + 2].text in ("である", "であった"):
                    i += 2  # NVIDIAのフラッグシップGPUであるH100: apposition
                    fillers += 1
                    continue
                if (
                    t.pos_ in ("NOUN", "PROPN", "NUM", "SYM")
                    or t.text in ("「", "『", "(", ")", "（", "）", "・", " ")
                    or (t.text in ("、", ",") and after_descriptor)  # 韓国の電池大手、未来電池
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
            described = i - 2 >= a.end and doc[i - 2].text in kinds
            if prev_text == "の" and "の" not in link and not first.get("genitive"):
                if not described:  # 中国通信機器大手の華為技術: の after a descriptor
                    continue
            if not sent._np_end(b) and not (b.end < len(doc) and doc[b.end].text in ("」", "』")):
                continue
            if any(
                doc[k].pos_ in ("VERB", "AUX", "ADP")
                and doc[k].text != "の"
                and doc[k : k + 2].text not in ("である", "であった")
                and doc[k - 1 : k + 1].text not in ("である", "であった")
                for k in range(a.end, b.start)
            ):
                continue
            cue = doc[a.end] if a.end < len(doc) else doc[a.start]
            # 日本のAや、Bなど国内企業: a genitive modifier covers the whole list
            group = sent.members(b)
            closed = sent.slot_of(group[-1].end) in sent.g.identity
            products = all(x.cls in ("Product", "Technology") for x in group)
            # 中国のA、B、Cは: a country right before a list that fills a core slot
            opened = (
                b is group[0]
                and a.cls in ("Country", "Place")
                and (b.start == a.end + 1 or doc[b.start - 2 : b.start].text == "である")
                and sent.slot_of(group[-1].end) in ("topic", "subj", "obj", "dat", "with")
            )  # 中国のA、B、Cは; 中国のテック大手であるA、B、Cは
            seconds = [b]
            if first.get("genitive") and (closed or products or opened):
                seconds = [x for x in group if x is b or not _own_origin(sent, x, allm)]
            for bb in seconds:
                if bb.cls in second["classes"]:
                    out.append((pat, a, bb, cue))
    return out


def _own_origin(sent: Sentence, m: Mention, allm: list[Mention]) -> bool:
    """Does a list member carry its own country (中国のAや米B: B is American)?"""
    doc = sent.doc
    for x in allm:
        if x.cls == "Country" and x.end <= m.start:
            gap = doc[x.end : m.start].text.strip()
            if gap in ("", "の"):
                return True
    return False


def _seat(sent: Sentence, a: Mention, allm: list[Mention], classes) -> Mention | None:
    """The place in brackets right after an organisation: its seat. 華為技術日本(東京・千代田),
    美団(メイトゥアン、北京市), 華為技術(ファーウェイ、広東省深セン市): the last part of the
    bracket that holds a place; there, a city before a province or a ward, a known place
    before an unknown one."""
    doc = sent.doc
    i = a.end
    while i < len(doc) and doc[i].text in ("」", "』", " "):
        i += 1
    if i >= len(doc) or doc[i].text not in ("(", "（"):
        return None
    close = next(
        (k for k in range(i + 1, min(len(doc), i + 20)) if doc[k].text in (")", "）")), None
    )
    if close is None:
        return None
    parts: list[list[Mention]] = [[]]
    for k in range(i + 1, close):
        if doc[k].text in ("、", ",", "，"):
            parts.append([])
        m = next((x for x in allm if x.start == k), None)
        if m is not None and m.cls in classes and m.end <= close:
            parts[-1].append(m)
    places = next((p for p in reversed(parts) if p), [])
    if not places:
        return None

    def rank(m: Mention) -> tuple[int, int, int]:
        coarse = m.text.endswith(("省", "州", "県", "区", "都", "府"))
        return (not coarse, "/entity/x/" not in m.iri, m.start)

    return max(places, key=rank)


@cache
def descriptor_nouns(*classes: str) -> frozenset[str]:
    """Descriptor nouns of the entity rules that name a kind of `classes` (会社, 企業, 研究所)."""
    from kg.entities import load_rules

    return frozenset(n for n, c in load_rules().descriptors.items() if c in classes)
