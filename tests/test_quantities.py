"""Figures copied verbatim by the model must become the same numbers every time."""

from __future__ import annotations

import pytest

from summarizer.core.quantities import ParsedQuantity, parse_area_km2, parse_number, parse_quantity

UNKNOWN = ParsedQuantity(None, None, None, "unknown", None)


def exact(n: float, unit: str | None = None) -> ParsedQuantity:
    return ParsedQuantity(n, n, n, "exact", unit)


def at_least(n: float, unit: str | None = None) -> ParsedQuantity:
    return ParsedQuantity(n, n, None, "at_least", unit)


def at_most(n: float, unit: str | None = None) -> ParsedQuantity:
    return ParsedQuantity(n, None, n, "at_most", unit)


def approx(n: float, unit: str | None = None) -> ParsedQuantity:
    return ParsedQuantity(n, None, None, "approximate", unit)


def between(low: float, high: float, unit: str | None = None) -> ParsedQuantity:
    return ParsedQuantity(None, low, high, "range", unit)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # the brief's examples
        ("more than 12,000 square kilometres", at_least(12000, "km2")),
        ("12,460 km2", exact(12460, "km2")),
        ("between 30 and 40 suspects", between(30, 40)),
        ("at least 12 motorcycles", at_least(12)),
        ("three", exact(3)),
        ("killing 17 and wounding 4", exact(17)),
        ("17 militants killed on 12 March 2025", exact(17)),
        # at_least cues
        ("over 200 fighters", at_least(200)),
        ("More Than 50", at_least(50)),
        ("no fewer than 9 soldiers", at_least(9)),
        ("upwards of 1,000 troops", at_least(1000)),
        ("in excess of 300", at_least(300)),
        ("40+", at_least(40)),
        ("40 or more", at_least(40)),
        ("12,000 km2 or more", at_least(12000, "km2")),
        ("500 or fewer", at_most(500)),
        ("200 or so", approx(200)),
        ("more than a dozen", at_least(12)),
        # at_most cues; the longest cue wins
        ("fewer than 10", at_most(10)),
        ("less than 5 percent", at_most(5, "percent")),
        ("up to 200 sq mi", at_most(200, "mi2")),
        ("at most 7", at_most(7)),
        ("no more than 40", at_most(40)),
        ("under 30", at_most(30)),
        ("as many as 60", at_most(60)),
        # approximate cues
        ("about 3,000", approx(3000)),
        ("around 15", approx(15)),
        ("approximately 250 km", approx(250, "km")),
        ("some 5,000 hectares", approx(5000, "ha")),
        ("nearly 100", approx(100)),
        ("almost 20", approx(20)),
        ("roughly 70%", approx(70, "percent")),
        ("an estimated 1.2 million", approx(1_200_000)),
        ("close to 400", approx(400)),
        ("~40", approx(40)),
        ("40-odd", approx(40)),
        # ranges
        ("30 to 40", between(30, 40)),
        ("30-40", between(30, 40)),
        ("30\u201340 km\u00b2", between(30, 40, "km2")),
        ("30\u201540 km\u00b2", between(30, 40, "km2")),  # a horizontal bar is a dash too
        ("from 2,000 to 3,000 square kilometres", between(2000, 3000, "km2")),
        ("between 40 and 30", between(30, 40)),
        ("2 to 3 million", between(2_000_000, 3_000_000)),
        ("some 30 to 40", between(30, 40)),
        ("one to two", between(1, 2)),
        # plain figures and number words
        ("17,685", exact(17685)),
        ("12.5 km", exact(12.5, "km")),
        ("1.2 million", exact(1_200_000)),
        ("3,000-strong force", exact(3000)),
        ("twenty-five", exact(25)),
        ("two hundred and fifty", exact(250)),
        ("a hundred", exact(100)),
        ("three thousand", exact(3000)),
        ("a dozen", exact(12)),
        ("half a dozen", exact(6)),
        ("half a million", exact(500_000)),
        ("no one", UNKNOWN),
        ("40k", exact(40_000)),
        ("$1.5m", exact(1_500_000)),
        ("200m", exact(200, "m")),
        ("12 motorcycles", exact(12)),
        ("12,000-square-kilometre area", exact(12000, "km2")),
        ("500 dunams", exact(500, "dunam")),
        ("30 acres", exact(30, "acre")),
        # dates, times, ordinals, model names are not the figure
        ("on 12 March 2025, 17 were killed", exact(17)),
        ("in 2024, 300 troops", exact(300)),
        ("at 10:30 on Monday, 5 arrested", exact(5)),
        ("over two days, 17 killed", exact(17)),
        ("2 F-16 jets", exact(2)),
        ("the 3rd brigade lost 40 men", exact(40)),
        ("2025", exact(2025)),
        ("2000 km2", exact(2000, "km2")),
        ("more than 2000 fighters", at_least(2000)),
        # vague terms are honest lower bounds
        ("dozens", at_least(24)),
        ("dozens of fighters", at_least(24)),
        ("scores of civilians", at_least(40)),
        ("hundreds", at_least(200)),
        ("thousands of square kilometres", at_least(2000, "km2")),
        ("tens of thousands", at_least(20_000)),
        ("hundreds of thousands", at_least(200_000)),
        ("several hundred", at_least(200)),
        ("dozens killed on 12 March", at_least(24)),
        # nothing to read
        ("several", UNKNOWN),
        ("a number of", UNKNOWN),
        ("many fighters", UNKNOWN),
        ("", UNKNOWN),
        ("   ", UNKNOWN),
        ("??", UNKNOWN),
        ("unknown", UNKNOWN),
        ("12 March 2025", UNKNOWN),
        ("10:30", UNKNOWN),
        ("F-16", UNKNOWN),
        ("the 3rd brigade", UNKNOWN),
    ],
)
def test_parse_quantity(raw: str, expected: ParsedQuantity) -> None:
    assert parse_quantity(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("more than 12,000 square kilometres", at_least(12000, "km2")),
        ("12,460 km2", exact(12460, "km2")),
        ("12,460", exact(12460, "km2")),  # no unit: km2 assumed
        ("1,200 sq km", exact(1200, "km2")),
        ("1,200 square kilometers", exact(1200, "km2")),
        ("1,200 km\u00b2", exact(1200, "km2")),
        ("100 square miles", exact(258.9988, "km2")),
        ("5,000 hectares", exact(50, "km2")),
        ("about 2,500 dunams", approx(2.5, "km2")),
        ("1,000 acres", exact(4.04686, "km2")),
        ("between 100 and 200 hectares", between(1, 2, "km2")),
        ("up to 10 square miles", at_most(25.89988, "km2")),
        ("hundreds of square kilometres", at_least(200, "km2")),
        # a length or a share is not an area: no guess
        ("12 km", UNKNOWN),
        ("40 percent", UNKNOWN),
        ("vast areas", UNKNOWN),
        ("", UNKNOWN),
    ],
)
def test_parse_area_km2(raw: str, expected: ParsedQuantity) -> None:
    assert parse_area_km2(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17,685", 17685),
        ("12.5", 12.5),
        ("1.2 million", 1_200_000),
        ("3,000-strong", 3000),
        ("one", 1),
        ("twenty", 20),
        ("ninety-nine", 99),
        ("two hundred", 200),
        ("five thousand", 5000),
        ("a dozen", 12),
        ("a hundred", 100),
        ("killing 17 and wounding 4", 17),
        ("17 militants killed on 12 March 2025", 17),
        ("dozens", None),
        ("scores", None),
        ("hundreds", None),
        ("thousands", None),
        ("no figure here", None),
        ("", None),
    ],
)
def test_parse_number(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


ODD_INPUTS = [
    "",
    " ",
    "\n\t",
    "??",
    "-",
    "--40--",
    "+",
    "~",
    "1,2,3,4",
    "12,34",
    "1.2.3",
    "99999999999999999999999999999 km2",
    "0",
    "between and",
    "between 5 and",
    "from to",
    "a",
    "an",
    "a and",
    "and and and",
    "hundred",
    "thousand thousand",
    "one one one",
    "\u0663\u0660",  # Arabic-Indic digits
    "\u00b2\u00b2",
    "km2",
    "%",
    "$",
    "32 March 2025",
    "Feb 30 2025",
    "\x00\x01",
    "\u0130stanbul 12",  # lower() lengthens this string
    "\U0001d7d9\U0001d7da",  # mathematical double-struck digits
]


@pytest.mark.parametrize("raw", ODD_INPUTS)
def test_never_raises(raw: str) -> None:
    q = parse_quantity(raw)
    a = parse_area_km2(raw)
    parse_number(raw)
    for parsed in (q, a):
        if parsed.low is not None and parsed.high is not None:
            assert parsed.low <= parsed.high
        if parsed.qualifier == "unknown":
            assert parsed == UNKNOWN


def test_bounds_follow_the_qualifier() -> None:
    """The schema rejects low > high, so every qualifier must fill the bounds consistently."""
    raws = ["more than 5", "under 5", "about 5", "5", "5-3", "dozens", "nothing"]
    for raw in raws:
        p = parse_quantity(raw)
        if p.qualifier == "range":
            assert p.value is None and p.low is not None and p.high is not None
        elif p.qualifier == "at_least":
            assert p.low == p.value and p.high is None
        elif p.qualifier == "at_most":
            assert p.high == p.value and p.low is None
        elif p.qualifier == "approximate":
            assert p.low is None and p.high is None and p.value is not None
        elif p.qualifier == "exact":
            assert p.low == p.high == p.value
        else:
            assert p == UNKNOWN
