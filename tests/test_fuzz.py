"""Fuzzing (hypothesis): arbitrary bytes and Unicode into the loader, the text normalizer, the
sentence splitter and entity linking. Only the project's own errors (`KgError`) may escape.

The default run tries FUZZ_EXAMPLES inputs per target; `-m slow` runs the same targets with
SLOW_EXAMPLES.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.corpus import decode_bytes, normalize_text, read_file, split_articles
from kg.errors import KgError

FUZZ_EXAMPLES = 200
SLOW_EXAMPLES = 3000

# Japanese-flavoured text: kana, kanji, full-width forms, quotes, controls, surrogates.
JAPANESE = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x3000, max_codepoint=0x30FF),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.characters(min_codepoint=0xFF00, max_codepoint=0xFFEF),
        st.sampled_from(
            list("「」『』。、！？!?\n\r\t ()（）・ー-") + ["\x00", "\ufeff", "\u2028"]
        ),
        st.characters(),
    ),
    max_size=600,
)
ANY_TEXT = st.one_of(st.text(max_size=600), JAPANESE)
FRONT = st.sampled_from(
    ["", "---\n", "---\ntitle: x\n---\n", "---\n: [\n---\n", "---\ndate: 99\n---\n"]
)


def fuzz(strategy, examples: int = FUZZ_EXAMPLES):
    """`given(strategy)` with `examples` examples; hypothesis' deadline is off (GiNZA-free)."""

    def wrap(func):
        return settings(
            max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
        )(given(strategy)(func))

    return wrap


def only_kg_errors(call, *args):
    try:
        return call(*args)
    except KgError:
        return None


# ----------------------------------------------------------------- targets


def check_decode(data: bytes) -> None:
    text = only_kg_errors(decode_bytes, data)
    if text is not None:
        assert isinstance(text, str)
        normalized = normalize_text(text)
        assert normalize_text(normalized) == normalized
        assert "\x00" not in normalized


def check_read_file(case: tuple[bytes, str]) -> None:
    data, suffix = case
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"f{suffix}"
        path.write_bytes(data)
        articles = only_kg_errors(read_file, path, Path(d)) or []
        for article in articles:
            assert article.text.strip() and article.path == path.name


def check_normalize(text: str) -> None:
    normalized = normalize_text(text)
    assert normalize_text(normalized) == normalized
    for piece in split_articles(normalized):
        assert piece.strip()


def check_sentences(text: str) -> None:
    from kg.parse import MAX_SENTENCE_CHARS, split_sentences

    last = 0
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text  # offsets always slice back to the sentence
        assert s.text and s.text == s.text.strip()
        assert last <= s.start < s.end and len(s.text) <= MAX_SENTENCE_CHARS
        last = s.end


def check_names(name: str) -> None:
    import pyoxigraph as ox

    from kg.entities import mint_iri, normalize_name, resolve_name

    assert isinstance(normalize_name(name), str)
    for iri in (mint_iri(name), resolve_name(name)):
        ox.NamedNode(iri)  # always a valid IRI, so it can be written into a graph
    assert mint_iri(name) == mint_iri(name)


def check_article_iri(key: str) -> None:
    import pyoxigraph as ox

    from kg import graph

    try:
        iri = graph.article_iri(key)
    except UnicodeEncodeError:
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in key)  # never from the loader now
        return
    ox.NamedNode(iri)
    assert graph.article_key(iri) == key


CASES = {
    "decode": (st.binary(max_size=4096), check_decode),
    "read_file": (
        st.tuples(
            st.one_of(
                st.binary(max_size=2048),
                st.builds(
                    lambda f, t, e: (f + t).encode(e, "ignore"),
                    FRONT,
                    ANY_TEXT,
                    st.sampled_from(["utf-8", "cp932", "euc_jp", "utf-16"]),
                ),
            ),
            st.sampled_from([".txt", ".md", ".html"]),
        ),
        check_read_file,
    ),  # fmt: skip
    "normalize": (ANY_TEXT, check_normalize),
    "sentences": (ANY_TEXT, check_sentences),
    "names": (ANY_TEXT, check_names),
    "article_iri": (ANY_TEXT, check_article_iri),
}


@pytest.mark.parametrize("target", sorted(CASES))
def test_fuzz(target: str) -> None:
    strategy, check = CASES[target]
    fuzz(strategy, FUZZ_EXAMPLES if target != "read_file" else FUZZ_EXAMPLES // 2)(check)()


@pytest.mark.slow
@pytest.mark.parametrize("target", sorted(CASES))
def test_fuzz_long(target: str) -> None:
    strategy, check = CASES[target]
    fuzz(strategy, SLOW_EXAMPLES)(check)()


def test_link_arbitrary_sentences() -> None:
    """Entity linking and relation extraction over parsed arbitrary text (GiNZA: few examples)."""
    from kg.entities import link_article
    from kg.parse import parse_texts
    from kg.relations import extract_article

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(JAPANESE)
    def check(text: str) -> None:
        text = normalize_text(text)
        if not text.strip():
            return
        (parsed,) = parse_texts([text])
        entities = only_kg_errors(link_article, parsed.docs)
        if entities is not None:
            only_kg_errors(extract_article, parsed, entities)

    check()
