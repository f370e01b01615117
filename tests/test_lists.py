"""Official lists beside the news (kg/lists.py): reading the trade.gov CSV and the Entity List
TSV, links to graph entities only when unambiguous, the saved queries about them, kg viz
marks, and bad files refused whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fact, write_hand_article
from typer.testing import CliRunner

from kg import graph
from kg.cli import app
from kg.entities import load_gazetteer
from kg.errors import ListError
from kg.lists import (
    ListEntry,
    import_lists,
    match_entities,
    match_key,
    read_lists,
    stored_links,
)
from kg.saved import bind, get_saved
from kg.vocab import KGE

CSV = Path(__file__).parent / "data" / "lists" / "csl-sample.csv"
runner = CliRunner()


def tsv(shared: Path) -> Path:
    return shared / "reference" / "entity-list" / "entity-list-cn.tsv"


def gz(local: str):
    return load_gazetteer().entities[str(KGE[local])]


FIRMS = ["Huawei", "SMIC", "Naura", "SMEE", "YMTC", "Sophgo", "CXMT", "AMEC", "Tokyo_Electron"]


def news_store(path: Path):
    """Articles naming the firms, with US export controls on three of them at known dates."""
    store = graph.open_store(path)
    us, huawei, naura, cxmt = gz("United_States"), gz("Huawei"), gz("Naura"), gz("CXMT")
    firms = [gz(x) for x in FIRMS]
    write_hand_article(store, "firms.md", [*firms, us], [], title="企業", date="2024-03-01")
    write_hand_article(store, "huawei.md", [us, huawei], [fact(us, "restrictsExportsTo", huawei)],
                       title="華為", date="2020-01-15")  # fmt: skip
    write_hand_article(store, "naura.md", [us, naura, cxmt], [
        fact(us, "restrictsExportsTo", naura), fact(us, "restrictsExportsTo", cxmt, start=40),
    ], title="北方華創", date="2024-06")  # fmt: skip
    return store


@pytest.fixture
def listed(tmp_path, shared):
    """A news store with the Entity List (China and Taiwan rows) imported."""
    store = news_store(tmp_path / "store")
    report = import_lists(tmp_path / "store", [tsv(shared)])
    return store, tmp_path / "store", report


# ----------------------------------------------------------------- reading


def test_entity_list_tsv_reads_every_row_with_its_fields(shared):
    [el] = read_lists(tsv(shared))
    lines = tsv(shared).read_text(encoding="utf-8").splitlines()
    assert el.id == "EL" and len(el.entries) == len(lines) - 1
    huawei = next(e for e in el.entries.values() if e.name == "Huawei Technologies Co., Ltd.")
    assert huawei.listed == "2019-05-21" and huawei.citation.startswith("84 FR 22963")
    assert huawei.countries == ("CN",) and "Huawei Marine" in huawei.aliases


def test_csl_csv_makes_one_list_per_source_with_quoted_fields():
    lists = {lst.id: lst for lst in read_lists(CSV)}
    assert set(lists) == {"EL", "CMIC"}
    assert lists["EL"].label == "Entity List"
    assert lists["EL"].publisher == "Bureau of Industry and Security"
    assert len(lists["EL"].entries) == 5 and len(lists["CMIC"].entries) == 1
    naura = lists["EL"].entries["c7e9a1b3d5f74c2e6a8b0d2f4a6c8e13"]
    assert naura.name == "Naura Technology Group Co., Ltd."  # a quoted field with commas
    assert naura.aliases[:2] == ("Northern Huachuang", "Beifang Huachuang")
    assert (naura.listed, naura.citation, naura.countries) == ("2024-12-05", "89 FR 96836", ("CN",))
    hk = lists["EL"].entries["d1f3b5d7f9a24e6c8a0c2e4b6d8f0a35"]
    assert hk.countries == ("HK",)


@pytest.mark.parametrize(
    ("content", "line", "what"),
    [
        (b"name,alias,when\nX,Y,Z\n", 1, "not a list layout"),
        (b"name\taliases\tcountry\taddress\tfederal_register\tlisted_date\tsource_row_id\n"
         b"A\t\tCN\taddr\t1 FR 1\t2020-01-01\tr1\nB\t\tCN\taddr\n", 3, "4 fields"),
        ("name\taliases\tcountry\taddress\tfederal_register\tlisted_date\tsource_row_id\n"
         "A\t\tCN\taddr\t1 FR 1\t2020-01-01\tr1\n華為\t\tCN\t住所\t\t\tr2\n".encode("shift_jis"),
         3, "not UTF-8"),
        (b"name\taliases\tcountry\taddress\tfederal_register\tlisted_date\tsource_row_id\n"
         b"A\t\tCN\taddr\t1 FR 1\t5/21/19\tr1\n", 2, "not YYYY-MM-DD"),
        (CSV.read_bytes() + b'ffff,Entity List (EL) - Bureau of Industry and Security,,,,"Cut', 8,
         "malformed CSV"),
        (CSV.read_bytes() + b"ffff,Entity List (EL) - Bureau of Industry and Security,,,,Cut\n", 8,
         "6 fields"),
    ],
)  # fmt: skip
def test_a_bad_list_file_is_one_error_naming_file_and_line(tmp_path, content, line, what):
    bad = tmp_path / "list.txt"
    bad.write_bytes(content)
    with pytest.raises(ListError) as err:
        read_lists(bad)
    message = str(err.value)
    assert f"{bad}:{line}:" in message and what in message, message
    assert "\n" not in message


def test_a_bad_file_imports_nothing_not_even_the_good_one_before_it(tmp_path, shared):
    store = news_store(tmp_path / "store")
    import_lists(tmp_path / "store", [CSV])
    before = graph.export(store, "nquads")
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(tsv(shared).read_bytes()[:-40])  # the last row cut short
    with pytest.raises(ListError, match=r"bad\.tsv:\d+: \d fields"):
        import_lists(tmp_path / "store", [tsv(shared), bad])
    assert graph.export(store, "nquads") == before
    graph.close_store(tmp_path / "store")


# ----------------------------------------------------------------- links


def test_the_entity_list_links_the_listed_firms_and_no_other(listed):
    store, _, report = listed
    assert report.lists == (("EL", "Entity List", 1118),)
    links = {r.entity: r for r in stored_links(store)}
    expected = {str(KGE[x]) for x in ("Huawei", "SMIC", "Naura", "SMEE", "YMTC", "Sophgo")}
    assert set(links) == expected  # CXMT, AMEC and Tokyo Electron are on no entry
    assert links[str(KGE["Huawei"])].entry_name == "Huawei Technologies Co., Ltd."
    assert links[str(KGE["SMIC"])].entry_name == (
        "Semiconductor Manufacturing International Corporation (SMIC)"
    )  # not one of its Beijing, Shenzhen or Tianjin units
    assert links[str(KGE["Naura"])].reason == "name"  # Naura Technology Group = its name
    assert links[str(KGE["Sophgo"])].listed == "2025-01-16"
    assert report.links == len(expected)


def test_a_name_matching_two_entries_links_neither():
    entries = {
        "e1": ListEntry("e1", "Alpha Microelectronics Co., Ltd.", ("Alpha",)),
        "e2": ListEntry("e2", "Alpha Semiconductor (Wuxi) Co., Ltd.", ("Alpha",)),
        "e3": ListEntry("e3", "Beta Systems Corporation (BSC)"),
    }
    names = {"x:alpha": ["Alpha"], "x:beta": ["BSC"], "x:gamma": ["Gamma"], "x:bs": ["BS"]}
    matches = match_entities("EL", entries, names, curated={"x:alpha", "x:beta", "x:bs"})
    got = {(m.entity, m.entry): (m.linked, m.reason) for m in matches}
    assert got == {
        ("x:alpha", "e1"): (False, "ambiguous: 2 entries"),
        ("x:alpha", "e2"): (False, "ambiguous: 2 entries"),
        ("x:beta", "e3"): (True, "abbreviation"),
    }
    detected = match_entities("EL", entries, {"x:beta": ["BSC"]}, curated=set())
    assert detected == []  # a three-character key links only a gazetteer entity


def test_match_keys_set_legal_forms_and_punctuation_aside():
    assert match_key("Naura Technology Group Co., Ltd.") == "naura technology group"
    assert match_key("Huawei Device (Hong Kong) Co., Limited") == "huawei device hong kong"
    assert match_key("ＳＭＩＣ") == "smic"


def test_links_follow_the_entities_after_a_build(tiny_copy, shared):
    corpus, store = tiny_copy
    import_lists(store, [tsv(shared)])
    ox_store = graph.open_store(store, create=False)
    before = {r.entity for r in stored_links(ox_store)}
    assert before == {str(KGE[x]) for x in ("Huawei", "SMIC", "SiCarrier")}
    (corpus / "a" / "naura.md").write_text(
        "---\ntitle: 北方華創\ndate: 2024-12-06\n---\n北方華創はSMICに装置を供給している。\n",
        encoding="utf-8",
    )
    from kg.pipeline import build

    build([str(corpus)], store=store)
    linked = {r.entity for r in stored_links(graph.open_store(store, create=False))}
    assert str(KGE["Naura"]) in linked
    graph.close_store(store)


def test_cli_import_show_and_links(listed):
    _, path, _ = listed
    r = runner.invoke(app, ["lists", "import", str(CSV), "--store", str(path)])
    assert r.exit_code == 0, r.output
    cmic = "Non-SDN Chinese Military-Industrial Complex Companies List"
    assert f"CMIC   {cmic}: 1 entries" in r.output
    assert "EL     Entity List: 5 entries" in r.output  # the CSV's EL replaced the TSV's
    r = runner.invoke(app, ["lists", "show", "--store", str(path)])
    assert "csl-sample.csv" in r.output and "entity-list-cn.tsv" not in r.output
    r = runner.invoke(app, ["lists", "links", "--store", str(path)])
    assert r.exit_code == 0
    rows = [line.split() for line in r.output.splitlines()[2:]]
    assert {(row[0], row[1]) for row in rows} == {("CMIC", "SMIC"), ("EL", "Huawei"),
                                                  ("EL", "SMIC"), ("EL", "Naura")}  # fmt: skip
    bad = path.parent / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    r = runner.invoke(app, ["lists", "import", str(bad), "--store", str(path)])
    assert r.exit_code == 1 and r.output.startswith(f"error: [E090] {bad}:1: not a list layout")


# ----------------------------------------------------------------- the saved queries, viz


def test_export_controls_against_the_list(listed):
    store, _, _ = listed
    q = get_saved("export-controls-vs-list")
    result = store.query(graph.SPARQL_PREFIXES + bind(q, {}, store),
                         use_default_graph_as_union=True)  # fmt: skip
    rows = {
        (r["target"].value.rsplit("/", 1)[1], r["date"].value): (
            r["listedOn"].value if r["listedOn"] else None,
            r["status"].value,
        )
        for r in result
    }
    assert rows == {
        ("Huawei", "2020-01-15"): ("2019-05-21", "listed before the article"),
        ("Naura", "2024-06"): ("2024-12-05", "listed after the article"),
        ("CXMT", "2024-06"): (None, "not on the list"),
    }  # fmt: skip


def test_firms_in_the_news_on_the_list_with_their_claims(listed):
    store, _, _ = listed
    q = get_saved("listed-in-the-news")
    rows = [
        (r["entity"].value.rsplit("/", 1)[1], r["listedOn"].value,
         r["fact"].value if r["fact"] else None)
        for r in store.query(graph.SPARQL_PREFIXES + bind(q, {}, store),
                             use_default_graph_as_union=True)
    ]  # fmt: skip
    assert ("Huawei", "2019-05-21", "United States restrictsExportsTo Huawei") in rows
    assert ("SMEE", "2022-12-19", None) in rows  # named in the news, no claim about it
    assert {e for e, _, _ in rows} == {"Huawei", "SMIC", "Naura", "SMEE", "YMTC", "Sophgo"}


def test_viz_rings_the_listed_firms(listed, tmp_path):
    from kg.viz import render

    store, _, _ = listed
    out = tmp_path / "g.html"
    render(store, out)
    page = out.read_text(encoding="utf-8")
    assert '"listed":"Entity List since 2019-05-21"' in page  # Huawei
    assert page.count('"listed":"Entity List since') == 2  # Huawei and Naura: in a fact
