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
            fillers = 0
            while i < len(doc) and fillers <= g.np_filler_max:
                b = next((m for m in allm if m.start == i), None)
                if b is not None:
                    break
                t = doc[i]
                after_descriptor = i > a.end and doc[i - 1].text in descriptor_nouns("Company")
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
            # 日本のAや、Bなど国内企業: a genitive modifier covers the whole list
            group = sent.members(b)
            closed = sent.slot_of(group[-1].end) in sent.g.identity
            products = all(x.cls in ("Product", "Technology") for x in group)
            seconds = group if first.get("genitive") and (closed or products) else [b]
            for bb in seconds:
                if bb.cls in second["classes"]:
                    out.append((pat, a, bb, cue))
    return out


@cache
def descriptor_nouns(*classes: str) -> frozenset[str]:
    """Descriptor nouns of the entity rules that name a kind of `classes` (会社, 企業, 研究所)."""
    from kg.entities import load_rules

    return frozenset(n for n, c in load_rules().descriptors.items() if c in classes)
