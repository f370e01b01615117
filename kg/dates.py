"""Dates at their precision: article dates, and the dates claims state about their events.

A date here is a `When`: a period (first and last day) with a precision, day, week, month
or year, written as ISO text at that precision (``2024-05-01``, ``2024-02``, ``2024``; a
week by its Monday). Articles carry one from their front matter, page metadata or a date
line; `parse_date` reads those.

A date at month or year precision is the whole month or year: a time filter (`Window`)
keeps it only when all of it lies inside the window, so ``--since 2024-02-15`` leaves out
an article dated ``2024-02``, and ``--until 2024-02`` keeps it.

A claim's event date (`event_date`) is read from its sentence with the rules of
ontology/date-expressions.yaml (`date_mentions`: 2019年5月15日, 令和5年, 昨年末, 先週,
月曜日, 3日, 同日 ... resolved against the article's date); without one, the article's
date stands in. docs/dates.md describes them, and how right they are on real news.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from kg.vocab import XSD

VERSION = "kg.dates.v1"
"""Recorded in kg:extractor (through `kg.pipeline.pipeline_version`): claims' dates change
with it."""

PRECISIONS = ("day", "week", "month", "year")
"""Finest first. The RDF datatype of each: a week is written as the xsd:date of its Monday."""
DATATYPES = {
    "day": str(XSD.date),
    "week": str(XSD.date),
    "month": str(XSD.gYearMonth),
    "year": str(XSD.gYear),
}
MIN_YEAR, MAX_YEAR = 1900, 2199
"""Years outside these are taken for a typing slip, not a date."""


@dataclass(frozen=True, order=True)
class When:
    """A period of days, `start` to `end` inclusive, known to `precision`."""

    start: date
    end: date
    precision: str

    @classmethod
    def day(cls, d: date) -> When:
        return cls(d, d, "day")

    @classmethod
    def week(cls, d: date) -> When:
        monday = d - timedelta(days=d.weekday())
        return cls(monday, monday + timedelta(days=6), "week")

    @classmethod
    def month(cls, year: int, month: int) -> When:
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last), "month")

    @classmethod
    def year(cls, year: int) -> When:
        return cls(date(year, 1, 1), date(year, 12, 31), "year")

    @classmethod
    def stored(cls, value: str, precision: str | None = None) -> When:
        """A date as the graph stores it: ISO text, and its precision when that is a week
        (written as its Monday's day)."""
        when = parse_date(value)
        return cls.week(when.start) if precision == "week" else when

    @property
    def value(self) -> str:
        """ISO text at the precision: ``2024-05-01``, ``2024-02`` or ``2024``."""
        if self.precision in ("day", "week"):
            return self.start.isoformat()
        if self.precision == "month":
            return self.start.isoformat()[:7]
        return self.start.isoformat()[:4]

    @property
    def datatype(self) -> str:
        return DATATYPES[self.precision]

    def __str__(self) -> str:
        return self.value


_WRITTEN = (
    re.compile(r"(?P<y>\d{4})(?:([-/.])(?P<m>\d{1,2})(?:\2(?P<d>\d{1,2}))?)?([T ]\d{1,2}:\d\d.*)?"),
    re.compile(r"(?P<y>\d{4})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?)?"),
)


def parse_date(value: object) -> When:
    """A written date (``2024-05-01``, ``2024-02``, ``2024``, ``2024/5/1``, ``2024年5月``,
    an ISO date-time, a `date`) at the precision it is written in; ValueError saying what is
    wrong otherwise (``2024-13-45``, ``2024-02-30``, ``yesterday``)."""
    if isinstance(value, datetime):
        return When.day(value.date())
    if isinstance(value, date):
        return When.day(value)
    text = str(value).strip()
    m = next((m for p in _WRITTEN if (m := p.fullmatch(text))), None)
    if m is None or isinstance(value, bool):
        raise ValueError(f"{text!r} is not a date; write YYYY-MM-DD, YYYY-MM or YYYY")
    y = int(m["y"])
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise ValueError(f"{text!r} has year {y}; write YYYY-MM-DD, YYYY-MM or YYYY")
    if m["m"] is None:
        return When.year(y)
    mo = int(m["m"])
    if not 1 <= mo <= 12:
        raise ValueError(f"{text!r} has no month {mo}; write YYYY-MM-DD, YYYY-MM or YYYY")
    if m["d"] is None:
        return When.month(y, mo)
    try:
        return When.day(date(y, mo, int(m["d"])))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a day of the calendar ({calendar.month_name[mo]} {y} has"
            f" {calendar.monthrange(y, mo)[1]} days)"
        ) from None


@dataclass(frozen=True)
class Window:
    """A question in time: events from `since` to `until` (the claims' dates), as the graph
    stood on `as_of` (only articles published by then). Each bound is a day or None.

    A date known only to its month or year passes only when all of it is inside: an event of
    ``2024-02`` is not "since 2024-02-15", and an article of ``2024-02`` was not surely
    published "as of 2024-02-15".
    """

    since: date | None = None
    until: date | None = None
    as_of: date | None = None

    @classmethod
    def parse(
        cls, since: str | None = None, until: str | None = None, as_of: str | None = None
    ) -> Window:
        """From written dates at any precision: `since` from the first day of its period,
        `until` and `as_of` to the last (``--until 2024`` is to 2024-12-31)."""
        from kg.errors import QueryError

        bounds = {}
        for name, text, edge in (("since", since, "start"), ("until", until, "end"),
                                 ("as_of", as_of, "end")):  # fmt: skip
            if text is None or not str(text).strip():
                continue
            try:
                bounds[name] = getattr(parse_date(text), edge)
            except ValueError as exc:
                option = "--" + name.replace("_", "-")
                raise QueryError(f"{option}: {exc}") from None
        window = cls(**bounds)
        if window.since and window.until and window.since > window.until:
            raise QueryError(f"--since {window.since} is after --until {window.until}")
        return window

    def __bool__(self) -> bool:
        return any((self.since, self.until, self.as_of))

    def keeps(self, event: When | None, published: When | None) -> bool:
        """Does a claim of an event dated `event`, from an article dated `published`, pass?"""
        if self.since or self.until:
            if event is None:
                return False
            if self.since and event.start < self.since:
                return False
            if self.until and event.end > self.until:
                return False
        return not self.as_of or (published is not None and published.end <= self.as_of)


# ----------------------------------------------------------------- dates stated in a sentence

EXPRESSIONS_FILE = "date-expressions.yaml"
SENTENCE, ARTICLE = "sentence", "article"
"""Where a claim's event date comes from: words of its sentence, or its article's date."""


@dataclass(frozen=True)
class _Expression:
    pattern: re.Pattern[str]
    offsets: dict[str, int]  # year / month / week / day -> offset from the article's date
    ago: str | None  # years / months / weeks / days: the group n counts back
    same: str | None  # day / month / year: that of the date written before (同日)


@dataclass(frozen=True)
class _Grammar:
    expressions: tuple[_Expression, ...]
    eras: dict[str, int]
    parts: dict[str, int]


@cache
def _grammar() -> _Grammar:
    """ontology/date-expressions.yaml, compiled (once)."""
    from kg.vocab import load_yaml, ontology_dir

    raw = load_yaml((ontology_dir() / EXPRESSIONS_FILE).read_text("utf-8"))
    before, after = raw["not_before"], raw["not_after"]
    expressions = tuple(
        _Expression(
            re.compile(before + e["pattern"] + after),
            {k: int(e[k]) for k in ("year", "month", "week", "day") if k in e},
            e.get("ago"),
            e.get("same"),
        )
        for e in raw["expressions"]
    )
    return _Grammar(expressions, dict(raw["eras"]), dict(raw["parts"]))


@dataclass(frozen=True)
class DateMention:
    """Words of a sentence that say when, and the period they mean (None when they count
    from the article's date and the article has none, or name no real day)."""

    text: str
    start: int
    end: int
    when: When | None


def date_mentions(text: str, article: When | None = None) -> list[DateMention]:
    """Every date expression of `text` (ontology/date-expressions.yaml), left to right,
    resolved against the article's date `article` where they are relative to it, and 同日
    (the same day) against the date written before it."""
    grammar = _grammar()
    found = []
    for rank, expr in enumerate(grammar.expressions):
        for m in expr.pattern.finditer(text):
            found.append((m.start(), rank, m.end(), m, expr))
    found.sort(key=lambda x: (x[0], x[1]))
    out: list[DateMention] = []
    taken = 0
    for start, _, end, m, expr in found:
        if start < taken:
            continue
        taken = end
        if expr.same:
            when = _same(expr.same, [x.when for x in out if x.when is not None])
        else:
            when = _resolve(m, expr, article, grammar)
        out.append(DateMention(m.group(0), start, end, when))
    return out


def _same(unit: str, earlier: list[When]) -> When | None:
    """同日, 同月, 同年: the day (month, year) of the last date written before, if that is
    known so finely."""
    finest = PRECISIONS[: PRECISIONS.index(unit) + 1]
    last = next((w for w in reversed(earlier) if w.precision in finest), None)
    if last is None:
        return None
    if unit == "day":
        return last
    return When.month(last.start.year, last.start.month) if unit == "month" else When.year(
        last.start.year)  # fmt: skip


def _resolve(m: re.Match, expr: _Expression, article: When | None, grammar: _Grammar):
    """The period one match means, or None."""
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    a = article
    day_known = a is not None and a.precision == "day"
    try:
        if expr.ago:
            n = int(g["n"])
            if expr.ago == "years" and a is not None:
                return When.year(a.start.year - n)
            if expr.ago == "months" and a is not None and a.precision in ("day", "month"):
                y, mo = _add_months(a.start.year, a.start.month, -n)
                return When.month(y, mo)
            if expr.ago in ("weeks", "days") and day_known:
                return When.day(a.start - timedelta(days=n * (7 if expr.ago == "weeks" else 1)))
            return None
        if "week" in expr.offsets:
            return When.week(a.start + timedelta(weeks=expr.offsets["week"])) if day_known else None
        if "day" in expr.offsets:
            return When.day(a.start + timedelta(days=expr.offsets["day"])) if day_known else None
        if "wd" in g:
            if not day_known:
                return None
            back = (a.start.weekday() - "月火水木金土日".index(g["wd"])) % 7
            return When.day(a.start - timedelta(days=back))
        year = _year(g, expr, a, grammar)
        month = int(g["m"]) if "m" in g else None
        if "month" in expr.offsets:
            if a is None or a.precision == "year":
                return None
            year, month = _add_months(a.start.year, a.start.month, expr.offsets["month"])
        if year is None:
            return _nearest(g, month, a)
        if month is None:
            part = grammar.parts.get(g.get("part", ""))
            return When.month(year, part) if part else When.year(year)
        if "d" in g:
            return When.day(date(year, month, int(g["d"])))
        return When.month(year, month)
    except ValueError:  # 2月30日, 13月: no such day or month
        return None


def _year(g: dict, expr: _Expression, a: When | None, grammar: _Grammar) -> int | None:
    """The year the words give (written, two-digit, era or relative), else None."""
    if "y" in g:
        return int(g["y"])
    if "era" in g:
        return grammar.eras[g["era"]] + (1 if g["ey"] == "元" else int(g["ey"]))
    if "yy" in g:  # the century that puts it at most 10 years after the article (or 20xx)
        if a is None:
            return 2000 + int(g["yy"])
        year = a.start.year // 100 * 100 + int(g["yy"])
        return year - 100 if year > a.start.year + 10 else year
    if "year" in expr.offsets:
        return a.start.year + expr.offsets["year"] if a is not None else None
    return None


def _nearest(g: dict, month: int | None, a: When | None) -> When | None:
    """A month or day written without its year (or month): the one nearest the article's
    date (of the year or month before, that one, or the one after); None without one."""
    if a is None:
        return None
    if month is None:  # a day of the month
        if "d" not in g or a.precision not in ("day", "month"):
            return None
        # a day of the month is mostly one just past: the last on or before the article's
        # day (a day's grace for time zones), else the next
        shifts = (-1, 0, 1) if a.precision == "day" else (0,)
        candidates = []
        for shift in shifts:
            y, mo = _add_months(a.start.year, a.start.month, shift)
            try:
                candidates.append(date(y, mo, int(g["d"])))
            except ValueError:
                continue
        past = [d for d in candidates if d <= a.start + timedelta(days=1)]
        if past or candidates:
            return When.day(max(past) if past else min(candidates))
        return None
    years = (a.start.year - 1, a.start.year, a.start.year + 1) if a.precision != "year" else (
        a.start.year,)  # fmt: skip
    if "d" in g:
        days = [date(y, month, int(g["d"])) for y in years]
        return When.day(min(days, key=lambda d: abs(d - a.start)))
    months = [When.month(y, month) for y in years]
    return min(months, key=lambda w: abs(w.start - a.start.replace(day=1)))


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + month - 1 + n
    return k // 12, k % 12 + 1


@dataclass(frozen=True)
class EventDate:
    """When a claim's event happened: the date, whether its sentence states it (`SENTENCE`,
    with the words) or the article's date stands in (`ARTICLE`). `when` is None for words
    that count from an article that has no date."""

    when: When | None
    source: str
    text: str | None = None


def event_date(
    sentence: str,
    article: When | None,
    arguments: tuple[str, ...] = (),
    mentions: list[DateMention] | None = None,
) -> EventDate | None:
    """The date of the event a claim of `sentence` states, from the article dated `article`.

    `arguments` are the claim's subject and object as written; `mentions` the date
    expressions of the sentence (offsets within it), when the caller has them (see
    `date_mentions`, run over the whole article so that 同日 finds its day). Which one
    dates the claim: a Japanese clause ends in its predicate, after its time adverbial, so
    the expression nearest before the later of the claim's arguments, preferring one set
    off by a comma (一昨年3月、… 先月には、…: the time of a main clause, where one inside a
    relative clause has none); with none before the arguments, the first of the sentence.
    Words that name no day (2月30日) are passed over. Without any, the article's date
    stands in (source `ARTICLE`); None when there is neither.
    """
    if mentions is None:
        mentions = date_mentions(sentence, article)
    usable = [m for m in mentions if m.when is not None or article is None]
    if usable:
        places = [sentence.find(x) for x in arguments if x]
        anchor = max((p for p in places if p >= 0), default=len(sentence))
        before = [m for m in usable if m.end <= anchor]
        set_off = [m for m in before if _SET_OFF.match(sentence, m.end)]
        chosen = (set_off or before or usable)[-1 if before else 0]
        return EventDate(chosen.when, SENTENCE, chosen.text)
    if article is not None:
        return EventDate(article, ARTICLE)
    return None


_SET_OFF = re.compile(r"(?:に|には|は|にも|頃|ごろ)?[、,]")
