"""Date words become calendar values only as far as the words (and publication) allow."""

from __future__ import annotations

import datetime

import pytest

from summarizer.core.dates import ParsedDate, parse_date

#: a Monday
PUBLISHED = datetime.date(2025, 5, 12)

UNPARSED = ParsedDate(None, None, None, "unknown", relative=False, resolved=False)
RELATIVE_UNRESOLVED = ParsedDate(None, None, None, "unknown", relative=True, resolved=False)


def day(y: int, m: int, d: int, *, relative: bool = False) -> ParsedDate:
    return ParsedDate(y, m, d, "day", relative, True)


def month(y: int, m: int, *, relative: bool = False) -> ParsedDate:
    return ParsedDate(y, m, None, "month", relative, True)


def year(y: int, *, relative: bool = False) -> ParsedDate:
    return ParsedDate(y, None, None, "year", relative, True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # absolute, day precision
        ("15 March 2025", day(2025, 3, 15)),
        ("March 15, 2025", day(2025, 3, 15)),
        ("March 15 2025", day(2025, 3, 15)),
        ("15th of March 2025", day(2025, 3, 15)),
        ("the 1st of March, 2025", day(2025, 3, 1)),
        ("Saturday, 15 March 2025", day(2025, 3, 15)),
        ("on Saturday 15 March 2025", day(2025, 3, 15)),
        ("2025-03-15", day(2025, 3, 15)),
        ("2025/03/15", day(2025, 3, 15)),
        ("15/03/2025", day(2025, 3, 15)),
        ("05/03/2025", day(2025, 3, 5)),  # day first
        ("03/15/2025", day(2025, 3, 15)),  # only readable month first
        ("15.03.2025", day(2025, 3, 15)),
        ("Mar. 3, 2025", day(2025, 3, 3)),
        ("Sept 9, 2024", day(2024, 9, 9)),
        ("15-16 March 2025", day(2025, 3, 15)),
        ("March 15-16, 2025", day(2025, 3, 15)),
        ("29 February 2024", day(2024, 2, 29)),
        # absolute, month precision
        ("March 2025", month(2025, 3)),
        ("mid-March 2025", month(2025, 3)),
        ("early March 2025", month(2025, 3)),
        ("late April 2025", month(2025, 4)),
        ("end of April 2025", month(2025, 4)),
        ("Sept 2024", month(2024, 9)),
        ("Dec. 2024", month(2024, 12)),
        ("May 2025", month(2025, 5)),
        ("2025-03", month(2025, 3)),
        # a day the month never has is dropped, the month is kept
        ("32 March 2025", month(2025, 3)),
        ("Feb 30 2025", month(2025, 2)),
        ("31 April 2025", month(2025, 4)),
        ("29 February 2025", month(2025, 2)),
        # absolute, year precision
        ("2025", year(2025)),
        ("in 2024", year(2024)),
        ("early 2025", year(2025)),
        ("mid-2025", year(2025)),
        ("2024-25", year(2024)),
        # malformed numeric dates are not half-trusted
        ("2025-02-30", UNPARSED),
        ("13/13/2025", UNPARSED),
        ("00/00/2025", UNPARSED),
    ],
)
def test_absolute_dates_need_no_publication(raw: str, expected: ParsedDate) -> None:
    assert parse_date(raw) == expected
    assert parse_date(raw, PUBLISHED) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # the year comes from publication: at most 31 days ahead of it
        ("15 March", day(2025, 3, 15)),
        ("the 3rd of April", day(2025, 4, 3)),
        ("late April", month(2025, 4)),
        ("March", month(2025, 3)),
        ("June", month(2025, 6)),  # 1 June is within 31 days of 12 May
        ("3 June", day(2025, 6, 3)),
        ("20 June", day(2024, 6, 20)),  # too far ahead: last year's
        ("July", month(2024, 7)),
        ("25 December", day(2024, 12, 25)),
        ("29 Feb", day(2024, 2, 29)),
        ("32 March", month(2025, 3)),
        ("March last year", month(2024, 3, relative=True)),
        ("15 March this year", day(2025, 3, 15, relative=True)),
        # relative words
        ("today", day(2025, 5, 12, relative=True)),
        ("this morning", day(2025, 5, 12, relative=True)),
        ("yesterday", day(2025, 5, 11, relative=True)),
        ("last night", day(2025, 5, 11, relative=True)),
        ("the day before yesterday", day(2025, 5, 10, relative=True)),
        ("tomorrow", day(2025, 5, 13, relative=True)),
        ("3 days ago", day(2025, 5, 9, relative=True)),
        ("two days ago", day(2025, 5, 10, relative=True)),
        ("Saturday", day(2025, 5, 10, relative=True)),
        ("on Saturday", day(2025, 5, 10, relative=True)),
        ("last Saturday", day(2025, 5, 10, relative=True)),
        ("this past Saturday", day(2025, 5, 10, relative=True)),
        ("Saturday night", day(2025, 5, 10, relative=True)),
        ("Monday", day(2025, 5, 12, relative=True)),  # the publication weekday is that day
        ("last Monday", day(2025, 5, 5, relative=True)),
        ("Tuesday", day(2025, 5, 6, relative=True)),
        ("next Saturday", day(2025, 5, 17, relative=True)),
        ("next Monday", day(2025, 5, 19, relative=True)),
        ("last month", month(2025, 4, relative=True)),
        ("earlier this month", month(2025, 5, relative=True)),
        ("this month", month(2025, 5, relative=True)),
        ("next month", month(2025, 6, relative=True)),
        ("last year", year(2024, relative=True)),
        ("earlier this year", year(2025, relative=True)),
        ("this year", year(2025, relative=True)),
        # week-level words cannot name a day
        ("last week", RELATIVE_UNRESOLVED),
        ("earlier this week", RELATIVE_UNRESOLVED),
        ("two weeks ago", RELATIVE_UNRESOLVED),
        ("recently", RELATIVE_UNRESOLVED),
        ("over the weekend", RELATIVE_UNRESOLVED),
        # nothing date-like
        ("", UNPARSED),
        ("soon", UNPARSED),
        ("the operation", UNPARSED),
        ("1600 GMT", UNPARSED),
    ],
)
def test_with_publication_date(raw: str, expected: ParsedDate) -> None:
    assert parse_date(raw, PUBLISHED) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("15 March", ParsedDate(None, 3, 15, "unknown", relative=False, resolved=False)),
        ("late April", ParsedDate(None, 4, None, "unknown", relative=False, resolved=False)),
        ("March", ParsedDate(None, 3, None, "unknown", relative=False, resolved=False)),
        ("March last year", ParsedDate(None, 3, None, "unknown", relative=True, resolved=False)),
        ("32 March", ParsedDate(None, 3, None, "unknown", relative=False, resolved=False)),
        ("today", RELATIVE_UNRESOLVED),
        ("yesterday", RELATIVE_UNRESOLVED),
        ("Saturday", RELATIVE_UNRESOLVED),
        ("on Saturday", RELATIVE_UNRESOLVED),
        ("next Saturday", RELATIVE_UNRESOLVED),
        ("3 days ago", RELATIVE_UNRESOLVED),
        ("last week", RELATIVE_UNRESOLVED),
        ("last month", RELATIVE_UNRESOLVED),
        ("this year", RELATIVE_UNRESOLVED),
        ("??", UNPARSED),
    ],
)
def test_without_publication_date(raw: str, expected: ParsedDate) -> None:
    assert parse_date(raw) == expected


def test_year_rolls_back_across_new_year() -> None:
    published = datetime.date(2025, 1, 5)
    assert parse_date("28 December", published) == day(2024, 12, 28)
    assert parse_date("20 January", published) == day(2025, 1, 20)
    assert parse_date("Friday", published) == day(2025, 1, 3, relative=True)
    assert parse_date("last month", published) == month(2024, 12, relative=True)


def test_year_rolls_forward_for_planned_dates_late_in_december() -> None:
    assert parse_date("3 January", datetime.date(2025, 12, 20)) == day(2026, 1, 3)


def test_datetime_publication_is_accepted() -> None:
    published = datetime.datetime(2025, 5, 12, 18, 30)
    assert parse_date("Saturday", published) == day(2025, 5, 10, relative=True)
    assert parse_date("15 March", published) == day(2025, 3, 15)


@pytest.mark.parametrize(
    ("parsed", "expected"),
    [
        (day(2025, 3, 15), datetime.date(2025, 3, 15)),
        (month(2025, 3), None),
        (year(2025), None),
        (UNPARSED, None),
        (ParsedDate(None, 3, 15, "unknown", relative=False, resolved=False), None),
    ],
)
def test_as_date_only_for_day_precision(parsed: ParsedDate, expected: datetime.date | None) -> None:
    assert parsed.as_date() == expected


ODD_INPUTS = [
    "",
    "   ",
    "??",
    "32 March 2025",
    "Feb 30 2025",
    "0/0/0000",
    "9999-99-99",
    "0000-01-01",
    "99/99/99",
    "31/02/2025",
    "March 0, 2025",
    "0 March 2025",
    "99999999 days ago",
    "march march march",
    "the 15th",
    "last",
    "next next Saturday",
    "yesterday tomorrow",
    "Mar.",
    "-",
    "\x00",
    "İ",
    "\u0663\u0660/\u0660\u0663/\u0662\u0660\u0662\u0665",
    "29 February",
    "Saturday, 31 June",
]


@pytest.mark.parametrize("raw", ODD_INPUTS)
@pytest.mark.parametrize(
    "published",
    [None, PUBLISHED, datetime.date.min, datetime.date.max, datetime.date(2100, 3, 1)],
)
def test_never_raises(raw: str, published: datetime.date | None) -> None:
    parsed = parse_date(raw, published)
    assert parsed.resolved == (parsed.year is not None)
    if parsed.precision == "day":
        assert parsed.as_date() is not None
    elif parsed.precision == "month":
        assert parsed.year is not None and parsed.day is None
    elif parsed.precision == "year":
        assert parsed.month is None and parsed.day is None
    else:
        assert parsed.year is None


def test_edge_of_calendar_does_not_raise() -> None:
    assert parse_date("tomorrow", datetime.date.max) == RELATIVE_UNRESOLVED
    assert parse_date("yesterday", datetime.date.min) == RELATIVE_UNRESOLVED
    assert parse_date("next month", datetime.date.max) == RELATIVE_UNRESOLVED
