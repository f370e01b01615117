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
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.corpus import Article, CorpusWarning, Skipped
    from kg.entities import ArticleEntities
    from kg.relations import Fact

CHUNK = 8  # articles written (and checked against the shapes) at a time

Progress = Callable[[int, int], None]
"""`progress(sentences_parsed, sentences_to_parse)`, called as sentences are parsed."""


@dataclass
class BuildReport:
    """What one `build` did."""

    articles: int = 0  # articles read from the corpus
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[CorpusWarning] = field(default_factory=list)  # problems it went on despite
    unchanged: int = 0
    rebuilt: list[str] = field(default_factory=list)  # article keys
    removed: list[str] = field(default_factory=list)
    sentences_parsed: int = 0  # sentences that went through GiNZA (not from the cache)
    violations: list = field(default_factory=list)  # kg.shapes.Violation of graphs written
    parsed_in: str = ""  # where the articles were parsed: "this process", "1 forked process"…
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
    from kg import dates, entities, graph, relations

    parts = [entities.VERSION, relations.VERSION, graph.VERSION, dates.VERSION,
             f"ontology-{ontology_hash()[:16]}"]  # fmt: skip
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
    validate: bool = False,
) -> BuildReport:
    """Build or update the store under `store` (see `kg.graph.store_dir`) from `paths`.

    With `strict=True` the first unreadable file raises `CorpusError` before anything is
    written. The store is written under its build lock (`kg.storelock`); if another build
    holds it for more than `wait` seconds, `StoreBusyError`. `prefilter` parses only
    sentences that can yield a fact (`kg.prefilter`); `executor="dask"` parses and extracts
    on a Dask cluster (`kg.distributed`), the one at `scheduler` or a local one. With
    `validate`, every article graph written is checked against the SHACL shapes as soon as
    it is written (`kg.shapes.validate`), while the parsers go on; the violations are in
    the report. Returns a `BuildReport`.
    """
    from kg import graph
    from kg.corpus import load_corpus
    from kg.storelock import build_lock

    started = time.perf_counter()
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    if executor not in ("local", "dask"):
        from kg.errors import ExecutorError

        raise ExecutorError(f"unknown executor {executor!r}; use local or dask")
    with ExitStack() as stack:
        # Parser processes load GiNZA while this one reads the corpus and the store. One is
        # forked at once, for the few articles a rebuild parses (dropped if there are none,
        # or enough for the full pool, spawned once the corpus is read).
        early = stack.enter_context(ExitStack())
        forked = None
        if executor == "local" and n_process > 1 and _can_fork():
            forked = early.enter_context(_parser_pool(1, start="fork"))
        corpus = load_corpus(list(paths), strict=strict)  # raises before the store is touched
        version = pipeline_version(min_confidence)
        bases = [(Path(p) if Path(p).is_dir() else Path(p).parent, _root_of(p)) for p in paths]
        deadline = time.monotonic() + wait
        from kg.remote import as_remote

        lock_target = store if as_remote(store) is not None else graph.store_dir(store)
        pool = None
        if executor == "local" and n_process > 1:
            from kg.parse import ParseCache, cache_key

            cache = ParseCache(graph.parse_cache_dir(store))
            texts = [a.text for a in corpus.articles]
            cached = [cache.path(cache_key(t)).is_file() or None for t in texts]
            uncached = _uncached_chars(texts, cached)
            if uncached and uncached < POOL_MIN_CHARS:
                pool = forked
            else:
                early.close()
                if uncached:
                    pool = stack.enter_context(_parser_pool(n_process))
        stack.enter_context(build_lock(lock_target, wait=wait))
        return _build_locked(
            paths, corpus, store, version, bases, deadline, min_confidence, n_process,
            progress, prefilter, executor, scheduler, validate, pool, started,
        )  # fmt: skip


def _build_locked(
    paths, corpus, store, version, bases, deadline, min_confidence, n_process, progress,
    prefilter, executor, scheduler, validate, pool, started,
) -> BuildReport:  # fmt: skip
    """The part of `build` done under the build lock."""
    from kg import graph
    from kg.vocab import ontology_dir

    ox_store = _open_store_waiting(store, deadline)
    graph.write_ontology(ox_store, ontology_dir() / "kg.ttl")
    stored = graph.stored_articles(ox_store)

    report = BuildReport(
        articles=len(corpus.articles), skipped=list(corpus.skipped), warnings=corpus.warnings
    )
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

    _process(
        todo,
        ox_store,
        graph.parse_cache_dir(store),
        version,
        min_confidence,
        n_process,
        progress,
        report,
        prefilter=prefilter,
        executor=executor,
        scheduler=scheduler,
        validate=validate,
        stored=set(stored),
        pool=pool,
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

    if todo or report.removed:  # the entities changed: link them to the lists anew
        from kg.lists import refresh_links

        refresh_links(ox_store)
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


def _write(
    ox_store, items, version: str, min_confidence: float, report, validate: bool, stored
) -> None:
    """Write `(article, root, entities, facts)` items, each article's graph replaced in one
    transaction (`kg.graph.write_article`), so a killed build leaves every graph whole;
    with `validate`, check the graphs just written against the shapes. `stored`: the keys
    of the articles that have a graph in the store already."""
    from kg import graph

    written = []
    for article, root, entities, facts in items:
        facts = [f for f in facts if f.confidence >= min_confidence]
        quads = graph.article_quads(article, entities, facts, extractor=version, root=root)
        written.append(graph.article_iri(article.key))
        graph.write_article(ox_store, written[-1], quads, new=article.key not in stored)
        report.rebuilt.append(article.key)
    if validate and written:
        from kg.shapes import validate as check

        report.violations.extend(check(ox_store, graphs=written))


# ----------------------------------------------------------------- one article, anywhere


@dataclass
class ArticleResult:
    """What parsing and extraction of one article text produce (in this process, a parser
    process of the pool, or a Dask worker)."""

    key: str  # parse cache key
    docbin: bytes | None  # the fresh parses, for the driver's cache (None when taken from it)
    entities: ArticleEntities
    facts: list[Fact]


def extract_text(text: str, cached: bytes | None = None, prefilter: bool = True) -> ArticleResult:
    """Parse (or reuse `cached` DocBin bytes), link and extract one article text."""
    from spacy.tokens import DocBin

    from kg.entities import link_article
    from kg.parse import (
        ParsedArticle,
        cache_key,
        covers,
        docs_from_bytes,
        load_model,
        parse_texts,
        split_sentences,
    )
    from kg.prefilter import load_prefilter
    from kg.relations import extract_article

    key = cache_key(text)
    select = load_prefilter().select if prefilter else None
    parsed = None
    if cached is not None:
        sentences = split_sentences(text)
        docs = docs_from_bytes(cached, load_model())
        texts = [s.text for s in sentences]
        if covers(docs, select(texts) if select else [True] * len(texts)):
            parsed = ParsedArticle(key, sentences, docs, cached=True)
    docbin = None
    if parsed is None:
        parsed = parse_texts([text], select=select)[0]
        docbin = DocBin(docs=parsed.docs, store_user_data=True).to_bytes()
    entities = link_article(parsed.docs)
    facts = extract_article(parsed, entities)
    entities.mentions = []  # only the entities go back: mentions hold nothing the graph needs
    return ArticleResult(key, docbin, entities, facts)


Mapper = Callable[
    [Sequence[str], Sequence["bytes | None"], bool], Iterator[tuple[int, ArticleResult]]
]
"""`mapper(texts, cached, prefilter)` yields `(index, extract_text(...))` for every text, in
any order."""


def _in_process(texts, cached, prefilter) -> Iterator[tuple[int, ArticleResult]]:
    for i, (text, blob) in enumerate(zip(texts, cached, strict=True)):
        yield i, extract_text(text, blob, prefilter)


def _pool_worker_init() -> None:
    import signal

    from kg.parse import load_model
    from kg.prefilter import load_prefilter

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle: it stops us
    load_model()
    load_prefilter()


def _pool_task(args: tuple[int, str, bytes | None, bool]) -> tuple[int, ArticleResult]:
    i, text, blob, prefilter = args
    return i, extract_text(text, blob, prefilter)


# Less text to parse than this (about 10 s of GiNZA on one core) goes to the one forked
# parser process, or is parsed in this process: spawning a pool of fresh interpreters that
# each load GiNZA would cost more than it saves.
POOL_MIN_CHARS = 40_000


def _uncached_chars(texts: Sequence[str], cached: Sequence[bytes | None]) -> int:
    return sum(len(t) for t, c in zip(texts, cached, strict=True) if c is None)


def _can_fork() -> bool:
    """Is forking this process safe? Only on Linux with no thread but this one (no store
    opened yet: RocksDB starts threads; no BLAS thread pool)."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


@contextmanager
def _parser_pool(n_process: int, start: str = "spawn") -> Iterator[Mapper]:
    """A pool of `n_process` processes that each load GiNZA once, then parse, link and
    extract whole articles; only facts and DocBin bytes come back, so the driver's work
    per article stays small. Spawned (fresh interpreters) by default; `start="fork"` saves
    their start-up, for use before this process opens a store (`_can_fork`)."""
    import multiprocessing

    from kg.parse import ONE_BLAS_THREAD

    saved = {k: os.environ.get(k) for k in ONE_BLAS_THREAD}
    os.environ.update(ONE_BLAS_THREAD)  # inherited by the processes as they start
    try:
        pool = multiprocessing.get_context(start).Pool(n_process, initializer=_pool_worker_init)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def mapper(texts, cached, prefilter):
        tasks = [(i, t, c, prefilter) for i, (t, c) in enumerate(zip(texts, cached, strict=True))]
        yield from pool.imap_unordered(_pool_task, tasks, chunksize=1)

    mapper.where = f"{n_process} {start}ed process" + ("es" if n_process > 1 else "")

    try:
        yield mapper
    finally:
        pool.terminate()  # idle by now, or interrupted: no work of theirs is lost
        pool.join()


@contextmanager
def _dask_mapper(scheduler: str | None, n_process: int) -> Iterator[Mapper]:
    from kg.distributed import dask_client, map_articles

    with dask_client(scheduler, n_workers=max(2, n_process)) as client:
        yield lambda texts, cached, prefilter: map_articles(client, texts, cached, prefilter)


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
    executor: str = "local",
    scheduler: str | None = None,
    validate: bool = False,
    stored: set[str] = frozenset(),
    pool: Mapper | None = None,
) -> None:
    """Parse, link, extract and write the articles in `todo`.

    Where the work runs: in `pool` (the parser processes `build` starts when there is at
    least `POOL_MIN_CHARS` of text to parse), on a Dask cluster, or in this process.
    The parse cache stays with this process: cached parses are sent along as DocBin bytes
    and fresh ones come back with the facts. Results are written as they arrive, `CHUNK`
    articles at a time.
    """
    if not todo:
        return
    from kg.parse import ParseCache, cache_key, split_sentences

    cache = ParseCache(cache_dir)
    texts = [a.text for a, _ in todo]
    sizes = [len(split_sentences(t)) for t in texts]
    total, done = sum(sizes), 0
    cached = [cache.read_bytes(cache_key(text)) for text in texts]
    if progress:
        progress(0, total)
    if validate and pool is not None:
        from kg.shapes import load_shapes

        load_shapes()  # while the parser processes start
    if executor == "dask":
        runner = _dask_mapper(scheduler, n_process)
        report.parsed_in = "a Dask cluster"
    elif pool is not None:
        runner = nullcontext(pool)
        report.parsed_in = pool.where
    else:
        runner = nullcontext(_in_process)
        report.parsed_in = "this process"
    with runner as mapper:
        items = []
        for i, result in mapper(texts, cached, prefilter):
            article, root = todo[i]
            if result.docbin is not None:
                cache.put_bytes(result.key, result.docbin)
                report.sentences_parsed += sizes[i]
            items.append((article, root, result.entities, result.facts))
            done += sizes[i]
            if progress:
                progress(done, total)
            if len(items) >= CHUNK:
                _write(ox_store, items, version, min_confidence, report, validate, stored)
                items = []
        _write(ox_store, items, version, min_confidence, report, validate, stored)
    order = {a.key: n for n, (a, _) in enumerate(todo)}
    report.rebuilt.sort(key=order.__getitem__)
    if cache.failure:
        from kg.corpus import CorpusWarning

        path, reason = cache.failure
        report.warnings.append(CorpusWarning(path, f"{reason}; the build went on without it"))
