"""The HTML page: self-contained, text shown as text, and drawn by a real headless Chromium."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest
from conftest import ent, fact, graph_ontology_path, write_hand_article
from typer.testing import CliRunner

from kg import analysis as A
from kg import graph, viz
from kg.cli import app
from kg.vocab import KGE, relations

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT_CLOSER = "終わり</script><script>alert(2)</script>"
HREF = '<a href="javascript:alert(3)">href</a>'  # pyvis switches tooltips to innerHTML on "href"

EVIL = ent("Evil", ja=HOSTILE, en="Evil Corp", aliases=(HREF,))
GOOD = ent("Good", ja="グッド", en="Good Inc")
THIRD = ent("Third", "Country", ja="第三国", en="Third Country")


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """A real store whose labels, sentences and titles are HTML and script."""
    path = tmp_path_factory.mktemp("hostile") / "store"
    store = graph.open_store(path)
    graph.write_ontology(store, graph_ontology_path())
    facts = [
        fact(EVIL, "suppliesTo", GOOD, "asserted", 0, sentence=f"{HOSTILE}が供給。{SCRIPT_CLOSER}"),
        fact(EVIL, "suppliesTo", GOOD, "hedged", 40, sentence="供給と見られる。"),
        fact(GOOD, "competesWith", EVIL, "reported", 80, sentence=f"競合 {HREF}"),
        fact(THIRD, "restrictsExportsTo", EVIL, "planned", 120, sentence="規制を検討。"),
        fact(GOOD, "basedIn", THIRD, "denied", 160, sentence="拠点ではない。"),
    ]
    write_hand_article(
        store, "evil.md", [EVIL, GOOD, THIRD], facts,
        title=f"<b>見出し</b>{SCRIPT_CLOSER}", date="2024-06-01",
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def hostile_graph(hostile_store):
    return A.project(graph.open_store(hostile_store, create=False))


def test_page_is_self_contained_and_escapes_all_text(hostile_graph):
    page = viz.page_html(hostile_graph, title=f"題 {HOSTILE}")
    # nothing to fetch: no external scripts, styles, links, imports or url() targets
    assert not re.search(r"<(script|img|iframe|link)[^>]*\b(src|href)\s*=", page, re.I)
    for css in re.findall(r"<style>(.*?)</style>", page, re.S):
        assert not re.search(r"url\(\s*(?!['\"]?data:)", css, re.I)
    assert "@import" not in page
    assert not re.search(r"cdnjs|jsdelivr|unpkg|bootstrap", page, re.I)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # article text never appears as markup: the only </script> are the page's own three
    ours = page.replace(viz.vis_assets()[0], "")  # vis-network's own code mentions <b>
    assert HOSTILE not in ours and "<b>" not in ours and "<a href" not in ours
    assert page.lower().count("</script") == 3
    assert "<title>題 &lt;img src=x onerror=alert(1)&gt;</title>" in page
    data = page.split('<script id="kg-data" type="application/json">')[1].split("</script>")[0]
    decoded = json.loads(data)
    assert {n["label_ja"] for n in decoded["nodes"]} == {HOSTILE, "グッド", "第三国"}
    assert any(c["sentence"].endswith(SCRIPT_CLOSER) for e in decoded["edges"] for c in e["claims"])


def test_script_json_escapes_html_significant_characters():
    text = viz.script_json({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_edges_are_one_per_fact_styled_by_modality(hostile_graph):
    data = viz.network_data(hostile_graph)
    edges = {(e["from"], e["relation"], e["to"]): e for e in data["edges"]}
    assert len(edges) == 3  # two suppliesTo claims make one edge; the denied claim is no edge
    supply = edges[(EVIL.iri, "suppliesTo", GOOD.iri)]
    assert supply["modality"] == "asserted" and supply["dashes"] is False
    assert [c["modality"] for c in supply["claims"]] == ["asserted", "hedged"]
    assert supply["claims"][0]["title"].startswith("<b>見出し") and supply["arrows"] == "to"
    compete = edges[(GOOD.iri, "competesWith", EVIL.iri)]
    assert compete["modality"] == "reported" and compete["arrows"] == ""
    assert edges[(THIRD.iri, "restrictsExportsTo", EVIL.iri)]["modality"] == "planned"
    styles = [json.dumps(viz.MODALITY_DASHES[m]) for m in ("asserted", "reported", "hedged",
                                                           "planned")]  # fmt: skip
    assert len(set(styles)) == 4
    assert set(relations()) <= set(viz.RELATION_COLORS)
    assert not any("title" in x for x in [*data["nodes"], *data["edges"]])  # tooltips: DOM
    sizes = {n["id"]: n["value"] for n in data["nodes"]}
    assert sizes[EVIL.iri] > sizes[THIRD.iri]  # degree 2 against 1


def star(n_leaves: int, hubs: int = 3) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for h in range(hubs):
        for i in range(n_leaves):
            g.add_edge(f"{KGE}hub{h}", f"{KGE}leaf{h}_{i}", key=f"c{h}_{i}", relation="suppliesTo",
                       modality="asserted", sentence="s", title="t", date="2024-01-01",
                       article="a", confidence=1.0, claim=f"c{h}_{i}")  # fmt: skip
    g.add_edge(f"{KGE}hub0", f"{KGE}hub1", key="h01", relation="partnersWith",
               modality="asserted", sentence="s", title="t", date=None, article="a",
               confidence=1.0, claim="h01")  # fmt: skip
    return g


def test_select_keeps_the_most_connected_part_and_says_so():
    g = star(10)
    sel = viz.select(g, max_nodes=5)
    assert sel.truncated and sel.total_nodes == 33
    assert {f"{KGE}hub0", f"{KGE}hub1", f"{KGE}hub2"} <= sel.shown and len(sel.shown) == 5
    assert "5 most connected of 33" in sel.note_en and "--max-nodes 5" in sel.note_ja
    full = viz.select(g, max_nodes=100)
    assert not full.truncated and full.note_en is None and len(full.shown) == 33
    focused = viz.select(g, focus=[f"{KGE}hub2"], depth=1, max_nodes=100)
    assert len(focused.shown) == 11 and not focused.truncated
    two = viz.select(g, focus=[f"{KGE}leaf0_0"], depth=2, max_nodes=100)
    assert two.shown >= {f"{KGE}hub1", f"{KGE}leaf0_9"} and len(two.shown) == 12


def test_the_page_holds_what_is_around_the_view_for_walking():
    """Nearest first, up to `embed` entities; each says how many neighbours it lacks."""
    g = star(10)
    leaf = f"{KGE}leaf2_0"
    sel = viz.select(g, focus=[leaf], depth=0, max_nodes=1, embed=5)
    assert sel.shown == {leaf} and sel.focus == {leaf}
    # the leaf, its hub (1 hop), then 3 of the hub's 9 other leaves (2 hops); hub2's
    # component holds nothing else, and the other hubs are not reachable from it
    hub = f"{KGE}hub2"
    assert set(sel.graph) == {leaf, hub, *(f"{KGE}leaf2_{i}" for i in (1, 2, 3))}
    assert sel.beyond == {hub: 10 - 4}  # its 10 leaves, 4 of them held
    everything = viz.select(g, focus=[leaf], depth=0, max_nodes=1, embed=1000)
    assert len(everything.graph) == 11 and everything.beyond == {}  # hub2's component


def test_render_focus_by_alias_and_cli(hostile_store, tmp_path):
    store = graph.open_store(hostile_store, create=False)
    report = viz.render(store, tmp_path / "f.html", focus=["Evil Corp"], depth=1,
                        relations=["suppliesTo"])  # fmt: skip
    assert (report.nodes, report.edges, report.claims) == (2, 1, 2)
    report = viz.render(store, tmp_path / "s.html", since="2030-01-01")
    assert (report.nodes, report.edges) == (0, 0)
    del store  # the CLI opens the store itself: RocksDB allows one opener per process
    graph.close_store(hostile_store)
    out = tmp_path / "cli.html"
    result = CliRunner().invoke(app, ["viz", "-o", str(out), "--focus", "第三国", "--depth", "0",
                                      "--lang", "en", "--store", str(hostile_store)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert str(out.resolve()) in result.output and out.is_file()
    bad = CliRunner().invoke(app, ["viz", "-o", str(out), "--focus", "Nobody",
                                   "--store", str(hostile_store)])  # fmt: skip
    assert bad.exit_code == 1 and "no entity named 'Nobody'" in bad.output


# ----------------------------------------------------------------- in a real browser


def fetched(page) -> list[str]:
    """What the page asked for, bar data: URLs (Chromium draws the date inputs' icon so)."""
    return [u for u in page.requests if not u.startswith("data:")]


def test_page_in_headless_chromium(browser, hostile_graph, tmp_path):
    out = viz.write_page(hostile_graph, tmp_path / "hostile.html", title=f"題 {HOSTILE}")
    url = out.path.resolve().as_uri()
    page = browser.open(url)
    page.wait_for("document.documentElement.dataset.kgReady === '1'", timeout=60)

    drawn = page.eval("[kg.network.body.nodeIndices.length, kg.network.body.edgeIndices.length]")
    assert drawn == [out.nodes, out.edges] == [3, 3]
    evil = json.dumps(EVIL.iri)
    assert page.eval(f"kg.network.body.nodes[{evil}].options.label") == HOSTILE
    assert page.eval("document.getElementById('kg-title').textContent") == f"題 {HOSTILE}"

    # the evidence of an edge: every sentence, with the article's title and date, as text
    supply = page.eval(f"kg.data.edges.find(e => e.from === {evil} && "
                       "e.relation === 'suppliesTo').id")  # fmt: skip
    page.eval(f"kg.showEdge({json.dumps(supply)})")
    details = page.eval("document.getElementById('kg-details').textContent")
    assert f"{HOSTILE}が供給。{SCRIPT_CLOSER}" in details and "供給と見られる。" in details
    assert f"<b>見出し</b>{SCRIPT_CLOSER} · 2024-06-01" in details
    tip = page.eval(f"kg.edges.get({json.dumps(supply)}).title.textContent")
    assert HOSTILE in tip and SCRIPT_CLOSER in tip
    compete = page.eval("kg.data.edges.find(e => e.relation === 'competesWith').id")
    page.eval(f"kg.showEdge({json.dumps(compete)})")
    assert HREF in page.eval("document.getElementById('kg-details').textContent")
    page.eval(f"kg.showNode({evil})")
    assert HREF in page.eval("document.getElementById('kg-details').textContent")

    # hovering an edge opens vis's tooltip with the same text; clicking it fills the panel
    control = page.eval("kg.data.edges.find(e => e.relation === 'restrictsExportsTo').id")
    pos = page.eval(f"""(() => {{ const e = kg.network.body.edges[{json.dumps(control)}];
        const d = kg.network.canvasToDOM(e.edgeType.getPoint(0.5));
        const r = document.querySelector('#kg-network canvas').getBoundingClientRect();
        return [r.left + d.x, r.top + d.y]; }})()""")
    mouse = {"x": pos[0], "y": pos[1]}
    page.send("Input.dispatchMouseEvent", {"type": "mouseMoved", **mouse})
    tooltip = "document.querySelector('div.vis-tooltip')"
    page.wait_for(f"{tooltip} && {tooltip}.style.visibility === 'visible'")
    tip = page.eval(f"{tooltip}.textContent")
    assert tip.startswith(f"第三国 —輸出規制対象 → {HOSTILE}") and "規制を検討。" in tip
    assert SCRIPT_CLOSER in tip
    page.eval("document.getElementById('kg-details').replaceChildren()")
    for kind in ("mousePressed", "mouseReleased"):
        page.send("Input.dispatchMouseEvent",
                  {"type": kind, "button": "left", "clickCount": 1, **mouse})  # fmt: skip
    page.wait_for("document.getElementById('kg-details').textContent.includes('規制を検討')")

    # the search box finds the hostile label and lists it as text
    page.eval("""(() => { const s = document.getElementById('kg-search');
        s.value = 'onerror'; s.dispatchEvent(new Event('input')); })()""")
    assert HOSTILE in page.eval("document.getElementById('kg-results').textContent")
    assert page.eval("kg.network.getSelectedNodes()") == [EVIL.iri]

    # the language toggle
    page.eval("document.getElementById('kg-lang').click()")
    assert page.eval(f"kg.network.body.nodes[{evil}].options.label") == "Evil Corp"
    page.eval("document.getElementById('kg-lang').click()")

    # nothing ran, nothing was fetched, nothing broke
    assert page.eval("document.querySelectorAll('img, a, b, iframe').length") == 0
    assert page.eval("document.querySelectorAll('script').length") == 3
    assert page.eval("window.__kgDialogs") == [] and page.dialogs == []
    assert page.eval("performance.getEntriesByType('resource').length") == 0
    assert fetched(page) == [url]
    assert page.exceptions == []
    shot = page.screenshot(tmp_path / "hostile.png")
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000


def test_truncated_page_says_so_in_chromium(browser, tmp_path):
    out = viz.write_page(star(40), tmp_path / "big.html", max_nodes=30, lang="en")
    page = browser.open(out.path.resolve().as_uri())
    page.wait_for("document.documentElement.dataset.kgReady === '1'", timeout=60)
    assert page.eval("kg.network.body.nodeIndices.length") == 30
    note = page.eval("(() => { const n = document.getElementById('kg-note');"
                     " return n.hidden ? null : n.textContent; })()")  # fmt: skip
    assert note == "Showing the 30 most connected of 123 entities in the graph (--max-nodes 30)."
    assert fetched(page) == [out.path.resolve().as_uri()] and page.exceptions == []
    print(f"screenshot: {page.screenshot(tmp_path / 'big.png')}")


def chain() -> nx.MultiDiGraph:
    """A - B (suppliesTo, 2024-01), B - C (investsIn, 2024-09), C - D (basedIn, undated),
    plus E, F on A: a focus on A at depth 1 shows A, B, E, F and holds C and D."""
    g = nx.MultiDiGraph()
    for n in "ABCDEF":
        g.add_node(f"{KGE}{n}", cls="Company", label_ja=f"社{n}", label_en=f"Firm {n}",
                   aliases=[])  # fmt: skip
    links = [("A", "suppliesTo", "B", "2024-01-05"), ("B", "investsIn", "C", "2024-09-01"),
             ("C", "basedIn", "D", None), ("A", "partnersWith", "E", "2024-02-01"),
             ("F", "suppliesTo", "A", "2024-03-01")]  # fmt: skip
    for i, (s, rel, o, day) in enumerate(links):
        g.add_edge(f"{KGE}{s}", f"{KGE}{o}", key=f"c{i}", relation=rel, modality="asserted",
                   sentence=f"{s}と{o}の文。", title="記事", date=day, article="a",
                   confidence=0.9, claim=f"c{i}")  # fmt: skip
    return g


def shown_ids(page) -> set[str]:
    return {i.removeprefix(str(KGE)) for i in page.eval("kg.nodes.getIds()")}


def test_viz_page_expands_refocuses_and_filters(browser, tmp_path):
    out = viz.write_page(chain(), tmp_path / "walk.html", focus=[f"{KGE}A"], depth=1)
    assert (out.nodes, out.held) == (4, 6)
    page = browser.open(out.path.resolve().as_uri())
    ready = "document.documentElement.dataset.kgReady === '1'"
    page.wait_for(ready, timeout=60)
    assert shown_ids(page) == {"A", "B", "E", "F"}

    # double-click B: its neighbour C comes into view with the edge to it
    b = json.dumps(f"{KGE}B")
    pos = page.eval(f"""(() => {{ const p = kg.network.canvasToDOM(
        kg.network.getPositions([{b}])[{b}]);
        const r = document.querySelector('#kg-network canvas').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }})()""")
    mouse = {"x": pos[0], "y": pos[1], "button": "left"}
    for count in (1, 2):
        for kind in ("mousePressed", "mouseReleased"):
            page.send("Input.dispatchMouseEvent", {"type": kind, "clickCount": count, **mouse})
    page.wait_for("kg.nodes.get('https://w3id.org/chipkg/entity/C') !== null")
    assert shown_ids(page) == {"A", "B", "C", "E", "F"}
    details = page.eval("document.getElementById('kg-details').textContent")
    assert "出資先: 社B —出資先 → 社C" in details and "null" not in details
    page.wait_for(ready)

    # filter by relation: without investsIn, C has no edge left and goes; back with it
    box = "document.querySelector('#kg-legend input[data-key=\"investsIn\"]')"
    page.eval(f"{box}.click()")
    assert shown_ids(page) == {"A", "B", "E", "F"}
    page.eval(f"{box}.click()")
    page.wait_for(ready)
    assert shown_ids(page) == {"A", "B", "C", "E", "F"}

    # a date range keeps the edges with a claim inside it: A-E (February) and F-A (March);
    # C goes with B-C (September), B stays (expanded by hand), A-B (January) goes
    dates = """(() => {{ for (const [id, day] of [['kg-from', '{0}'], ['kg-to', '{1}']]) {{
        const box = document.getElementById(id); box.value = day;
        box.dispatchEvent(new Event('change')); }} }})()"""
    page.eval(dates.format("2024-02-01", "2024-06-30"))
    assert shown_ids(page) == {"A", "B", "E", "F"}
    assert len(page.eval("kg.edges.getIds()")) == 2
    page.eval(dates.format("", ""))
    page.wait_for(ready)
    assert len(page.eval("kg.edges.getIds()")) == 4

    # re-focus on C at depth 1 from its panel: C and its neighbours B and D
    page.eval(f"kg.showNode({json.dumps(f'{KGE}C')})")
    page.eval("document.getElementById('kg-focus').click()")
    page.wait_for(ready)
    assert shown_ids(page) == {"B", "C", "D"}
    page.eval("document.getElementById('kg-reset').click()")
    page.wait_for(ready)
    assert shown_ids(page) == {"A", "B", "E", "F"}
    assert page.exceptions == [] and fetched(page) == [out.path.resolve().as_uri()]


def test_viz_labels_the_most_connected_until_zoomed_in(browser, tmp_path):
    out = viz.write_page(star(40), tmp_path / "labels.html", max_nodes=200)
    page = browser.open(out.path.resolve().as_uri())
    page.wait_for("document.documentElement.dataset.kgReady === '1'", timeout=60)
    hubs = {f"{KGE}hub{i}" for i in range(3)}
    labelled = set(page.eval("kg.labelled()"))
    assert labelled == hubs, len(labelled)  # 120 leaves, unlabelled at this zoom
    page.eval("kg.network.moveTo({ scale: 3 })")
    assert len(page.eval("kg.labelled()")) == out.nodes == 123
