"""The gazetteer (ontology/gazetteer.ttl) keeps its conventions (ontology/GAZETTEER.md):
800+ entities, one node per name, a sector for every company, and counts in GAZETTEER.md that
come from the file."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest
from rdflib import RDF, RDFS, Graph
from rdflib.namespace import SKOS

from kg.entities import load_gazetteer, normalize_name
from kg.vocab import KG, ontology_dir, sectors


@pytest.fixture(scope="module")
def ttl() -> Graph:
    return Graph().parse(ontology_dir() / "gazetteer.ttl")


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def names(g: Graph, s) -> list[str]:
    return [str(o) for p in (RDFS.label, SKOS.altLabel, KG.ticker) for o in g.objects(s, p)]


def test_at_least_800_entities_every_company_with_a_sector_of_the_scheme(gaz):
    assert len(gaz.entities) >= 800
    scheme = {s.iri for s in sectors()}
    companies = [e for e in gaz.entities.values() if e.cls == "Company"]
    assert companies and all(e.sectors for e in companies), [
        e.iri for e in companies if not e.sectors
    ]
    used = {s for e in gaz.entities.values() for s in e.sectors}
    assert used <= scheme, used - scheme
    assert used == scheme  # every sector has members: none is a dead entry


def test_no_name_belongs_to_two_entities(ttl):
    for key in (lambda n: unicodedata.normalize("NFKC", n).casefold(), normalize_name):
        owners: dict[str, set] = {}
        for s in set(ttl.subjects(RDF.type, None)):
            for n in names(ttl, s):
                owners.setdefault(key(n), set()).add(s)
        shared = {k: v for k, v in owners.items() if len(v) > 1}
        assert not shared, shared


def test_one_english_and_one_japanese_label_and_nfkc_strings(ttl):
    for s in set(ttl.subjects(RDF.type, None)):
        langs = Counter(o.language for o in ttl.objects(s, RDFS.label))
        assert langs == Counter({"en": 1, "ja": 1}), (s, langs)
        for n in names(ttl, s):
            assert unicodedata.normalize("NFKC", n) == n, (s, n)


def test_short_latin_names_are_states_or_hold_a_digit(gaz):
    """One- and two-letter Latin names are traps for the linker (MS, ON, GM in English text):
    only state abbreviations (US, UK, EU) and names with a digit (5G, R1) may be that short."""
    for e in gaz.entities.values():
        for n in (e.label_en or "", e.label_ja or "", *e.aliases, *e.tickers):
            if n.isascii() and len(n) <= 2:
                assert e.cls == "Country" or any(c.isdigit() for c in n), (e.iri, n)


def test_every_country_has_its_own_iso_code(gaz):
    codes = [e.country_code for e in gaz.entities.values() if e.cls == "Country"]
    assert all(c and re.fullmatch(r"[A-Z]{2}", c) for c in codes), codes
    assert len(codes) == len(set(codes))
    assert gaz.entities[gaz.lookup("中国")].country_code == "CN"


def test_gazetteer_md_sector_and_other_counts_are_the_files(gaz):
    """The figures of GAZETTEER.md beside the count per class (tests/test_docs.py checks that
    one), computed here from the file."""
    text = " ".join((ontology_dir() / "GAZETTEER.md").read_text(encoding="utf-8").split())
    notation = {s.iri: s.notation for s in sectors()}
    by_sector = Counter(notation[s] for e in gaz.entities.values() for s in e.sectors)
    ranked = sorted(by_sector.items(), key=lambda x: (-x[1], x[0]))
    assert "sectors.ttl`): " + ", ".join(f"{s} {n}" for s, n in ranked) + "." in text
    tickers = sum(1 for e in gaz.entities.values() if e.tickers)
    qids = sum(1 for e in gaz.entities.values() if e.same_as)
    homes = sum(1 for e in gaz.entities.values() if e.home_country)
    assert f"{tickers} entities have a ticker, {qids} a Wikidata id, {homes} a home country" in text


def test_new_entries_link_their_japanese_and_english_names(gaz):
    """A few entries of each kind, as the press writes them."""
    expect = {
        "日立ハイテク": "Hitachi_High-Tech", "ウィンボンド": "Winbond", "華邦電子": "Winbond",
        "算能": "Sophgo", "Sophgo Technologies": "Sophgo", "ロイター通信": "Reuters",
        "中国航空工業集団": "AVIC", "ハイニックス": "SK_Hynix", "ベインキャピタル": "Bain_Capital",
        "サイバースペース管理局": "China", "TOPPANホールディングス": "Toppan_Holdings",
    }  # fmt: skip
    for name, local in expect.items():
        assert gaz.lookup(name) == f"https://w3id.org/chipkg/entity/{local}", name
