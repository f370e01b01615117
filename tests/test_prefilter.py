"""The sentence pre-filter: skipping sentences must not change a single fact."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg.corpus import load_corpus
from kg.entities import gazetteer_matches, gazetteer_mentions, load_gazetteer
from kg.parse import UNPARSED, ParsedArticle, is_parsed, load_model, parse_texts
from kg.prefilter import load_prefilter

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [ROOT / "corpus", *sorted((ROOT / "tests/data/eval").glob("*/corpus"))]
sys.path.insert(0, str(ROOT / "bench"))


def facts_of(parsed: ParsedArticle):
    from kg.entities import link_article
    from kg.relations import extract_article

    return extract_article(parsed, link_article(parsed.docs))


def prefiltered(parsed: ParsedArticle) -> ParsedArticle:
    """The article as a pre-filtered build sees it: unselected sentences tokenized only."""
    nlp = load_model()
    chosen = load_prefilter().select([s.text for s in parsed.sentences])
    docs = []
    for sentence, doc, full in zip(parsed.sentences, parsed.docs, chosen, strict=True):
        if full:
            docs.append(doc)
        else:
            doc = nlp.make_doc(sentence.text)
            doc.user_data[UNPARSED] = True
            docs.append(doc)
    return ParsedArticle(parsed.key, parsed.sentences, docs, cached=False)


def test_prefilter_keeps_every_fact_on_seed_and_eval_corpora(tmp_path):
    from generate import make_corpus  # bench/generate.py: shuffled, renamed seed articles

    make_corpus(tmp_path / "gen", 12, seed=1)
    articles = load_corpus([str(p) for p in [*CORPORA, tmp_path / "gen"]]).articles
    assert len(articles) >= 19
    full = parse_texts([a.text for a in articles])  # one full parse of every sentence
    skipped = total = 0
    for article, parsed in zip(articles, full, strict=True):
        light = prefiltered(parsed)
        skipped += sum(not is_parsed(d) for d in light.docs)
        total += len(light.docs)
        assert facts_of(light) == facts_of(parsed), article.key
    assert 0 < skipped < total  # the filter does skip something, and not everything


@pytest.mark.parametrize(
    "text, expected",
    [
        ("同社は前年比で増収となった。", False),  # an anaphor but no cue and no second name
        ("詳細は明らかになっていない。", False),
        ("米Lam Researchの装置。", True),  # noun-phrase pattern, no cue needed
        ("台湾のTSMCが発表した。", True),
        ("エヌビディアはTSMCに製造を委託している。", True),
        ("同社はファーウェイに部品を供給した。", True),  # anaphor + cue
    ],
)
def test_needs_parse(text, expected):
    assert load_prefilter().needs_parse(text) is expected


def test_plain_text_gazetteer_matches_cover_the_parsed_ones():
    gaz = load_gazetteer()
    nlp = load_model()
    for text in [
        "中芯国際集成電路製造(SMIC)は上海で生産を拡大する。",
        "米国は中国への輸出規制を強化した。",
    ]:
        doc = nlp.make_doc(text)
        parsed = {(m.char_start, m.char_end, m.iri) for m in gazetteer_mentions(doc, gaz)}
        assert parsed <= set(gazetteer_matches(text, gaz))
