"""The whole build: corpus -> parse -> entities -> relations -> graph, incrementally.

An article is parsed, linked, extracted and rewritten only when its content hash or the
pipeline version (entity linker, relation extractor, graph layout and every file under
ontology/) differs from what its graph in the store records. Articles that left a corpus
directory lose their graph. Building twice gives the same store, and the second build
parses nothing.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.corpus import Article, Skipped

CHUNK = 32  # articles parsed and written per round, so a long build makes visible progress

Progress = Callable[[int, int], None]
"""`progress(sentences_parsed, sentences_to_parse)`, called as sentences are parsed."""


@dataclass
class BuildReport:
    """What one `build` did."""

    articles: int = 0  # articles read from the corpus
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: int = 0
    rebuilt: list[str] = field(default_factory=list)  # article keys
    removed: list[str] = field(default_factory=list)
    sentences_parsed: int = 0  # sentences that went through GiNZA (not from the cache)
    entities: int = 0  # totals in the store after the build
    facts: int = 0
    claims: int = 0
    seconds: float = 0.0


def ontology_hash() -> str:
    """sha256 over the names and contents of every file under ontology/."""
    from kg.vocab import ontology_dir

    root = ontology_dir()
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        h.update(rel.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def pipeline_version(min_confidence: float = 0.0) -> str:
    """Versioned name of everything that shapes an article graph; recorded as kg:extractor."""
    from kg import entities, graph, relations

    parts = [entities.VERSION, relations.VERSION, graph.VERSION, f"ontology-{ontology_hash()[:16]}"]
    if min_confidence > 0:
        parts.append(f"min-confidence-{min_confidence:g}")
    return "+".join(parts)


def build(
    paths: Sequence[str | os.PathLike] | str | os.PathLike,
    *,
    store: str | os.PathLike | None = None,
    strict: bool = False,
    min_confidence: float = 0.0,
    n_process: int = 1,
    progress: Progress | None = None,
    wait: float = 0.0,
    prefilter: bool = True,
    executor: str = "local",
    scheduler: str | None = None,
) -> BuildReport:
    """Build or update the store under `store` (see `kg.graph.store_dir`) from `paths`.

    With `strict=True` the first unreadable file raises `CorpusError` before anything is
    written. The store is written under its build lock (`kg.storelock`); if another build
    holds it for more than `wait` seconds, `StoreBusyError`. `prefilter` parses only
    sentences that can yield a fact (`kg.prefilter`); `executor="dask"` parses and extracts
    on a Dask cluster (`kg.distributed`), the one at `scheduler` or a local one. Returns a
    `BuildReport`.
    """
    from kg import graph
    from kg.corpus import load_corpus
    from kg.storelock import build_lock
    from kg.vocab import ontology_dir

    started = time.perf_counter()
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    corpus = load_corpus(list(paths), strict=strict)  # raises before the store is touched
    version = pipeline_version(min_confidence)
    bases = [(Path(p) if Path(p).is_dir() else Path(p).parent, _root_of(p)) for p in paths]

    deadline = time.monotonic() + wait
    from kg.remote import as_remote

    lock_target = store if as_remote(store) is not None else graph.store_dir(store)
    with build_lock(lock_target, wait=wait):
        ox_store = _open_store_waiting(store, deadline)
        graph.write_ontology(ox_store, ontology_dir() / "kg.ttl")
        stored = graph.stored_articles(ox_store)

        report = BuildReport(articles=len(corpus.articles), skipped=list(corpus.skipped))
        todo: list[tuple[Article, str]] = []
        for article in corpus.articles:
            root = _root_for(article, bases)
            old = stored.get(article.key)
            if (
                old is not None
                and old.content_hash == article.content_hash
                and old.extractor == version
                and old.root == root
            ):
                report.unchanged += 1
            else:
                todo.append((article, root))

        if executor not in ("local", "dask"):
            from kg.errors import ExecutorError

            raise ExecutorError(f"unknown executor {executor!r}; use local or dask")
        run = _process if executor == "local" else _process_dask
        run(
            todo,
            ox_store,
            graph.parse_cache_dir(store),
            version,
            min_confidence,
            n_process,
            progress,
            report,
            prefilter=prefilter,
            scheduler=scheduler,
        )

        # Articles gone from a corpus directory built before: drop their graphs. Only
        # directories count (a single file given on the command line says nothing about
        # its siblings), and only articles recorded as coming from that directory.
        present = {a.key for a in corpus.articles}
        dir_roots = {_root_of(p) for p in paths if Path(p).is_dir()}
        for key, old in sorted(stored.items()):
            if key not in present and old.root in dir_roots:
                graph.remove_article(ox_store, old.graph)
                report.removed.append(key)

        totals = graph.totals(ox_store)
        report.entities, report.facts, report.claims = (
            totals["entities"],
            totals["facts"],
            totals["claims"],
        )
        ox_store.flush()
        report.seconds = time.perf_counter() - started
        return report


def _open_store_waiting(store: str | os.PathLike | None, deadline: float):
    """Open the store for writing, retrying until `deadline` while another process has it
    open (a reader, or a build that released its lock and is exiting)."""
    from kg import graph
    from kg.errors import StoreError

    while True:
        try:
            return graph.open_store(store)
        except StoreError as exc:
            in_use = isinstance(exc.__cause__, OSError) and "lock" in str(exc.__cause__).lower()
            if not in_use or time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def _root_of(path: str | os.PathLike) -> str:
    from kg.graph import corpus_root_name

    p = Path(path)
    return corpus_root_name(p if p.is_dir() else p.parent)


def _root_for(article: Article, bases: list[tuple[Path, str]]) -> str:
    """The recorded name of the corpus root `article` was read from (its path is relative)."""
    for base, name in bases:
        if (base / article.path).exists():
            return name
    return bases[0][1]


def _write(ox_store, items, version: str, min_confidence: float, report) -> None:
    """Write `(article, root, entities, facts)` items, each article's graph replaced in one
    transaction (`kg.graph.write_article`), so a killed build leaves every graph whole."""
    from kg import graph

    for article, root, entities, facts in items:
        facts = [f for f in facts if f.confidence >= min_confidence]
        quads = graph.article_quads(article, entities, facts, extractor=version, root=root)
        graph.write_article(ox_store, graph.article_iri(article.key), quads)
        report.rebuilt.append(article.key)


def _process(
    todo: list[tuple[Article, str]],
    ox_store,
    cache_dir: Path,
    version: str,
    min_confidence: float,
    n_process: int,
    progress: Progress | None,
    report: BuildReport,
    *,
    prefilter: bool = True,
    scheduler: str | None = None,
) -> None:
    """Parse, link, extract and write the articles in `todo`, a chunk at a time."""
    if not todo:
        return
    from kg.entities import link_article
    from kg.parse import ParseCache, parse_texts, split_sentences
    from kg.relations import extract_article

    cache = ParseCache(cache_dir)
    sizes = [len(split_sentences(a.text)) for a, _ in todo]
    total = sum(sizes)
    done = 0  # sentences of the chunks finished so far, parsed or cached

    def on_parsed(n: int) -> None:
        report.sentences_parsed += n
        if progress:
            progress(min(total, done + report.sentences_parsed - parsed_before), total)

    for i in range(0, len(todo), CHUNK):
        chunk = todo[i : i + CHUNK]
        parsed_before = report.sentences_parsed
        parsed = parse_texts(
            [a.text for a, _ in chunk],
            cache=cache,
            n_process=n_process,
            on_parsed=on_parsed,
            prefilter=prefilter,
        )
        items = []
        for (article, root), parsed_article in zip(chunk, parsed, strict=True):
            entities = link_article(parsed_article.docs)
            items.append((article, root, entities, extract_article(parsed_article, entities)))
        _write(ox_store, items, version, min_confidence, report)
        done += sum(sizes[i : i + CHUNK])
        if progress:
            progress(done, total)


def _process_dask(
    todo: list[tuple[Article, str]],
    ox_store,
    cache_dir: Path,
    version: str,
    min_confidence: float,
    n_process: int,
    progress: Progress | None,
    report: BuildReport,
    *,
    prefilter: bool = True,
    scheduler: str | None = None,
) -> None:
    """`_process` on a Dask cluster: workers parse and extract, this process writes.

    The parse cache stays here: cached parses are sent to the workers as DocBin bytes and
    fresh ones come back with the facts. Results are written as they arrive, `CHUNK`
    articles per transaction.
    """
    if not todo:
        return
    from kg.distributed import dask_client, map_articles
    from kg.parse import ParseCache, cache_key, split_sentences

    cache = ParseCache(cache_dir)
    sizes = [len(split_sentences(a.text)) for a, _ in todo]
    total, done = sum(sizes), 0
    cached = []
    for article, _ in todo:
        path = cache.path(cache_key(article.text))
        cached.append(path.read_bytes() if path.is_file() else None)
    with dask_client(scheduler, n_workers=max(2, n_process)) as client:
        items = []
        for i, result in map_articles(client, [a.text for a, _ in todo], cached, prefilter):
            article, root = todo[i]
            if result.docbin is not None:
                cache.put_bytes(result.key, result.docbin)
                report.sentences_parsed += sizes[i]
            items.append((article, root, result.entities, result.facts))
            done += sizes[i]
            if progress:
                progress(done, total)
            if len(items) >= CHUNK:
                _write(ox_store, items, version, min_confidence, report)
                items = []
        _write(ox_store, items, version, min_confidence, report)
    report.rebuilt.sort(key=[a.key for a, _ in todo].index)
