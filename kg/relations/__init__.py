"""Relations: facts between entity mentions, read from GiNZA's dependency parse.

The linguistic knowledge lives in ontology/relation-cues.yaml; this module is the small
generic machine that applies it:

1. Mentions that stand in a list (A、BやCなど) are grouped, so a slot filled by one member
   is filled by all of them.
2. For every token whose lemma is a cue, its arguments are collected into named slots
   (subj, obj, dat, gen, rel, pred, gov.subj, obj.trade.target, ...) from case particles,
   relative clauses, predicate nouns, governing verbs and "transparent" nouns.
   Missing subjects are carried from coordinated predicates and from the sentence topic;
   同社, 自社, 両社 and この技術 are resolved from the article so far.
3. Each cue entry maps slots to the relation's subject and object; class constraints
   (domain and range) reject impossible fillers.
4. The modality of the claim is read from the predicates above the cue (否定, 見られる,
   計画, によると ...); conditionals and questions yield nothing.

Every fact records the id of the rule that produced it (VERSION/entry id) and a
confidence, so `kg why` can show why an edge exists.
"""

from kg.relations.context import Context, Ref
from kg.relations.extract import VERSION, Fact, extract_article, extract_sentence, fact_id
from kg.relations.grammar import Grammar, load_grammar

__all__ = [
    "VERSION",
    "Context",
    "Fact",
    "Grammar",
    "Ref",
    "extract_article",
    "extract_sentence",
    "fact_id",
    "load_grammar",
]
