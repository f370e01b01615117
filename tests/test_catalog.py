"""Entities for people (kg/catalog.py): detected organisations as nodes of their own, `kg
entities` (search, filters, --detected, --suggest), "did you mean" for unknown names, and the
sectors in saved queries and `kg analyze`."""

from __future__ import annotations

import contextlib

import pytest
from conftest import fact, write_hand_article
from rdflib import Graph
from typer.testing import CliRunner

from kg import graph
from kg.catalog import list_entities, name_key, stubs
from kg.cli import app
from kg.entities import load_gazetteer, mint_iri
from kg.errors import QueryError, UnknownEntityError
from kg.saved import bind, get_saved
from kg.vocab import KGE

runner = CliRunner()

NEWS = {
    "a1.md": "---\ntitle: 新興企業\ndate: 2024-06-01\n---\n"
    "中国の半導体メーカー、北京芯光科技はファーウェイに製品を供給している。\n"
    "米グラフィアはインテルに検査装置を納入した。\n",
    "a2.md": "---\ntitle: 続報\ndate: 2024-07-01\n---\n北京芯光科技はSMICと提携した。\n",
}


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    """A store built by the real pipeline from two articles naming firms the gazetteer lacks."""
    from kg.pipeline import build

    base = tmp_path_factory.mktemp("news")
    (base / "corpus").mkdir()
    for name, text in NEWS.items():
        (base / "corpus" / name).write_text(text, encoding="utf-8")
    with contextlib.chdir(base):
        build(["corpus"], store="store")
    yield graph.open_store(base / "store", create=False), base / "store"
    graph.close_store(base / "store")


def gz(local: str):
    return load_gazetteer().entities[str(KGE[local])]


@pytest.fixture(scope="module")
def sector_store(tmp_path_factory):
    """Gazetteer firms with their sectors, and who funds and supplies whom."""
    path = tmp_path_factory.mktemp("sectors") / "store"
    store = graph.open_store(path)
    graph.write_ontology(store, graph_ontology())
    naura, amec, tel, smic = gz("Naura"), gz("AMEC"), gz("Tokyo_Electron"), gz("SMIC")
    big, china = gz("Big_Fund"), gz("China")
    write_hand_article(store, "one.md", [naura, amec, tel, smic, big, china], [
        fact(big, "investsIn", naura), fact(amec, "suppliesTo", smic, start=20),
        fact(tel, "suppliesTo", smic, start=40), fact(naura, "suppliesTo", smic, start=60),
        fact(smic, "ownedBy", big, start=80),
    ], title="装置", date="2024-02-01")  # fmt: skip
    yield store, path
    graph.close_store(path)


def graph_ontology():
    from kg.vocab import ontology_dir

    return ontology_dir() / "kg.ttl"


# ----------------------------------------------------------------- detected organisations


def test_a_detected_firm_is_one_node_across_articles_with_country_and_examples(news):
    store, _ = news
    iri = mint_iri("北京芯光科技")
    rows = {e.iri: e for e in list_entities(store, detected=True)}
    firm = rows[iri]
    assert firm.detected and firm.classes == ["Company"] and firm.articles == 2
    assert firm.countries == [str(KGE["China"])]  # 中国の半導体メーカー、…
    assert firm.examples == [  # one sentence per article, shortest first
        "北京芯光科技はSMICと提携した。",
        "中国の半導体メーカー、北京芯光科技はファーウェイに製品を供給している。",
    ]
    assert rows[mint_iri("グラフィア")].countries == [str(KGE["United_States"])]  # 米グラフィア
    # a gazetteer entity is never marked detected
    assert not {str(KGE["Huawei"]), str(KGE["SMIC"]), str(KGE["Intel"])} & set(rows)


def test_kg_entities_detected_lists_them_with_an_example_sentence(news):
    _, path = news
    r = runner.invoke(app, ["entities", "--detected", "--store", str(path)])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].split() == ["entity", "class", "country", "articles", "claims", "example"]
    assert lines[2].split()[:4] == ["北京芯光科技", "Company", "China", "2"]
    assert "北京芯光科技はSMICと提携した。" in lines[2]
    assert lines[-1] == "(2 entities)"


def test_suggested_stubs_load_as_gazetteer_entries(news, tmp_path):
    store, _ = news
    text = stubs(list_entities(store, detected=True))
    Graph().parse(data=text, format="turtle")  # valid Turtle as written
    assert "# kg:sector sector:… ;" in text and "kg:homeCountry kge:China" in text
    from kg.vocab import ontology_dir

    gazetteer = tmp_path / "gazetteer.ttl"
    gazetteer.write_text((ontology_dir() / "gazetteer.ttl").read_text("utf-8") + "\n"
                         + text.replace("# kg:sector sector:… ;", "kg:sector sector:memory ;"),
                         encoding="utf-8")  # fmt: skip
    gaz = load_gazetteer(gazetteer)
    new = gaz.entities[gaz.lookup("北京芯光科技")]
    assert new.cls == "Company" and new.sectors == ("https://w3id.org/chipkg/sector/memory",)
    assert new.home_country == str(KGE["China"])
    assert len(gaz.entities) == len(load_gazetteer().entities) + 2


# ----------------------------------------------------------------- search and filters


def test_search_is_kana_insensitive_fuzzy_and_reads_both_scripts(news):
    store, _ = news
    queries = ("ふぁーうぇい", "ファーウェイ", "huawei", "HUAWEI", "Hauwei", "華為", "ﾌｧｰｳｪｲ")
    first = {q: list_entities(store, q)[0].iri for q in queries}
    assert set(first.values()) == {str(KGE["Huawei"])}, first
    assert list_entities(store, "芯光")[0].iri == mint_iri("北京芯光科技")  # inside a name
    assert list_entities(store, "Qwertyuiop") == []
    assert name_key("ふぁーうぇい") == name_key("ファーウェイ")


def test_filters_by_class_sector_and_country(news):
    store, _ = news
    companies = {e.iri for e in list_entities(store, cls="company")}
    assert str(KGE["Intel"]) in companies and str(KGE["China"]) not in companies
    foundries = {e.iri for e in list_entities(store, sector="foundry")}
    assert foundries == {str(KGE["SMIC"]), str(KGE["Intel"])}  # Intel: chip-design and foundry
    chinese = {e.iri for e in list_entities(store, country="CN")}
    assert chinese == {str(KGE["Huawei"]), str(KGE["SMIC"]), mint_iri("北京芯光科技")}
    assert chinese == {e.iri for e in list_entities(store, country="中国")}
    with pytest.raises(QueryError, match="unknown sector 'chips'; use one of foundry, memory"):
        list_entities(store, sector="chips")
    with pytest.raises(QueryError, match="unknown class"):
        list_entities(store, cls="Firm")


# ----------------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    "args",
    [
        ["why", "Hauwei", "suppliesTo", "Intel"],
        ["explain", "ファーウエイ", "Intel"],
        ["query", "--saved", "facts-about", "--param", "entity=Hauwei"],
    ],
)
def test_an_unknown_entity_name_fails_with_did_you_mean(news, args):
    _, path = news
    r = runner.invoke(app, [*args, "--store", str(path)])
    assert r.exit_code == 1
    assert "[E051] no entity named" in r.output and "did you mean Huawei (ファーウェイ)" in r.output


def test_a_detected_name_is_known_and_a_gazetteer_name_not_in_the_store_too(news):
    store, _ = news
    q = get_saved("facts-about")
    assert mint_iri("北京芯光科技") in bind(q, {"entity": "北京芯光科技"}, store)
    bind(q, {"entity": "Naura"}, store)  # in the gazetteer, in no article: no error
    with pytest.raises(UnknownEntityError):
        bind(q, {"entity": "北京芯光科枝"}, store)


# ----------------------------------------------------------------- sectors


def test_chinese_equipment_makers_and_who_funds_them(sector_store):
    store, _ = sector_store
    q = get_saved("chinese-equipment-makers")
    rows = [
        tuple(r[v].value.rsplit("/", 1)[-1].rsplit("#", 1)[-1] if r[v] else None
              for v in ("firm", "funder", "relation"))
        for r in store.query(graph.SPARQL_PREFIXES + bind(q, {}, store),
                             use_default_graph_as_union=True)
    ]  # fmt: skip
    assert rows == [("AMEC", None, None), ("Naura", "Big_Fund", "investsIn")]  # not TEL
    memory = bind(q, {"sector": "sector:foundry"}, store)
    got = list(store.query(graph.SPARQL_PREFIXES + memory, use_default_graph_as_union=True))
    assert [(r["firm"].value, r["funder"].value) for r in got] == [
        (str(KGE["SMIC"]), str(KGE["Big_Fund"]))
    ]


def test_analyze_by_sector(sector_store):
    from kg.analysis import analyze, format_analysis

    store, _ = sector_store
    an = analyze(store, by_sectors=True)
    rows = {r.sector.rsplit("/", 1)[1]: r for r in an.sectors}
    assert (rows["equipment"].entities, rows["equipment"].supplies) == (3, 3)
    assert (rows["foundry"].entities, rows["foundry"].supplied) == (1, 3)
    flows = {(a.rsplit("/", 1)[1], b.rsplit("/", 1)[1]): n for a, b, n in an.sector_flows}
    assert flows == {("equipment", "foundry"): 3}
    text = format_analysis(an)
    assert "supply between sectors" in text and "equipment        foundry          3" in text
    assert "by sector" not in format_analysis(analyze(store))
