"""Names the gazetteer and NER missed, recognised from their surroundings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kg.entities.gazetteer import script_of
from kg.entities.mentions import Mention, new_mention, overlaps
from kg.entities.names import is_name_token, name_ok
from kg.entities.rules import EntityRules

if TYPE_CHECKING:
    from spacy.tokens import Doc


def name_run(
    doc: Doc, i: int, rules: EntityRules, taken: Sequence[Mention], descriptors: bool = False
) -> tuple[int, int]:
    """The name-like token run starting at token i: [i, j) (see `_is_name_token`)."""
    j = i
    while j < len(doc) and is_name_token(doc[j], rules, descriptors):
        if overlaps(doc[j].idx, doc[j].idx + len(doc[j].text), taken):
            break
        j += 1
    while j > i and doc[j - 1].text in ("・", "-", "&"):
        j -= 1
    return i, j


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
        return i < j and not overlaps(
            doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text), others(places)
        )

    prefixes = {m.end for m in taken if m.prefix}
    for i, t in enumerate(doc):
        start = None
        if i in prefixes:
            start = i
            # skip a descriptor chain after the prefix: 米半導体大手マイクロン
            k = i
            while k < n and doc[k].pos_ in ("NOUN",) and not is_name_token(doc[k], rules):
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
            a, b = name_run(doc, start, rules, others(appositive), descriptors=appositive)
            if appositive and any(place(m) and m.start == a and m.end >= b for m in taken):
                b = a  # the place alone
            name = doc.text[doc[a].idx : doc[b - 1].idx + len(doc[b - 1].text)] if a < b else ""
            toks = doc[a:b] if appositive else ()
            if free(a, b, appositive) and name_ok(name, rules, toks, appositive):
                nxt = doc[b] if b < n else None
                if (
                    nxt is None
                    or nxt.pos_ in ("ADP", "PUNCT", "AUX", "SCONJ")
                    or nxt.text in rules.strip_suffixes
                ):
                    all_places = all("地名" in x.tag_ for x in doc[a:b])
                    kind = rules.descriptors.get(t.text) if i not in prefixes else None
                    out.append(new_mention(doc, a, b, "Place" if all_places else kind or "Company"))
                    continue
        # quoted product names after a product noun
        if t.text in ("「", "『") and i > 0 and rules.descriptors.get(doc[i - 1].text) == "Product":
            close = next(
                (k for k in range(i + 1, min(n, i + 12)) if doc[k].text in ("」", "』")), None
            )
            if (
                close
                and free(i + 1, close)
                and name_ok(
                    doc.text[doc[i + 1].idx : doc[close - 1].idx + len(doc[close - 1].text)], rules
                )
            ):
                out.append(new_mention(doc, i + 1, close, "Product"))
    for i, t in enumerate(doc):
        # kanji name with a bracketed reading: 摩爾線程(ムーア・スレッズ)
        if t.text in ("(", "（") and i > 0:
            j = i - 1
            while (
                j >= 0
                and (
                    is_name_token(doc[j], rules)
                    or (j == i - 1 and doc[j].text in rules.company_suffixes)  # 芯光半導体(…)
                )
                and all(script_of(c) in ("kanji", "other") for c in doc[j].text)
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
                reading = inner and all(script_of(c) in ("kana", "other") for c in inner)
                abbrev = (
                    inner and all(script_of(c) == "kanji" for c in inner) and len(inner) < len(name)
                )
                if len(name) >= 3 and (reading or abbrev) and name_ok(name, rules, doc[a:b]):
                    cls = "Place" if name.endswith(("市", "省", "州", "県")) else "Company"
                    out.append(new_mention(doc, a, b, cls))
        # dictionary proper nouns nobody claimed
        if "固有名詞" in t.tag_ and free(i, i + 1) and len(t.text) >= 2:
            if "人名" in t.tag_:
                continue
            if "地名" in t.tag_:
                j = i + 1
                if j < n and doc[j].text in ("市", "州", "省", "県", "区", "町"):
                    j += 1
                if free(i, j):
                    out.append(new_mention(doc, i, j, "Place"))
                continue
            if (
                t.pos_ in ("PROPN", "NOUN", "VERB")
                and name_ok(t.text, rules, [t])
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
                    and (overlaps(after.idx, after.idx + 1, taken) or "固有名詞" in after.tag_)
                ):
                    continue  # フィンテックのアントグループ: a field word, not a name
                out.append(new_mention(doc, i, i + 1, "Company"))
    return out
