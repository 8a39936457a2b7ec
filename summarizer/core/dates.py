"""Turn the raw words of a date into a calendar value, as precise as the words allow.

The model copies date words verbatim ("Saturday", "late April 2025"); resolving them
here keeps dates deterministic and lets relative words be anchored to the article's
publication date instead of to whatever the model believes "today" is.

Rules, in the order they are tried:

* **Numeric dates.**  "2025-03-15" (also with "/" or "."), and "15/03/2025" read day
  first (also "15.03.2025", "15-03-25"); when the second field cannot be a month but
  the first can ("03/15/2025") it is read month first.  A numeric date that is still
  not a real day is not trusted at all: the result is unparsed.  "2025-03" gives a month.
* **Month names** (full or abbreviated: "Mar.", "Sept"), with an optional day before
  ("15 March", "15th of March", "15-16 March": the first day of a span) or after
  ("March 15", "March 15th").  The year is the four-digit number after them, else any
  four-digit year in the text ("March 15-16, 2025").  "early/mid/late/end of" are
  ignored, so "late April 2025" is month precision.  A day that the month never has
  ("32 March", "Feb 30 2025") is dropped and the result keeps month precision.
* **Year inference.**  Without a year, "last/this/next year" in the text sets it
  (relative to ``published``); otherwise the year is the most recent one that puts the
  date (the 1st, for a month alone) no more than 31 days after ``published``: news
  reports past events, but "planned for 3 April" may be a little ahead.  Without
  ``published`` the month and day are kept, the year stays None and precision is
  "unknown".
* **Relative words** resolve only against ``published``: "today"/"tonight"/"this
  morning", "yesterday"/"last night", "the day before yesterday", "tomorrow", "N days
  ago", weekday names (the most recent such day on or before publication; "last"/
  "this past" Saturday on a Saturday means a week earlier; "next" means strictly
  after), "last/this/next month" (month precision), "last/this/next year" (year
  precision).  Week-level words ("last week", "earlier this week", "weeks ago",
  "recently", "the weekend") cannot name a day, so they stay unresolved.
* **A bare year** ("2025", "early 2025", "mid-2025") gives year precision.

Nothing here raises on string input: anything unreadable comes back unresolved.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from typing import Literal

from summarizer.core.quantities import SMALL_NUMBER_WORDS
from summarizer.core.text import DAYS, DMY_DATE, ISO_DATE, MONTHS_BUT_MAY, ORDINAL, unify

Precision = Literal["day", "month", "year", "unknown"]


@dataclass(frozen=True)
class ParsedDate:
    """A date only as precise as the article's words; ``relative`` flags anchored guesses."""

    year: int | None
    month: int | None
    day: int | None
    precision: Precision
    relative: bool
    resolved: bool

    def as_date(self) -> datetime.date | None:
        """The calendar day, only when the words named one; callers never get a fake 1st."""
        if self.precision != "day" or self.year is None or self.month is None or self.day is None:
            return None
        return _safe_date(self.year, self.month, self.day)


_MONTHS: dict[str, int] = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_COUNT_WORDS: dict[str, int] = {"a": 1, "an": 1, **SMALL_NUMBER_WORDS, "twenty": 20}

#: how far after publication a year-less date may fall ("planned for 3 April")
_LOOKAHEAD = datetime.timedelta(days=31)

_ISO_RE = re.compile(ISO_DATE)
_DMY_RE = re.compile(DMY_DATE)
_YEAR_MONTH_RE = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{1,2})(?![0-9-])")
_MONTH_RE = re.compile(
    rf"\b({MONTHS_BUT_MAY}"
    # "it may have been Saturday" does not name May
    r"|may(?!\s+(?:be|have|has|not|also|still|well|never|yet)\b))\b\.?"
)
_DAY_BEFORE_RE = re.compile(DAYS + r"\s*(?:of\s+)?(?:the\s+)?(?:month\s+of\s+)?$")
_DAY_AFTER_RE = re.compile(rf"\s*(?:the\s+)?([0-9]{{1,2}})(?![0-9]){ORDINAL}\b")
_YEAR = r"(19[0-9]{2}|2[01][0-9]{2})(?![0-9])"  # 1900-2199: "at 1600 GMT" is no year
_YEAR_AFTER_RE = re.compile(rf"(?:\s*-\s*[0-9]{{1,2}}{ORDINAL})?[\s,.]*{_YEAR}")
_ANY_YEAR_RE = re.compile(rf"(?<![0-9]){_YEAR}")

#: words that name a day by its distance from publication, the longest first
_DAY_OFFSETS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\bday\s+before\s+yesterday\b"), -2),
    (re.compile(r"\b(?:yesterday|last\s+night)\b"), -1),
    (re.compile(r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b"), 0),
    (re.compile(r"\btomorrow\b"), 1),
)
_DAYS_AGO_RE = re.compile(r"\b([0-9]{1,6}|" + "|".join(_COUNT_WORDS) + r")\s+days?\s+ago\b")
_WEEKDAY_RE = re.compile(
    r"\b(?:(this\s+past|past|last|previous|this|next|coming|on)\s+)?"
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
)
_RELATIVE_MONTH_RE = re.compile(r"\b(last|previous|this|next)\s+month\b")
_RELATIVE_YEAR_RE = re.compile(r"\b(last|previous|this|next)\s+year\b")
_VAGUE_RELATIVE_RE = re.compile(
    r"\b(?:week|weeks|weekend|ago|recent|recently|lately|earlier|later|previous|past|last"
    r"|next|coming)\b"
)

_DELTA: dict[str, int] = {"last": -1, "previous": -1, "this": 0, "next": 1}


def _safe_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _shift(published: datetime.date, days: int) -> datetime.date | None:
    try:
        return published + datetime.timedelta(days=days)
    except (OverflowError, ValueError):
        return None


def _make(year: int | None, month: int | None, day: int | None, *, relative: bool) -> ParsedDate:
    """One place decides precision, so it always matches the fields that are set."""
    if year is not None and not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        year = month = day = None  # shifted off the calendar: nothing left to trust
    precision: Precision = "unknown"
    if year is not None and month is not None and day is not None:
        precision = "day"
    elif year is not None and month is not None:
        precision = "month"
    elif year is not None:
        precision, month, day = "year", None, None
    return ParsedDate(year, month, day, precision, relative, year is not None)


def _offset(published: datetime.date | None, days: int) -> datetime.date | None:
    return None if published is None else _shift(published, days)


def _from_date(d: datetime.date | None, *, relative: bool) -> ParsedDate:
    if d is None:
        return _make(None, None, None, relative=relative)
    return _make(d.year, d.month, d.day, relative=relative)


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _day_possible(month: int, day: int) -> bool:
    """Whether the month ever has this day (29 February counts)."""
    return 1 <= day <= calendar.monthrange(2024, month)[1]


def _infer_year(month: int, day: int | None, published: datetime.date) -> int | None:
    """Most recent year that puts the date at most ``_LOOKAHEAD`` after publication."""
    limit = _shift(published, _LOOKAHEAD.days) or datetime.date.max
    for year in range(published.year + 1, published.year - 9, -1):
        candidate = _safe_date(year, month, day or 1)
        if candidate is not None and candidate <= limit:
            return year
    return None


# --------------------------------------------------------------------------- absolute


def _numeric(text: str) -> ParsedDate | None:
    """ISO and day-first numeric dates; a malformed one is unparsed, not half-trusted."""
    m = _ISO_RE.search(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
        return _make(year, month, day, relative=False) if _safe_date(year, month, day) else _NONE
    m = _DMY_RE.search(text)
    if m:
        first, second, year = (int(g) for g in m.groups())
        if len(m.group(3)) == 2:
            year += 2000
        day, month = (second, first) if second > 12 >= first else (first, second)
        return _make(year, month, day, relative=False) if _safe_date(year, month, day) else _NONE
    m = _YEAR_MONTH_RE.search(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return _make(int(m.group(1)), int(m.group(2)), None, relative=False)
    return None


def _textual(text: str, published: datetime.date | None) -> ParsedDate | None:
    """Dates that name a month; the day and year around it are optional."""
    m = _MONTH_RE.search(text)
    if m is None:
        return None
    month = _MONTHS[m.group(1)[:3]]
    day: int | None = None
    after = m.end()
    before = _DAY_BEFORE_RE.search(text, 0, m.start())
    if before:
        day = int(before.group(1))
    else:
        following = _DAY_AFTER_RE.match(text, after)
        if following:
            day, after = int(following.group(1)), following.end()
    year_m = _YEAR_AFTER_RE.match(text, after) or _ANY_YEAR_RE.search(text)
    year = int(year_m.group(1)) if year_m else None
    if day is not None and not _day_possible(month, day):
        day = None
    if year is not None:
        if day is not None and _safe_date(year, month, day) is None:
            day = None  # 29 February in a common year
        return _make(year, month, day, relative=False)
    relative_year = _RELATIVE_YEAR_RE.search(text)
    if relative_year:
        if published is None:
            return _make(None, month, day, relative=True)
        year = published.year + _DELTA[relative_year.group(1)]
        if day is not None and _safe_date(year, month, day) is None:
            day = None
        return _make(year, month, day, relative=True)
    if published is None:
        return _make(None, month, day, relative=False)
    year = _infer_year(month, day, published)
    if year is None and day is not None:
        day, year = None, _infer_year(month, None, published)
    return _make(year, month, day if year is not None else None, relative=False)


# --------------------------------------------------------------------------- relative


def _weekday(mod: str | None, name: str, published: datetime.date) -> datetime.date | None:
    target, today = _WEEKDAYS[name], published.weekday()
    if mod in ("next", "coming"):
        return _shift(published, (target - today) % 7 or 7)
    back = (today - target) % 7
    if mod in ("last", "past", "this past", "previous") and back == 0:
        back = 7
    return _shift(published, -back)


def _relative(text: str, published: datetime.date | None) -> ParsedDate | None:
    """Words that only mean something against the publication date."""
    for regex, offset in _DAY_OFFSETS:
        if regex.search(text):
            return _from_date(_offset(published, offset), relative=True)
    ago = _DAYS_AGO_RE.search(text)
    if ago:
        word = ago.group(1)
        days = int(word) if word.isdigit() else _COUNT_WORDS[word]
        return _from_date(_offset(published, -days), relative=True)
    weekday = _WEEKDAY_RE.search(text)
    if weekday:
        mod = re.sub(r"\s+", " ", weekday.group(1)) if weekday.group(1) else None
        if published is None:
            return _make(None, None, None, relative=True)
        return _from_date(_weekday(mod, weekday.group(2), published), relative=True)
    month_m = _RELATIVE_MONTH_RE.search(text)
    if month_m:
        if published is None:
            return _make(None, None, None, relative=True)
        year, month = _add_months(published.year, published.month, _DELTA[month_m.group(1)])
        return _make(year, month, None, relative=True)
    year_m = _RELATIVE_YEAR_RE.search(text)
    if year_m:
        if published is None:
            return _make(None, None, None, relative=True)
        return _make(published.year + _DELTA[year_m.group(1)], None, None, relative=True)
    if _VAGUE_RELATIVE_RE.search(text):
        return _make(None, None, None, relative=True)
    return None


_NONE = ParsedDate(None, None, None, "unknown", relative=False, resolved=False)


def parse_date(raw: str, published: datetime.date | None = None) -> ParsedDate:
    """Resolve date words as far as they go; relative words need ``published``."""
    if isinstance(published, datetime.datetime):  # datetimes do not compare with dates
        published = published.date()
    text = unify(raw.lower())
    return (
        _numeric(text)
        or _textual(text, published)
        or _relative(text, published)
        or _bare_year(text)
        or _NONE
    )


def _bare_year(text: str) -> ParsedDate | None:
    m = _ANY_YEAR_RE.search(text)
    return _make(int(m.group(1)), None, None, relative=False) if m else None
