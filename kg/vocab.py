"""RDF vocabulary of the graph: namespaces and the relation list, read from ontology/kg.ttl.

ontology/kg.ttl is the one source of truth for relation names; `RELATIONS` is derived
from it and tests check that every term used in code exists there.
"""

from __future__ import annotations

import os
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
ONTOLOGY_GRAPH = "https://w3id.org/chipkg/ontology"

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
    "MODALITIES",
    "ONTOLOGY_GRAPH",
    "OWL",
    "PROV",
    "RDF",
    "RDFS",
    "SKOS",
    "SYMMETRIC",
    "WD",
    "XSD",
    "ontology_dir",
    "relations",
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
