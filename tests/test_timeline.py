"""`kg timeline`: one self-contained page, text shown as text, drawn by a real headless
Chromium (tests/browser.py), filtered by entity and relation."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ent, fact, graph_ontology_path, write_hand_article
from typer.testing import CliRunner

from kg import graph, timeline
from kg.analysis import project
from kg.cli import app

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT_CLOSER = "終わり</script><script>alert(2)</script>"
EVIL = ent("Evil", ja=HOSTILE, en="Evil Corp")
GOOD = ent("Good", ja="グッド", en="Good Inc")
STATE = ent("State", "Country", ja="第三国", en="Third Country")


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """Claims dated by their sentences and by their articles, with HTML and script in a
    label, a sentence and a title."""
    path = tmp_path_factory.mktemp("timeline") / "store"
    store = graph.open_store(path)
    graph.write_ontology(store, graph_ontology_path())
    first = f"{HOSTILE}は2023年3月、グッドに供給した。{SCRIPT_CLOSER}"
    second = "第三国は昨年末、Evil Corpへの輸出を規制した。"
    third = "グッドは第三国に拠点を置く。"
    text = first + second + third
    facts = [
        fact(EVIL, "suppliesTo", GOOD, sentence=first),
        fact(STATE, "restrictsExportsTo", EVIL, start=len(first), sentence=second),
        fact(GOOD, "basedIn", STATE, start=len(first + second), sentence=third),
    ]
    write_hand_article(store, "evil.md", [EVIL, GOOD, STATE], facts, text=text,
                       title=f"<b>見出し</b>{SCRIPT_CLOSER}", date="2024-06-01")  # fmt: skip
    write_hand_article(store, "undated.md", [GOOD, STATE],
                       [fact(GOOD, "partnersWith", STATE, sentence="グッドは第三国と提携。")],
                       text="グッドは第三国と提携。")  # fmt: skip
    graph.close_store(path)
    return path


def test_marks_are_the_dated_claims_at_their_precision(hostile_store):
    g = project(graph.open_store(hostile_store, create=False))
    found, undated = timeline.marks(g)
    got = [(m["relation"], m["date"], m["precision"], m["start"], m["end"], m["source"],
            m["words"]) for m in found]  # fmt: skip
    assert got == [
        ("suppliesTo", "2023-03", "month", "2023-03-01", "2023-03-31", "sentence", "2023年3月"),
        ("restrictsExportsTo", "2023-12", "month", "2023-12-01", "2023-12-31", "sentence",
         "昨年末"),
        ("basedIn", "2024-06-01", "day", "2024-06-01", "2024-06-01", "article", None),
    ]  # fmt: skip
    assert undated == 1  # the partnership of the undated article
    assert "Evil Corp" in found[0]["names"] and HOSTILE in found[0]["names"]


def test_page_is_self_contained_and_escapes_all_text(hostile_store):
    page = timeline.page_html(project(graph.open_store(hostile_store, create=False)),
                              title=f"年表 {HOSTILE}")  # fmt: skip
    assert not re.search(r"<(script|img|iframe|link)[^>]*\b(src|href)\s*=", page, re.I)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert HOSTILE not in page and "<b>" not in page and page.lower().count("</script") == 2
    assert "<title>年表 &lt;img src=x onerror=alert(1)&gt;</title>" in page
    data = page.split('<script id="tl-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(data)["marks"][0]["sentence"].endswith(SCRIPT_CLOSER)


def test_kg_timeline_writes_the_page(hostile_store, tmp_path):
    out = tmp_path / "out" / "timeline.html"
    r = CliRunner().invoke(app, ["timeline", "-o", str(out), "--since", "2023-06",
                                 "--store", str(hostile_store)])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert str(out.resolve()) in r.stdout and "2 claims on the timeline" in r.stderr
    data = out.read_text("utf-8").split('type="application/json">')[1].split("</script>")[0]
    assert [m["relation"] for m in json.loads(data)["marks"]] == ["restrictsExportsTo", "basedIn"]


def test_timeline_in_headless_chromium(browser, hostile_store, tmp_path):
    g = project(graph.open_store(hostile_store, create=False))
    report = timeline.write_page(g, tmp_path / "timeline.html", title=f"年表 {HOSTILE}")
    url = report.path.resolve().as_uri()
    page = browser.open(url)
    page.wait_for("document.documentElement.dataset.tlReady === '1'", timeout=60)
    assert page.eval("document.querySelectorAll('.mark').length") == report.marks == 3
    assert page.eval("document.getElementById('tl-title').textContent") == f"年表 {HOSTILE}"
    counts = page.eval("document.getElementById('tl-counts').textContent")
    assert counts.startswith("3 件の主張") and "1 件は日付がなく" in counts

    # a click on a mark opens its evidence: the sentence and the article, as text
    click = ("[...document.querySelectorAll('.mark')].find(e => e.getAttribute('data-id')"
             " === timeline.data.marks[{}].id).dispatchEvent(new MouseEvent('click'))")  # fmt: skip
    page.eval(click.format(0))
    panel = page.eval("document.getElementById('tl-evidence').textContent")
    assert f"{HOSTILE}は2023年3月、グッドに供給した。{SCRIPT_CLOSER}" in panel
    assert f"<b>見出し</b>{SCRIPT_CLOSER}" in panel and "evil.md" in panel
    assert "2023-03 (月, 文中の表現「2023年3月」)" in panel
    page.eval(click.format(2))
    assert "記事の日付" in page.eval("document.getElementById('tl-evidence').textContent")

    # filters: an entity (any label or alias), a relation
    type_in = ("(() => { const e = document.getElementById('tl-entity'); e.value = {};"
               " e.dispatchEvent(new Event('input')); })()")  # fmt: skip
    page.eval(type_in.replace("{}", json.dumps("evil corp")))
    assert page.eval("document.querySelectorAll('.mark').length") == 2
    page.eval(type_in.replace("{}", json.dumps("")))
    page.eval("document.querySelector('input[data-relation=basedIn]').click()")
    assert page.eval("document.querySelectorAll('.mark').length") == 2
    page.eval("document.getElementById('tl-lang').click()")
    assert page.eval("document.getElementById('tl-counts').textContent").startswith("2 claims")

    # nothing ran, nothing was fetched, nothing broke
    assert page.eval("document.querySelectorAll('img, a, b, iframe').length") == 0
    assert page.eval("document.querySelectorAll('script').length") == 2
    assert page.eval("window.__kgDialogs") == [] and page.dialogs == []
    assert page.requests == [url] and page.exceptions == []
    shot = page.screenshot(tmp_path / "timeline.png")
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
