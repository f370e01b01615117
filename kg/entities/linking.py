"""All mentions of a sentence, and every mention of an article linked to one node per entity."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.entities.brackets import merge_parentheses, unknown_before_paren
from kg.entities.context import context_mentions
from kg.entities.gazetteer import (
    Entity,
    Gazetteer,
    load_gazetteer,
    mint_iri,
    normalize_name,
    script_of,
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
)
from kg.entities.rules import EntityRules, load_rules

if TYPE_CHECKING:
    from spacy.tokens import Doc


@dataclass
class ArticleEntities:
    """Mentions of each sentence of one article plus what the graph needs of each entity."""

    mentions: list[list[Mention]]
    entities: dict[str, Entity]
    surface: dict[str, set[str]]  # iri -> forms seen in this article


def find_mentions(doc: Doc, gaz: Gazetteer, rules: EntityRules) -> list[Mention]:
    """All mentions of one sentence, in text order, without overlaps."""
    found = gazetteer_mentions(doc, gaz)
    found += ner_mentions(doc, found, rules)
    found += pattern_mentions(doc, found, rules)
    found += prefix_mentions(doc, found, gaz)
    found = glue_state_organs(found)
    found = extend_with_place(doc, found, rules)
    found += context_mentions(doc, found, rules)
    found = [m for m in found if not any(inside(m, o) for o in found)]
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
    for ms in per_sentence:
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
    return ArticleEntities(per_sentence, entities, surface)


_PLACE_SUFFIX = re.compile(r"(市|省|州|県|都|府|区)$")


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
