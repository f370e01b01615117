"""Dates at their precision: article dates, and the dates claims state about their events.

A date here is a `When`: a period (first and last day) with a precision, day, week, month
or year, written as ISO text at that precision (``2024-05-01``, ``2024-02``, ``2024``; a
week by its Monday). Articles carry one from their front matter, page metadata or a date
line; `parse_date` reads those.

A date at month or year precision is the whole month or year: a time filter (`Window`)
keeps it only when all of it lies inside the window, so ``--since 2024-02-15`` leaves out
an article dated ``2024-02``, and ``--until 2024-02`` keeps it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kg.vocab import XSD

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
