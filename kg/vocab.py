"""RDF vocabulary of the graph: namespaces, the relation list and the sectors, read from
ontology/kg.ttl and ontology/sectors.ttl.

ontology/kg.ttl is the one source of truth for relation names; `RELATIONS` is derived
from it and tests check that every term used in code exists there. ontology/sectors.ttl is
the one source of the sectors (`sectors`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.errors import GazetteerError

KG = Namespace("https://w3id.org/chipkg/ontology#")
KGE = Namespace("https://w3id.org/chipkg/entity/")
ART = Namespace("https://w3id.org/chipkg/article/")
CLAIM = Namespace("https://w3id.org/chipkg/claim/")
WD = Namespace("http://www.wikidata.org/entity/")
SECTOR = Namespace("https://w3id.org/chipkg/sector/")
LIST = Namespace("https://w3id.org/chipkg/list/")
ONTOLOGY_GRAPH = "https://w3id.org/chipkg/ontology"
# the files of ontology/ loaded into ONTOLOGY_GRAPH: the classes and properties, the sectors
ONTOLOGY_FILES = ("kg.ttl", "sectors.ttl")

CLASSES = (
    "Company",
    "GovernmentBody",
    "Country",
    "Place",
    "Association",
    "Product",
    "Technology",
)
MODALITIES = ("asserted", "reported", "hedged", "planned", "denied")
SYMMETRIC = frozenset({"competesWith", "partnersWith"})

__all__ = [
    "ART",
    "CLAIM",
    "CLASSES",
    "DCTERMS",
    "KG",
    "KGE",
    "LIST",
    "MODALITIES",
    "ONTOLOGY_FILES",
    "ONTOLOGY_GRAPH",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SECTOR",
    "SKOS",
    "SYMMETRIC",
    "WD",
    "XSD",
    "Sector",
    "ontology_dir",
    "relations",
    "sectors",
    "term_labels",
]


def load_yaml(text: str):
    """YAML text to Python data, safely (no tags that build objects): libyaml's parser when
    PyYAML has it, about 7 times faster than the pure-Python one on our files."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def ontology_dir() -> Path:
    """Directory holding the ontology, gazetteer and cue files (`KG_ONTOLOGY` overrides)."""
    env = os.environ.get("KG_ONTOLOGY")
    path = Path(env) if env else Path(__file__).resolve().parent.parent / "ontology"
    if not (path / "kg.ttl").is_file():
        raise GazetteerError(
            f"no ontology at {path}: run from a checkout of the project or set KG_ONTOLOGY"
        )
    return path


@cache
def relations() -> tuple[str, ...]:
    """Local names of the relations, in the order ontology/kg.ttl lists them."""
    from rdflib import Graph
    from rdflib.collection import Collection

    g = Graph().parse(ontology_dir() / "kg.ttl")
    head = g.value(KG.Relation, OWL.oneOf)
    if head is None:
        raise GazetteerError("ontology/kg.ttl: kg:Relation has no owl:oneOf list")
    return tuple(str(term).removeprefix(str(KG)) for term in Collection(g, head))


@dataclass(frozen=True)
class Sector:
    """A concept of ontology/sectors.ttl."""

    iri: str
    notation: str  # the short name users type: equipment, chip-design
    label_en: str
    label_ja: str


@cache
def sectors() -> tuple[Sector, ...]:
    """The sectors of ontology/sectors.ttl, in the order its scheme lists them."""
    from rdflib import Graph

    path = ontology_dir() / "sectors.ttl"
    try:
        g = Graph().parse(path)
    except Exception as exc:  # rdflib raises many kinds on bad Turtle
        raise GazetteerError(f"{path}: not valid Turtle ({exc}); fix the file") from exc
    out = []
    for concept in g.subjects(SKOS.inScheme, SECTOR[""]):
        labels = {lit.language: str(lit) for lit in g.objects(concept, SKOS.prefLabel)}
        notation = g.value(concept, SKOS.notation)
        if notation is None or not {"en", "ja"} <= labels.keys():
            raise GazetteerError(f"{path}: {concept} needs skos:notation and prefLabels @en, @ja")
        out.append(Sector(str(concept), str(notation), labels["en"], labels["ja"]))
    order = [str(c) for c in g.objects(SECTOR[""], SKOS.hasTopConcept)]
    return tuple(sorted(out, key=lambda s: (order.index(s.iri) if s.iri in order else 99, s.iri)))


@cache
def term_labels() -> dict[str, dict[str, str]]:
    """Japanese and English labels of the ontology's terms (classes, relations, modalities),
    by local name, from ontology/kg.ttl."""
    from rdflib import Graph

    g = Graph().parse(ontology_dir() / "kg.ttl")
    out: dict[str, dict[str, str]] = {}
    for s, o in g.subject_objects(RDFS.label):
        if str(s).startswith(str(KG)) and getattr(o, "language", None) in ("ja", "en"):
            out.setdefault(str(s).removeprefix(str(KG)), {})[o.language] = str(o)
    return out
