"""All mentions of a sentence, and every mention of an article linked to one node per entity."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.entities.brackets import merge_parentheses, unknown_before_paren
from kg.entities.context import (
    context_mentions,
    extended_names,
    list_members,
    quoted_names,
    suffix_names,
)
from kg.entities.gazetteer import (
    MINTED,
    Entity,
    Gazetteer,
    gazetteer_matches,
    load_gazetteer,
    mint_iri,
    normalize_name,
    script_of,
    token_bounds,
)
from kg.entities.mentions import (
    Mention,
    extend_with_place,
    gazetteer_mentions,
    glue_state_organs,
    inside,
    ner_mentions,
    pattern_mentions,
    prefix_mentions,
    span_of,
)
from kg.entities.names import is_name_token
from kg.entities.rules import EntityRules, load_rules

if TYPE_CHECKING:
    from spacy.tokens import Doc


@dataclass
class ArticleEntities:
    """Mentions of each sentence of one article plus what the graph needs of each entity."""

    mentions: list[list[Mention]]
    entities: dict[str, Entity]
    surface: dict[str, set[str]]  # iri -> forms seen in this article
    examples: dict[str, str] = field(default_factory=dict)  # iri -> first sentence naming it


_DATELINE = re.compile(r"\s*[\[【][^\]】]{0,30}\d{1,2}日[^\]】]{0,20}[\]】]")


def find_mentions(doc: Doc, gaz: Gazetteer, rules: EntityRules) -> list[Mention]:
    """All mentions of one sentence, in text order, without overlaps."""
    found = gazetteer_mentions(doc, gaz)
    found += ner_mentions(doc, found, rules)
    found += pattern_mentions(doc, found, rules)
    found += prefix_mentions(doc, found, gaz)
    found = glue_state_organs(found)
    found = extend_with_place(doc, found, rules)
    found += extended_names(doc, found, rules)
    found += suffix_names(doc, found, rules)
    found += quoted_names(doc, found, rules)
    found = [m for m in found if not any(inside(m, o) for o in found)]
    found += context_mentions(doc, found, rules)
    found = [m for m in found if not any(inside(m, o) for o in found)]
    found = state_organs(doc, found, rules)
    found = merge_parentheses(doc, found, gaz, rules)
    found = unknown_before_paren(doc, found, gaz, rules)
    found += list_members(doc, found, rules)
    dateline = _DATELINE.match(doc.text)
    if dateline:  # [北京 11日 ロイター]: where and when the story was filed, not its content
        found = [m for m in found if m.char_start >= dateline.end()]
    found.sort(key=lambda m: m.char_start)
    return found


def state_organs(doc: Doc, mentions: list[Mention], rules: EntityRules) -> list[Mention]:
    """中国サイバースペース管理局, 中国のサイバー当局: a ministry or agency named with its
    country is that country (a state's organs are the state). Glued to the country name it
    becomes part of that mention; after の it is a mention of the country of its own."""
    out: list[Mention] = []
    n = len(doc)
    for m in sorted(mentions, key=lambda x: x.char_start):
        if any(x.char_start <= m.char_start < x.char_end for x in out):
            continue  # now part of an organ
        out.append(m)
        if m.cls != "Country" or m.end >= n:
            continue
        start = m.end + 1 if doc[m.end].text == "の" else m.end
        k = start
        while k < n and is_name_token(doc[k], rules, descriptors=True):
            k += 1
        if k == start or not doc[k - 1].text.endswith(rules.state_organ_suffixes):
            continue
        a, b = doc[start].idx, doc[k - 1].idx + len(doc[k - 1].text)
        inner = [x for x in mentions if a <= x.char_start and x.char_end <= b]
        if any(x.source == "gazetteer" and x.cls != "Country" for x in inner):
            continue  # a known body of its own (NEDO)
        if any(x.char_start < b and a < x.char_end and not (a <= x.char_start) for x in mentions):
            continue
        if start == m.end:
            m.end, m.char_end = k, b
            m.text = doc.text[m.char_start : b]
        else:
            out.append(Mention(start, k, a, b, m.iri, "Country", doc.text[a:b], "pattern"))
    return out


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
    _repeat_names(docs, per_sentence, rules)
    # what each form names in this article: gazetteer names and bracketed aliases first,
    # then unknown names as written (a gazetteer name NER found is the gazetteer entity)
    learned: dict[str, tuple[str, str]] = {}
    for ms in per_sentence:
        for m in ms:
            if not m.prefix:
                known = (m.text, *m.aliases) if m.source == "gazetteer" else m.aliases
                for form in known:
                    learned.setdefault(normalize_name(form), (m.iri, m.cls))
    country: tuple[str, str] | None = None  # the last country named so far
    for ms in per_sentence:
        for m in ms:
            if m.cls == "Country":
                country = (m.iri, m.cls)
            if m.source != "gazetteer" and not m.prefix:
                key = normalize_name(m.text)
                iri = gaz.by_name.get(key) or _spelling_variant(m.text, gaz)
                if iri is not None and _same_kind(gaz.entities[iri].cls, m.cls):
                    learned.setdefault(key, (iri, gaz.entities[iri].cls))
                if (
                    country
                    and m.cls == "GovernmentBody"
                    and m.text.endswith(rules.state_organ_suffixes)
                ):
                    learned.setdefault(key, country)  # an organ the article gives a country
                if m.iri.startswith(MINTED) and m.iri == mint_iri(m.text):
                    m.iri = mint_iri(_bare_form(m.text, rules))  # ロイター通信 and ロイター
                learned.setdefault(key, (m.iri, m.cls))
    entities: dict[str, Entity] = {}
    surface: dict[str, set[str]] = {}
    for ms in per_sentence:
        for m in ms:
            if m.source != "gazetteer" and not m.prefix:
                iri, cls = learned.get(normalize_name(m.text), (m.iri, m.cls))
                m.iri, m.cls = iri, cls
                if m.cls == "Place":  # 瀋陽市 and 瀋陽 are one place
                    m.iri, m.cls = _place(m.text, gaz)
            ent = gaz.entities.get(m.iri)
            if ent is None:
                ent = entities.get(m.iri) or Entity(iri=m.iri, cls=m.cls, **_minted_labels(m.text))
            entities[m.iri] = ent
            forms = surface.setdefault(m.iri, set())
            if not m.prefix:
                forms.add(m.text)
            forms.update(m.aliases)
    _link_short_forms(per_sentence, entities, surface, gaz, rules)
    examples: dict[str, str] = {}
    for doc, ms in zip(docs, per_sentence, strict=True):
        for m in ms:
            examples.setdefault(m.iri, doc.text)
    return ArticleEntities(per_sentence, entities, surface, examples)


_PLACE_SUFFIX = re.compile(r"(市|省|州|県|都|府|区)$")


def _repeat_names(docs: Sequence[Doc], per_sentence: list[list[Mention]], rules: EntityRules):
    """A name recognised once in an article is a name wherever the article writes it again
    (株式会社ミライ半導体 …, then ミライ半導体の社長は): every form of the unknown names found,
    and the form without its legal prefix or suffix, is matched like a gazetteer name."""
    local: dict[str, tuple[str, str]] = {}
    for ms in per_sentence:
        for m in ms:
            if m.source == "gazetteer" or m.prefix or m.cls in ("Country", "Place"):
                continue
            # forms a plain-text reader can spot too (kg.prefilter): aliases, names holding
            # Latin or kana, names with a company suffix; a bare kanji name NER found is not
            # repeated (it could be any word)
            visible = [*m.aliases]
            if any(script_of(c) != "kanji" for c in m.text) or m.text.endswith(
                (*rules.company_suffixes, *rules.name_suffixes)
            ):
                visible.append(m.text)
            for form in visible:
                for f in {form, _bare_form(form, rules)}:
                    if len(f) >= 2 and not f.isdigit():
                        local.setdefault(
                            unicodedata.normalize("NFKC", f).casefold(), (m.iri, m.cls)
                        )
    if not local:
        return
    names = {iri: Entity(iri=iri, cls=cls) for iri, cls in local.values()}
    lengths: dict[str, set[int]] = {}
    for form in local:
        lengths.setdefault(form[0], set()).add(len(form))
    article = Gazetteer(
        entities=names,
        by_name={},
        exact={form: iri for form, (iri, _) in local.items()},
        short_forms={},
        lengths={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
        short_latin=frozenset(f for f in local if len(f) <= 3),
    )
    for doc, ms in zip(docs, per_sentence, strict=True):
        for a, b, iri in gazetteer_matches(doc.text, article, token_bounds(doc), doc):
            if any(a < m.char_end and m.char_start < b for m in ms):
                continue
            span = span_of(doc, a, b)
            if span is not None:
                cls = names[iri].cls
                ms.append(Mention(span.start, span.end, a, b, iri, cls, doc.text[a:b], "pattern"))
        ms.sort(key=lambda m: m.char_start)


def _place(text: str, gaz: Gazetteer) -> tuple[str, str]:
    """The place a place name names: 瀋陽市 and 瀋陽 are one place; 北京市 is the city even
    where the gazetteer reads a bare 北京 as the Chinese state."""
    iri = gaz.lookup(text)
    if iri is None and len(text) > 2:
        bare = gaz.lookup(_PLACE_SUFFIX.sub("", text))
        if bare is not None and gaz.entities[bare].cls == "Place":
            iri = bare
    if iri is None:
        bare_text = _PLACE_SUFFIX.sub("", text) if len(text) > 2 else text
        return mint_iri(bare_text), "Place"
    return iri, gaz.entities[iri].cls


def _same_kind(a: str, b: str) -> bool:
    """Can two classes name the same thing? (organisations among themselves, places too)"""
    groups = ({"Company", "Association"}, {"Country", "Place", "GovernmentBody"})
    return a == b or any(a in g and b in g for g in groups)


def _bare_form(form: str, rules: EntityRules) -> str:
    """A name without the legal forms that do not change who is named (株式会社, 通信)."""
    for prefix in rules.identity_prefixes:
        if form.startswith(prefix) and len(form) > len(prefix) + 1:
            form = form[len(prefix) :]
    for suffix in rules.identity_suffixes:
        if form.endswith(suffix) and len(form) > len(suffix) + 1:
            form = form[: -len(suffix)]
    return form


def _bare(form: str, rules: EntityRules) -> str:
    return normalize_name(_bare_form(form, rules))


def _spelling_variant(name: str, gaz: Gazetteer) -> str | None:
    """The gazetteer entity a misspelt Latin name means (NVDIA, NDIVIA -> Nvidia): one letter
    dropped, added, changed or two swapped, in a name of five letters or more, when exactly
    one entity is that close."""
    if len(name) < 5 or not name.isascii() or not any(c.isalpha() for c in name):
        return None
    if any(c.isdigit() for c in name):
        return None  # H100 and H200, RTX 4090D and RTX 5090D: a digit names another model
    key = normalize_name(name)
    hits = {iri for alias, iri in _latin_names(gaz).get(len(key), ()) if _one_edit(key, alias)} | {
        iri
        for n in (len(key) - 1, len(key) + 1)
        for alias, iri in _latin_names(gaz).get(n, ())
        if _one_edit(key, alias)
    }
    return hits.pop() if len(hits) == 1 else None


_LATIN_NAMES: dict[int, dict[int, list[tuple[str, str]]]] = {}


def _latin_names(gaz: Gazetteer) -> dict[int, list[tuple[str, str]]]:
    """Latin gazetteer names of five letters or more, by length (built once per gazetteer)."""
    found = _LATIN_NAMES.get(id(gaz))
    if found is None:
        found = {}
        for alias, iri in gaz.by_name.items():
            if len(alias) >= 5 and alias.isascii() and any(c.isalpha() for c in alias):
                found.setdefault(len(alias), []).append((alias, iri))
        _LATIN_NAMES[id(gaz)] = found
    return found


def _one_edit(a: str, b: str) -> bool:
    """Are a and b one deletion, insertion, substitution or adjacent swap apart, after the
    same first two letters (Cisco and Disco are two firms)?"""
    if a == b or abs(len(a) - len(b)) > 1 or a[:2] != b[:2]:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short[i:] == long[i + 1 :]


def _short_form_of(short: str, full: str) -> bool:
    """Is `short` the front or the end of `full`, cut where the script changes
    (SK|ハイニックス) or at a ・ (ダイアログ・セミコンダクター)?"""
    if len(short) < 2 or len(short) >= len(full):
        return False
    if full.startswith(short):
        cut = len(short)
    elif full.endswith(short):
        cut = len(full) - len(short)
    else:
        return False
    left, right = full[cut - 1], full[cut]
    return "・" in (left, right) or script_of(left) != script_of(right)


def _link_short_forms(per_sentence, entities, surface, gaz: Gazetteer, rules: EntityRules):
    """Later short mentions name the entity of an earlier full name in the article
    (ハイニックス, SK -> SKハイニックス; ミライ半導体 -> 株式会社ミライ半導体; ロイター ->
    ロイター通信), when exactly one entity of the article fits."""
    forms: dict[str, set[str]] = {}
    for iri, seen in surface.items():
        ent = entities[iri]
        forms[iri] = {*seen, *(x for x in (ent.label_ja, ent.label_en, *ent.aliases) if x)}
    moved: dict[str, str] = {}
    for iri, ent in entities.items():
        if iri in gaz.entities or ent.cls in ("Country", "Place"):
            continue
        mine = {f.replace(" ", "") for f in forms[iri]}
        fits = set()
        for other, theirs in forms.items():
            if other == iri or not _same_kind(entities[other].cls, ent.cls):
                continue
            for short in mine:
                for full in theirs:
                    full = full.replace(" ", "")
                    if len(full) > len(short) and (
                        _short_form_of(short, full) or _bare(short, rules) == _bare(full, rules)
                    ):
                        fits.add(other)
        if len(fits) == 1:
            moved[iri] = fits.pop()
    for old, new in moved.items():
        seen = {old}
        while new in moved and new not in seen:  # a chain: a -> ab -> abc
            seen.add(new)
            new = moved[new]
        for ms in per_sentence:
            for m in ms:
                if m.iri == old:
                    m.iri, m.cls = new, entities[new].cls
        surface.setdefault(new, set()).update(surface.pop(old, set()))
        entities.pop(old, None)


def _minted_labels(text: str) -> dict[str, str]:
    latin = all(script_of(c) in ("latin", "other") for c in text)
    return {"label_en": text} if latin else {"label_ja": text}


def resolve_name(name: str, gaz: Gazetteer | None = None) -> str:
    """IRI for a name typed by a user or found in a gold file: gazetteer, else minted."""
    gaz = gaz or load_gazetteer()
    return gaz.lookup(name) or mint_iri(name)


def describe(mentions: Iterable[Mention]) -> list[tuple[str, str, str]]:
    """(text, class, iri) of mentions, for debugging and `kg why`."""
    return [(m.text, m.cls, m.iri) for m in mentions]
