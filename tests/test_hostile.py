"""Hostile text: file names, titles and user input never become commands, paths or SPARQL.

The viz page and the SPARQL endpoint live on other branches; their escaping tests at the end
activate (via importorskip) once `kg.viz` / `kg.serve` exist.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from kg import graph
from kg.corpus import format_article
from kg.errors import QueryError, StoreError, UnknownEntityError

# File names a corpus may hold: shell metacharacters, traversal-looking text, spaces, Japanese,
# a newline, quotes, SPARQL and IRI delimiters, percent escapes.
NAMES = [
    "$(touch pwned).md",
    "`touch pwned2`.md",
    "a;touch pwned3;.md",
    "x & touch pwned4 |.md",
    "up..%2F..%2Fescape.md",  # (names starting with "." are hidden files: ignored by design)
    "x...md",
    "name with spaces.md",
    "日本語の記事.md",
    "new\nline.md",
    'quote"double.md',
    "back\\slash.md",
    "<angle>{brace}.md",
    "hash#frag?q=1.md",
    "tab\there.md",
]
SENTENCES = [
    "東京エレクトロンは、SMICに半導体製造装置を供給している。",
    "キオクシアは東京に本社を置く。",
    "ASMLはオランダに本社を置く半導体製造装置メーカーだ。",
    "ラピダスはIBMと提携している。",
    "米国は中国への半導体製造装置の輸出を規制している。",
    "ファーウェイは新しいAIチップを発表した。",
    "エヌビディアはTSMCに製造を委託している。",
    "SiCarrierはファーウェイのサプライヤーと見られている。",
    "サムスン電子は韓国に本社を置く。",
    "中芯国際集成電路製造(SMIC)は上海で生産を拡大する。",
    "インテルはアリゾナ州で新工場を建設している。",
    "マイクロンは広島工場に投資する。",
    "アドバンテストは東京に本社を置く。",
    "ソフトバンクグループはArmを傘下に持つ。",
]
INJECTION = '" } } ; DROP ALL ; INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> "c'
SCRIPT = "<script>alert('x')</script>&amp;"


def hostile_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "sub dir $(id)").mkdir(parents=True)
    for i, (name, sentence) in enumerate(zip(NAMES, SENTENCES, strict=True)):
        folder = corpus / "sub dir $(id)" if i % 2 else corpus
        title = INJECTION if i == 0 else f"{SCRIPT} {i}"
        (folder / name).write_text(format_article(sentence, title=title), encoding="utf-8")
    return corpus


def listing(root: Path) -> set[str]:
    return {
        os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files
    }


def test_hostile_file_names_and_titles(tmp_path: Path, monkeypatch) -> None:
    from kg.pipeline import build

    work = tmp_path / "work"
    hostile_corpus(work)
    before = listing(tmp_path)
    monkeypatch.chdir(work)
    report = build(["corpus"], store="store")
    assert report.skipped == [] and len(report.rebuilt) == len(NAMES)
    store = graph.open_store("store")
    try:
        # nothing ran, and nothing was written outside the store
        created = listing(tmp_path) - before
        assert all(p.startswith(os.path.join("work", "store") + os.sep) for p in created)
        touched = {"pwned", "pwned2", "pwned3", "pwned4"}
        assert not [p for p in listing(tmp_path) if os.path.basename(p) in touched]
        assert not [p for p in touched if Path("/", p).exists() or Path(p).exists()]
        # every name round-trips as dcterms:source, and titles are data, not SPARQL
        rows = store.query(
            graph.SPARQL_PREFIXES
            + "SELECT ?g ?src ?title WHERE { GRAPH ?g { ?g dcterms:source ?src ;"
            " dcterms:title ?title } }"
        )
        found = {r["src"].value: (r["g"].value, r["title"].value) for r in rows}
        expected = {("sub dir $(id)/" if i % 2 else "") + n for i, n in enumerate(NAMES)}
        assert set(found) == expected
        for src, (g, title) in found.items():
            assert g == graph.article_iri(src) and graph.article_key(g) == src
            assert title == INJECTION or title.startswith(SCRIPT)
        assert not any(str(q.graph_name).startswith("<urn:") for q in store)
        assert len(list(store.named_graphs())) == len(NAMES) + 1  # + the ontology
    finally:
        del store
        graph.close_store("store")


def test_why_binds_user_input_as_terms(hand_store) -> None:
    from kg.query import why

    store = graph.open_store(hand_store, create=False)
    sneaky = "https://w3id.org/chipkg/entity/Alpha> <https://w3id.org/chipkg/entity/Beta>) (<x"
    for bad in (sneaky, "kge:a b", "kge:x>y", "http://a b"):
        with pytest.raises(QueryError, match="not a valid IRI"):
            why(store, bad, "suppliesTo", "Beta")
    # names that are not IRIs are looked up as labels, never spliced into the query: no
    # label matches them, so they are unknown names (kg.catalog.unknown_entity)
    for text in (INJECTION, SCRIPT, "'; DROP ALL; --", "\n}\n"):
        with pytest.raises(UnknownEntityError, match="no entity named"):
            why(store, text, "suppliesTo", text)


def test_write_article_refuses_a_graph_name_that_is_not_an_iri(tmp_path: Path) -> None:
    store = graph.open_store(tmp_path / "store")
    try:
        with pytest.raises(StoreError, match="not an IRI"):
            graph.write_article(store, "urn:a> } ; DROP ALL ; INSERT DATA { GRAPH <urn:b", [])
    finally:
        del store
        graph.close_store(tmp_path / "store")


# ----------------------------------------------------------------- after the merge


def test_viz_escapes_article_text_and_entity_names(tmp_path: Path) -> None:
    """No raw <script> from the corpus (titles, sentences) reaches the viz page; the
    browser-level check (nothing runs, text shown as text) is in tests/test_viz.py."""
    from kg import viz
    from kg.pipeline import build

    hostile_corpus(tmp_path)
    with contextlib.chdir(tmp_path):
        build(["corpus"], store="store")
        store = graph.open_store("store")
        out = tmp_path / "viz.html"
        try:
            viz.render(store, out)
        finally:
            graph.close_store("store")
    text = out.read_text("utf-8")
    assert "<script>alert('x')</script>" not in text
