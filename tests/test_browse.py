"""The pages of `kg serve` (kg/browse.py): a real server over the tiny corpus's store (built by
the real pipeline) plus an article whose labels, sentences, title and link are HTML and script,
clicked through in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from browser import Browser, find_chromium
from conftest import ent, fact, write_hand_article
from servers import free_port, running

from kg import graph
from kg.vocab import KGE

HOSTILE = "<img src=x onerror=alert(1)>"
CLOSER = "</script><script>alert(2)</script>"
EVIL = ent("Evil", ja=HOSTILE, en="Evil Corp", aliases=('"><svg onload=alert(3)>',))
GOOD = ent("Good", ja="グッド", en="Good Inc")
HUAWEI = f"{KGE}Huawei"
SICARRIER = f"{KGE}SiCarrier"


@pytest.fixture(scope="module")
def site(tiny_built, tmp_path_factory):
    """URL of a `kg serve` over the tiny store plus one hostile article."""
    _, built, _ = tiny_built
    graph.close_store(built)
    store_dir = tmp_path_factory.mktemp("browse") / "store"
    shutil.copytree(built, store_dir, ignore=shutil.ignore_patterns("LOCK"))
    store = graph.open_store(store_dir)
    write_hand_article(
        store, "evil.md", [EVIL, GOOD],
        [fact(EVIL, "suppliesTo", GOOD, "asserted", 0, sentence=f"{HOSTILE}が供給。{CLOSER}")],
        title=f"<b>見出し</b>{CLOSER}", date="2024-06-01", url="javascript:alert(4)",
    )  # fmt: skip
    graph.close_store(store_dir)
    del store
    port = free_port()
    cmd = [sys.executable, "-m", "kg.cli", "serve", "--store", str(store_dir), "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with running(cmd, url + "/"):
        yield url


def get(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8")


def page_url(site: str, kind: str, iri: str) -> str:
    return f"{site}/{kind}?iri={urllib.parse.quote(iri, safe='')}"


# ----------------------------------------------------------------- over HTTP


def test_search_finds_names_in_either_language_best_first(site):
    for text in ("ファーウェイ", "huawei", "ＨＵＡＷＥＩ", "華為"):
        status, headers, body = get(f"{site}/search?q={urllib.parse.quote(text)}")
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        hits = json.loads(body)
        assert hits[0]["iri"] == HUAWEI, (text, hits)
        assert hits[0]["name"] == "ファーウェイ (Huawei)" and hits[0]["class"] == "Company"
    assert json.loads(get(f"{site}/search?q=zzzqqq")[2]) == []


def test_bad_and_unknown_addresses_are_clear_errors(site):
    status, _, body = get(f"{site}/entity")
    assert status == 400 and "give ?iri=" in body
    status, _, body = get(f"{site}/entity?iri=not%20an%20iri")
    assert status == 400 and "not an IRI" in body
    status, _, body = get(page_url(site, "entity", f"{KGE}Nobody"))
    assert status == 404 and "says nothing about kge:Nobody" in body
    status, _, body = get(page_url(site, "article", f"{KGE}Huawei"))
    assert status == 404 and "no article" in body


def test_pages_escape_text_and_allow_only_their_own_scripts(site):
    status, headers, body = get(page_url(site, "entity", EVIL.iri))
    assert status == 200
    nonce = headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    scripts = body.count("<script")
    assert scripts == body.count(f'<script nonce="{nonce}">') == 1  # the search box's
    assert HOSTILE not in body and CLOSER not in body and "<svg" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    status, _, body = get(page_url(site, "article", graph.article_iri("evil.md")))
    assert status == 200 and "<b>" not in body and CLOSER not in body
    assert 'href="javascript' not in body and "javascript:alert(4)" in body  # shown, no link


# ----------------------------------------------------------------- in a browser


@pytest.fixture(scope="module")
def browser(site):
    if not find_chromium():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    with Browser(serving=site.removeprefix("http://")) as b:
        yield b


def clean(page, site: str) -> None:
    """Nothing ran that the page did not mean to, and nothing left the server."""
    assert page.exceptions == [] and page.dialogs == []
    assert page.eval("window.__kgDialogs") == []
    assert all(u.startswith(site + "/") for u in page.requests), page.requests


def test_query_page_runs_an_example_as_a_table(browser, site):
    page = browser.open(site + "/")
    names = page.eval("[...document.querySelectorAll('#ex option')].map(o => o.textContent)")
    index = names.index("Suppliers and customers of an entity") - 1  # after "(choose)"
    page.eval(f"""(() => {{ const ex = document.getElementById('ex'); ex.value = '{index}';
        ex.dispatchEvent(new Event('change')); }})()""")
    assert "suppliesTo" in page.eval("document.getElementById('q').value")
    page.eval("document.getElementById('q').value = document.getElementById('q').value"
              ".replace(/VALUES \\?entity \\{[^}]*\\}/,"
              " 'VALUES ?entity { <https://w3id.org/chipkg/entity/Huawei> }')")  # fmt: skip
    page.eval("document.getElementById('tbl').click()")
    page.wait_for("document.getElementById('msg').textContent.endsWith('row')")
    head = page.eval("[...document.querySelectorAll('#out th')].map(c => c.textContent)")
    assert head[:3] == ["role", "partner", "partnerLabel"]
    cells = page.eval("[...document.querySelectorAll('#out td')].map(c => c.textContent)")
    assert cells[:2] == ["supplier", "kge:SiCarrierサイキャリア"]  # the name, then its label
    link = page.eval("document.querySelector('#out td a').getAttribute('href')")
    assert link == "/entity?iri=" + urllib.parse.quote(SICARRIER, safe="")
    clean(page, site)


def test_entity_page_lists_facts_with_evidence_and_links(browser, site):
    page = browser.open(page_url(site, "entity", HUAWEI))
    assert page.eval("document.querySelector('h1').textContent") == "ファーウェイ (Huawei)"
    fact_text = page.eval("document.querySelector('li.fact').textContent")
    assert fact_text.startswith("サイキャリア (SiCarrier) → suppliesTo 供給先")
    assert "hedged" in fact_text
    assert "SiCarrierはファーウェイのサプライヤーと見られている。" in fact_text
    assert "ファーウェイ、新型チップを発表" in fact_text and "2024-05-01" in fact_text  # article
    # the neighbour's page, then the article's page, by their links
    page.follow("document.querySelector('li.fact .fact-head a').click()")
    assert page.eval("document.querySelector('h1').textContent") == "サイキャリア (SiCarrier)"
    assert "Facts about it" in page.eval("document.body.textContent")
    page.follow("document.querySelector('a.source').click()")
    assert page.eval("location.pathname") == "/article"
    assert page.eval("document.querySelector('h1').textContent") == "ファーウェイ、新型チップを発表"
    assert "example.com/news/1" in page.eval("document.querySelector('dl').textContent")
    clean(page, site)


def test_search_as_you_type_opens_the_entity_page(browser, site):
    page = browser.open(site + "/")
    page.eval("""(() => { const s = document.getElementById('search'); s.focus();
        s.value = 'サイキャ'; s.dispatchEvent(new Event('input')); })()""")
    page.wait_for("document.querySelectorAll('#hits a').length > 0")
    assert page.eval("document.querySelector('#hits a').textContent").startswith(
        "サイキャリア (SiCarrier)"
    )
    page.send("Input.dispatchKeyEvent",
              {"type": "keyDown", "key": "ArrowDown", "windowsVirtualKeyCode": 40})  # fmt: skip
    page.follow("""document.getElementById('search').dispatchEvent(
        new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))""")
    assert page.eval("location.pathname") == "/entity"
    assert page.eval("document.querySelector('h1').textContent") == "サイキャリア (SiCarrier)"
    clean(page, site)


def test_hostile_text_stays_inert_on_every_page(browser, site):
    article = graph.article_iri("evil.md")
    for url in (page_url(site, "entity", EVIL.iri), page_url(site, "entity", GOOD.iri),
                page_url(site, "article", article)):  # fmt: skip
        page = browser.open(url)
        text = page.eval("document.body.textContent")
        assert HOSTILE in text or f"<b>見出し</b>{CLOSER}" in text
        assert page.eval("document.querySelectorAll('img, svg, b, iframe').length") == 0
        assert page.eval("document.querySelectorAll('script').length") == 1
        assert not page.eval("[...document.links].some(a => a.protocol === 'javascript:')")
        clean(page, site)
    # the search box and the query page's table show the same text as text
    page = browser.open(site + "/")
    page.eval("""(() => { const s = document.getElementById('search');
        s.value = 'onerror'; s.dispatchEvent(new Event('input')); })()""")
    page.wait_for("document.querySelectorAll('#hits a').length > 0")
    assert HOSTILE in page.eval("document.getElementById('hits').textContent")
    page.eval("""document.getElementById('q').value =
        'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?e ?l WHERE { '
        + '?e rdfs:label ?l FILTER(CONTAINS(?l, "onerror")) }'""")
    page.eval("document.getElementById('tbl').click()")
    page.wait_for("document.getElementById('msg').textContent.endsWith('row')")
    assert HOSTILE in page.eval("document.getElementById('out').textContent")
    assert page.eval("document.querySelectorAll('img, svg').length") == 0
    clean(page, site)
