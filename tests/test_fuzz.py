"""Fuzzing (hypothesis): arbitrary bytes and Unicode into the loader, the text normalizer, the
sentence splitter and entity linking, and front matter of every kind (dates, aliases, tags,
sizes) into the corpus loader. Only the project's own errors (`KgError`) may escape.

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
ALIAS_BOMB_LINES = "\n".join(
    f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}" if i else "lol"] * 9) + "]" for i in range(9)
)
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


# Front matter lines: dates (valid, impossible, partial, not dates), aliases (harmless and
# bombs), tags (flow and block lists, nested, YAML tags), sizes up to past the limit.
DATE_VALUES = st.one_of(
    st.dates().map(str),
    st.sampled_from(["2024-13-45", "2024-02-30", "0000-00-00", "2024-05", "2024", "2024/05/01",
                     "2024-05-01T25:00:00", "2024-05-01 10:00:00+09:00", "令和6年5月1日",
                     "'2024-05-01'", "", "~", "[2024, 5, 1]", "{y: 2024}"]),
    st.text(max_size=20),
)  # fmt: skip
FRONT_LINES = st.one_of(
    DATE_VALUES.map(lambda d: f"date: {d}"),
    st.sampled_from(
        [
            "anchor: &a [x, y]\nagain: *a",
            "merge: &m {k: 1}\nother:\n  <<: *m",
            ALIAS_BOMB_LINES,
            "tags: [半導体, 輸出規制]",
            "tags:\n  - a\n  - [b, [c, {d: e}]]",
            "tags: !!set {a, b}",
            "blob: !!binary 'AAAA'",
            "x: !!python/object/apply:os.getcwd []",
            "? [a]\n: b",
            "split: yes",
            "split: false",
            "title: |\n  複数行の\n  見出し",
            "n: " + "9" * 5000,
            "f: 1e999",
            "url: javascript:alert(1)",
            'title: "\\ud800"',
        ]
    ),  # fmt: skip
    st.sampled_from([10, 1000, 65_000, 70_000]).map(lambda n: "title: " + "長" * n),
    st.text(max_size=80),
)
FRONT_MATTER = st.lists(FRONT_LINES, min_size=1, max_size=6).map("\n".join)


def check_front_matter(front: str) -> None:
    """Whatever the front matter, loading gives the file's articles or one entry naming it."""
    import time

    from kg.corpus import load_corpus

    with tempfile.TemporaryDirectory() as d:
        text = f"---\n{front}\n---\n米国は中国への輸出規制を強化した。\n"
        Path(d, "f.md").write_text(text, encoding="utf-8", errors="surrogatepass")
        started = time.monotonic()
        loaded = load_corpus([d])
        assert time.monotonic() - started < 5
        assert [s.path for s in loaded.skipped] in ([], ["f.md"])
        assert bool(loaded.articles) != bool(loaded.skipped)
        assert all(a.path == "f.md" for a in loaded.articles)


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
    "front_matter": (FRONT_MATTER, check_front_matter),
    "sentences": (ANY_TEXT, check_sentences),
    "names": (ANY_TEXT, check_names),
    "article_iri": (ANY_TEXT, check_article_iri),
}


@pytest.mark.parametrize("target", sorted(CASES))
def test_fuzz(target: str) -> None:
    strategy, check = CASES[target]
    fuzz(strategy, FUZZ_EXAMPLES if target not in ("read_file", "front_matter")
         else FUZZ_EXAMPLES // 2)(check)()  # fmt: skip


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
