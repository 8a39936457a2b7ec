"""Locate evidence quotes in the article: the library's job, never the model's.

Alignment tries, in order: the exact string; the string after normalising case,
white space, quotes and dashes; then a fuzzy match where at least
:data:`FUZZY_THRESHOLD` of the quote's characters align in order inside a span no
longer than :data:`FUZZY_MAX_STRETCH` times the quote, and every figure in the
quote appears unchanged in the span (a changed digit is a different claim;
a quote that skips a clause, such as a date, still aligns).  Offsets always point into the
*original* text, so ``text[start:end]`` is what a reviewer highlights.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

AlignmentStatus = Literal["exact", "normalized", "fuzzy", "not_found", "unchecked"]

#: share of the quote's characters that must align for a fuzzy match
FUZZY_THRESHOLD = 0.9
#: a fuzzy span may be at most this many times longer than the quote
FUZZY_MAX_STRETCH = 1.3
#: quotes shorter than this (after normalising) are only matched exactly or normalised
MIN_FUZZY_LEN = 12

_QUOTE_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)


@dataclass(frozen=True)
class Alignment:
    start: int | None
    end: int | None
    status: AlignmentStatus
    score: float


@dataclass(frozen=True)
class NormalizedText:
    """A normalised copy of a text plus, per normalised char, its original offset."""

    text: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.offsets[start], self.offsets[end - 1] + 1


def normalize(text: str) -> NormalizedText:
    """Case-fold, unify quotes/dashes and collapse white space, keeping an offset map."""
    out: list[str] = []
    offsets: list[int] = []
    pending_space = False
    for i, ch in enumerate(text.translate(_QUOTE_MAP)):
        if ch.isspace():
            pending_space = bool(out)
            continue
        if pending_space:
            out.append(" ")
            offsets.append(i - 1)
            pending_space = False
        low = ch.lower()
        out.append(low)
        offsets.extend([i] * len(low))
    return NormalizedText("".join(out), tuple(offsets))


def _strip_quote(quote: str) -> str:
    """Models often wrap quotes in quotation marks or end them with '...'."""
    q = quote.strip().strip("\"'\u201c\u201d\u2018\u2019").strip()
    q = re.sub(r"(\.\.\.|\u2026)$", "", q).strip()
    return q


@lru_cache(maxsize=8)
def _normalized(text: str) -> NormalizedText:
    return normalize(text)


@lru_cache(maxsize=4096)
def align(quote: str, text: str) -> Alignment:
    """Find ``quote`` in ``text``; see the module docstring for the order of attempts.

    Memoised: a pure function of its arguments, and every answer is aligned several
    times (strict pass, lenient pass, each cache read); a fuzzy miss costs ~7 ms."""
    q = _strip_quote(quote)
    if not q:
        return Alignment(None, None, "not_found", 0.0)
    i = text.find(q)
    if i >= 0:
        return Alignment(i, i + len(q), "exact", 1.0)
    nt = _normalized(text)
    nq = normalize(q).text
    if not nq:
        return Alignment(None, None, "not_found", 0.0)
    j = nt.text.find(nq)
    if j >= 0:
        s, e = nt.to_original(j, j + len(nq))
        return Alignment(s, e, "normalized", 1.0)
    if len(nq) < MIN_FUZZY_LEN:
        return Alignment(None, None, "not_found", 0.0)
    return _fuzzy(nq, nt)


def _fuzzy(nq: str, nt: NormalizedText) -> Alignment:
    """Anchor on the longest shared run, then score the window around it."""
    sm = SequenceMatcher(None, nt.text, nq, autojunk=False)
    anchor = sm.find_longest_match(0, len(nt.text), 0, len(nq))
    if anchor.size == 0:
        return Alignment(None, None, "not_found", 0.0)
    lo = max(0, anchor.a - anchor.b - len(nq) // 4)
    hi = min(len(nt.text), anchor.a + (len(nq) - anchor.b) + len(nq) // 4)
    window = nt.text[lo:hi]
    wm = SequenceMatcher(None, window, nq, autojunk=False)
    blocks = [b for b in wm.get_matching_blocks() if b.size > 0]
    if not blocks:
        return Alignment(None, None, "not_found", 0.0)
    matched = sum(b.size for b in blocks)
    score = matched / len(nq)
    span_start = lo + blocks[0].a
    span_end = lo + blocks[-1].a + blocks[-1].size
    if score < FUZZY_THRESHOLD or (span_end - span_start) > FUZZY_MAX_STRETCH * len(nq):
        return Alignment(None, None, "not_found", round(score, 3))
    if not _numbers_kept(nq, nt.text[span_start:span_end]):
        # a figure is the fact itself: one changed digit is a different claim
        return Alignment(None, None, "not_found", round(score, 3))
    s, e = nt.to_original(span_start, span_end)
    return Alignment(s, e, "fuzzy", round(score, 3))


_NUMBER_RE = re.compile(r"\d(?:[\d,.]*\d)?")


def _numbers(text: str) -> list[str]:
    return [re.sub(r"[,.]", "", n) for n in _NUMBER_RE.findall(text)]


def _numbers_kept(quote: str, span: str) -> bool:
    """Every figure of the quote appears in the span (a quote may skip a date)."""
    pool = _numbers(span)
    for n in _numbers(quote):
        if n not in pool:
            return False
        pool.remove(n)
    return True


@dataclass(frozen=True)
class GroundingContext:
    """What validators need to ground facts: the article and its publication date.

    ``strict`` makes an unfound quote a validation error (so instructor re-asks);
    the lenient pass after the last attempt keeps the fact and marks it ``not_found``.
    """

    text: str
    published: date | None = None
    strict: bool = True
    #: maps a span of ``text`` (what the model read) to the original page
    to_original: Callable[[int, int], tuple[int, int]] | None = None

    def locate(self, quote: str) -> Alignment:
        """Align in the text the model read, report offsets in the original page."""
        a = align(quote, self.text)
        if self.to_original is None or a.start is None or a.end is None:
            return a
        start, end = self.to_original(a.start, a.end)
        return Alignment(start, end, a.status, a.score)


_CURRENT: ContextVar[GroundingContext | None] = ContextVar("summarizer_grounding", default=None)


def current_context() -> GroundingContext | None:
    return _CURRENT.get()


@contextlib.contextmanager
def grounding(
    text: str | GroundingContext,
    published: date | None = None,
    *,
    strict: bool = True,
) -> Iterator[GroundingContext]:
    """Make ``text`` the source that Evidence validators align against (task-local)."""
    if isinstance(text, GroundingContext):
        ctx = GroundingContext(text.text, text.published, strict, text.to_original)
    else:
        ctx = GroundingContext(text=text, published=published, strict=strict)
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)


# --------------------------------------------------------------------------- support
#: words that do not identify anything on their own ("Special forces" is not "forces")
_GENERIC = frozenset(
    [
        "the",
        "of",
        "and",
        "for",
        "al",
        "el",
        "in",
        "on",
        "at",
        "a",
        "an",
        "forces",
        "force",
        "units",
        "unit",
        "troops",
    ]
)
_TOKEN_RE = re.compile(r"[\w]+", re.UNICODE)


def name_supported(name: str, quote: str) -> bool:
    """The quote mentions the name: one identifying word of it appears in the quote.

    Tolerant on purpose (titles, "al-" prefixes, plural/adjective forms such as
    Iraq/Iraqi); strict enough to reject a quote about something else entirely.
    """
    nq = normalize(quote).text
    words = [w for w in _TOKEN_RE.findall(normalize(name).text) if len(w) >= 3]
    identifying = [w for w in words if w not in _GENERIC]
    if not identifying:
        return normalize(name).text in nq
    return any(w in nq for w in identifying)


def figures_supported(raw: str, quote: str) -> bool:
    """Every figure of ``raw`` appears in the quote; word-only figures must appear as written."""
    if _numbers(raw):
        return _numbers_kept(raw, quote)
    words = [w for w in _TOKEN_RE.findall(normalize(raw).text) if w not in _GENERIC]
    nq = normalize(quote).text
    return all(w in nq for w in words)
