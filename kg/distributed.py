"""Parsing and extraction on a Dask cluster (`kg build --executor dask [--scheduler ADDR]`).

Workers do the expensive part (GiNZA, entity linking, relation extraction) and send back
plain Python data; the process that runs `kg build` keeps the store and the parse cache, so
a cluster needs neither the store nor a shared disk. Each worker process loads GiNZA once
(`kg.parse.load_model` caches it per process). Workers need the `kg` package, its ontology
files and ja-ginza installed: `pip install -e '.[dask]'` on every machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.errors import ExecutorError

if TYPE_CHECKING:
    from kg.entities import ArticleEntities
    from kg.relations import Fact


@dataclass
class ArticleResult:
    """What a worker sends back for one article text."""

    key: str  # parse cache key
    docbin: bytes | None  # the parses, for the driver's cache (None when taken from it)
    entities: ArticleEntities
    facts: list[Fact]


def extract_text(text: str, cached: bytes | None = None, prefilter: bool = True) -> ArticleResult:
    """Parse (or reuse `cached` DocBin bytes), link and extract one article text."""
    from spacy.tokens import DocBin

    from kg.entities import link_article
    from kg.parse import (
        ParsedArticle,
        cache_key,
        is_parsed,
        load_model,
        parse_texts,
        split_sentences,
    )
    from kg.relations import extract_article

    nlp = load_model()
    key = cache_key(text)
    parsed = None
    if cached is not None:
        sentences = split_sentences(text)
        docs = list(DocBin().from_bytes(cached).get_docs(nlp.vocab))
        full = _select(prefilter, [s.text for s in sentences])
        if len(docs) == len(sentences) and all(
            is_parsed(d) or not f for f, d in zip(full, docs, strict=True)
        ):
            parsed = ParsedArticle(key, sentences, docs, cached=True)
    docbin = None
    if parsed is None:
        parsed = parse_texts([text], prefilter=prefilter)[0]
        docbin = DocBin(docs=parsed.docs, store_user_data=True).to_bytes()
    entities = link_article(parsed.docs)
    facts = extract_article(parsed, entities)
    entities.mentions = []  # only the entities go back: mentions hold nothing the graph needs
    return ArticleResult(key, docbin, entities, facts)


def _select(prefilter: bool, texts: list[str]) -> list[bool]:
    if not prefilter:
        return [True] * len(texts)
    from kg.prefilter import load_prefilter

    return load_prefilter().select(texts)


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2):
    """A `distributed.Client` on `scheduler`, or on a local cluster of `n_workers` processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ExecutorError(
            f"--executor dask needs Dask ({exc}); install it with pip install -e '.[dask]'"
        ) from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
        try:
            yield client
        finally:
            client.close()
        return
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def map_articles(
    client, texts: Sequence[str], cached: Sequence[bytes | None], prefilter: bool = True
) -> Iterator[tuple[int, ArticleResult]]:
    """(index, result) for every text as workers finish them (not in input order)."""
    from distributed import as_completed

    futures = {
        client.submit(extract_text, text, blob, prefilter, pure=False): i
        for i, (text, blob) in enumerate(zip(texts, cached, strict=True))
    }
    for future in as_completed(futures):
        yield futures[future], future.result()
