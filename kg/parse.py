"""Parsing: article text -> sentences -> GiNZA `Doc`s, cached on disk by content hash.

Relations are read within one sentence, so an article is split into sentences here
(keeping character offsets) and each sentence is parsed on its own. That also keeps
every `nlp()` call far below GiNZA's 49,149-byte input limit (megagonlabs/ginza#242).
Parsed sentences of one article are stored as one spaCy `DocBin` named after the hash
of the model version and the article text, so a rebuild never re-parses unchanged text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import ModelError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL = "ja_ginza"
BATCH_SIZE = 48
MAX_SENTENCE_CHARS = 4000  # a "sentence" longer than this is cut at 、 or spaces

_ENDS = frozenset("。！？!?")
_OPEN = frozenset("「『")
_CLOSE = frozenset("」』")
_TRAILERS = frozenset("」』）)]】〉》\"'")
_SOFT_BREAK = re.compile(r"[、,，\s]")


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article: its text and where it sits in the article text."""

    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    """Split article text into sentences with character offsets into `text`.

    A sentence ends at 。！？!? outside 「」『』 quotes (closing brackets that follow stay
    with it) or at a line break.
    """
    out: list[Sentence] = []
    pos = 0
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        if ch == "\n" or (ch in _ENDS and depth == 0):
            j = i + 1
            while j < n and text[j] in _TRAILERS:
                j += 1
            _add_sentence(text, pos, j, out)
            pos = i = j
            depth = 0
            continue
        i += 1
    _add_sentence(text, pos, n, out)
    return out


def _add_sentence(text: str, start: int, end: int, out: list[Sentence]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE_CHARS:
        cut = start + MAX_SENTENCE_CHARS
        soft = max(
            (m.end() for m in _SOFT_BREAK.finditer(text, start + MAX_SENTENCE_CHARS // 2, cut)),
            default=cut,
        )
        out.append(Sentence(text[start:soft], start, soft))
        start = soft
    if end > start:
        out.append(Sentence(text[start:end], start, end))


_NLP: dict[str, Language] = {}

ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""Environment for a parsing process: one BLAS thread, the parallelism being processes
(`kg build --jobs`). Read when numpy loads its BLAS; OpenBLAS limited later, at run time,
still pays for its thread pool (a third slower here)."""


def load_model(name: str = MODEL) -> Language:
    """Load (once per process) the GiNZA pipeline, set up to parse fast with the same
    results as spaCy's defaults (tests/test_parse.py compares every token):

    - matrix products on numpy's BLAS (OpenBLAS in the numpy wheels): a parse takes about
      45% less time here than with thinc's default, blis;
    - without the model's string table (`Vocab.from_disk` field "strings", 600,000
      training strings): a parse adds the strings it uses, and loading them took 1.1 s
      of the 1.4 s a load takes, which a one-article rebuild pays in full.
    """
    if name not in _NLP:
        try:
            import spacy
            from thinc.api import NumpyOps, set_current_ops

            ops = NumpyOps(use_blis=False)
            set_current_ops(ops)
            nlp = spacy.load(name, exclude=["strings"])
            for _, component in nlp.pipeline:
                model = getattr(component, "model", None)
                for node in model.walk() if model is not None else ():
                    node.ops = ops  # some layers were built with the default ops
            _NLP[name] = nlp
        except OSError as exc:
            raise ModelError(
                f"cannot load the GiNZA model {name!r} ({exc}); install it with "
                "`pip install ja-ginza` (make demo does this)"
            ) from exc
    return _NLP[name]


def model_fingerprint(name: str = MODEL) -> str:
    """Name and version of the model, part of every cache key."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{name}-{version(name.replace('_', '-'))}"
    except PackageNotFoundError:
        return f"{name}-unknown"


def cache_key(text: str, model: str = MODEL) -> str:
    """Hash naming the cached parse of one article text."""
    return hashlib.sha256(f"{model_fingerprint(model)}\n{text}".encode()).hexdigest()


class ParseCache:
    """Parsed sentences per article text, one DocBin file per text under `root`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where the parses of the text with cache key `key` are (or would be) stored."""
        return self.root / key[:2] / f"{key}.spacy"

    _path = path

    def get(self, key: str, nlp: Language) -> list[Doc] | None:
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            return docs_from_bytes(path.read_bytes(), nlp)
        except OSError:
            return None

    def put(self, key: str, docs: Sequence[Doc]) -> None:
        from spacy.tokens import DocBin

        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        DocBin(docs=docs, store_user_data=True).to_disk(tmp)
        tmp.replace(path)

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store serialized DocBin bytes (parses made elsewhere, e.g. on a Dask worker)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)


def docs_from_bytes(data: bytes, nlp: Language) -> list[Doc] | None:
    """The docs of serialized DocBin bytes (a cache file), or None if they do not load."""
    from spacy.tokens import DocBin

    try:
        return list(DocBin().from_bytes(data).get_docs(nlp.vocab))
    except Exception:  # a torn or stale cache file is just a cache miss
        return None


def covers(docs: Sequence[Doc] | None, full: Sequence[bool]) -> bool:
    """Do cached `docs` serve an article whose sentences `full` marks for a full parse?"""
    return (
        docs is not None
        and len(docs) == len(full)
        and all(is_parsed(d) for d, f in zip(docs, full, strict=True) if f)
    )


@dataclass
class ParsedArticle:
    """An article's sentences with their parses; `cached` says whether parsing was skipped."""

    key: str
    sentences: list[Sentence]
    docs: list[Doc]
    cached: bool


UNPARSED = "kg.unparsed"  # doc.user_data flag: tokenized only, see kg.prefilter


def is_parsed(doc: Doc) -> bool:
    """False for a sentence the pre-filter left unparsed (tokens only, no NER or deps)."""
    return not doc.user_data.get(UNPARSED, False)


def parse_texts(
    texts: Sequence[str],
    *,
    cache: ParseCache | None = None,
    n_process: int = 1,
    batch_size: int = BATCH_SIZE,
    on_parsed: callable | None = None,
    select: Callable[[list[str]], list[bool]] | None = None,
) -> list[ParsedArticle]:
    """Parse article texts sentence by sentence, reusing cached parses.

    `select(sentence_texts)` says which sentences get a full parse (default: all); the
    others are only tokenized (the build passes `kg.prefilter.Prefilter.select`). A cached
    article is reused when every sentence `select` marks has a full parse.
    `on_parsed(n_sentences)` is called as sentences are processed (progress).
    """
    nlp = load_model()
    results: list[ParsedArticle | None] = [None] * len(texts)
    todo: list[tuple[int, str, list[Sentence], list[bool]]] = []
    for i, text in enumerate(texts):
        key = cache_key(text)
        sentences = split_sentences(text)
        full = select([s.text for s in sentences]) if select else [True] * len(sentences)
        docs = cache.get(key, nlp) if cache else None
        if covers(docs, full):
            results[i] = ParsedArticle(key, sentences, docs, cached=True)
        else:
            todo.append((i, key, sentences, full))
    if todo:
        flat = [s.text for _, _, sents, full in todo for s, f in zip(sents, full, strict=True) if f]
        docs_iter = nlp.pipe(flat, batch_size=batch_size, n_process=n_process)
        for i, key, sentences, full in todo:
            docs = []
            for sentence, f in zip(sentences, full, strict=True):
                if f:
                    docs.append(next(docs_iter))
                else:
                    doc = nlp.make_doc(sentence.text)
                    doc.user_data[UNPARSED] = True
                    docs.append(doc)
                if on_parsed:
                    on_parsed(1)
            if cache:
                cache.put(key, docs)
            results[i] = ParsedArticle(key, sentences, docs, cached=False)
    return [r for r in results if r is not None]


def iter_tokens(docs: Iterable[Doc]) -> int:
    """Number of tokens in `docs` (for statistics)."""
    return sum(len(d) for d in docs)
