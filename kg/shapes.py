"""SHACL validation of the graph (`kg validate`) with the shapes in ontology/shapes.ttl.

ontology/shapes.ttl is generated from ontology/kg.ttl by this module (one source of truth:
the domain and range of every relation come from its `rdfs:domain`/`rdfs:range`, with
`owl:unionOf` classes expanded), plus fixed shapes for required labels, articles and
claims. Regenerate it after editing the ontology with

    python -m kg.shapes > ontology/shapes.ttl

(a test fails while the two disagree). The data graph is the union of every graph in the
store, ontology included, so `sh:class` sees `rdfs:subClassOf`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import StoreError

if TYPE_CHECKING:
    import rdflib

SH = "http://www.w3.org/ns/shacl#"

HEADER = """\
# SHACL shapes for the chip supply chain graph. GENERATED from ontology/kg.ttl by
# `python -m kg.shapes > ontology/shapes.ttl`: edit the ontology or kg/shapes.py, not this.
@prefix kg:      <https://w3id.org/chipkg/ontology#> .
@prefix kgsh:    <https://w3id.org/chipkg/shapes#> .
@prefix sh:      <http://www.w3.org/ns/shacl#> .
@prefix rdf:     <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""

FIXED = """
# ---------------------------------------------------------------- entities, articles, claims
kgsh:Entity a sh:NodeShape ;
    sh:targetSubjectsOf kg:mentionedIn ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ;
                  sh:message "an entity needs an rdfs:label" ] ;
    sh:property [ sh:path rdf:type ; sh:minCount 1 ;
                  sh:message "an entity needs a class" ] .

kgsh:Article a sh:NodeShape ;
    sh:targetClass kg:Article ;
    sh:property [ sh:path dcterms:source ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:message "an article needs exactly one dcterms:source" ] ;
    sh:property [ sh:path kg:contentHash ; sh:minCount 1 ;
                  sh:message "an article needs kg:contentHash" ] ;
    sh:property [ sh:path dcterms:date ; sh:maxCount 1 ; sh:or ( DATE_TYPES ) ;
                  sh:message "dcterms:date must be one xsd:date, xsd:gYearMonth or xsd:gYear" ] .

kgsh:Claim a sh:NodeShape ;
    sh:targetClass kg:Claim ;
    sh:property [ sh:path rdf:subject ; sh:minCount 1 ; sh:maxCount 1 ] ;
    sh:property [ sh:path rdf:predicate ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:in ( RELATIONS ) ;
                  sh:message "a claim's rdf:predicate must be one of the relations" ] ;
    sh:property [ sh:path rdf:object ; sh:minCount 1 ; sh:maxCount 1 ] ;
    sh:property [ sh:path kg:modality ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:in ( kg:asserted kg:reported kg:hedged kg:planned kg:denied ) ] ;
    sh:property [ sh:path kg:sentence ; sh:minCount 1 ;
                  sh:message "a claim needs its evidence sentence" ] ;
    sh:property [ sh:path kg:charStart ; sh:minCount 1 ; sh:datatype xsd:integer ] ;
    sh:property [ sh:path kg:charEnd ; sh:minCount 1 ; sh:datatype xsd:integer ] ;
    sh:property [ sh:path prov:wasDerivedFrom ; sh:minCount 1 ; sh:class kg:Article ;
                  sh:message "a claim must come from an article" ] ;
    sh:property [ sh:path kg:eventDate ; sh:maxCount 1 ; sh:or ( DATE_TYPES ) ;
                  sh:message "kg:eventDate must be one xsd:date, xsd:gYearMonth or xsd:gYear" ] ;
    sh:property [ sh:path kg:eventPrecision ; sh:maxCount 1 ; sh:in ( PRECISIONS ) ] ;
    sh:property [ sh:path kg:eventStart ; sh:maxCount 1 ; sh:datatype xsd:date ] ;
    sh:property [ sh:path kg:eventEnd ; sh:maxCount 1 ; sh:datatype xsd:date ] ;
    sh:property [ sh:path kg:eventDateSource ; sh:maxCount 1 ;
                  sh:in ( kg:fromSentence kg:fromArticle ) ] .
"""

EVIDENCE = (
    "SELECT $this ?value WHERE {{ $this <{p}> ?value . FILTER NOT EXISTS {{ "
    "?c <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> $this ; "
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{p}> ; "
    "<http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?value ; "
    "<https://w3id.org/chipkg/ontology#modality> ?m . "
    "FILTER(?m != <https://w3id.org/chipkg/ontology#denied>) }} }}"
)


def _class_constraint(g: rdflib.Graph, cls) -> tuple[str, str]:
    """(`sh:class X` or `sh:or (...)`, readable name) for a class, unions expanded."""
    from rdflib.collection import Collection
    from rdflib.namespace import OWL

    from kg.vocab import KG

    def local(c) -> str:
        return "kg:" + str(c).removeprefix(str(KG))

    union = g.value(cls, OWL.unionOf)
    if union is None:
        return f"sh:class {local(cls)}", local(cls)
    members = list(Collection(g, union))
    alternatives = " ".join(f"[ sh:class {local(m)} ]" for m in members)
    return f"sh:or ( {alternatives} )", " or ".join(local(m) for m in members)


def generate_shapes() -> str:
    """The text of ontology/shapes.ttl, from ontology/kg.ttl."""
    from rdflib import Graph
    from rdflib.namespace import RDFS

    from kg.dates import DATATYPES, PRECISIONS
    from kg.vocab import KG, XSD, ontology_dir, relations

    g = Graph().parse(ontology_dir() / "kg.ttl")
    date_types = " ".join(
        f"[ sh:datatype xsd:{t.removeprefix(str(XSD))} ]" for t in dict.fromkeys(DATATYPES.values())
    )
    fixed = FIXED.replace("RELATIONS", " ".join(f"kg:{r}" for r in relations()))
    fixed = fixed.replace("PRECISIONS", " ".join(f"kg:{p}" for p in PRECISIONS))
    out = [HEADER, fixed.replace("DATE_TYPES", date_types)]
    out.append("# ---------------------------------------------------------------- relations")
    for r in relations():
        prop = KG[r]
        domain, range_ = g.value(prop, RDFS.domain), g.value(prop, RDFS.range)
        lines = [f"kgsh:{r}-subject a sh:NodeShape ;", f"    sh:targetSubjectsOf kg:{r} ;"]
        if domain is not None:
            constraint, name = _class_constraint(g, domain)
            lines.append(f"    {constraint} ;")
            lines.append(f'    sh:message "the subject of kg:{r} must be a {name}" ;')
        lines.append("    sh:sparql [")
        lines.append(f'        sh:message "kg:{r} fact without a claim that is not denied" ;')
        lines.append(f'        sh:select """{EVIDENCE.format(p=prop)}""" ] .')
        out.append("\n".join(lines))
        if range_ is not None:
            constraint, name = _class_constraint(g, range_)
            out.append(
                f"kgsh:{r}-object a sh:NodeShape ;\n    sh:targetObjectsOf kg:{r} ;\n"
                f"    {constraint} ;\n"
                f'    sh:message "the object of kg:{r} must be a {name}" .'
            )
    return "\n\n".join(out) + "\n"


# ----------------------------------------------------------------- validating


@dataclass(frozen=True)
class Violation:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str


@cache
def _prepared_query_graph() -> type[rdflib.Graph]:
    """An rdflib Graph class that parses each distinct SPARQL text once per process:
    pySHACL sends the query of a SPARQL constraint again for every focus node (and `kg
    build` validates chunk by chunk), and parsing cost more than running."""
    from functools import lru_cache

    from rdflib import Graph
    from rdflib.plugins.sparql import prepareQuery

    prepare = lru_cache(maxsize=256)(prepareQuery)

    class PreparedQueryGraph(Graph):
        def query(self, query_object, *args, **kwargs):
            if isinstance(query_object, str):
                query_object = prepare(query_object)
            return super().query(query_object, *args, **kwargs)

    return PreparedQueryGraph


def union_graph(store, graphs: Iterable[str] | None = None) -> rdflib.Graph:
    """Every triple of every graph of the store, as one rdflib Graph; with `graphs`, only
    the triples of those graphs and of the ontology graph."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    from kg.vocab import ONTOLOGY_GRAPH, XSD

    if graphs is None:
        data = store.dump(format=ox.RdfFormat.N_QUADS)
        quads = ox.parse(data, format=ox.RdfFormat.N_QUADS)
    else:
        names = [ox.NamedNode(ONTOLOGY_GRAPH), *(ox.NamedNode(g) for g in sorted(set(graphs)))]
        quads = (q for g in names for q in store.quads_for_pattern(None, None, None, g))

    def term(t):  # pyoxigraph -> rdflib; plain literals stay plain, as rdflib parses them
        if isinstance(t, ox.NamedNode):
            return URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return BNode(t.value)
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        return Literal(t.value) if dt == str(XSD.string) else Literal(t.value, datatype=URIRef(dt))

    g = _prepared_query_graph()()
    # graph names dropped: one union graph
    g.addN((term(q.subject), term(q.predicate), term(q.object), g) for q in quads)
    return g


@cache
def _shapes_graph(path: Path, mtime_ns: int) -> rdflib.Graph:
    """The parsed shapes file (per path and modification time: `kg build` checks each
    chunk of articles it writes against the same shapes)."""
    from rdflib import Graph

    return Graph().parse(path, format="turtle")


def load_shapes(shapes_path=None) -> rdflib.Graph:
    """The shapes file (default ontology/shapes.ttl), parsed once per process, and pySHACL
    imported: a build does both while its parser processes start."""
    import pyshacl  # noqa: F401  (0.2 s the first time)

    from kg.vocab import ontology_dir

    path = Path(shapes_path) if shapes_path else ontology_dir() / "shapes.ttl"
    if not path.is_file():
        raise StoreError(f"no shapes file {path}: run `python -m kg.shapes > {path}`")
    return _shapes_graph(path.resolve(), path.stat().st_mtime_ns)


def validate(store, shapes_path=None, graphs: Iterable[str] | None = None) -> list[Violation]:
    """pySHACL over the union graph of `store`; the violations, sorted.

    With `graphs` (article graph IRIs), only those graphs and the ontology are checked:
    every article graph carries the descriptions of the entities it mentions, so an
    article graph can be checked on its own (what `kg build` does after writing some).
    """
    import pyshacl

    shapes = load_shapes(shapes_path)
    conforms, results, _ = pyshacl.validate(
        union_graph(store, graphs),
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        inplace=True,
    )
    if conforms:
        return []
    q = f"""PREFIX sh: <{SH}>
SELECT ?sev ?focus ?path ?value ?msg ?shape WHERE {{
  ?r a sh:ValidationResult ; sh:resultSeverity ?sev ; sh:focusNode ?focus ;
     sh:sourceShape ?shape .
  OPTIONAL {{ ?r sh:resultPath ?path }} OPTIONAL {{ ?r sh:value ?value }}
  OPTIONAL {{ ?r sh:resultMessage ?msg }}
}}"""
    out = set()
    for row in results.query(q):
        out.add(
            Violation(
                severity=str(row.sev).removeprefix(SH),
                focus=str(row.focus),
                path=str(row.path) if row.path is not None else None,
                value=str(row.value) if row.value is not None else None,
                message=str(row.msg) if row.msg is not None else "",
                shape=str(row.shape),
            )
        )
    return sorted(out, key=lambda v: (v.shape, v.focus, v.value or "", v.message))


def format_violations(violations: list[Violation]) -> str:
    from kg.query import table

    def short(x: str | None) -> str:
        if x is None:
            return ""
        from kg.graph import PREFIXES

        for p, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if x.startswith(ns):
                return f"{p}:{x[len(ns) :]}"
        return x

    rows = [
        [v.severity, short(v.focus), short(v.path), short(v.value), v.message] for v in violations
    ]
    return table(["severity", "focus", "path", "value", "message"], rows)


if __name__ == "__main__":
    import sys

    sys.stdout.write(generate_shapes())
