"""Exports for other ecosystems: GraphML (Gephi, networkx) and a CSV edge list (pandas).

Both are built from the claims, so every edge carries its evidence:

- `edges_csv`: one row per claim that is not denied: source, relation, target, their
  labels, modality, confidence, article, date, sentence, character offsets, rule, cue, and
  the event's date (event_date, event_precision, event_date_text, event_date_from: see
  kg.dates).
- `graphml`: a directed multigraph, one node per entity (label_en, label_ja, class), one
  edge per distinct fact (key = relation) with the number of articles and claims, the
  modalities and the articles as space-separated IRIs.

Rows and nodes are sorted, so exports of the same store are identical.
"""

from __future__ import annotations

import csv
import io

from kg.graph import select
from kg.vocab import KG

CSV_COLUMNS = [
    "source", "relation", "target", "source_label", "target_label", "modality",
    "confidence", "article", "date", "sentence", "char_start", "char_end", "rule", "cue",
    "event_date", "event_precision", "event_date_text", "event_date_from",
]  # fmt: skip

_CLAIMS = """SELECT ?c ?s ?p ?o ?m ?conf ?a ?title ?date ?sentence ?start ?end ?rule ?cue ?rep
       ?event ?precision ?words ?from WHERE {
  ?c a kg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:modality ?m ;
     prov:wasDerivedFrom ?a .
  %s
  OPTIONAL { ?c kg:confidence ?conf } OPTIONAL { ?c kg:sentence ?sentence }
  OPTIONAL { ?c kg:charStart ?start } OPTIONAL { ?c kg:charEnd ?end }
  OPTIONAL { ?c kg:rule ?rule } OPTIONAL { ?c kg:cue ?cue } OPTIONAL { ?c kg:reportedBy ?rep }
  OPTIONAL { ?a dcterms:date ?date } OPTIONAL { ?a dcterms:title ?title }
  OPTIONAL { ?c kg:eventDate ?event } OPTIONAL { ?c kg:eventPrecision ?precision }
  OPTIONAL { ?c kg:eventDateText ?words } OPTIONAL { ?c kg:eventDateSource ?from }
}"""

_ENTITIES = """SELECT DISTINCT ?e ?cls ?l WHERE {
  ?e kg:mentionedIn ?a ; a ?cls . OPTIONAL { ?e rdfs:label ?l }
}"""


def _v(row, name) -> str:
    t = row[name]
    return "" if t is None else t.value


def claims(store, *, denied: bool = False) -> list[dict[str, str]]:
    """Every claim (those that are denied only with `denied`) as a dict of strings ("" for
    a value the claim lacks): the CSV columns, plus `claim`, `title` and `reported_by`."""
    rows = select(store, _CLAIMS % ("" if denied else "FILTER(?m != kg:denied)"))
    out = []
    for r in rows:
        out.append(
            {
                "source": _v(r, "s"), "relation": _v(r, "p").removeprefix(str(KG)),
                "target": _v(r, "o"), "modality": _v(r, "m").removeprefix(str(KG)),
                "confidence": _v(r, "conf"), "article": _v(r, "a"), "date": _v(r, "date"),
                "sentence": _v(r, "sentence"), "char_start": _v(r, "start"),
                "char_end": _v(r, "end"), "rule": _v(r, "rule"), "cue": _v(r, "cue"),
                "event_date": _v(r, "event"),
                "event_precision": _v(r, "precision").removeprefix(str(KG)),
                "event_date_text": _v(r, "words"),
                "event_date_from": _v(r, "from").removeprefix(f"{KG}from").lower(),
                "claim": _v(r, "c"), "title": _v(r, "title"), "reported_by": _v(r, "rep"),
            }
        )  # fmt: skip
    return out


def entities(store) -> dict[str, dict[str, str]]:
    """Class, English and Japanese label of every entity an article mentions, by IRI."""
    out: dict[str, dict[str, str]] = {}
    for r in select(store, _ENTITIES):
        e = out.setdefault(r["e"].value, {"class": "", "label_en": "", "label_ja": ""})
        cls = r["cls"].value.removeprefix(str(KG))
        if not e["class"] or cls < e["class"]:
            e["class"] = cls
        lit = r["l"]
        if lit is not None and lit.language in ("en", "ja"):
            e[f"label_{lit.language}"] = lit.value
    return out


def _label(entities: dict, iri: str) -> str:
    e = entities.get(iri, {})
    return e.get("label_en") or e.get("label_ja") or iri.rsplit("/", 1)[-1]


def edges_csv(store) -> bytes:
    """The CSV edge list (UTF-8 with a header row, RFC 4180 quoting)."""
    names = entities(store)
    rows = claims(store)
    for c in rows:
        c["source_label"] = _label(names, c["source"])
        c["target_label"] = _label(names, c["target"])
    rows.sort(key=lambda c: tuple(c[k] for k in CSV_COLUMNS))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def to_networkx(store):
    """A `networkx.MultiDiGraph` of the entities and facts, with evidence attributes."""
    import networkx as nx

    names = entities(store)
    facts: dict[tuple[str, str, str], dict] = {}
    for c in claims(store):
        f = facts.setdefault(
            (c["source"], c["relation"], c["target"]),
            {"articles": set(), "claims": 0, "modalities": set()},
        )
        f["articles"].add(c["article"])
        f["claims"] += 1
        f["modalities"].add(c["modality"])
    g = nx.MultiDiGraph()
    for iri in sorted(names.keys() | {x for s, _, o in facts for x in (s, o)}):
        e = names.get(iri, {})
        g.add_node(
            iri, label=_label(names, iri), label_en=e.get("label_en", ""),
            label_ja=e.get("label_ja", ""), **{"class": e.get("class", "")},
        )  # fmt: skip
    for (s, p, o), f in sorted(facts.items()):
        g.add_edge(
            s, o, key=p, relation=p, articles=len(f["articles"]), claims=f["claims"],
            modalities=" ".join(sorted(f["modalities"])),
            article_iris=" ".join(sorted(f["articles"])),
        )  # fmt: skip
    return g


def graphml(store) -> bytes:
    import networkx as nx

    buf = io.BytesIO()
    nx.write_graphml(to_networkx(store), buf, encoding="utf-8")
    return buf.getvalue()
