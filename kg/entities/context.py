"""Names the gazetteer and NER missed, recognised from their surroundings."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kg.entities.gazetteer import mint_iri, script_of
from kg.entities.mentions import Mention, new_mention, overlaps
from kg.entities.names import common_phrase, is_name_token, name_ok
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


def _glued_kana(doc: Doc, i: int) -> bool:
    """Is the katakana token i glued to katakana before or after it (one longer name)?"""
    t = doc[i]
    if not t.text or script_of(t.text[0]) != "kana":
        return False
    for j in (i - 1, i + 1):
        if 0 <= j < len(doc):
            o = doc[j]
            near = o.idx + len(o.text) == t.idx if j < i else t.idx + len(t.text) == o.idx
            if near and o.text and script_of(o.text[-1 if j < i else 0]) == "kana":
                return True
    return False


def context_mentions(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """Names the gazetteer and NER missed, found from their surroundings:

    - after a country prefix, a country and の, or a company descriptor: 米アンシス,
      韓国のソウルブレイン, 化学大手ソルベイ, 国有投資会社、瀋陽先進製造技術産業;
    - a proper-noun token of the dictionary (ソニーセミコンダクタソリューションズ);
    - a kanji name with its reading in brackets: 摩爾線程(ムーア・スレッズ);
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
    # 韓国のソウルブレインが: a name right after a country and の
    genitive = {
        m.end + 1
        for m in taken
        if m.cls == "Country" and not m.prefix and m.end < n and doc[m.end].text == "の"
    }
    for i, t in enumerate(doc):
        start = None
        if i in genitive and not any(m.start == i for m in taken):
            start = i
        elif i in prefixes:
            start = i
            # skip a descriptor chain after the prefix: 米半導体大手マイクロン
            k = i
            while k < n and doc[k].pos_ in ("NOUN",) and not is_name_token(doc[k], rules):
                k += 1
            if k > i and k < n and doc[k - 1].text in rules.descriptors:
                start = k
        elif t.text in rules.identity_prefixes and i + 1 < n:
            start = i + 1  # 株式会社ミライ半導体: what follows a legal form is a name
        elif rules.descriptors.get(t.text) in ("Company", "Association") and i + 1 < n:
            start = i + 1
            if doc[start].text in ("の", "、", ",") and start + 1 < n:
                start += 1
        if start is not None and start < n:
            # 投資会社、中科算源が: a name set off by a comma after its descriptor may be any
            # noun run, even one holding or ending in common nouns (瀋陽先進製造技術産業)
            appositive = (
                i not in prefixes
                and start > i + 1
                and doc[start - 1].text in "、,"
                or t.text in rules.identity_prefixes
            )
            a, b = name_run(doc, start, rules, others(appositive), descriptors=appositive)
            if appositive and any(place(m) and m.start == a and m.end >= b for m in taken):
                b = a  # the place alone
            name = doc.text[doc[a].idx : doc[b - 1].idx + len(doc[b - 1].text)] if a < b else ""
            toks = doc[a:b] if appositive else ()
            legal = t.text in rules.identity_prefixes  # 株式会社ミライ半導体
            if free(a, b, appositive) and (
                name_ok(name, rules, toks, appositive) or legal and len(name) >= 2
            ):
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
                inner = re.split(r"[、,，]", inner)[0].strip()  # 美団(メイトゥアン、北京市)
                name = doc.text[doc[a].idx : doc[b - 1].idx + len(doc[b - 1].text)]
                reading = inner and all(script_of(c) in ("kana", "other") for c in inner)
                abbrev = (
                    inner and all(script_of(c) == "kanji" for c in inner) and len(inner) < len(name)
                )
                named = name_ok(name, rules, doc[a:b]) or (
                    reading and len(name) >= 2 and not common_phrase(name)
                )  # 美団(メイトゥアン): a kana reading in brackets marks a name
                if len(name) >= 2 and (reading or abbrev) and named:
                    cls = "Place" if name.endswith(("市", "省", "州", "県")) else "Company"
                    out.append(new_mention(doc, a, b, cls))
        # dictionary proper nouns nobody claimed
        if "固有名詞" in t.tag_ and free(i, i + 1) and len(t.text) >= 2:
            if "人名" in t.tag_:
                continue
            if "地名" in t.tag_:
                if _glued_kana(doc, i):
                    continue  # ジャパン in ジャパンアドバンスド…: part of a longer name
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


NP_END = ("ADP", "PUNCT", "AUX", "SCONJ", "CCONJ", "SPACE")
SEPARATORS = ("、", ",", "，", "や", "と", "及び", "および", "並びに", "ならびに", "・")


def _ends_phrase(doc: Doc, j: int) -> bool:
    """Does a noun phrase end before token j (end of sentence, particle, punctuation)?"""
    return j >= len(doc) or doc[j].pos_ in NP_END or doc[j].text in ("「", "『", "(", "（")


def _text(doc: Doc, i: int, j: int) -> str:
    return doc[i:j].text


def suffix_names(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """Runs of name tokens that end in a name suffix: 算能科技, 産業技術総合研究所.

    A place glued to the front is part of the name (北京芯光科技, 上海科学技術大学); with a
    place at the front, an ordinary company suffix (…電子, …半導体) makes a name too when
    what stands between is not ordinary vocabulary (深セン市江波龍電子, not 中国半導体). The
    place mention inside is dropped later (a mention strictly inside a longer one).
    """
    places = [m for m in taken if m.cls in ("Country", "Place") and not m.prefix]
    others = [m for m in taken if m not in places]
    out: list[Mention] = []
    for k in range(len(doc)):
        if not _ends_phrase(doc, k + 1) or not is_name_token(doc[k], rules, descriptors=True):
            continue
        j = k  # descriptors may stand inside a name (中国半導体産業協会), not at its end
        while (
            j > 0
            and is_name_token(doc[j - 1], rules, descriptors=True)
            and doc[j - 1].text not in ("製", "産")
        ):
            j -= 1
        while j < k and doc[j].text in ("・", "-", "&"):
            j += 1
        a_char, b_char = doc[j].idx, doc[k].idx + len(doc[k].text)
        blocking = [  # a name NER cut short (能科技 of 算能科技) gives way to the whole run
            m for m in others if not (m.source != "gazetteer" and a_char <= m.char_start
                                      and m.char_end <= b_char)
        ]  # fmt: skip
        if overlaps(a_char, b_char, [*blocking, *out]):
            continue
        if any(t.like_num or any(c.isdigit() for c in t.text) for t in doc[j : k + 1]):
            continue  # 中国企業25社: a count of firms, not a name
        text = _text(doc, j, k + 1)
        front = next((m for m in places if m.start == j and m.end <= k), None)
        rest = text[front.char_end - front.char_start :] if front else text
        found = rules.name_suffix(rest)
        if found is None and front is not None:
            suffix = next((x for x in rules.company_suffixes if rest.endswith(x)), None)
            middle = rest[: -len(suffix)] if suffix else ""
            if middle and not common_phrase(middle) and not middle.isdigit():
                found = (suffix, "Company")
        if found is None:
            continue
        stem = rest[: -len(found[0])]
        if front is None and (len(stem) < 2 or len(stem) < 4 and common_phrase(stem)):
            continue  # 国立研究所, 中央研究所: ordinary words before the suffix
        if any(m.start == j and m.end == k + 1 for m in taken):
            continue
        out.append(new_mention(doc, j, k + 1, found[1]))
    return out


def extended_names(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """A known company with an extension suffix glued on names another company, its group or
    a unit of it (ミライ半導体グループ, ミライ半導体製造)."""
    out: list[Mention] = []
    for m in taken:
        if m.cls != "Company" or m.prefix or m.source != "gazetteer":
            continue
        rest = doc.text[m.char_end :]
        suffix = next((x for x in rules.extension_suffixes if rest.startswith(x)), None)
        if suffix is None:
            continue
        k = m.end
        while k < len(doc) and doc[k].idx + len(doc[k].text) <= m.char_end + len(suffix):
            k += 1
        if doc[k - 1].idx + len(doc[k - 1].text) != m.char_end + len(suffix):
            continue  # the suffix is the start of a longer word
        if _ends_phrase(doc, k):
            out.append(new_mention(doc, m.start, k, "Company"))
    return out


_QUOTES = {"「": "」", "『": "』"}


def quoted_names(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """Products named in quotes: GPU(画像処理半導体)「Blackwell B30」, AIモデル「紫霄」.

    The quote is a product when a product noun stands before it (a bracketed aside may come
    between), when it holds a known product or technology and more (a model number after a
    family name), or when it reads as a model number itself.
    """
    out: list[Mention] = []
    n = len(doc)
    for i, t in enumerate(doc):
        close_mark = _QUOTES.get(t.text)
        if close_mark is None:
            continue
        close = next((k for k in range(i + 1, min(n, i + 20)) if doc[k].text == close_mark), None)
        if close is None or close == i + 1:
            continue
        a, b = i + 1, close
        while a < b and (doc[a].pos_ == "SPACE" or doc[a].text.isspace()):
            a += 1
        while b > a and (doc[b - 1].pos_ == "SPACE" or doc[b - 1].text.isspace()):
            b -= 1
        if a >= b:
            continue
        text = _text(doc, a, b)
        if len(text) > 40 or any(script_of(c) == "hira" for c in text):
            continue
        j = i - 1
        if j >= 0 and doc[j].text in (")", "）"):
            while j >= 0 and doc[j].text not in ("(", "（"):
                j -= 1
            j -= 1
        kind = rules.descriptors.get(doc[j].text) if j >= 0 else None
        after_noun = kind == "Product"
        inner = [m for m in taken if a <= m.start and m.end <= b]
        holds = any(m.cls in ("Product", "Technology") and m.end - m.start < b - a for m in inner)
        if any(m.start == a and m.end == b for m in taken):
            continue
        alias = None
        if b - a >= 3 and doc[b - 1].text in (")", "）"):  # 「紫霄(Zixiao)」: name and alias
            opening = next((k for k in range(b - 2, a, -1) if doc[k].text in ("(", "（")), None)
            if opening is not None and opening > a:
                alias = _text(doc, opening + 1, b - 1)
                b = opening
                text = _text(doc, a, b)
        named = name_ok(text, rules) or bool(alias) and name_ok(alias, rules)
        firm = kind in ("Company", "Association") and not common_phrase(text) and len(text) >= 2
        if firm and not any(m.start < b and a < m.end for m in taken):
            # 中国企業「算芯」: a quoted name after a company noun is a company
            m = new_mention(doc, a, b, kind)
            if alias:
                m.aliases.append(alias)
            out.append(m)
            continue
        if after_noun and named or holds or rules.is_model_number(text):
            m = new_mention(doc, a, b, "Product")
            if alias:
                m.aliases.append(alias)
            model = _model_part(doc, m, inner)
            if model is not None:
                m.iri = model
            out.append(m)
    return out


def _model_part(doc: Doc, m: Mention, inner: Sequence[Mention]) -> str | None:
    """The node of a family name with a model (昇騰(Ascend)910B, HGX H20, Blackwell B30): the
    model's own node when the model is known (H20), else one minted from the model alone, so
    that 昇騰910B and 昇騰(Ascend)910B, or Blackwell B30 and B30, are one product."""
    family = [x for x in inner if x.cls in ("Product", "Technology")]
    if not family:
        return None
    last = max(family, key=lambda x: x.char_end)
    if last.char_end == m.char_end and last.char_start > m.char_start:
        return last.iri  # HGX H20: the known model at the end
    rest = doc.text[last.char_end : m.char_end].strip(" ()（）・-")
    if rest and any(c.isdigit() for c in rest) and len(rest) >= 2:
        return mint_iri(rest)
    return None


def list_members(doc: Doc, taken: Sequence[Mention], rules: EntityRules) -> list[Mention]:
    """Unknown names listed beside known organisations (インテルやクアルコム、ザイリンクス、
    ブロードコムなど; NAURA(…)、AccoTest(…)、Kingsemi(…)) are organisations of the same kind.

    A member is a run of name tokens between list separators, a bracketed aside after it
    skipped; it must read as a name (Latin, or kana and kanji that are not ordinary
    vocabulary).
    """
    found = [m for m in taken if not m.prefix]
    out: list[Mention] = []
    n = len(doc)

    def aside_end(i: int) -> int:
        if i < n and doc[i].text in ("(", "（"):
            close = next((k for k in range(i, min(n, i + 15)) if doc[k].text in (")", "）")), None)
            return close + 1 if close is not None else i
        return i

    def member(a: int, b: int, cls: str) -> Mention | None:
        while a < b and doc[a].pos_ == "SPACE":
            a += 1
        while b > a and doc[b - 1].pos_ == "SPACE":
            b -= 1
        if a >= b or overlaps(doc[a].idx, doc[b - 1].idx + len(doc[b - 1].text), [*found, *out]):
            return None
        text = _text(doc, a, b)
        if not name_ok(text, rules) or common_phrase(text) or text in rules.descriptors:
            return None
        return new_mention(doc, a, b, cls)

    def latin_or_name(t) -> bool:
        return is_name_token(t, rules) or (t.pos_ == "SPACE" and t.text == " ")

    queue = [m for m in found if m.cls in ("Company", "Association")]
    while queue:
        m = queue.pop()
        # to the right: m(aside) SEP NAME(aside) ...
        i = aside_end(m.end)
        if i < n and doc[i].text in SEPARATORS and doc[i].text != "・":
            a = i + 1
            b = a
            while b < n and latin_or_name(doc[b]):
                b += 1
            nxt = aside_end(b)
            if b > a and (nxt >= n or doc[nxt].text in SEPARATORS or doc[nxt].text in ("など", "等")
                          or doc[nxt].pos_ in NP_END):  # fmt: skip
                new = member(a, b, m.cls)
                if new is not None:
                    out.append(new)
                    queue.append(new)
        # to the left: NAME SEP m
        i = m.start - 1
        if i > 0 and doc[i].text in SEPARATORS and doc[i].text != "・":
            b = i
            a = b
            while a > 0 and latin_or_name(doc[a - 1]):
                a -= 1
            if a < b and (a == 0 or doc[a - 1].pos_ in NP_END or doc[a - 1].text in SEPARATORS):
                new = member(a, b, m.cls)
                if new is not None:
                    out.append(new)
                    queue.append(new)
    return out
