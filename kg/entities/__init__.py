"""Entities: mentions in parsed sentences, linked to one node per real-world entity.

Mentions come first from the gazetteer (ontology/gazetteer.ttl), then from GiNZA's named
entities for names the gazetteer lacks, with GiNZA's labels mapped to ontology classes by
ontology/entity-rules.yaml. Every spelling of a gazetteer entity links to its IRI; a name
outside the gazetteer gets an IRI minted from its normalized form, so the same unknown name
in two articles is one node. A name and its parenthesised alias (中芯国際集成電路製造(SMIC),
拓荊科技(Piotech)) are read as one mention of one entity.
"""

from kg.entities.gazetteer import (
    MINTED,
    Entity,
    Gazetteer,
    gazetteer_matches,
    load_gazetteer,
    mint_iri,
    normalize_name,
    script_of,
)
from kg.entities.linking import ArticleEntities, describe, find_mentions, link_article, resolve_name
from kg.entities.mentions import Mention, gazetteer_mentions
from kg.entities.rules import EntityRules, load_rules

VERSION = "kg.entities.v1"

__all__ = [
    "MINTED",
    "VERSION",
    "ArticleEntities",
    "Entity",
    "EntityRules",
    "Gazetteer",
    "Mention",
    "describe",
    "find_mentions",
    "gazetteer_matches",
    "gazetteer_mentions",
    "link_article",
    "load_gazetteer",
    "load_rules",
    "mint_iri",
    "normalize_name",
    "resolve_name",
    "script_of",
]
