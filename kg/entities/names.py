"""Tests on a span of text or tokens: is it a name, a common-noun phrase, a company?"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from kg.entities.gazetteer import normalize_name, script_of
from kg.entities.rules import EntityRules

if TYPE_CHECKING:
    from spacy.tokens import Doc


def strip_suffix(text: str, rules: EntityRules) -> str:
    for suf in rules.strip_suffixes:
        if text.endswith(suf) and script_of(text[-len(suf) - 1 : -len(suf)]) in ("latin", "kana"):
            return text[: -len(suf)]
    return text


def generic(text: str, rules: EntityRules) -> bool:
    """A common-noun phrase (金融会社, 産業政策) rather than a name."""
    if text.endswith(rules.company_suffixes) and not text.endswith(rules.generic_heads):
        return text in rules.descriptors
    return text.endswith(rules.generic_heads) or text.endswith(tuple(rules.descriptors))


def has_company_cue(doc: Doc, start: int, end: int, text: str, rules: EntityRules) -> bool:
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


_COUNTER = re.compile(r".*?[\d０-９,，.]+[^\d０-９]{1,2}")  # 21社, 中国企業25社


def plausible_alias(s: str, rules: EntityRules) -> bool:
    """Could the text in brackets after a name be another name for it (not a description:
    (洗浄装置), (エッチング))?"""
    if not s or len(s) > 40 or normalize_name(s) in rules.stop_names:
        return False
    if generic(s, rules) or common_phrase(s):
        return False
    if any(script_of(c) == "hira" for c in s):
        return False
    if re.search(r"\d", s) and not re.search(r"[A-Za-z]", s):
        return False
    return True


def is_name_token(t, rules: EntityRules, descriptors: bool = False) -> bool:
    """Could this token be part of a name? (no hiragana, not a particle, and not a
    descriptor unless `descriptors`)"""
    if t.pos_ not in ("NOUN", "PROPN", "SYM", "NUM", "VERB") and not t.tag_.startswith("名詞"):
        return False  # (the tag wins where the parser's part of speech is off: ミラテック ADV)
    if t.text in rules.descriptors and not descriptors:
        return False
    if t.pos_ == "VERB" and "固有名詞" not in t.tag_:
        return False
    if t.pos_ == "SYM" and t.text not in ("・", "&", "-"):
        return False
    return not any(script_of(c) == "hira" for c in t.text)


def name_ok(text: str, rules: EntityRules, toks=(), appositive: bool = False) -> bool:
    """Does a token run found by context look like a name rather than a common noun?

    Latin and katakana runs do (GiNZA tags loanword names as common nouns); a kanji run
    must be a dictionary proper noun or end in a company suffix (…科技, …集団). A run set
    off by a comma after its descriptor (`appositive`: 投資会社、中科算源が) may be any run of
    3 or more characters, unless it is a descriptor phrase without a proper noun
    (大手、半導体メーカー; but 上海科創基金).
    """
    if len(text) < 2 or normalize_name(text) in rules.stop_names:
        return False
    if all(c.isdigit() or not c.isalnum() for c in text) or _COUNTER.fullmatch(text):
        return False  # 21社, 3製品: a number and its counter
    if text.endswith(tuple(rules.person_markers)) or text.endswith(tuple(rules.group_words)):
        return False
    proper = any("固有名詞" in t.tag_ for t in toks)
    if appositive:
        return len(text) >= 3 and (proper or not text.endswith(tuple(rules.descriptors)))
    if generic(text, rules):
        return False
    scripts = {script_of(c) for c in text} - {"other"}
    if scripts <= {"kana", "kanji"} and not proper and common_phrase(text):
        return False  # ニーズ, テックブランド: ordinary words, not names
    if any(c.isascii() and c.isalpha() for c in text) or scripts == {"kana"}:
        return True  # (digits alone do not make a name: 8社, 3製品)
    if proper:
        return True
    return len(text) >= 3 and text.endswith(rules.company_suffixes)


@cache
def _dictionary():
    """Sudachi's dictionary (the one GiNZA parses with), for looking words up."""
    from sudachipy import dictionary, tokenizer

    return dictionary.Dictionary(dict="core").create(tokenizer.Tokenizer.SplitMode.C)


@lru_cache(maxsize=8192)
def common_phrase(text: str) -> bool:
    """Is `text` made only of ordinary vocabulary (ニーズ, 貿易摩擦, 国家安全保障)?

    Looked up in Sudachi's dictionary: a proper noun or an unknown word makes a name. A
    katakana common noun is ordinary only when it belongs to one of Sudachi's synonym groups
    (ニーズ, メディア; not サイキャリア, ザイリンクス, which the dictionary also calls common
    nouns). A kanji common noun is ordinary when it has two characters or more: names in
    kanji (華虹, 算能) are cut into one-character pieces. Names ending in a name suffix
    (…科技, …研究所) are recognised before this test is asked.
    """
    content = 0
    for m in _dictionary().tokenize(text):
        pos = m.part_of_speech()
        surface = m.surface()
        if pos[0] in ("補助記号", "空白", "接尾辞", "接頭辞"):
            continue
        if pos[1] == "固有名詞" or m.is_oov() or pos[0] != "名詞":
            return False
        scripts = {script_of(c) for c in surface}
        if scripts == {"kana"}:
            if not m.synonym_group_ids():
                return False
        elif scripts <= {"kanji", "kana", "hira"}:
            if len(surface) < 2:
                return False
        else:
            return False  # Latin letters and digits are never ordinary Japanese words
        content += 1
    return content > 0
