"""ontology/entity-rules.yaml, loaded: what counts as a name and which class it gets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.entities.gazetteer import normalize_name
from kg.errors import GazetteerError
from kg.vocab import load_yaml, ontology_dir


@dataclass(frozen=True)
class EntityRules:
    """ontology/entity-rules.yaml, loaded."""

    version: str
    ner_labels: dict[str, str]
    require_cue: frozenset[str]
    company_suffixes: tuple[str, ...]
    strip_suffixes: tuple[str, ...]
    descriptors: dict[str, str]  # noun -> class
    person_markers: frozenset[str]
    stop_names: frozenset[str]
    generic_heads: tuple[str, ...]
    group_words: tuple[str, ...]
    ticker: re.Pattern


@cache
def load_rules(path: str | None = None) -> EntityRules:
    """Read ontology/entity-rules.yaml."""
    import yaml

    p = Path(path) if path else ontology_dir() / "entity-rules.yaml"
    try:
        data = load_yaml(p.read_text(encoding="utf-8"))
        descriptors = {noun: cls for cls, nouns in data["descriptors"].items() for noun in nouns}
        return EntityRules(
            version=data["version"],
            ner_labels=dict(data["ner_labels"]),
            require_cue=frozenset(data.get("require_cue", [])),
            company_suffixes=tuple(sorted(data["company_suffixes"], key=len, reverse=True)),
            strip_suffixes=tuple(data.get("strip_suffixes", [])),
            descriptors=descriptors,
            person_markers=frozenset(data["person_markers"]),
            stop_names=frozenset(normalize_name(x) for x in data["stop_names"]),
            generic_heads=tuple(data["generic_heads"]),
            group_words=tuple(data["group_words"]),
            ticker=re.compile(data["ticker_pattern"]),
        )
    except (OSError, KeyError, TypeError, AttributeError, re.error, yaml.YAMLError) as exc:
        raise GazetteerError(f"{p}: cannot read entity rules ({exc!r}); fix the file") from exc
