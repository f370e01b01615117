"""Relations: facts between entity mentions, read from the dependency parse.

(Interface fixed; the extractor is being written.)
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "kg.relations.dependency.v1"


@dataclass(frozen=True)
class Fact:
    """One statement of a relation in one sentence of one article."""

    s: str  # subject entity IRI
    p: str  # relation local name (ontology/kg.ttl)
    o: str  # object entity IRI
    modality: str  # asserted | reported | hedged | planned | denied
    sentence_index: int
    char_start: int  # sentence offsets in the article text
    char_end: int
    sentence: str
    s_text: str  # subject and object as written
    o_text: str
    cue: str  # cue word that fired
    rule: str  # versioned rule id, e.g. "kg.relations.dependency.v1/suppliesTo/サプライヤー"
    confidence: float
    reported_by: str | None = None


def extract_article(parsed, entities) -> list[Fact]:
    """Facts of one article from its parsed sentences and linked mentions."""
    return []
