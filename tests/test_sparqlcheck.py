"""Reading a SPARQL request before the engine runs it: the operation, the projected variables,
and whether it would make the engine reach the network (SERVICE, LOAD)."""

from __future__ import annotations

import pytest

from kg.sparqlcheck import inspect

OUTSIDE = [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE"),
    ("select * where { service silent <http://x/> { ?s ?p ?o } }", "SERVICE"),
    # Oxigraph reads `SERVICE:x` as SERVICE with the IRI :x (its grammar has no word boundary)
    ("PREFIX : <http://127.0.0.1:1/>\nSELECT * WHERE { SERVICE:x { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p ?o SERVICE<http://x/>{} }", "SERVICE"),
    ("SELECT * WHERE { FILTER(?a<?b) SERVICE <http://x/> {} }", "SERVICE"),
    # a string the tokenizer would end elsewhere once \u escapes are decoded: both readings
    ('SELECT * WHERE { BIND("\\u0022" AS ?x) SERVICE <http://x/> {} }', "SERVICE"),
    ("SELECT * WHERE { \\u0053ERVICE <http://x/> {} }", "SERVICE"),
    ("LOAD <http://example.org/data.ttl>", "LOAD"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> } ; load silent <http://x/> INTO GRAPH <g>", "LOAD"),
]
INSIDE = [
    "SELECT ?service WHERE { ?service a <urn:Service> }",  # a variable
    'SELECT * WHERE { ?s ?p "SERVICE <http://x/> {}" }',  # a string
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://x/>",  # a comment
    "SELECT * WHERE { ?s <http://x/SERVICE> ?o }",  # an IRI
    "PREFIX ex: <urn:x#> SELECT * WHERE { ?s ex:service ?o }",  # a local name
    'SELECT * WHERE { ?s ?p "x"@service }',  # a language tag
    'INSERT DATA { <urn:a> <urn:b> "LOAD" }',
    "SELECT * WHERE { ?s ?p '''SERVICE\n<x>''' }",
]


@pytest.mark.parametrize(("text", "keyword"), OUTSIDE)
def test_what_reaches_outside_is_found(text: str, keyword: str) -> None:
    assert inspect(text).outside == keyword


@pytest.mark.parametrize("text", INSIDE)
def test_names_strings_and_comments_are_not_keywords(text: str) -> None:
    assert inspect(text).outside == ""


def test_operation_and_projection() -> None:
    cases = {
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c }": ("SELECT", "query", ("n",)),
        "PREFIX x: <y:> BASE <z:> SELECT DISTINCT ?g ?h { ?g ?p ?h }": ("SELECT", "query",
                                                                     ("g", "h")),
        "SELECT ?a (STR(?b) AS ?c) WHERE { ?a ?x ?b }": ("SELECT", "query", ("a", "c")),
        "SELECT * WHERE { ?s ?p ?o }": ("SELECT", "query", ()),
        "# a comment\nASK {}": ("ASK", "query", ()),
        "CONSTRUCT WHERE { ?s ?p ?o }": ("CONSTRUCT", "query", ()),
        "PREFIX a: <x:> DROP ALL": ("DROP", "update", ()),
        "with <urn:g> delete { ?s ?p ?o } where { ?s ?p ?o }": ("WITH", "update", ()),
        "{ ?s ?p ?o }": ("", "", ()),
        "": ("", "", ()),
    }  # fmt: skip
    for text, (keyword, form, variables) in cases.items():
        request = inspect(text)
        assert (request.keyword, request.form, request.variables) == (keyword, form, variables)
