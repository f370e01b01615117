"""The cue file (ontology/relation-cues.yaml), loaded into a `Grammar`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kg.errors import GazetteerError
from kg.vocab import load_yaml, ontology_dir, relations

QUOTATIVE = ("と", "とも", "って")  # particles that end a quoted or reported clause


@dataclass(frozen=True)
class CueEntry:
    id: str
    relation: str
    lemmas: frozenset[str]
    s: tuple[str, ...]
    o: tuple[str, ...]
    needs: frozenset[str] = frozenset()
    needs_not: frozenset[str] = frozenset()
    needs_slot: tuple[tuple[str, frozenset[str]], ...] = ()
    gov: frozenset[str] = frozenset()
    gov_not: frozenset[str] = frozenset()
    unless: frozenset[str] = frozenset()
    confidence: float = 0.8
    symmetric_pairs: bool = False
    counterpart: bool = False
    # the subject or object when the sentence leaves it out: gazetteer names, or ("focus",):
    # what the last sentence was about
    implicit_s: tuple[str, ...] = ()
    implicit_o: tuple[str, ...] = ()
    o_classes: frozenset[str] = frozenset()  # narrower than the relation's range, if set


@dataclass(frozen=True)
class Grammar:
    """ontology/relation-cues.yaml, loaded."""

    version: str
    particles: dict[str, str]
    identity: frozenset[str]
    transparent: dict[str, str]  # noun -> category
    company_anaphora: frozenset[str]
    country_anaphora: frozenset[str]
    class_nouns: dict[str, str]  # noun -> class
    transfer: frozenset[str]
    member_nouns: frozenset[str]
    attribute_nouns: frozenset[str]
    manner_nouns: frozenset[str]
    home_government: dict[str, str]
    state_organ_suffixes: tuple[str, ...]
    copulas: frozenset[str]
    receive: frozenset[str]
    passive: frozenset[str]
    quantity_units: frozenset[str]
    np_patterns: tuple[dict, ...]
    np_filler_max: int
    modality: dict[str, frozenset[str]]
    classes: dict[str, tuple[frozenset[str], frozenset[str]]]
    cues: tuple[CueEntry, ...]
    by_lemma: dict[str, tuple[CueEntry, ...]]
    max_particle: int
    particle_prefixes: frozenset[str]  # every start of a particle sequence (に, によ, による)
    group_counters: tuple[str, ...]
    membership: frozenset[str]
    group_relations: frozenset[str]
    group_relations_order: tuple[str, ...]
    group_window: int
    about_verbs: frozenset[str]


def _names(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def load_grammar(path: str | Path | None = None) -> Grammar:
    """Read the cue file (default ontology/relation-cues.yaml)."""
    return _load_grammar(str(path or ontology_dir() / "relation-cues.yaml"))


@cache
def _load_grammar(path: str) -> Grammar:
    import yaml

    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
        known = set(relations())
        cues = []
        for raw in data["cues"]:
            if raw["relation"] not in known:
                raise GazetteerError(f"{path}: cue {raw['id']!r} names unknown relation")
            cues.append(
                CueEntry(
                    id=raw["id"],
                    relation=raw["relation"],
                    lemmas=frozenset(str(x).rstrip("?") for x in raw["lemmas"]),
                    s=tuple(raw["s"]),
                    o=tuple(raw["o"]),
                    needs=frozenset(raw.get("needs", [])),
                    needs_not=frozenset(raw.get("needs_not", [])),
                    needs_slot=tuple(
                        (k, frozenset(v)) for k, v in raw.get("needs_slot", {}).items()
                    ),
                    gov=frozenset(raw.get("gov", [])),
                    gov_not=frozenset(raw.get("gov_not", [])),
                    unless=frozenset(raw.get("unless", [])),
                    confidence=float(raw.get("confidence", 0.8)),
                    symmetric_pairs=bool(raw.get("symmetric_pairs", False)),
                    counterpart=bool(raw.get("counterpart", False)),
                    implicit_s=_names(raw.get("implicit_s", [])),
                    implicit_o=_names(raw.get("implicit_o", [])),
                    o_classes=frozenset(raw.get("o_classes", [])),
                )
            )
        by_lemma: dict[str, list[CueEntry]] = {}
        for c in cues:
            for lemma in c.lemmas:
                by_lemma.setdefault(lemma, []).append(c)
        mod = {k: frozenset(v) for k, v in data["modality"].items()}
        classes = {
            rel: (frozenset(pair[0]), frozenset(pair[1])) for rel, pair in data["relations"].items()
        }
        missing = known - set(classes)
        if missing:
            raise GazetteerError(f"{path}: no class constraints for {sorted(missing)}")
        ana = data["anaphora"]
        return Grammar(
            version=data["version"],
            particles=dict(data["particles"]),
            identity=frozenset(data["identity_links"]),
            transparent={n: cat for cat, ns in data["transparent"].items() for n in ns},
            company_anaphora=frozenset(ana["company"]),
            country_anaphora=frozenset(ana["country"]),
            class_nouns={n: cls for cls, ns in ana["class_nouns"].items() for n in ns},
            transfer=frozenset(data["transfer_nouns"]),
            member_nouns=frozenset(data["member_nouns"]),
            attribute_nouns=frozenset(data["attribute_nouns"]),
            manner_nouns=frozenset(data["manner_nouns"]),
            home_government=dict(ana.get("home_government", {})),
            state_organ_suffixes=tuple(ana.get("state_organ_suffixes", [])),
            copulas=frozenset(data["copulas"]),
            receive=frozenset(data["receive_verbs"]),
            passive=frozenset(data["passive_aux"]),
            quantity_units=frozenset(data["quantity_units"]),
            np_patterns=tuple(data["np_patterns"]),
            np_filler_max=int(data["np_filler_max"]),
            modality=mod,
            classes=classes,
            cues=tuple(cues),
            by_lemma={k: tuple(v) for k, v in by_lemma.items()},
            max_particle=max(len(p) for p in data["particles"]),
            particle_prefixes=frozenset(
                p[:k] for p in data["particles"] for k in range(1, len(p) + 1)
            ),
            group_counters=tuple(data["groups"]["counters"]),
            membership=frozenset(data["groups"]["membership"]),
            group_relations=frozenset(data["groups"]["relations"]),
            group_relations_order=tuple(data["groups"]["relations"]),
            group_window=int(data["groups"]["window"]),
            about_verbs=frozenset(data["about_verbs"]),
        )
    except GazetteerError:
        raise
    except (OSError, KeyError, TypeError, ValueError, AttributeError, yaml.YAMLError) as exc:
        raise GazetteerError(f"{path}: cannot read relation cues ({exc!r}); fix the file") from exc
