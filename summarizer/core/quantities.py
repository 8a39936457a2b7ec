"""Turn the raw words of a reported figure into a structured, comparable quantity.

The model only copies a figure verbatim ("more than 12,000 square kilometres"); the
arithmetic happens here so that the numbers are deterministic, testable and never
invented.  Everything is a plain function of the input string.

Heuristics, deliberately simple and in this order:

* **Which figure.**  The figure is the first one in reading order, where a figure is a
  number in digits ("17,685", "1.2 million", "40k", "$1.5m") or words ("twenty-five",
  "a dozen", "half a million", "three thousand"; "no one" is not a count), or a
  *quantified* vague term (below).  Numbers inside
  a date or a clock time ("12 March 2025", "2025-03-15", "10:30", "3 pm") are never
  figures; bare years (1900-2100 with no unit after them and no qualifier before them)
  and durations ("24 hours", "two days") are figures only when nothing else is, so
  "17 militants killed on 12 March 2025" gives 17 and "2025" alone gives 2025.
  Ordinals ("3rd") and model names ("F-16") are not figures.
* **Range.**  The first figure and the next one form a range when only "-", an en/em
  dash, "to" (also "from A to B"), or "and" right after "between A" separates them,
  optionally with a unit between ("30 km2 to 40 km2").  Bounds are sorted, and a scale
  word on the upper bound only is shared ("2 to 3 million" -> 2e6..3e6).
* **Qualifier.**  A cue right before the figure decides it (the longest cue wins, so
  "no more than" is at_most although it ends in "more than"): at_least for "more
  than", "over", "above", "at least", "no fewer/less than", "upwards of", "in excess
  of", "greater than", "a minimum of", ">"; at_most for "fewer/less than", "up to",
  "at most", "no/not more than", "under", "below", "as many as", "a maximum of", "<";
  approximate for "about", "around", "approximately", "some", "nearly", "almost",
  "roughly", "an estimated", "close to", "circa", "~".  Failing that, a cue right after
  it: "40+", "or more", "and more", "plus" (at_least); "or fewer", "or less" (at_most);
  "40-odd", "or so" (approximate).
* **Vague terms.**  Plurals of a scale are read as their smallest plural, so the
  result is an honest lower bound: "dozens" -> at_least 24, "scores of" -> 40, "tens
  of" -> 20, "hundreds" -> 200, "thousands" -> 2,000, "millions" -> 2,000,000, "tens
  of thousands" -> 20,000, "hundreds of thousands" -> 200,000, and "several / a few /
  many hundred" -> 200 (likewise thousand, million, dozen).  Unquantified words
  ("several", "a number of", "many") give qualifier "unknown" with no figure.
* **Unit.**  Read right after the figure (after the upper bound of a range; after
  "of" for vague terms): "km2", "mi2", "m2", "ha", "dunam", "acre", "km", "mi", "m",
  "percent".  A counted noun ("12 motorcycles") is not a unit.  An "m" glued to a
  decimal number or to a currency figure means million ("1.2m", "$40m"); otherwise
  it means metres.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from summarizer.core.text import DAYS, DMY_DATE, ISO_DATE, MONTHS_BUT_MAY, unify

Qualifier = Literal["exact", "approximate", "at_least", "at_most", "range", "unknown"]


@dataclass(frozen=True)
class ParsedQuantity:
    """A figure with how the article hedged it; bounds make hedged figures comparable."""

    value: float | None
    low: float | None
    high: float | None
    qualifier: Qualifier
    unit: str | None


_UNKNOWN = ParsedQuantity(None, None, None, "unknown", None)

# --------------------------------------------------------------------------- lexicon

#: number words below twenty (also used by the date parser for 'three days ago')
SMALL_NUMBER_WORDS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
#: the tens as words ("forty"); with :data:`SMALL_NUMBER_WORDS`, what a count is written in
TENS_WORDS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_BIG: dict[str, int] = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_DIGIT_SCALES: dict[str, int] = {
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "mn": 1_000_000,
    "billion": 1_000_000_000,
    "bn": 1_000_000_000,
    "k": 1_000,
}

#: (pattern, normalised unit); tried in order, so area units precede their lengths
_UNIT_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"(?:square|sq\.?)[\s-]*(?:kilomet(?:er|re)s?|kms?)|km(?:2|²|\^2)"
        r"|kilomet(?:er|re)s?[\s-]+squared|kms?[\s-]+squared|kms?\s+sq",
        "km2",
    ),
    (r"(?:square|sq\.?)[\s-]*(?:miles?|mi)|mi(?:2|²|\^2)|miles?[\s-]+squared", "mi2"),
    (r"(?:square|sq\.?)[\s-]*(?:met(?:er|re)s?|m)|m(?:2|²|\^2)", "m2"),
    (r"hectares?|ha", "ha"),
    (r"d[uo]n[ua]ms?", "dunam"),
    (r"acres?", "acre"),
    (r"kilomet(?:er|re)s?|kms?", "km"),
    (r"miles?", "mi"),
    (r"met(?:er|re)s?|m", "m"),
    (r"%|per\s*cent|pct", "percent"),
)
_UNIT_RES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"[\s-]*(?:{pattern})\.?(?![a-z0-9²])"), unit) for pattern, unit in _UNIT_PATTERNS
)
_ANY_UNIT = "|".join(f"(?:{pattern})" for pattern, _ in _UNIT_PATTERNS)

#: square kilometres per unit; None (no unit stated) is taken as km2
_KM2_PER_UNIT: dict[str | None, Decimal] = {
    None: Decimal(1),
    "km2": Decimal(1),
    "mi2": Decimal("2.589988"),
    "ha": Decimal("0.01"),
    "dunam": Decimal("0.001"),
    "acre": Decimal("0.00404686"),
    "m2": Decimal("0.000001"),
}

# --------------------------------------------------------------------------- patterns

_MONTH = (
    rf"(?:{MONTHS_BUT_MAY}"
    # "17 may have died" is not a date
    r"|may(?!\s+(?:be|have|has|not|also|still|well|never|yet|rise|reach|exceed|increase"
    r"|grow|take|face|need|remain|continue|include)\b))\b\.?"
)
_DATE_SPAN_RE = re.compile(
    rf"{ISO_DATE}|{DMY_DATE}"
    rf"|{DAYS}\s+(?:of\s+)?{_MONTH}(?:,?\s+[0-9]{{4}}(?![0-9]))?"
    # "March 15" only when it clearly ends there: "in March 12 people died" keeps 12
    rf"|\b{_MONTH}\s+[0-9]{{1,2}}(?:(?:st|nd|rd|th)\b|(?=,?\s*[0-9]{{4}}(?![0-9]))"
    r"|(?=\s*(?:[,.;:)]|$)))(?:,?\s*[0-9]{4}(?![0-9]))?"
    rf"|\b{_MONTH},?\s+[0-9]{{4}}(?![0-9])"
    r"|(?<![0-9])[0-9]{1,2}(?::[0-9]{2})?\s*(?:a\.?m\b\.?|p\.?m\b\.?)"
    r"|(?<![0-9])[0-9]{1,2}:[0-9]{2}(?![0-9])"
)
_YEAR_DIGITS_RE = re.compile(r"19[0-9]{2}|20[0-9]{2}|2100")
_DURATION_RE = re.compile(r"[\s-]*(?:hours?|hrs?|days?|weeks?|months?|years?)\b")

_DIGITS_RE = re.compile(
    r"(?<![\w.,])(?<![a-z]-)(?>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?>\.[0-9]+)?"
)
_ORDINAL_RE = re.compile(r"(?:st|nd|rd|th)\b")
_DIGIT_SCALE_RE = re.compile(r"[\s-]*(hundred|thousand|million|mn|billion|bn)(?![a-z])|(k)\b")
_GLUED_M_RE = re.compile(r"m(?![a-z0-9²])")
_CURRENCY_RE = re.compile(r"[$£€]\s*$")
_WORD_RE = re.compile(r"[a-z]+")
_JOIN_RE = re.compile(r"[\s-]+")

_VAGUE_RE = re.compile(
    r"\b(?:(?P<mult>tens|dozens|hundreds)\s+of\s+(?P<of>thousands|millions)"
    r"|(?:several|a\s+few|a\s+couple\s+of|few|many)\s+(?P<few>hundred|thousand|million|dozen)"
    r"(?:\s+(?P<few2>thousand|million))?"
    r"|(?P<plural>dozens|hundreds|thousands|millions|scores(?=\s+of\b)|tens(?=\s+of\b)))\b"
)
_VAGUE_BASE: dict[str, int] = {
    "tens": 10,
    "dozen": 12,
    "dozens": 12,
    "scores": 20,
    "hundred": 100,
    "hundreds": 100,
    "thousand": 1_000,
    "thousands": 1_000,
    "million": 1_000_000,
    "millions": 1_000_000,
}


def _cues(*phrases: str) -> str:
    return "|".join(sorted(phrases, key=len, reverse=True))


_CUE_BEFORE_RE = re.compile(
    r"(?:"
    r"(?P<at_least>(?<![a-z])(?:"
    + _cues(
        r"more\s+than",
        r"over",
        r"above",
        r"at\s+least",
        r"no\s+fewer\s+than",
        r"no\s+less\s+than",
        r"not\s+less\s+than",
        r"upwards?\s+of",
        r"in\s+excess\s+of",
        r"greater\s+than",
        r"a\s+minimum\s+of",
    )
    + r")|[>≥])"
    r"|(?P<at_most>(?<![a-z])(?:"
    + _cues(
        r"fewer\s+than",
        r"less\s+than",
        r"up\s+to",
        r"at\s+most",
        r"no\s+more\s+than",
        r"not\s+more\s+than",
        r"under",
        r"below",
        r"as\s+many\s+as",
        r"a\s+maximum\s+of",
    )
    + r")|[<≤])"
    r"|(?P<approximate>(?<![a-z])(?:"
    + _cues(
        r"about",
        r"around",
        r"approximately",
        r"approx\.?",
        r"some",
        r"nearly",
        r"almost",
        r"roughly",
        r"(?:an\s+)?estimated",
        r"est\.",
        r"close\s+to",
        r"circa",
    )
    + r")|[~≈])"
    r")\s*$"
)
_CUE_AFTER_RE = re.compile(
    r"\s*(?:"
    r"(?P<at_least>\+|or\s+(?:more|over|above|greater)\b|and\s+(?:more|over|above|upwards)\b"
    r"|plus\b)"
    r"|(?P<at_most>or\s+(?:fewer|less|under|below)\b)"
    r"|(?P<approximate>-?\s*odd\b|or\s+so\b|-?ish\b)"
    r")"
)
_RANGE_GAP_RE = re.compile(rf"\s*(?:(?:{_ANY_UNIT})\.?)?\s*(?P<sep>-|to|and)\s*")
_BETWEEN_RE = re.compile(r"\bbetween\s*$")
_VAGUE_OF_RE = re.compile(r"\s+of(?=\s)")

# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class _Figure:
    """One number found in the text, with enough context to pair it into a range."""

    start: int
    end: int
    value: Decimal
    bare: Decimal  # value before its trailing scale word, so "2 to 3 million" can share it
    scale: int
    fallback: bool = False  # bare year or duration: a figure only when nothing else is
    vague: bool = False  # a quantified vague term: value is a lower bound


def _normalise(raw: str) -> str:
    return unify(raw.lower())


def _in_spans(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= pos < end for start, end in spans)


def _unit_at(text: str, pos: int) -> tuple[str | None, int]:
    """The unit starting at ``pos`` and where it ends; counted nouns are not units."""
    for regex, unit in _UNIT_RES:
        m = regex.match(text, pos)
        if m:
            return unit, m.end()
    return None, pos


def _is_fallback(text: str, start: int, end: int, digits: str, scale: int) -> bool:
    """Years and durations only count when the text has no better figure."""
    if _DURATION_RE.match(text, end):
        return True
    if scale != 1 or not _YEAR_DIGITS_RE.fullmatch(digits):
        return False
    return _unit_at(text, end)[0] is None and not _CUE_BEFORE_RE.search(text, 0, start)


def _digit_figures(text: str, dates: Sequence[tuple[int, int]]) -> list[_Figure]:
    figures: list[_Figure] = []
    for m in _DIGITS_RE.finditer(text):
        if _in_spans(m.start(), dates) or _ORDINAL_RE.match(text, m.end()):
            continue
        digits = m.group()
        try:
            number = Decimal(digits.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the regex only admits digits
            continue
        end, scale = m.end(), 1
        scaled = _DIGIT_SCALE_RE.match(text, end)
        glued_m = _GLUED_M_RE.match(text, end)
        if scaled:
            scale = _DIGIT_SCALES[scaled.group(1) or scaled.group(2)]
            end = scaled.end()
        elif glued_m and ("." in digits or _CURRENCY_RE.search(text, 0, m.start())):
            scale, end = 1_000_000, glued_m.end()
        figures.append(
            _Figure(
                start=m.start(),
                end=end,
                value=number * scale,
                bare=number,
                scale=scale,
                fallback=_is_fallback(text, m.start(), end, digits, scale),
            )
        )
    return figures


def _word_figures(text: str, dates: Sequence[tuple[int, int]]) -> list[_Figure]:
    tokens = [(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    figures: list[_Figure] = []
    i = 0
    while i < len(tokens):
        parsed = _parse_words(text, tokens, i)
        previous = tokens[i - 1] if i > 0 else None
        joined = previous is not None and _JOIN_RE.fullmatch(text[previous[2] : tokens[i][1]])
        if parsed is None or _in_spans(tokens[i][1], dates):
            i += 1
            continue
        if joined and previous is not None and previous[0] == "no" and tokens[i][0] == "one":
            i += 1  # "no one" is a pronoun, not a count
            continue
        figure, i = parsed
        start, value, bare = figure.start, figure.value, figure.bare
        if joined and previous is not None and previous[0] == "half":
            start, value, bare = (
                previous[1],
                value / 2,
                bare / 2,
            )  # "half a dozen", "half a million"
        fallback = _DURATION_RE.match(text, figure.end) is not None
        figures.append(_Figure(start, figure.end, value, bare, figure.scale, fallback))
    return figures


def _parse_words(
    text: str, tokens: Sequence[tuple[str, int, int]], i: int
) -> tuple[_Figure, int] | None:
    """Read one spelled-out number starting at token ``i``; stop at the first misfit.

    A small grammar (not a word list) so that "killing one and wounding two" stays two
    figures while "two hundred and fifty" is one.
    """
    first = tokens[i][0]
    total = current = 0
    state = ""
    big_limit = 10**12
    end = -1
    value_end_state = ""
    j = i
    if first in ("a", "an"):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is None or not _JOIN_RE.fullmatch(text[tokens[i][2] : nxt[1]]):
            return None
        if nxt[0] not in ("hundred", "dozen") and nxt[0] not in _BIG:
            return None
        current, state, j = 1, "a", i + 1
    elif first not in SMALL_NUMBER_WORDS and first not in TENS_WORDS:
        return None
    next_j = j
    while j < len(tokens):
        word, _, word_end = tokens[j]
        if j > i and not _JOIN_RE.fullmatch(text[tokens[j - 1][2] : tokens[j][1]]):
            break
        if word in SMALL_NUMBER_WORDS and state in ("", "hundred", "big", "and"):
            current += SMALL_NUMBER_WORDS[word]
            state = "small"
        elif word in SMALL_NUMBER_WORDS and state == "tens" and 1 <= SMALL_NUMBER_WORDS[word] <= 9:
            current += SMALL_NUMBER_WORDS[word]
            state = "unit_after_tens"
        elif word in TENS_WORDS and state in ("", "hundred", "big", "and"):
            current += TENS_WORDS[word]
            state = "tens"
        elif (
            word == "hundred"
            and state in ("a", "small", "tens", "unit_after_tens")
            and (0 < current < 100)
        ):
            current *= 100
            state = "hundred"
        elif word == "dozen" and state in ("a", "small"):
            current *= 12
            state = "dozen"
        elif (
            word in _BIG
            and state in ("a", "small", "tens", "unit_after_tens", "hundred")
            and _BIG[word] < big_limit
        ):
            total += current * _BIG[word]
            current = 0
            big_limit = _BIG[word]
            state = "big"
        elif word == "and" and state in ("hundred", "big"):
            state = "and"
            j += 1
            continue
        else:
            break
        end, value_end_state, next_j = word_end, state, j + 1
        j += 1
        if state == "dozen":
            break
    if end < 0 or value_end_state == "a":
        return None
    value = Decimal(total + current)
    scale = 1
    if value_end_state == "big":
        scale = big_limit
    elif value_end_state == "hundred":
        scale = 100
    figure = _Figure(tokens[i][1], end, value, value / scale, scale)
    return figure, next_j


def _vague_figures(text: str) -> list[_Figure]:
    figures: list[_Figure] = []
    for m in _VAGUE_RE.finditer(text):
        if m.group("mult"):
            value = 2 * _VAGUE_BASE[m.group("mult")] * _VAGUE_BASE[m.group("of")]
        elif m.group("few"):
            value = 2 * _VAGUE_BASE[m.group("few")] * _VAGUE_BASE.get(m.group("few2") or "", 1)
        else:
            value = 2 * _VAGUE_BASE[m.group("plural")]
        figures.append(_Figure(m.start(), m.end(), Decimal(value), Decimal(value), 1, vague=True))
    return figures


def _figures(text: str) -> list[_Figure]:
    """Candidate figures in reading order: real ones first, years/durations if none."""
    dates = [m.span() for m in _DATE_SPAN_RE.finditer(text)]
    numeric = _digit_figures(text, dates) + _word_figures(text, dates)
    primary = [f for f in numeric if not f.fallback] + _vague_figures(text)
    chosen = primary or [f for f in numeric if f.fallback]
    return sorted(chosen, key=lambda f: f.start)


# --------------------------------------------------------------------------- parsing


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _range(text: str, first: _Figure, second: _Figure) -> tuple[Decimal, Decimal] | None:
    """Bounds when ``first`` and ``second`` are the two ends of one stated range."""
    if first.vague or second.vague:
        return None
    gap = _RANGE_GAP_RE.fullmatch(text, first.end, second.start)
    if gap is None:
        return None
    if gap.group("sep") == "and" and not _BETWEEN_RE.search(text, 0, first.start):
        return None
    low, high = first.value, second.value
    if first.scale == 1 and second.scale > 1 and first.value <= second.bare:
        low = first.value * second.scale
    return (low, high) if low <= high else (high, low)


def _qualifier(text: str, figure: _Figure, after_unit: int) -> Qualifier:
    """A cue before the figure wins; "40+" and "40 km2 or more" put it after."""
    cue = (
        _CUE_BEFORE_RE.search(text, 0, figure.start)
        or _CUE_AFTER_RE.match(text, figure.end)
        or _CUE_AFTER_RE.match(text, after_unit)
    )
    if cue is None:
        return "exact"
    if cue.group("at_least"):
        return "at_least"
    if cue.group("at_most"):
        return "at_most"
    return "approximate"


def _parse(text: str) -> ParsedQuantity:
    figures = _figures(text)
    if not figures:
        return _UNKNOWN
    first = figures[0]
    if first.vague:
        of = _VAGUE_OF_RE.match(text, first.end)
        unit, _ = _unit_at(text, of.end() if of else first.end)
        value = float(first.value)
        return ParsedQuantity(value, value, None, "at_least", unit)
    if len(figures) > 1:
        bounds = _range(text, first, figures[1])
        if bounds is not None:
            unit, _ = _unit_at(text, figures[1].end)
            if unit is None:
                unit, _ = _unit_at(text, first.end)
            return ParsedQuantity(None, float(bounds[0]), float(bounds[1]), "range", unit)
    unit, after_unit = _unit_at(text, first.end)
    value = float(first.value)
    qualifier = _qualifier(text, first, after_unit)
    if qualifier == "exact":
        return ParsedQuantity(value, value, value, "exact", unit)
    if qualifier == "at_least":
        return ParsedQuantity(value, value, None, "at_least", unit)
    if qualifier == "at_most":
        return ParsedQuantity(value, None, value, "at_most", unit)
    return ParsedQuantity(value, None, None, "approximate", unit)


@lru_cache(maxsize=4096)
def parse_quantity(raw: str) -> ParsedQuantity:
    """Read a figure as the article hedged it; anything unreadable is "unknown", never an error.

    Pure and immutable, so memoised: validation, grounding and date/qualifier
    resolution each parse the same few figure strings of an answer, 15 calls a report."""
    return _parse(_normalise(raw))


@lru_cache(maxsize=1024)
def parse_area_km2(raw: str) -> ParsedQuantity:
    """Like :func:`parse_quantity`, in square kilometres so areas from any source compare.

    No unit means km2.  A non-area unit (km, m, percent) is not an area, so the result
    is "unknown" rather than a guess; ``unit`` is "km2" whenever a figure was read.
    """
    parsed = parse_quantity(raw)
    factor = _KM2_PER_UNIT.get(parsed.unit)
    if parsed.qualifier == "unknown" or factor is None:
        return _UNKNOWN

    def convert(x: float | None) -> float | None:
        return None if x is None else float(Decimal(repr(x)) * factor)

    return ParsedQuantity(
        convert(parsed.value), convert(parsed.low), convert(parsed.high), parsed.qualifier, "km2"
    )


def parse_number(text: str) -> float | None:
    """The first number in ``text``; vague plurals ("dozens", "hundreds") are no number.

    Dates, clock times, bare years and durations are skipped the same way as in
    :func:`parse_quantity`, so the number is the figure a reader would quote.
    """
    numeric = [f for f in _figures(_normalise(text)) if not f.vague]
    return _float(numeric[0].value) if numeric else None
