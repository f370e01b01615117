"""Reading the store: SPARQL queries, statistics, and the claims behind a fact.

Every query runs over the union of the article graphs (and the ontology graph), with the
prefixes of `kg.graph.PREFIXES` predeclared. Functions take a pyoxigraph `Store` and return
plain data; the `format_*` functions turn that data into text for the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import QueryError
from kg.graph import PREFIXES, relation_values, select
from kg.vocab import KG, SYMMETRIC

if TYPE_CHECKING:
    import pyoxigraph as ox

QUERY_FORMATS = ("table", "json", "csv")


# ----------------------------------------------------------------- SPARQL


@dataclass
class QueryResult:
    """Result of a query: SELECT rows, an ASK boolean, or CONSTRUCT/DESCRIBE triples as rows."""

    kind: str  # select | ask | graph
    variables: list[str] = field(default_factory=list)
    rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]] = field(default_factory=list)
    boolean: bool | None = None


def read_query(arg: str) -> str:
    """The query text: the contents of `arg` when it names a .rq/.sparql file, else `arg`."""
    if arg.rstrip().lower().endswith((".rq", ".sparql")) and "\n" not in arg:
        path = Path(arg.strip())
        if not path.is_file():
            raise QueryError(f"no query file {path}; pass a .rq file or the query text")
        return path.read_text(encoding="utf-8")
    return arg


def published_by(store: ox.Store, day: date) -> list[str]:
    """The article graphs whose article was surely published by `day` (all of a date known
    only to its month or year must be on or before it; undated articles are left out)."""
    from kg.dates import parse_date

    rows = select(store, "SELECT ?g ?d WHERE { GRAPH ?g { ?g a kg:Article ; dcterms:date ?d } }")
    return sorted(g.value for g, d in rows if parse_date(d.value).end <= day)


def run_query(store: ox.Store, sparql: str, *, as_of: date | None = None) -> QueryResult:
    """Run a SPARQL query over the union of graphs, with the project prefixes predeclared.

    With `as_of`, over the graph as it stood that day: the articles published by then
    (`published_by`) are the dataset, their union the default graph (with the ontology)."""
    import pyoxigraph as ox

    from kg.vocab import ONTOLOGY_GRAPH

    if as_of is None:
        dataset = {"use_default_graph_as_union": True}
    else:
        graphs = [ox.NamedNode(g) for g in published_by(store, as_of)]
        dataset = {"default_graph": [*graphs, ox.NamedNode(ONTOLOGY_GRAPH)],
                   "named_graphs": graphs}  # fmt: skip
    try:
        result = store.query(sparql, prefixes=PREFIXES, **dataset)
        if isinstance(result, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(result))
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            return QueryResult("select", names, [[sol[n] for n in names] for sol in result])
        rows = [[t.subject, t.predicate, t.object] for t in result]
        return QueryResult("graph", ["subject", "predicate", "object"], rows)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL: {exc}") from exc
    except OSError as exc:
        raise QueryError(f"query failed: {exc}") from exc


def shorten(term) -> str:
    """A term for people: prefixed IRI, literal value (with @lang), or _:bnode."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        best = max(
            ((p, ns) for p, ns in PREFIXES.items() if iri.startswith(ns)),
            key=lambda x: len(x[1]),
            default=None,
        )
        return f"{best[0]}:{iri[len(best[1]) :]}" if best else f"<{iri}>"
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Aligned columns (East Asian wide characters count double)."""
    widths = [_width(h) for h in headers]
    for row in rows:
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def _json_term(term) -> dict:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """`table` (aligned, prefixed), `json` (SPARQL 1.1 JSON results) or `csv` (SPARQL CSV)."""
    if fmt not in QUERY_FORMATS:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(QUERY_FORMATS)}")
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean})
        return "true" if result.boolean else "false"
    if fmt == "table":
        rows = [[shorten(t) for t in row] for row in result.rows]
        n = len(rows)
        return table(result.variables, rows) + f"\n({n} row{'s' if n != 1 else ''})"
    if fmt == "json":
        bindings = [
            {v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None}
            for row in result.rows
        ]
        return json.dumps(
            {"head": {"vars": result.variables}, "results": {"bindings": bindings}},
            ensure_ascii=False,
            indent=1,
        )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else t.value for t in row])
    return buf.getvalue().rstrip("\r\n")


# ----------------------------------------------------------------- statistics


@dataclass
class EntityDegree:
    iri: str
    label_ja: str | None
    label_en: str | None
    degree: int  # distinct facts the entity takes part in


@dataclass
class Stats:
    articles: int
    entities: int
    facts: int
    claims: int
    per_class: dict[str, int]
    per_relation: dict[str, int]
    claims_by_modality: dict[str, int]
    top_entities: list[EntityDegree]


def _labels(store: ox.Store, iris: list[str]) -> dict[str, dict[str, str]]:
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    out: dict[str, dict[str, str]] = {}
    for row in select(store, f"SELECT ?e ?l WHERE {{ VALUES ?e {{ {values} }} ?e rdfs:label ?l }}"):
        lit = row["l"]
        out.setdefault(row["e"].value, {}).setdefault(lit.language or "", lit.value)
    return out


def stats(store: ox.Store, *, top: int = 10) -> Stats:
    """Counts per class and relation, claims by modality, and the most connected entities."""
    from kg.graph import totals
    from kg.vocab import CLASSES, MODALITIES, relations

    t = totals(store)
    per_class = dict.fromkeys(CLASSES, 0)
    for row in select(
        store,
        "SELECT ?c (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e kg:mentionedIn ?a ; a ?c } GROUP BY ?c",
    ):
        name = row["c"].value.removeprefix(str(KG))
        if name in per_class:
            per_class[name] = int(row["n"].value)
    per_relation = dict.fromkeys(relations(), 0)
    facts = select(
        store, f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {relation_values()} }} ?s ?p ?o }}"
    )
    degree: Counter[str] = Counter()
    for row in facts:
        per_relation[row["p"].value.removeprefix(str(KG))] += 1
        degree[row["s"].value] += 1
        degree[row["o"].value] += 1
    by_modality = dict.fromkeys(MODALITIES, 0)
    for row in select(
        store, "SELECT ?m (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c kg:modality ?m } GROUP BY ?m"
    ):
        by_modality[row["m"].value.removeprefix(str(KG))] = int(row["n"].value)
    ranked = sorted(degree.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    labels = _labels(store, [iri for iri, _ in ranked])
    top_entities = [
        EntityDegree(iri, labels.get(iri, {}).get("ja"), labels.get(iri, {}).get("en"), n)
        for iri, n in ranked
    ]
    return Stats(
        t["articles"], t["entities"], t["facts"], t["claims"],
        per_class, per_relation, by_modality, top_entities,
    )  # fmt: skip


def format_stats(s: Stats) -> str:
    from kg.graph import PREFIXES as P

    out = [
        f"articles  {s.articles}",
        f"entities  {s.entities}",
        f"facts     {s.facts}",
        f"claims    {s.claims}",
        "",
        table(["claims by modality", "n"], [[m, str(n)] for m, n in s.claims_by_modality.items()]),
        "",
        table(["class", "entities"], [[c, str(n)] for c, n in s.per_class.items()]),
        "",
        table(["relation", "facts"], [[r, str(n)] for r, n in s.per_relation.items()]),
        "",
        "most connected entities",
        table(
            ["entity", "ja", "en", "facts"],
            [
                [e.iri.replace(P["kge"], "kge:"), e.label_ja or "", e.label_en or "", str(e.degree)]
                for e in s.top_entities
            ],
        ),
    ]
    return "\n".join(out)


# ----------------------------------------------------------------- why


@dataclass
class ClaimInfo:
    """One claim behind a fact, with where it was read."""

    claim: str
    subject: str
    predicate: str
    object: str
    article: str
    title: str | None
    date: str | None
    path: str | None
    sentence: str
    char_start: int
    char_end: int
    modality: str
    rule: str | None
    confidence: float | None
    cue: str | None
    subject_text: str | None
    object_text: str | None
    reported_by: str | None


def find_entities(store: ox.Store, name: str) -> set[str]:
    """IRIs a user may mean by `name`: gazetteer resolution plus any matching label in the store.

    A name that neither knows is an `UnknownEntityError` saying which names are close.
    """
    from kg.entities import load_gazetteer, normalize_name

    name = name.strip()
    if name.startswith(("http://", "https://")):
        return {_checked_iri(name, name)}
    prefix, _, local = name.partition(":")
    if local and prefix in PREFIXES:
        return {_checked_iri(PREFIXES[prefix] + local, name)}
    known = load_gazetteer().lookup(name)
    found = {known} if known else set()
    key = normalize_name(name)
    for row in select(
        store,
        "SELECT DISTINCT ?e ?l WHERE { ?e kg:mentionedIn ?a ;"
        " rdfs:label|skos:altLabel|kg:ticker ?l }",
    ):
        if normalize_name(row["l"].value) == key:
            found.add(row["e"].value)
    if not found:
        from kg.catalog import unknown_entity

        raise unknown_entity(store, name)
    return found


def _checked_iri(iri: str, given: str) -> str:
    """`iri` if it is a valid IRI (so it can be written into a query as <iri>), else QueryError."""
    import pyoxigraph as ox

    try:
        return ox.NamedNode(iri).value
    except ValueError:
        raise QueryError(f"{given!r} is not a valid IRI or prefixed name") from None


def resolve_property(prop: str) -> str:
    """Local name of a relation given as `suppliesTo`, `kg:suppliesTo` or its IRI."""
    from kg.vocab import relations

    local = prop.strip().removeprefix(str(KG)).removeprefix("kg:")
    if local not in relations():
        raise QueryError(f"unknown relation {prop!r}; use one of {', '.join(relations())}")
    return local


def why(store: ox.Store, subject: str, prop: str, obj: str) -> list[ClaimInfo]:
    """Every claim (any modality) stating `subject prop object`, in article order."""
    p = resolve_property(prop)
    subjects, objects = find_entities(store, subject), find_entities(store, obj)
    pairs = [(s, o) for s in subjects for o in objects]
    if p in SYMMETRIC:
        pairs += [(o, s) for s, o in pairs]
    if not pairs:
        return []
    values = " ".join(f"(<{s}> <{o}>)" for s, o in sorted(set(pairs)))
    rows = select(
        store,
        f"""SELECT ?c ?s ?o ?a ?title ?date ?path ?sentence ?start ?end ?m ?rule ?conf ?cue
       ?st ?ot ?rep WHERE {{
  VALUES (?s ?o) {{ {values} }}
  ?c a kg:Claim ; rdf:subject ?s ; rdf:predicate kg:{p} ; rdf:object ?o ;
     kg:modality ?m ; kg:sentence ?sentence ; kg:charStart ?start ; kg:charEnd ?end ;
     prov:wasDerivedFrom ?a .
  ?a a kg:Article .
  OPTIONAL {{ ?a dcterms:title ?title }} OPTIONAL {{ ?a dcterms:date ?date }}
  OPTIONAL {{ ?a dcterms:source ?path }} OPTIONAL {{ ?c kg:rule ?rule }}
  OPTIONAL {{ ?c kg:confidence ?conf }} OPTIONAL {{ ?c kg:cue ?cue }}
  OPTIONAL {{ ?c kg:subjectText ?st }} OPTIONAL {{ ?c kg:objectText ?ot }}
  OPTIONAL {{ ?c kg:reportedBy ?rep }}
}} ORDER BY ?date ?path ?start ?c""",
    )

    def v(row, name):
        t = row[name]
        return t.value if t is not None else None

    return [
        ClaimInfo(
            claim=v(r, "c"), subject=v(r, "s"), predicate=p, object=v(r, "o"),
            article=v(r, "a"), title=v(r, "title"), date=v(r, "date"), path=v(r, "path"),
            sentence=v(r, "sentence"), char_start=int(v(r, "start")), char_end=int(v(r, "end")),
            modality=v(r, "m").removeprefix(str(KG)), rule=v(r, "rule"),
            confidence=float(v(r, "conf")) if v(r, "conf") else None, cue=v(r, "cue"),
            subject_text=v(r, "st"), object_text=v(r, "ot"), reported_by=v(r, "rep"),
        )
        for r in rows
    ]  # fmt: skip


def format_claims(claims: list[ClaimInfo]) -> str:
    out = []
    for c in claims:
        head = " ".join(x for x in (c.date, c.path) if x)
        out.append(f"{c.title or c.article}  ({head})" if head else c.title or c.article)
        out.append(f"  「{c.sentence}」")
        out.append(
            f"  {c.subject_text} {c.predicate} {c.object_text}  "
            f"chars {c.char_start}-{c.char_end}  modality {c.modality}"
            + (f" (reported by {c.reported_by})" if c.reported_by else "")
        )
        out.append(f"  rule {c.rule}  cue {c.cue}  confidence {c.confidence}")
    return "\n".join(out)
