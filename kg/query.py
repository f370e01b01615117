"""Reading the store: SPARQL queries, statistics, and the claims behind a fact.

Every query runs over the union of the article graphs (and the ontology graph), with the
prefixes of `kg.graph.PREFIXES` predeclared. Functions take a pyoxigraph `Store` and return
plain data; the `format_*` functions turn that data into text for the CLI.

A SELECT query can be run a page at a time (`run_page`): the page's LIMIT and OFFSET are
added to the query itself, so the engine stops at the page, and the number of rows of the
whole result is counted by the engine (COUNT over the query) without handing them over. A
query may mark the sub-select its rows come from with a line `#page` after that sub-select's
ORDER BY: the page is cut there, and the rows counted there, so that what the rest of the
query adds to each row (labels, counts, lists) is looked up for the page's rows only. The
rest of the query must then add columns to those rows, never rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from kg.errors import QueryError
from kg.graph import PREFIXES, relation_values, select
from kg.vocab import KG, SYMMETRIC

if TYPE_CHECKING:
    import pyoxigraph as ox

QUERY_FORMATS = ("table", "json", "csv")


# ----------------------------------------------------------------- SPARQL


@dataclass
class QueryResult:
    """Result of a query: SELECT rows, an ASK boolean, or CONSTRUCT/DESCRIBE triples as rows.

    A page of a SELECT result (`run_page`) says where it starts (`offset`) and how many rows
    the whole result has (`total`); `total` is None for a whole result.
    """

    kind: str  # select | ask | graph
    variables: list[str] = field(default_factory=list)
    rows: list[list[ox.NamedNode | ox.BlankNode | ox.Literal | None]] = field(default_factory=list)
    boolean: bool | None = None
    offset: int = 0
    total: int | None = None


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


# ----------------------------------------------------------------- pages


# a query's prologue: comment lines, PREFIX and BASE declarations
_PROLOGUE = re.compile(
    r"\A(?:\s+|#[^\n]*(?:\n|\Z)|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.IGNORECASE
)
# LIMIT and OFFSET at the end of a query, after its last line that is not a comment
_SLICE = re.compile(r"(?:\s*\b(LIMIT|OFFSET)\s+(\d+))+\s*\Z", re.IGNORECASE)


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (upper case): the keyword after the prologue."""
    m = re.match(r"\w+", text[_PROLOGUE.match(text).end() :])
    return m.group(0).upper() if m else ""


def _split_slice(text: str) -> tuple[str, int | None, int]:
    """`text` without its final LIMIT and OFFSET, and their values (None, 0 when absent)."""
    lines = text.rstrip().splitlines()
    while lines and lines[-1].lstrip().startswith("#"):
        lines.pop()
    if lines and "#" in lines[-1] and not re.search("[\"'<]", lines[-1]):
        lines[-1] = lines[-1][: lines[-1].index("#")]  # a comment after the last clause
    body = "\n".join(lines)
    m = _SLICE.search(body)
    if not m:
        return text, None, 0
    values = dict(re.findall(r"(LIMIT|OFFSET)\s+(\d+)", m.group(0).upper()))
    limit = int(values["LIMIT"]) if "LIMIT" in values else None
    return body[: m.start()], limit, int(values.get("OFFSET", 0))


PAGE_MARK = re.compile(r"^[ \t]*#page[ \t]*$", re.MULTILINE)


def page_query(text: str, limit: int | None, offset: int = 0) -> str:
    """The SELECT query `text` cut to `limit` rows from row `offset` (its own LIMIT and
    OFFSET, if any, taken into account): the rows the engine needs to find, and no more.
    The cut is made at the line `#page` when the query has one, else at its end."""
    if limit is not None and limit < 0 or offset < 0:
        raise QueryError("a page needs a limit and an offset of 0 or more")
    marks = PAGE_MARK.findall(text)
    if len(marks) > 1:
        raise QueryError("a query may mark one sub-select with #page, not several")
    if marks:
        cut = (f"LIMIT {limit} " if limit is not None else "") + (f"OFFSET {offset}" if offset
                                                                   else "")  # fmt: skip
        return PAGE_MARK.sub(lambda _m: cut, text)
    body, own_limit, own_offset = _split_slice(text)
    if own_limit is not None:
        left = max(0, own_limit - offset)
        limit = left if limit is None else min(limit, left)
    start = own_offset + offset
    return body + (f"\nLIMIT {limit}" if limit is not None else "") + (
        f"\nOFFSET {start}" if start else "")  # fmt: skip


def count_query(text: str) -> str:
    """A query counting the rows of the SELECT query `text` (its prologue kept in front):
    the rows of the sub-select marked `#page`, if there is one, else of the whole query."""
    head = _PROLOGUE.match(text).end()
    mark = PAGE_MARK.search(text)
    start, end = _group_around(text, mark.start()) if mark else (head, len(text))
    return f"{text[:head]}SELECT (COUNT(*) AS ?rows) WHERE {{\n{{\n{text[start:end]}\n}}\n}}"


def _group_around(text: str, pos: int) -> tuple[int, int]:
    """Start and end of the text inside the innermost { } group holding `pos`, braces in
    strings, IRIs and comments skipped (a bound parameter may hold any character)."""
    opened: list[int] = []
    start = None
    i = 0
    while i < len(text):
        c = text[i]
        if i == pos:
            if not opened:
                raise QueryError("#page must stand inside a sub-select { SELECT ... }")
            start = opened[-1]
        if c == "#":
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            i += len(quote)
            while i < len(text) and not text.startswith(quote, i):
                i += 2 if text[i] == "\\" else 1
            i += len(quote)
            continue
        if c == "<" and (m := re.match(r"<[^<>\"{}|^`\\\s]*>", text[i:])):
            i += m.end()
            continue
        if c == "{":
            opened.append(i + 1)
        elif c == "}":
            begun = opened.pop()
            if start is not None and begun == start:
                return start, i
        i += 1
    raise QueryError("#page is not inside a closed { } group")


def run_page(
    store: ox.Store,
    sparql: str,
    *,
    limit: int | None,
    offset: int = 0,
    as_of: date | None = None,
) -> QueryResult:
    """Rows `offset` to `offset + limit` of a SELECT query (`run_query`, `as_of` included),
    with the number of rows of the whole result in `total`: counted by the engine, beside
    the page on a second core, else only when the page does not show every row."""
    if query_form(sparql) != "SELECT":
        raise QueryError("only a SELECT query can be shown a page at a time")
    page = page_query(sparql, limit, offset)

    def count() -> int:
        return int(run_query(store, count_query(sparql), as_of=as_of).rows[0][0].value)

    if (limit is not None or offset) and (os.cpu_count() or 1) > 1:
        # The engine lets go of the GIL while it evaluates: on a second core the count
        # costs no waiting (it runs even when the page turns out to hold every row).
        with ThreadPoolExecutor(max_workers=1) as pool:
            counting = pool.submit(count)
            result = run_query(store, page, as_of=as_of)
            result.total = counting.result()
    else:
        result = run_query(store, page, as_of=as_of)
        shown_all = offset == 0 and (limit is None or len(result.rows) < limit)
        result.total = len(result.rows) if shown_all else count()
    result.offset = offset
    return result


# ----------------------------------------------------------------- names and labels

# SPARQL 1.1 (and Turtle) PN_LOCAL: what may stand after `prefix:`; other characters of the
# escapable set are written with a backslash (art:mine\/startups.md)
_PN_CHARS_U = ("A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
               "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf"
               "\ufdf0-\ufffd\U00010000-\U000effff")  # fmt: skip
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_LOCAL_FIRST = re.compile(f"[{_PN_CHARS_U}:0-9]")
_LOCAL_MIDDLE = re.compile(f"[{_PN_CHARS}.:]")
_LOCAL_LAST = re.compile(f"[{_PN_CHARS}:]")
_LOCAL_ESCAPED = frozenset("_~.-!$&'()*+,;=/?#@%")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def _local_part(local: str) -> str | None:
    """`local` as a SPARQL PN_LOCAL (escaped where needed), or None when it cannot be one
    (or ends with a dot, which Oxigraph's parser cannot read back after another dot)."""
    if local.endswith("."):
        return None
    out, i = [], 0
    while i < len(local):
        if _PERCENT.match(local, i):
            out.append(local[i : i + 3])
            i += 3
            continue
        c = local[i]
        allowed = _LOCAL_FIRST if i == 0 else _LOCAL_LAST if i == len(local) - 1 else _LOCAL_MIDDLE
        if allowed.fullmatch(c):
            out.append(c)
        elif c in _LOCAL_ESCAPED:
            out.append("\\" + c)
        else:
            return None
        i += 1
    return "".join(out)


def sparql_name(iri: str) -> str:
    r"""The IRI as a query may be written with the predeclared prefixes: `kge:Huawei`,
    `art:blog\/deepseek-shock.md` (escaped as SPARQL and Turtle require), else `<iri>`."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda x: -len(x[1])):
        if iri.startswith(ns):
            local = _local_part(iri[len(ns) :])
            if local is not None:
                return f"{prefix}:{local}"
    return f"<{iri}>"


def shorten(term) -> str:
    """A term for people: an IRI as `sparql_name` writes it, a literal's value (with @lang),
    or _:bnode."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return sparql_name(term.value)
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    return str(term)


def result_labels(store: ox.Store, result: QueryResult, lang: str = "ja") -> dict[str, str]:
    """A label (in `lang`, else the other language) for every entity IRI in the result."""
    from kg.vocab import KGE

    iris = sorted({t.value for row in result.rows for t in row
                   if t is not None and t.value.startswith(str(KGE)) and _is_iri(t)})  # fmt: skip
    other = "en" if lang == "ja" else "ja"
    return {
        iri: by_lang.get(lang) or by_lang.get(other) or next(iter(by_lang.values()))
        for iri, by_lang in _labels(store, iris).items()
    }


def _is_iri(term) -> bool:
    import pyoxigraph as ox

    return isinstance(term, ox.NamedNode)


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


def _cell(term, labels: dict[str, str]) -> str:
    text = shorten(term)
    name = labels.get(term.value) if term is not None else None
    if name and name != unquote(term.value.rsplit("/", 1)[-1]).replace("_", " "):
        return f"{text} ({name})"
    return text


def _rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def _footer(result: QueryResult, shown: int, repeated: int) -> str:
    """`(N rows)`, or where the page sits in the whole result and how to see the rest."""
    n = len(result.rows)
    if result.total is None or (result.offset == 0 and n == result.total):
        text = _rows(shown)
    elif n == 0:
        text = f"no rows from row {result.offset + 1:,}: the result has {_rows(result.total)}"
    else:
        first, last = result.offset + 1, result.offset + n
        text = f"row {first:,}" if n == 1 else f"rows {first:,}–{last:,}"
        text += f" of {result.total:,}"
        if last < result.total:
            text += f"; --offset {last} for the next page, --all for every row"
    if repeated:
        text += f"; {repeated:,} repeated row{'s' if repeated != 1 else ''} not shown"
    return f"({text})"


def format_result(
    result: QueryResult, fmt: str = "table", *, labels: dict[str, str] | None = None
) -> str:
    """`table` (aligned, prefixed), `json` (SPARQL 1.1 JSON results) or `csv` (SPARQL CSV).

    The table prints IRIs as they can be pasted back into a query (`sparql_name`), an
    entity's label beside it when `labels` has one (`result_labels`), each distinct row
    once (over the union of the article graphs a triple is found once per graph holding
    it), and, for a page, where it sits in the whole result.
    """
    if fmt not in QUERY_FORMATS:
        raise QueryError(f"unknown format {fmt!r}; use one of {', '.join(QUERY_FORMATS)}")
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": result.boolean})
        return "true" if result.boolean else "false"
    if fmt == "table":
        rows = [[_cell(t, labels or {}) for t in row] for row in result.rows]
        distinct = list(dict.fromkeys(map(tuple, rows)))
        footer = _footer(result, len(distinct), len(rows) - len(distinct))
        return table(result.variables, [list(r) for r in distinct]) + "\n" + footer
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
    """Labels of the entities `iris` by language ("" for none), the first (in code point
    order) of each language kept."""
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    found: dict[str, dict[str, set[str]]] = {}
    # sorted here, not by ORDER BY: Oxigraph would look each label's text up at every comparison
    for row in select(
        store, f"SELECT DISTINCT ?e ?l WHERE {{ VALUES ?e {{ {values} }} ?e rdfs:label ?l }}"
    ):
        lit = row["l"]
        found.setdefault(row["e"].value, {}).setdefault(lit.language or "", set()).add(lit.value)
    return {iri: {lang: min(v) for lang, v in by.items()} for iri, by in found.items()}


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
    """Local name of a relation given as `suppliesTo`, `kg:suppliesTo`, its IRI, or its
    English or Japanese label in the ontology (`supplies to`, `供給先`)."""
    from kg.entities import normalize_name
    from kg.vocab import relations, term_labels

    local = prop.strip().removeprefix(str(KG)).removeprefix("kg:")
    if local in relations():
        return local
    key = normalize_name(prop)
    for name in relations():
        if key in {normalize_name(x) for x in (name, *term_labels().get(name, {}).values())}:
            return name
    names = ", ".join(f"{r} ({term_labels().get(r, {}).get('ja', '')})" for r in relations())
    raise QueryError(f"unknown relation {prop!r}; use one of {names}")


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
