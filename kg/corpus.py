"""Corpus stage: files on disk -> clean, de-duplicated `Article` objects.

What it reads
    A directory (recursively) or single files. ``.txt`` and ``.md`` files may start with YAML
    front matter (``---`` ... ``---``); ``.html``/``.htm`` pages go through trafilatura for their
    main text and metadata. Other extensions, and hidden files and directories (names starting
    with "."), are ignored without a word.

One file, how many articles (the split rule)
    * A text file WITH front matter is one article, unless the front matter says ``split: true``.
    * A text file WITHOUT front matter, and every HTML page, is passed to `split_articles`, unless
      the front matter says ``split: false``. A page holding several stories yields one `Article`
      per story (``part`` 1..n); a page holding one story yields ``part`` 0.

Cleaning
    Bytes are decoded by `decode_bytes` (BOMs, strict UTF-8, EUC-JP, Shift_JIS/cp932, then
    charset-normalizer, each result checked to look like text), then `normalize_text` applies
    NFKC and removes control characters. Boilerplate lines (calendar rows, menus, login prompts,
    share buttons, disclaimers, placeholders) are dropped using the patterns in
    ``kg/data/boilerplate.yaml``; the code here is generic.

Duplicates
    An article whose text is identical to, or a near-duplicate of (character 5-gram Jaccard
    >= 0.9, estimated with MinHash + LSH), an article loaded before it is dropped and reported in
    `Corpus.skipped`. Files are visited in sorted path order, so the first by path wins.

Dates
    An article's date comes from its front matter (``date: 2024-05-01``, ``2024-02`` or
    ``2024``, kept at that precision: see `kg.dates`), else from the page's metadata (HTML),
    else from a date line among the lines heading the text. `Article.date` is ISO text at
    its precision.

Bad files never stop loading: each gives one `Skipped` entry naming the reason, or, with
``strict=True``, a `CorpusError` at the first one. A problem with an article that is still
loaded (a date that is no date, no date at all) is a `CorpusWarning` in `Corpus.warnings`.
This module never prints.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from kg.errors import CorpusError

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})

NEAR_DUP_THRESHOLD = 0.9
"""Estimated character 5-gram Jaccard similarity at or above which an article is a repeat."""
SHINGLE_SIZE = 5
MAX_ARTICLE_CHARS = 200_000
"""An article longer than this (after cleaning; ~40x the longest news story in corpus/) makes
its file a bad file: parsing it would take about an hour and hold every parse in memory."""
SHINGLE_CAP_CHARS = 200_000
"""Only the first this-many characters of an article are shingled (keeps big files linear)."""

# The front matter keys that become Article fields; every other key goes to Article.meta.
_FIELD_KEYS = ("title", "date", "source", "url", "seed")


# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """One news article, normalized, with its provenance."""

    path: str
    part: int
    text: str
    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    seed: str | None = None
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Stable id: the path, plus ``#part`` for articles split out of one page."""
        return self.path if self.part == 0 else f"{self.path}#{self.part}"

    @property
    def content_hash(self) -> str:
        """sha256 over the text and the provenance fields; a rebuild compares this."""
        payload = [self.text, self.title, self.date, self.source, self.url, self.seed]
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass
class Skipped:
    """A file (or article) that was not loaded, and why."""

    path: str
    reason: str


@dataclass
class CorpusWarning:
    """A problem with a file whose articles were loaded all the same (e.g. a bad date)."""

    path: str
    reason: str


@dataclass
class Corpus:
    """The loaded articles (sorted by key), everything left out, and what was wrong with
    articles that were loaded all the same."""

    articles: list[Article]
    skipped: list[Skipped]
    warnings: list[CorpusWarning] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Decoding and normalization
# --------------------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Legacy Japanese encodings, tried strictly after UTF-8. EUC-JP first: Shift_JIS text is
# almost never valid EUC-JP, while EUC-JP bytes often decode "successfully" as cp932 garbage.
_JAPANESE_ENCODINGS = ("euc_jp", "cp932")
_SAMPLE_BYTES = 65_536
_MAX_CONTROL_RATIO = 0.05
_CONTROL_BYTES = frozenset(set(range(0x00, 0x09)) | set(range(0x0E, 0x20)) | {0x7F}) - {0x1B}


def decode_bytes(data: bytes, path: str = "<bytes>") -> str:
    """Decode a file's bytes to text; raise `CorpusError` if they are not text.

    Order: a BOM (UTF-8, UTF-16, UTF-32) decides; else strict UTF-8; else UTF-8 with a few
    corrupt bytes (at most 1 per 1000 characters, kept as U+FFFD); else strict EUC-JP and
    cp932 (a superset of Shift_JIS), keeping the candidate that looks most like Japanese (kana
    present, no half-width-kana or private-use garbage); else charset-normalizer's best guess.
    Every result must have few control characters, otherwise the file is "not text (binary)".
    NUL bytes are tolerated here (a few) and removed by `normalize_text`.
    """
    if not data:
        raise CorpusError(path, "empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                text = _tolerant_decode(data[len(bom) :], encoding)
                if text is None:
                    raise CorpusError(
                        path,
                        f"undecodable: {encoding} BOM but invalid {encoding} at byte {exc.start}",
                    ) from None
            if _control_ratio(text) > _MAX_CONTROL_RATIO:
                raise CorpusError(path, "not text (binary)")
            return text
    sample = data[:_SAMPLE_BYTES]
    if sum(b in _CONTROL_BYTES for b in sample) > _MAX_CONTROL_RATIO * len(sample):
        raise CorpusError(path, "not text (binary)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    tolerant = _tolerant_decode(data, "utf-8")
    if tolerant is not None:
        return tolerant
    best: tuple[float, str] | None = None
    for encoding in _JAPANESE_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _japanese_score(text[:_SAMPLE_BYTES])
        if score > 0 and (best is None or score > best[0]):
            best = (score, text)
    if best is not None:
        return best[1]
    return _decode_fallback(data, path)


def _tolerant_decode(data: bytes, encoding: str) -> str | None:
    """`data` decoded with U+FFFD for bad bytes, if they are rare (<= 1 per 1000 chars)."""
    text = data.decode(encoding, errors="replace")
    return text if text.count("\ufffd") * 1000 <= len(text) else None


def _decode_fallback(data: bytes, path: str) -> str:
    """Last resort for non-Japanese legacy encodings (Latin-1, GBK...): charset-normalizer."""
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    if match is None:
        raise CorpusError(
            path, "undecodable: not UTF-8, UTF-16, Shift_JIS or EUC-JP (convert it to UTF-8)"
        )
    text = str(match)
    sample = text[:_SAMPLE_BYTES]
    bad = sum(_is_garbage_char(c) for c in sample)
    if _control_ratio(sample) > _MAX_CONTROL_RATIO or bad > 0.02 * max(len(sample), 1):
        raise CorpusError(path, "not text (binary)")
    return text


def _control_ratio(text: str) -> float:
    sample = text[:_SAMPLE_BYTES]
    if not sample:
        return 0.0
    bad = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\x0b")
    return bad / len(sample)


def _is_garbage_char(c: str) -> bool:
    """Characters a wrong legacy decode produces: half-width kana, private use, C1, U+FFFD."""
    o = ord(c)
    return (
        0xFF61 <= o <= 0xFF9F
        or 0xE000 <= o <= 0xF8FF
        or 0x80 <= o <= 0x9F
        or o == 0xFFFD
        or unicodedata.category(c) == "Cn"
    )


def _japanese_score(text: str) -> float:
    """How much `text` looks like Japanese: kana share minus garbage share; <= 0 means no."""
    if not text:
        return 0.0
    non_ascii = [c for c in text if ord(c) > 0x7F]
    if not non_ascii:
        return 1.0
    kana = sum(1 for c in non_ascii if 0x3040 <= ord(c) <= 0x30FF)
    garbage = sum(1 for c in non_ascii if _is_garbage_char(c))
    if _control_ratio(text) > _MAX_CONTROL_RATIO:
        return 0.0
    return (kana - 5 * garbage) / len(non_ascii)


_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85\x0b\x0c]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# C0/C1 controls except tab and newline, the BOM, zero-width characters, soft hyphen.
_DELETE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u200b-\u200d\u2060\xad]")


def normalize_text(text: str) -> str:
    """NFKC, "\\n" newlines, no control characters (tab and newline kept), lines stripped.

    NFKC folds full-width ASCII and half-width kana; the Japanese punctuation 、。「」 is left
    as is (half-width ｡｢｣､ become 。「」、). NUL bytes, other C0/C1 controls, zero-width
    characters, the BOM and lone surrogates are removed. Leading/trailing blank lines go.
    """
    text = _NEWLINES.sub("\n", text)
    text = _SURROGATES.sub("", _DELETE.sub("", text))
    text = _DELETE.sub("", unicodedata.normalize("NFKC", text))
    return "\n".join(line.strip() for line in text.split("\n")).strip("\n")


# --------------------------------------------------------------------------------------------
# Boilerplate rules (data in kg/data/boilerplate.yaml) and line classification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    max_line_chars: int
    boilerplate: re.Pattern[str]
    closing: re.Pattern[str]
    closing_section: re.Pattern[str]
    bullet: re.Pattern[str]
    opening: re.Pattern[str]
    time_lead: re.Pattern[str]
    date_line: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    """Load and compile ``kg/data/boilerplate.yaml`` (once)."""
    from kg.vocab import load_yaml

    raw = load_yaml(resources.files("kg").joinpath("data/boilerplate.yaml").read_text("utf-8"))

    def union(key: str) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in raw[key]))

    return _Rules(
        max_line_chars=int(raw["max_line_chars"]),
        boilerplate=union("boilerplate"),
        closing=union("closing"),
        closing_section=union("closing_section"),
        bullet=union("bullet"),
        opening=union("opening"),
        time_lead=union("time_lead"),
        date_line=tuple(re.compile(p) for p in raw["date_line"]),
    )


# Line kinds
_BLANK, _CHROME, _SHORT, _TEXT = "blank", "chrome", "short", "text"
_SENTENCE_END = ("。", ".", "!", "?", "」", "』", '"', ")", "”", "…")
_SHORT_MAX = 60


def _match_key(line: str) -> str:
    return line if line.isascii() else unicodedata.normalize("NFKC", line)


def _line_kind(line: str, rules: _Rules) -> str:
    """blank / chrome (boilerplate pattern) / short (heading-like) / text (a sentence)."""
    if not line:
        return _BLANK
    if len(line) <= rules.max_line_chars and rules.boilerplate.search(_match_key(line)):
        return _CHROME
    if len(line) < _SHORT_MAX and not line.endswith(_SENTENCE_END):
        return _SHORT
    return _TEXT


@dataclass
class _Para:
    text: str
    kind: str  # _SHORT or _TEXT
    cut_before: bool = False  # a strong article boundary precedes this paragraph
    repeat: bool = False  # part of a repeated article; dropped


@dataclass
class _Piece:
    text: str
    title: str | None = None
    date: str | None = None


def _clean_paragraphs(text: str, rules: _Rules) -> list[_Para]:
    """Drop boilerplate lines; return paragraphs with boilerplate-run boundaries marked.

    A *run* is a maximal stretch of lines that are not sentences (blank, boilerplate or short).
    If a run holds a boilerplate line, its short lines are chrome too (menu items, widget
    titles and button labels travel with calendar rows and login prompts) and are dropped.
    A run with two or more boilerplate lines between two stretches of text marks an article
    boundary.
    """
    lines = [line.strip() for line in text.split("\n")]
    kinds = [_line_kind(line, rules) for line in lines]
    paras: list[_Para] = []
    pending_cut = False
    i, n = 0, len(lines)
    while i < n:
        if kinds[i] == _TEXT:
            paras.append(_Para(lines[i], _TEXT, cut_before=pending_cut))
            pending_cut = False
            i += 1
            continue
        j = i
        while j < n and kinds[j] != _TEXT:
            j += 1
        run = range(i, j)
        chrome = sum(1 for k in run if kinds[k] == _CHROME)
        if chrome:
            pending_cut = pending_cut or (chrome >= 2 and bool(paras))
        else:
            for k in run:
                if kinds[k] == _SHORT:
                    paras.append(_Para(lines[k], _SHORT, cut_before=pending_cut))
                    pending_cut = False
        i = j
    return paras


def _mark_closings_and_openings(paras: list[_Para], rules: _Rules) -> None:
    """Cut after closing lines (bylines, exchange rates, related-news sections), before datelines.

    Closing lines directly following each other stay together; a "related news" heading keeps
    the bullet lines after it. The cut is placed before the first paragraph that is neither.
    """
    tail = ""  # "", "closing" (after a byline) or "section" (after a related-news heading)
    for idx, para in enumerate(paras):
        key = _match_key(para.text)
        if rules.opening.search(key) and idx > 0:
            para.cut_before = True
        if rules.closing_section.search(key):
            tail = "section"
            continue
        if rules.closing.search(key):
            tail = tail or "closing"
            continue
        if tail == "section" and rules.bullet.search(key):
            continue
        if tail:
            para.cut_before = True
        tail = ""


_MIN_REPEAT_PARAS = 2
_MIN_REPEAT_CHARS = 200


def _mark_repeats(paras: list[_Para]) -> None:
    """Drop a re-posted article: a run of paragraphs that already appeared earlier on the page.

    A run counts when it has at least 2 paragraphs and 200 characters (so a repeated byline or
    subheading does not). Its ends are article boundaries. Linear: one dict of paragraph keys.
    """
    first: dict[str, int] = {}
    seen = []
    for idx, para in enumerate(paras):
        key = re.sub(r"\s+", "", para.text)
        seen.append(key in first)
        first.setdefault(key, idx)
    idx = 0
    while idx < len(paras):
        if not seen[idx]:
            idx += 1
            continue
        end = idx
        while end < len(paras) and seen[end]:
            end += 1
        chars = sum(len(paras[k].text) for k in range(idx, end))
        if end - idx >= _MIN_REPEAT_PARAS and chars >= _MIN_REPEAT_CHARS:
            for k in range(idx, end):
                paras[k].repeat = True
            if end < len(paras):
                paras[end].cut_before = True
        idx = end


_TERM = re.compile(r"[ァ-ヶー]{2,}|[一-鿿々〆]{2,}|[A-Za-z][A-Za-z0-9.&-]+")
_COHESION_WINDOW = 3
_COHESION_MAX = 0.05
_MIN_PARAS_WEAK_SPLIT = 3


def _weak_cuts(segment: list[_Para], idf: dict[str, float], rules: _Rules) -> list[int]:
    """Indexes in `segment` where a new article starts without any explicit marker.

    Signal: the paragraph opens like a news lead with a time expression and a comma
    ("2023年、...", "先月末には、...") AND the vocabulary of the 3 paragraphs before and the
    3 after barely overlaps (idf-weighted cosine < 0.05, a TextTiling-style cohesion dip).
    Both sides must keep at least 3 paragraphs. This is the weakest heuristic of the splitter.
    """
    cuts: list[int] = []
    last = 0
    for j in range(_MIN_PARAS_WEAK_SPLIT, len(segment) - _MIN_PARAS_WEAK_SPLIT + 1):
        if j - last < _MIN_PARAS_WEAK_SPLIT or segment[j].kind != _TEXT:
            continue
        if not rules.time_lead.search(_match_key(segment[j].text)):
            continue
        left = _term_vector(segment[max(last, j - _COHESION_WINDOW) : j], idf)
        right = _term_vector(segment[j : j + _COHESION_WINDOW], idf)
        if _cosine(left, right) < _COHESION_MAX:
            cuts.append(j)
            last = j
    return cuts


def _term_vector(paras: list[_Para], idf: dict[str, float]) -> Counter[str]:
    vec: Counter[str] = Counter()
    for para in paras:
        for term in set(_TERM.findall(para.text)):
            vec[term] += idf.get(term, 0.0)
    return vec


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(a[t] * b[t] for t in a.keys() & b.keys())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _header(segment: list[_Para], rules: _Rules) -> tuple[int, str | None, str | None]:
    """Leading heading-like lines of a piece: (how many, title, date).

    Short lines before the first sentence (blog name, tagline, headline, date line) are a
    header, not body text. The date comes from a date line; the title is the line just before
    the date line, else the last header line. No sentence after them: no header.
    """
    count = 0
    while count < len(segment) and segment[count].kind == _SHORT:
        count += 1
    if count == 0 or count == len(segment):
        return 0, None, None
    title = found_date = None
    lines = [p.text for p in segment[:count]]
    for idx, line in enumerate(lines):
        iso = _date_from_line(_match_key(line), rules)
        if iso and found_date is None:
            found_date = iso
            if idx > 0:
                title = lines[idx - 1]
    if title is None:
        candidates = [line for line in lines if not _date_from_line(_match_key(line), rules)]
        title = candidates[-1] if candidates else None
    return count, title, found_date


def _date_from_line(line: str, rules: _Rules) -> str | None:
    for pattern in rules.date_line:
        m = pattern.search(line)
        if m:
            try:
                return date(int(m["y"]), int(m["m"]), int(m["d"])).isoformat()
            except ValueError:
                return None
    return None


def _split_pieces(text: str) -> list[_Piece]:
    """The splitter behind `split_articles`, also returning header titles and dates."""
    rules = _rules()
    paras = _clean_paragraphs(text, rules)
    _mark_closings_and_openings(paras, rules)
    _mark_repeats(paras)
    segments: list[list[_Para]] = []
    current: list[_Para] = []
    for para in paras:
        if para.cut_before and current:
            segments.append(current)
            current = []
        if not para.repeat:
            current.append(para)
    if current:
        segments.append(current)

    kept = [p for seg in segments for p in seg]
    df = Counter(t for p in kept for t in set(_TERM.findall(p.text)))
    idf = {t: math.log((len(kept) + 1) / c) for t, c in df.items()}
    pieces: list[_Piece] = []
    for seg in segments:
        bounds = [0, *_weak_cuts(seg, idf, rules), len(seg)]
        for start, end in zip(bounds, bounds[1:], strict=False):
            part = seg[start:end]
            skip, title, found_date = _header(part, rules)
            body = "\n".join(p.text for p in part[skip:])
            if body.strip():
                pieces.append(_Piece(body, title, found_date))
    return pieces


def split_articles(text: str) -> list[str]:
    """Split a page holding several articles into article texts (boilerplate removed).

    Generic heuristics, in order (patterns live in ``kg/data/boilerplate.yaml``):

    1. Boilerplate lines are dropped, and short lines in the same non-sentence run as a
       boilerplate line (menus, widget titles). A run of >= 2 boilerplate lines between text
       is a boundary.
    2. Closing lines end an article: column bylines "(筆者は…コラムニストです…)", exchange-rate
       notes "(ドル=7.2480人民元)", credits; a "●背景となるニュース" section keeps its bullet
       lines, then the article ends. Datelines "[東京 12日 ロイター]" start one.
    3. A run of >= 2 paragraphs (>= 200 chars) repeating earlier paragraphs is a re-posted
       article: dropped, with boundaries at both ends.
    4. Weak signal: a paragraph opening with a time expression ("2023年、") where vocabulary
       cohesion with the neighbouring paragraphs drops (see `_weak_cuts`).
    5. Leading heading-like lines of each piece (site name, headline, date line) are removed.

    Lines are returned stripped but otherwise as given (no NFKC), one paragraph per line.
    Text with a single article gives a one-element list; text with none gives ``[]``.
    """
    return [piece.text for piece in _split_pieces(text)]


# --------------------------------------------------------------------------------------------
# Front matter
# --------------------------------------------------------------------------------------------

_FRONT_MATTER_END = re.compile(r"^(---|\.\.\.)[ \t]*$", re.MULTILINE)


def _split_front_matter(text: str, path: str) -> tuple[dict[str, Any] | None, str]:
    """(front matter mapping or None, body). Malformed YAML raises `CorpusError`."""
    import yaml

    if not (text.startswith("---\n") or text == "---"):
        return None, text
    end = _FRONT_MATTER_END.search(text, 4)
    if end is None:
        raise CorpusError(path, "malformed YAML front matter: no closing '---' line")
    try:
        data = yaml.load(text[4 : end.start()], Loader=_front_matter_loader())
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None)
        mark = getattr(exc, "problem_mark", None)
        detail = problem or " ".join(str(exc).split())
        if mark is not None:
            detail += f" (line {mark.line + 2} of the file)"  # +1: 0-based, +1: the '---' line
        raise CorpusError(path, f"malformed YAML front matter: {detail}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise CorpusError(path, f"malformed YAML front matter: expected a mapping, got {kind}")
    return {str(k): v for k, v in data.items()}, text[end.end() :].lstrip("\n")


@lru_cache(maxsize=1)
def _front_matter_loader() -> type:
    """libyaml's safe loader (when PyYAML has it), keeping a timestamp as the text written:
    ``date: 2024-13-45`` is then a bad date to warn about, not a YAML error."""
    import yaml

    class FrontMatterLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        pass

    FrontMatterLoader.add_constructor(
        "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
    )
    return FrontMatterLoader


def _article_date(value: Any, notes: list[str], where: str = "date") -> str | None:
    """A written date as ISO text at its precision (`kg.dates.parse_date`); None, and a note
    saying why, when it is no date."""
    from kg.dates import parse_date

    if value is None or value == "":
        return None
    try:
        return parse_date(value).value
    except ValueError as exc:
        notes.append(f"{where} {exc}; the article is read without a date")
        return None


def _jsonable(value: Any) -> Any:
    """Front matter values made JSON-serializable (dates to ISO strings, others to str)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _text_field(fm: dict[str, Any], key: str) -> str | None:
    value = fm.get(key)
    if value is None:
        return None
    return str(value).strip() or None


def format_article(text: str, **fields: Any) -> str:
    """Render one article as a corpus ``.md`` file: YAML front matter, then the body.

    Fields whose value is None are left out. The inverse of what `read_file` parses.
    """
    import yaml

    front = {k: v for k, v in fields.items() if v is not None}
    if isinstance(front.get("date"), str) and len(front["date"]) == 10:
        front["date"] = date.fromisoformat(front["date"])  # written unquoted: 2025-01-28
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n{text.strip()}\n"


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _shown(rel: str) -> str:
    """A path fit for a message: bytes that are not UTF-8 shown as \\xNN."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace") if _SURROGATES.search(rel) else rel


def _read_bytes(path: Path, rel: str) -> bytes:
    """The file's bytes. Only regular files are read: opening a FIFO (or a device) would
    block or never end, so it is opened non-blocking and refused after `fstat`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with open(fd, "rb", closefd=True) as handle:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                raise CorpusError(rel, "unreadable: is a directory")
            if not stat.S_ISREG(mode):
                raise CorpusError(rel, f"unreadable: not a regular file ({_file_kind(mode)})")
            return handle.read()
    except PermissionError:
        raise CorpusError(rel, "unreadable: permission denied") from None
    except IsADirectoryError:
        raise CorpusError(rel, "unreadable: is a directory") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CorpusError(rel, "symlink loop") from None
        if exc.errno == errno.ENOENT and path.is_symlink():
            raise CorpusError(rel, "broken symlink") from None
        raise CorpusError(rel, f"unreadable: {exc.strerror or exc}") from None


def _file_kind(mode: int) -> str:
    kinds = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
             stat.S_IFBLK: "a device"}  # fmt: skip
    return kinds.get(stat.S_IFMT(mode), "not a file")


def read_file(
    path: Path, root: Path, *, warnings: list[CorpusWarning] | None = None
) -> list[Article]:
    """Read one corpus file into its articles; raise `CorpusError` if it is bad.

    `root` makes `Article.path` relative (posix); a path outside `root` keeps only its name.
    Problems that leave the articles readable (a bad or missing date) are appended to
    `warnings`, one `CorpusWarning` per problem and file.
    """
    notes: list[str] = []
    articles = _read_articles(Path(path), Path(root), notes)
    undated = [a for a in articles if a.date is None]
    if undated:
        which = "" if len(articles) == 1 else (
            f" for article{'s' if len(undated) > 1 else ''} "
            + ", ".join(f"#{a.part}" for a in undated) + f" of {len(articles)}"
        )  # fmt: skip
        if not notes:
            notes.append(f"no date{which}: none in the front matter, page metadata or a date line")
    if warnings is not None and articles:
        warnings.extend(CorpusWarning(articles[0].path, note) for note in notes)
    return articles


def _read_articles(path: Path, root: Path, notes: list[str]) -> list[Article]:
    """`read_file` without the warnings: what it reads, with the problems noted."""
    rel = _relative(path, Path(root))
    if _SURROGATES.search(rel):  # undecodable bytes in the name (os uses surrogateescape)
        raise CorpusError(_shown(rel), "file name is not UTF-8 (rename the file)")
    data = _read_bytes(path, rel)
    text = decode_bytes(data, rel)
    if path.suffix.lower() in HTML_SUFFIXES:
        return _html_articles(text, rel, notes)
    text = normalize_text(text)
    if not text.strip():
        raise CorpusError(rel, "whitespace only")
    fm, body = _split_front_matter(text, rel)
    fm = fm or {}
    fields = {key: _text_field(fm, key) for key in _FIELD_KEYS}
    fields["date"] = _article_date(fm.get("date"), notes)
    meta = {k: _jsonable(v) for k, v in fm.items() if k not in _FIELD_KEYS and k != "split"}
    split = fm.get("split")
    if split is None:
        split = not fm
    if not body.strip():
        raise CorpusError(rel, "no article text after the front matter" if fm else "empty")
    if split:
        pieces = _split_pieces(body)
    else:
        paras = _clean_paragraphs(body, _rules())
        found_date = None if fields["date"] or notes else _header(paras, _rules())[2]
        pieces = [_Piece("\n".join(p.text for p in paras), date=found_date)] if paras else []
    if not pieces:
        raise CorpusError(rel, "no article text (only boilerplate)")
    return _articles(rel, pieces, fields, meta)


def _articles(
    rel: str, pieces: list[_Piece], fields: dict[str, str | None], meta: dict
) -> list[Article]:
    """Articles for the pieces of one file; file-level fields fill what a piece lacks.

    A file-level title is only given to a single-piece file (it names the page, not each story).
    """
    for piece in pieces:
        if len(piece.text) > MAX_ARTICLE_CHARS:
            raise CorpusError(
                rel,
                f"too long: an article of {len(piece.text):,} characters (limit "
                f"{MAX_ARTICLE_CHARS:,}); split the file into articles",
            )
    single = len(pieces) == 1
    out = []
    for number, piece in enumerate(pieces, start=1):
        title = piece.title or (fields["title"] if single else None)
        out.append(
            Article(
                path=rel,
                part=0 if single else number,
                text=piece.text,
                title=title,
                date=fields["date"] or piece.date,
                source=fields["source"],
                url=fields["url"],
                seed=fields["seed"],
                meta=dict(meta),
            )
        )
    return out


def _html_articles(html: str, rel: str, notes: list[str]) -> list[Article]:
    """Main text of an HTML page via trafilatura (title/date/url/site from its metadata)."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    except Exception as exc:  # noqa: BLE001 - a third-party parser; report, never a traceback
        raise CorpusError(rel, f"HTML extraction failed: {type(exc).__name__}: {exc}") from None
    body = normalize_text(getattr(doc, "text", None) or "") if doc is not None else ""
    if not body.strip():
        raise CorpusError(rel, "no main text in HTML page")
    pieces = _split_pieces(body)
    if not pieces:
        raise CorpusError(rel, "no main text in HTML page (only boilerplate)")
    fields: dict[str, str | None] = {
        "title": normalize_text(doc.title) if getattr(doc, "title", None) else None,
        "date": _article_date(getattr(doc, "date", None), notes, "page metadata date"),
        "source": normalize_text(doc.sitename) if getattr(doc, "sitename", None) else None,
        "url": getattr(doc, "url", None) or None,
        "seed": None,
    }
    return _articles(rel, pieces, fields, {})


# --------------------------------------------------------------------------------------------
# Walking and de-duplication
# --------------------------------------------------------------------------------------------


def _wanted(name: str) -> bool:
    suffix = os.path.splitext(name)[1].lower()
    return not name.startswith(".") and (suffix in TEXT_SUFFIXES or suffix in HTML_SUFFIXES)


def _walk(root: Path) -> tuple[list[Path], list[Skipped]]:
    """Corpus files under `root`, sorted; symlinked directories followed once, loops reported."""
    files: list[Path] = []
    problems: list[Skipped] = []
    visited: set[str] = set()
    stack: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while stack:
        directory, ancestors = stack.pop()
        real = os.path.realpath(directory)
        if real in ancestors:
            problems.append(Skipped(_shown(_relative(directory, root)), "symlink loop"))
            continue
        if real in visited:
            continue
        visited.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            reason = (
                "unreadable: permission denied"
                if isinstance(exc, PermissionError)
                else (f"unreadable: {exc.strerror or exc}")
            )
            problems.append(Skipped(_shown(_relative(directory, root)) or ".", reason))
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                subdirs.append(path)
            elif _wanted(entry.name):
                files.append(path)  # broken links and file loops are reported by read_file
            elif entry.is_symlink() and not os.path.exists(path):
                _report_dangling(path, root, problems)
        stack.extend((d, (*ancestors, real)) for d in reversed(subdirs))
    files.sort(key=lambda p: _relative(p, root))
    return files, problems


def _report_dangling(path: Path, root: Path, problems: list[Skipped]) -> None:
    """A symlink without a usable target: only a loop is worth a warning (it has no suffix)."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            problems.append(Skipped(_shown(_relative(path, root)), "symlink loop"))


class _NearDuplicateIndex:
    """MinHash (128 permutations) over character 5-grams with LSH banding (32 bands x 4).

    Each article is hashed once in O(len) (capped at `SHINGLE_CAP_CHARS`); candidates come
    from band buckets and are confirmed by the estimated Jaccard >= `NEAR_DUP_THRESHOLD`.
    """

    PERMUTATIONS, BANDS = 128, 32
    _PRIME = (1 << 31) - 1

    def __init__(self) -> None:
        import numpy as np

        self._np = np
        rng = np.random.default_rng(20240601)
        self._a = rng.integers(1, self._PRIME, self.PERMUTATIONS, dtype=np.uint64)[:, None]
        self._b = rng.integers(0, self._PRIME, self.PERMUTATIONS, dtype=np.uint64)[:, None]
        self._buckets: dict[tuple[int, bytes], list[int]] = {}
        self._signatures: list[Any] = []
        self._keys: list[str] = []

    def signature(self, text: str) -> Any:
        np = self._np
        compact = re.sub(r"\s+", "", text)[:SHINGLE_CAP_CHARS]
        codes = np.frombuffer(compact.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        if len(codes) < SHINGLE_SIZE:
            codes = np.concatenate([codes, np.zeros(SHINGLE_SIZE - len(codes), dtype=np.uint64)])
        count = len(codes) - SHINGLE_SIZE + 1
        shingles = np.zeros(count, dtype=np.uint64)
        for k in range(SHINGLE_SIZE):  # rolling polynomial hash, vectorized
            shingles = (shingles * np.uint64(1_000_003) + codes[k : k + count]) % self._PRIME
        shingles = np.unique(shingles)
        signature = np.full(self.PERMUTATIONS, self._PRIME, dtype=np.uint64)
        for start in range(0, len(shingles), 8192):  # bounded memory: 128 x 8192 at a time
            chunk = shingles[None, start : start + 8192]
            hashed = (self._a * chunk + self._b) % self._PRIME
            signature = np.minimum(signature, hashed.min(axis=1))
        return signature

    def find_or_add(self, key: str, text: str) -> tuple[str, float] | None:
        """The earlier article `text` nearly duplicates (key, similarity), else index it."""
        sig = self.signature(text)
        rows = self.PERMUTATIONS // self.BANDS
        bands = [(b, sig[b * rows : (b + 1) * rows].tobytes()) for b in range(self.BANDS)]
        candidates = sorted({i for band in bands for i in self._buckets.get(band, ())})
        for idx in candidates:
            similarity = float((self._signatures[idx] == sig).mean())
            if similarity >= NEAR_DUP_THRESHOLD:
                return self._keys[idx], similarity
        number = len(self._keys)
        self._keys.append(key)
        self._signatures.append(sig)
        for band in bands:
            self._buckets.setdefault(band, []).append(number)
        return None


def load_corpus(paths: Sequence[str | Path] | str | Path, *, strict: bool = False) -> Corpus:
    """Load every article under `paths` (directories recursively, or files).

    Bad files become `Skipped` entries (with ``strict=True`` the first raises `CorpusError`);
    exact and near-duplicate articles are dropped in favour of the first by sorted path and
    reported as `Skipped` too (never an error). Articles come back sorted by (path, part).
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    skipped: list[Skipped] = []
    warnings: list[CorpusWarning] = []
    articles: list[Article] = []
    exact: dict[str, str] = {}
    near = _NearDuplicateIndex()
    taken: set[str] = set()

    def bad(entry: Skipped) -> None:
        if strict:
            raise CorpusError(entry.path, entry.reason)
        skipped.append(entry)

    for given in paths:
        given = Path(given)
        if given.is_dir():
            root = given
            files, problems = _walk(given)
            for problem in problems:
                bad(problem)
        elif given.exists() or given.is_symlink():
            root, files = given.parent, [given]
        else:
            bad(Skipped(str(given), "not found"))
            continue
        for path in files:
            try:
                found = read_file(path, root, warnings=warnings)
            except CorpusError as exc:
                bad(Skipped(exc.path, exc.reason))
                continue
            for article in found:
                if article.key in taken:
                    reason = "same path already loaded from another root"
                    skipped.append(Skipped(article.key, reason))
                    continue
                digest = hashlib.sha256(re.sub(r"\s+", "", article.text).encode()).hexdigest()
                if digest in exact:
                    skipped.append(Skipped(article.key, f"duplicate of {exact[digest]}"))
                    continue
                match = near.find_or_add(article.key, article.text)
                if match is not None:
                    reason = f"near-duplicate of {match[0]} (similarity {match[1]:.2f})"
                    skipped.append(Skipped(article.key, reason))
                    continue
                exact[digest] = article.key
                taken.add(article.key)
                articles.append(article)
    articles.sort(key=lambda a: (a.path, a.part))
    return Corpus(articles=articles, skipped=skipped, warnings=warnings)


# --------------------------------------------------------------------------------------------
# `python -m kg.corpus split SEED OUTDIR`: write the articles of one page as corpus files
# --------------------------------------------------------------------------------------------


def write_split(seed: Path, outdir: Path) -> list[Path]:
    """Split the page `seed` and write ``OUTDIR/NN.md`` files (front matter: seed, title, date).

    The bodies are exactly what `split_articles` returns (verbatim lines, boilerplate removed).
    Titles and sources are then edited by hand where the page has none.
    """
    seed, outdir = Path(seed), Path(outdir)
    text = decode_bytes(_read_bytes(seed, seed.name), seed.name)
    text = _NEWLINES.sub("\n", text).replace("\x00", "")
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for number, piece in enumerate(_split_pieces(text), start=1):
        target = outdir / f"{number:02d}.md"
        fields = {"title": piece.title, "date": piece.date, "seed": seed.name}
        target.write_text(format_article(piece.text, **fields), encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "split":
        sys.exit("usage: python -m kg.corpus split SEED OUTDIR")
    try:
        for written_path in write_split(Path(sys.argv[2]), Path(sys.argv[3])):
            print(written_path)
    except CorpusError as error:
        sys.exit(str(error))
