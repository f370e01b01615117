"""Scoring the store against gold files, exactly as ../shared/gold/GUIDELINES.md "Scoring" says.

* A graph entity is a gold entity when one of its rdfs:label / skos:altLabel / kg:ticker
  values equals one of the gold `names` after NFKC + casefold.
* System facts are the distinct direct triples (s, p, o) of the relations over all article
  graphs; for the symmetric relations (a, b) and (b, a) are one fact.
* A system fact matches a gold fact when p is equal and s and o each match (order free for
  symmetric relations). A fact whose s or o is no gold entity is a false positive. A fact
  matching only optional gold facts is left out of precision; missing an optional gold
  fact is no error.
* Split entity: a gold entity matched by two or more distinct graph entity IRIs.
* Modality, on matched facts: a fact agrees when one of its (non-denied) claims has one of
  the gold modalities of the facts it matches; otherwise it counts under its first gold
  modality (asserted, reported, hedged, planned). Per gold class, the share that agrees.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import EvalError
from kg.graph import SPARQL_PREFIXES, relation_values
from kg.vocab import KG, MODALITIES, SYMMETRIC

if TYPE_CHECKING:
    import pyoxigraph as ox


def fold(name: str) -> str:
    """The comparison key of ../shared/gold/GUIDELINES.md: NFKC, then case folding."""
    return unicodedata.normalize("NFKC", name).casefold()


# ----------------------------------------------------------------- gold files


@dataclass
class GoldEntity:
    id: str
    type: str | None
    names: set[str]


@dataclass
class GoldFact:
    s: str
    p: str
    o: str
    modalities: set[str]
    evidence: list[tuple[str, str]]  # (evidence, source)
    optional: bool

    @property
    def key(self) -> tuple[str, str, str]:
        return fact_key(self.s, self.p, self.o)


def fact_key(s: str, p: str, o: str) -> tuple[str, str, str]:
    """(s, p, o) with the ends of a symmetric relation in sorted order."""
    if p in SYMMETRIC and o < s:
        s, o = o, s
    return (s, p, o)


@dataclass
class Gold:
    entities: dict[str, GoldEntity]
    facts: dict[tuple[str, str, str], GoldFact]


def _jsonl(path: Path) -> Iterable[tuple[int, dict]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"cannot read gold file {path}: {exc}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalError(f"{path}:{n}: not JSON ({exc.msg}); one object per line") from exc
        if not isinstance(obj, dict):
            raise EvalError(f"{path}:{n}: expected a JSON object, got {type(obj).__name__}")
        yield n, obj


def load_gold(entity_files: Sequence[str | Path], relation_files: Sequence[str | Path]) -> Gold:
    """Merge gold entity and relation files (an id shared across files is one entity)."""
    from kg.vocab import relations

    entities: dict[str, GoldEntity] = {}
    for path in map(Path, entity_files):
        for n, obj in _jsonl(path):
            if not isinstance(obj.get("id"), str) or not isinstance(obj.get("names"), list):
                raise EvalError(f'{path}:{n}: an entity needs "id" (string) and "names" (list)')
            ent = entities.setdefault(obj["id"], GoldEntity(obj["id"], obj.get("type"), set()))
            ent.names.update(str(x) for x in obj["names"])
    facts: dict[tuple[str, str, str], GoldFact] = {}
    known = set(relations())
    for path in map(Path, relation_files):
        for n, obj in _jsonl(path):
            missing = [k for k in ("s", "p", "o") if not isinstance(obj.get(k), str)]
            if missing:
                raise EvalError(f"{path}:{n}: fact lacks {', '.join(missing)}")
            if obj["p"] not in known:
                raise EvalError(f"{path}:{n}: unknown relation {obj['p']!r}")
            for end in ("s", "o"):
                if obj[end] not in entities:
                    raise EvalError(
                        f"{path}:{n}: {end}={obj[end]!r} is in no --entities file; add it there"
                    )
            key = fact_key(obj["s"], obj["p"], obj["o"])
            fact = facts.setdefault(key, GoldFact(key[0], key[1], key[2], set(), [], optional=True))
            fact.optional = fact.optional and bool(obj.get("optional", False))
            if obj.get("modality"):
                fact.modalities.add(obj["modality"])
            fact.evidence.append((obj.get("evidence", ""), obj.get("source", "")))
    return Gold(entities, facts)


# ----------------------------------------------------------------- the store side


@dataclass
class SystemFact:
    s: str
    p: str
    o: str
    modalities: set[str] = field(default_factory=set)  # of the non-denied claims behind it
    sentences: list[str] = field(default_factory=list)


def system_facts(store: ox.Store) -> dict[tuple[str, str, str], SystemFact]:
    """Distinct direct relation triples of all article graphs, symmetric ones merged."""
    out: dict[tuple[str, str, str], SystemFact] = {}
    q = f"""SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?g a kg:Article .
      VALUES ?p {{ {relation_values()} }} ?s ?p ?o }} }}"""
    for row in store.query(SPARQL_PREFIXES + q):
        p = row["p"].value.removeprefix(str(KG))
        key = fact_key(row["s"].value, p, row["o"].value)
        out.setdefault(key, SystemFact(*key))
    q = """SELECT ?s ?p ?o ?m ?sentence WHERE { GRAPH ?g {
      ?c a kg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:modality ?m .
      OPTIONAL { ?c kg:sentence ?sentence } } } ORDER BY ?g ?c"""
    for row in store.query(SPARQL_PREFIXES + q):
        p = row["p"].value.removeprefix(str(KG))
        key = fact_key(row["s"].value, p, row["o"].value)
        fact = out.get(key)
        modality = row["m"].value.removeprefix(str(KG))
        if fact is None or modality == "denied":
            continue
        fact.modalities.add(modality)
        if row["sentence"] is not None and row["sentence"].value not in fact.sentences:
            fact.sentences.append(row["sentence"].value)
    return out


def entity_names(store: ox.Store) -> dict[str, set[str]]:
    """Every entity of the article graphs with its labels, aliases and tickers."""
    q = """SELECT DISTINCT ?e ?l WHERE { GRAPH ?g { ?g a kg:Article . ?e kg:mentionedIn ?g .
      ?e rdfs:label|skos:altLabel|kg:ticker ?l } }"""
    out: dict[str, set[str]] = defaultdict(set)
    for row in store.query(SPARQL_PREFIXES + q):
        out[row["e"].value].add(row["l"].value)
    return dict(out)


# ----------------------------------------------------------------- scoring


@dataclass
class RelationScore:
    relation: str
    system: int = 0  # system facts counted for precision
    matched: int = 0  # of those, matching a required gold fact
    gold: int = 0  # required gold facts
    gold_matched: int = 0

    @property
    def precision(self) -> float:
        return self.matched / self.system if self.system else 0.0

    @property
    def recall(self) -> float:
        return self.gold_matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class SplitEntity:
    gold_id: str
    iris: list[str]


@dataclass
class Evaluation:
    relations: list[RelationScore]
    overall: RelationScore
    entities_found: int
    entities_total: int
    split: list[SplitEntity]
    missed: list[GoldFact]  # required gold facts not found
    false: list[SystemFact]  # system facts counted as wrong
    excluded: int  # system facts matching only optional gold facts
    modality: ModalityScore | None = None


@dataclass
class ModalityScore:
    correct: int
    total: int
    confusion: dict[tuple[str, str], int]  # (gold, system) -> count
    disagreements: list[tuple[SystemFact, str, str]] = field(default_factory=list)  # gold, system

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def per_class(self) -> dict[str, tuple[int, int]]:
        """(agreeing, total) per gold modality: of the matched facts whose gold modality is
        that class, how many the system reads with the same modality."""
        out: dict[str, tuple[int, int]] = {}
        for (g, s), n in self.confusion.items():
            agree, total = out.get(g, (0, 0))
            out[g] = (agree + n * (g == s), total + n)
        return dict(sorted(out.items(), key=lambda item: _modality_order(item[0])))


def evaluate(store: ox.Store, gold: Gold) -> Evaluation:
    """Score the store's facts and entities against `gold`."""
    from kg.vocab import relations

    by_name: dict[str, set[str]] = defaultdict(set)
    for ent in gold.entities.values():
        for name in ent.names:
            by_name[fold(name)].add(ent.id)
    matches: dict[str, set[str]] = {}  # graph IRI -> gold ids
    found: dict[str, set[str]] = defaultdict(set)  # gold id -> graph IRIs
    for iri, names in entity_names(store).items():
        ids = set().union(*(by_name.get(fold(n), set()) for n in names))
        if ids:
            matches[iri] = ids
            for gid in ids:
                found[gid].add(iri)

    scores = {r: RelationScore(r) for r in relations()}
    gold_hit: set[tuple[str, str, str]] = set()
    false: list[SystemFact] = []
    matched_pairs: list[tuple[SystemFact, list[GoldFact]]] = []
    excluded = 0
    for key in sorted(sf := system_facts(store)):
        fact = sf[key]
        hits = _gold_hits(fact, matches, gold)
        required = [g for g in hits if not g.optional]
        if hits and not required:
            excluded += 1
            continue
        score = scores[fact.p]
        score.system += 1
        if required:
            score.matched += 1
            gold_hit.update(g.key for g in required)
            matched_pairs.append((fact, required))
        else:
            false.append(fact)
    missed = []
    for key, g in sorted(gold.facts.items()):
        if g.optional:
            continue
        scores[g.p].gold += 1
        if key in gold_hit:
            scores[g.p].gold_matched += 1
        else:
            missed.append(g)
    overall = RelationScore("overall")
    for s in scores.values():
        overall.system += s.system
        overall.matched += s.matched
        overall.gold += s.gold
        overall.gold_matched += s.gold_matched
    split = [SplitEntity(gid, sorted(iris)) for gid, iris in sorted(found.items()) if len(iris) > 1]
    return Evaluation(
        relations=list(scores.values()),
        overall=overall,
        entities_found=sum(1 for gid in gold.entities if gid in found),
        entities_total=len(gold.entities),
        split=split,
        missed=missed,
        false=false,
        excluded=excluded,
        modality=_modality(matched_pairs),
    )


def _gold_hits(fact: SystemFact, matches: dict[str, set[str]], gold: Gold) -> list[GoldFact]:
    subjects, objects = matches.get(fact.s, set()), matches.get(fact.o, set())
    hits = []
    for gs in subjects:
        for go in objects:
            g = gold.facts.get(fact_key(gs, fact.p, go))
            if g is not None and g not in hits:
                hits.append(g)
    return hits


def _modality(pairs: list[tuple[SystemFact, list[GoldFact]]]) -> ModalityScore:
    confusion: Counter[tuple[str, str]] = Counter()
    disagreements = []
    correct = 0
    for fact, golds in pairs:
        gold_mods = set().union(*(g.modalities for g in golds))
        common = sorted(gold_mods & fact.modalities, key=_modality_order)
        if common:
            correct += 1
            confusion[(common[0], common[0])] += 1
        else:
            g = min(gold_mods, key=_modality_order, default="?")
            s = min(fact.modalities, key=_modality_order, default="?")
            confusion[(g, s)] += 1
            disagreements.append((fact, g, s))
    return ModalityScore(correct, len(pairs), dict(confusion), disagreements)


def _modality_order(m: str) -> int:
    return MODALITIES.index(m) if m in MODALITIES else len(MODALITIES)


# ----------------------------------------------------------------- text


def format_evaluation(
    ev: Evaluation, *, show: bool = False, by_modality: bool = False, labels=None
) -> str:
    """The score table; `show` adds missed and false facts, `by_modality` the confusion table."""
    from kg.query import shorten, table

    def name(iri: str) -> str:
        if labels and iri in labels:
            return labels[iri]
        import pyoxigraph as ox

        return shorten(ox.NamedNode(iri))

    rows = [
        [
            r.relation, str(r.system), str(r.matched), str(r.gold), str(r.gold_matched),
            f"{r.precision:.2f}", f"{r.recall:.2f}", f"{r.f1:.2f}",
        ]
        for r in [*ev.relations, ev.overall]
    ]  # fmt: skip
    out = [
        table(["relation", "system", "matched", "gold", "found", "P", "R", "F1"], rows),
        "",
        f"gold entities found: {ev.entities_found}/{ev.entities_total}"
        + (f" ({ev.entities_found / ev.entities_total:.0%})" if ev.entities_total else ""),
        f"split entities: {len(ev.split)}",
    ]
    out += [f"  {s.gold_id}: {', '.join(name(i) for i in s.iris)}" for s in ev.split]
    if ev.excluded:
        out.append(f"system facts matching only optional gold facts (not counted): {ev.excluded}")
    if by_modality and ev.modality is not None:
        m = ev.modality
        out += ["", f"modality accuracy on matched facts: {_share(m.correct, m.total)}"]
        system_mods = sorted({s for _, s in m.confusion}, key=_modality_order)
        per_class = m.per_class()
        if m.confusion:
            out.append(
                table(
                    ["gold \\ system", *system_mods, "accuracy"],
                    [
                        [
                            g,
                            *(str(m.confusion.get((g, s), 0)) for s in system_mods),
                            _share(*per_class[g]),
                        ]
                        for g in per_class
                    ],
                )  # fmt: skip
            )
    if show:
        out += ["", f"missed gold facts ({len(ev.missed)}):"]
        for g in ev.missed:
            out.append(f"  {g.s} {g.p} {g.o}")
            out += [f"    「{e}」 ({src})" for e, src in g.evidence]
        out += ["", f"false system facts ({len(ev.false)}):"]
        for f in ev.false:
            out.append(f"  {name(f.s)} {f.p} {name(f.o)}")
            out += [f"    「{s}」" for s in f.sentences]
        if by_modality and ev.modality is not None:
            wrong = ev.modality.disagreements
            out += ["", f"matched facts read with another modality ({len(wrong)}):"]
            for f, gold_mod, system_mod in wrong:
                out.append(f"  {name(f.s)} {f.p} {name(f.o)}: gold {gold_mod}, system {system_mod}")
                out += [f"    「{s}」" for s in f.sentences]
    return "\n".join(out)


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else f"{part}/{whole}"


def entity_labels(store: ox.Store) -> dict[str, str]:
    """A display label per entity (Japanese, else English), for reports."""
    q = """SELECT ?e ?l WHERE { ?e kg:mentionedIn ?a ; rdfs:label ?l }"""
    out: dict[str, str] = {}
    for row in store.query(SPARQL_PREFIXES + q, use_default_graph_as_union=True):
        lit = row["l"]
        if lit.language == "ja" or row["e"].value not in out:
            out[row["e"].value] = lit.value
    return out
