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
    counters: tuple[str, ...]
    ticker: re.Pattern
    name_suffixes: dict[str, str]  # suffix -> class
    extension_suffixes: tuple[str, ...]
    identity_prefixes: tuple[str, ...]
    identity_suffixes: tuple[str, ...]
    state_organ_suffixes: tuple[str, ...]
    model_number: re.Pattern
    not_model_number: re.Pattern
    body_heads: tuple[str, ...]

    def name_suffix(self, text: str) -> tuple[str, str] | None:
        """(suffix, class) when `text` ends in a name suffix (芯光科技 -> 科技, Company)."""
        for suf in self._name_suffixes_longest:
            if text.endswith(suf) and len(text) > len(suf):
                return suf, self.name_suffixes[suf]
        return None

    @property
    def _name_suffixes_longest(self) -> list[str]:
        return sorted(self.name_suffixes, key=len, reverse=True)

    def is_model_number(self, text: str) -> bool:
        """A Latin name holding digits that reads as a product model (H20, MI300X)."""
        text = text.strip()
        return (
            len(text) >= 3
            and self.model_number.fullmatch(text) is not None
            and self.not_model_number.fullmatch(text) is None
        )


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
            counters=tuple(data["counters"]),
            ticker=re.compile(data["ticker_pattern"]),
            name_suffixes={suf: cls for cls, sufs in data["name_suffixes"].items() for suf in sufs},
            extension_suffixes=tuple(data["extension_suffixes"]),
            identity_prefixes=tuple(data["identity_prefixes"]),
            identity_suffixes=tuple(data["identity_suffixes"]),
            state_organ_suffixes=tuple(data["state_organ_suffixes"]),
            model_number=re.compile(data["model_number"]),
            not_model_number=re.compile(data["not_model_number"]),
            body_heads=tuple(
                sorted(
                    {
                        *data["body_heads"],
                        *data["state_organ_suffixes"],
                        *data["name_suffixes"]["Association"],
                        *(
                            n
                            for n, c in descriptors.items()
                            if c in ("GovernmentBody", "Association")
                        ),
                    },
                    key=len,
                    reverse=True,
                )
            ),
        )
    except (OSError, KeyError, TypeError, AttributeError, re.error, yaml.YAMLError) as exc:
        raise GazetteerError(f"{p}: cannot read entity rules ({exc!r}); fix the file") from exc
