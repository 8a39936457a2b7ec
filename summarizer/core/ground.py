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

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, get_args

from summarizer.core.text import unify

AlignmentStatus = Literal["exact", "normalized", "fuzzy", "not_found", "unchecked"]

#: share of the quote's characters that must align for a fuzzy match
FUZZY_THRESHOLD = 0.9
#: a fuzzy span may be at most this many times longer than the quote
FUZZY_MAX_STRETCH = 1.3
#: quotes shorter than this (after normalising) are only matched exactly or normalised
MIN_FUZZY_LEN = 12


@dataclass(frozen=True)
class Alignment:
    start: int | None
    end: int | None
    status: AlignmentStatus
    score: float


class NormalizedText:
    """A normalised copy of a text plus, per normalised char, its original offset.

    The map back is worked out on first use, and only from the runs of white space
    that collapsed (a page has a few dozen): most quotes are found verbatim or not at
    all, and a located one needs two offsets.
    """

    __slots__ = ("_offsets", "_runs", "_unified", "text")

    def __init__(
        self, text: str, offsets: tuple[int, ...] | None = None, *, unified: str | None = None
    ) -> None:
        if offsets is None and unified is None:
            raise ValueError("NormalizedText needs its offsets or the unified text")
        self.text = text
        self._offsets = offsets
        self._unified = unified
        self._runs: tuple[int, list[int], list[int], list[int]] | None = None

    @property
    def offsets(self) -> tuple[int, ...]:
        if self._offsets is None:
            self._offsets = tuple(self._original(p) for p in range(len(self.text)))
        return self._offsets

    def _collapsed(self) -> tuple[int, list[int], list[int], list[int]]:
        """White space dropped at the start, then per run of two or more white-space
        characters inside the text: where its one space is here, where its last
        character is in the original, and how far the original is ahead after it."""
        if self._runs is None:
            assert self._unified is not None  # checked in __init__
            unified = self._unified
            lead = len(unified) - len(unified.lstrip())
            here: list[int] = []
            last: list[int] = []
            ahead: list[int] = []
            shift = lead
            for m in _MULTI_SPACE_RE.finditer(unified, lead):
                a, b = m.span()
                if b == len(unified):
                    break  # trailing white space has no normalised position
                here.append(a - shift)
                last.append(b - 1)
                shift += b - a - 1
                ahead.append(shift)
            self._runs = (lead, here, last, ahead)
        return self._runs

    def _original(self, pos: int) -> int:
        if self._offsets is not None:
            return self._offsets[pos]
        if not 0 <= pos < len(self.text):
            raise IndexError(pos)
        lead, here, last, ahead = self._collapsed()
        k = bisect_right(here, pos) - 1
        if k < 0:
            return pos + lead
        if here[k] == pos:
            return last[k]  # a collapsed run maps to its last character
        return pos + ahead[k]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self._original(start), self._original(end - 1) + 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalizedText):
            return NotImplemented
        return self.text == other.text and self.offsets == other.offsets

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NormalizedText(text={self.text!r})"


_MULTI_SPACE_RE = re.compile(r"\s{2,}")


def normalize(text: str) -> NormalizedText:
    """Case-fold, unify quotes/dashes and collapse white space, keeping an offset map."""
    unified = unify(text)  # one character for one: offsets carry over
    if _PER_CHAR_LOWER.search(unified):
        return _normalize_per_char(unified)
    # every other character lower-cases to exactly one character whatever surrounds it,
    # so the words can be lowered in bulk (and mapped back when needed)
    return NormalizedText(" ".join(unified.split()).lower(), unified=unified)


#: the only characters whose ``lower()`` is not one character independent of context:
#: U+0130 lowers to two characters, U+03A3 to a final or medial sigma
_PER_CHAR_LOWER = re.compile("[\u0130\u03a3]")


def _normalize_per_char(unified: str) -> NormalizedText:
    out: list[str] = []
    offsets: list[int] = []
    pending_space = False
    for i, ch in enumerate(unified):
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


def strip_quote(quote: str) -> str:
    """Models often wrap quotes in quotation marks or end them with '...'."""
    q = quote.strip().strip("\"'\u201c\u201d\u2018\u2019").strip()
    q = re.sub(r"(\.\.\.|\u2026)$", "", q).strip()
    return q


def align(quote: str, text: str) -> Alignment:
    """Find ``quote`` in ``text``; see the module docstring for the order of attempts.

    A pure function; :meth:`GroundingContext.locate` memoises it per article, since
    every answer is aligned several times (strict pass, lenient pass)."""
    return _align(quote, text, lambda: normalize(text))


def _align(quote: str, text: str, normalized: Callable[[], NormalizedText]) -> Alignment:
    q = strip_quote(quote)
    if not q:
        return Alignment(None, None, "not_found", 0.0)
    i = text.find(q)
    if i >= 0:
        return Alignment(i, i + len(q), "exact", 1.0)
    nt = normalized()
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
    anchor_a, anchor_b, anchor_size = _longest_match(nt.text, nq, 0, len(nt.text), 0, len(nq))
    if anchor_size == 0:
        return Alignment(None, None, "not_found", 0.0)
    lo = max(0, anchor_a - anchor_b - len(nq) // 4)
    hi = min(len(nt.text), anchor_a + (len(nq) - anchor_b) + len(nq) // 4)
    blocks = _matching_blocks(nt.text[lo:hi], nq)
    if not blocks:
        return Alignment(None, None, "not_found", 0.0)
    matched = sum(size for _, _, size in blocks)
    score = matched / len(nq)
    span_start = lo + blocks[0][0]
    span_end = lo + blocks[-1][0] + blocks[-1][2]
    if score < FUZZY_THRESHOLD or (span_end - span_start) > FUZZY_MAX_STRETCH * len(nq):
        return Alignment(None, None, "not_found", round(score, 3))
    if not _numbers_kept(nq, nt.text[span_start:span_end]):
        # a figure is the fact itself: one changed digit is a different claim
        return Alignment(None, None, "not_found", round(score, 3))
    s, e = nt.to_original(span_start, span_end)
    return Alignment(s, e, "fuzzy", round(score, 3))


def _fuzzy_holds(nq: str, nspan: str) -> bool:
    """The fuzzy rule applied to a stored span alone (a few hundred characters, not the
    page): enough of the quote aligns in order, the span is not stretched, no figure
    changed."""
    if not nq or len(nspan) > FUZZY_MAX_STRETCH * len(nq):
        return False
    matched = sum(size for _, _, size in _matching_blocks(nspan, nq))
    return matched / len(nq) >= FUZZY_THRESHOLD and _numbers_kept(nq, nspan)


# The two functions below compute exactly what ``difflib.SequenceMatcher(None, a, b,
# autojunk=False)`` computes (``find_longest_match`` and the blocks of
# ``get_matching_blocks``), with ``str.find`` doing the scanning in C instead of a
# Python loop over every character of the article: the same offsets and scores, about
# ten times faster on the example pages (tests/test_fast_paths.py checks the sameness).


def _longest_match(a: str, b: str, alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int, int]:
    """The longest run shared by ``a[alo:ahi]`` and ``b[blo:bhi]``: of the longest, the
    one that starts earliest in ``a``, then earliest in ``b``; ``(alo, blo, 0)`` if none.
    """
    find = a.find
    size = 0
    best_i = best_j = -1  # where a run of the current size was found first
    j = blo
    while j + size < bhi:
        # can b[j:] beat the longest run so far?  If so, gallop to its full length
        i = find(b[j : j + size + 1], alo, ahi)
        if i < 0:
            j += 1
            continue
        size += 1
        best_i, best_j = i, j
        step = 1
        while j + size + step <= bhi:
            i = find(b[j : j + size + step], alo, ahi)
            if i < 0:
                break
            size += step
            best_i = i
            step *= 2
        while step > 1:  # the length lies in [size, size + step): halve the gap
            step //= 2
            if j + size + step <= bhi:
                i = find(b[j : j + size + step], alo, ahi)
                if i >= 0:
                    size += step
                    best_i = i
        j += 1
    if size == 0:
        return alo, blo, 0
    # an earlier start in ``a`` wins, then an earlier start in ``b``: search each other
    # start in ``b`` only in front of the best so far
    first_j = best_j
    for j in range(blo, bhi - size + 1):
        if j == first_j:
            continue
        stop = best_i + size if j < best_j else best_i + size - 1
        i = find(b[j : j + size], alo, min(ahi, stop))
        if i >= 0:
            best_i, best_j = i, j
    return best_i, best_j, size


def _matching_blocks(a: str, b: str) -> list[tuple[int, int, int]]:
    """Non-empty matching blocks of ``a`` and ``b`` as difflib finds them, sorted."""
    blocks: list[tuple[int, int, int]] = []
    queue = [(0, len(a), 0, len(b))]
    while queue:
        alo, ahi, blo, bhi = queue.pop()
        i, j, k = _longest_match(a, b, alo, ahi, blo, bhi)
        if k:
            blocks.append((i, j, k))
            if alo < i and blo < j:
                queue.append((alo, i, blo, j))
            if i + k < ahi and j + k < bhi:
                queue.append((i + k, ahi, j + k, bhi))
    blocks.sort()
    return blocks


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


class AlignmentMemo:
    """:func:`align` results for one text, by quote: every answer is aligned several
    times (strict pass, lenient pass), and a cache entry carries them so a cached read
    does not align again; also other pure checks of that article's facts
    (:meth:`remember`).  Per article, never global: nothing is reused across texts.

    Safe to share between threads: a race at worst aligns one quote twice.
    """

    __slots__ = ("_by_quote", "_calls", "_normalized", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._by_quote: dict[str, Alignment] = {}
        self._normalized: NormalizedText | None = None
        self._calls: dict[tuple[Any, ...], Any] = {}

    def remember(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` for a pure ``fn`` of hashable arguments, computed once for this
        text (the value checks of one answer's facts, repeated by each pass)."""
        key = (fn, *args)
        try:
            return self._calls[key]
        except KeyError:
            value = self._calls[key] = fn(*args)
            return value

    def _normalized_text(self) -> NormalizedText:
        if self._normalized is None:
            self._normalized = normalize(self.text)
        return self._normalized

    def align(self, quote: str) -> Alignment:
        found = self._by_quote.get(quote)
        if found is None:
            found = self._by_quote[quote] = _align(quote, self.text, self._normalized_text)
        return found

    def export(self, quotes: Iterable[str]) -> dict[str, Any]:
        """The alignments of ``quotes`` found so far, as JSON data for :meth:`seed`."""
        rows: list[list[Any]] = []
        for q in dict.fromkeys(quotes):
            a = self._by_quote.get(q)
            if a is not None:
                rows.append([q, a.start, a.end, a.status, a.score])
        return {"rules": _RULES, "rows": rows}

    def seed(self, data: Any) -> bool:
        """Take what :meth:`export` made for this same text under the same alignment
        rules; anything else, malformed or out of range is refused whole (the quotes are
        then aligned again), never trusted."""
        if not isinstance(data, dict) or data.get("rules") != _RULES:
            return False
        rows = data.get("rows")
        if not isinstance(rows, list):
            return False
        parsed: dict[str, Alignment] = {}
        n = len(self.text)
        for row in rows:
            if not (isinstance(row, list) and len(row) == 5 and isinstance(row[0], str)):
                return False
            quote, start, end, status, score = row
            if status not in _STATUSES or type(score) not in (int, float):
                return False
            if status == "not_found":
                if start is not None or end is not None:
                    return False
            elif not (type(start) is int and type(end) is int and 0 <= start <= end <= n):
                return False
            elif not self._holds(quote, start, end, status):
                continue  # not what this text says there: aligned again, never trusted
            parsed[quote] = Alignment(start, end, status, float(score))
        self._by_quote.update(parsed)
        return True

    def _holds(self, quote: str, start: int, end: int, status: str) -> bool:
        """A stored exact or normalised alignment is kept only if the text at its
        offsets is the quote (cheap to verify); a fuzzy one is aligned again."""
        if status == "exact":
            return self.text[start:end] == strip_quote(quote) or self.text[start:end] == quote
        if status == "normalized":
            return normalize(self.text[start:end]).text == normalize(strip_quote(quote)).text
        if status == "fuzzy":
            return _fuzzy_holds(
                normalize(strip_quote(quote)).text, normalize(self.text[start:end]).text
            )
        return status == "not_found"


_STATUSES = frozenset(get_args(AlignmentStatus)) - {"unchecked"}
#: stored alignments are reused only under the rules that made them (bump on any change
#: to how a quote is aligned)
_RULES = f"1:{FUZZY_THRESHOLD}:{FUZZY_MAX_STRETCH}:{MIN_FUZZY_LEN}"


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
    #: alignments already computed for ``text`` (shared by the copies of a context)
    memo: AlignmentMemo | None = field(default=None, compare=False, repr=False)
    #: in the lenient pass, what the strict pass would have re-asked about
    notes: list[str] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.memo is None or (self.memo.text is not self.text and self.memo.text != self.text):
            object.__setattr__(self, "memo", AlignmentMemo(self.text))

    def with_strict(self, strict: bool) -> GroundingContext:
        """A copy for one validation pass: strict or lenient, with no notes yet and the
        alignments shared.  Validators get it as pydantic's validation context
        (``model_validate(..., context=ctx)``; instructor passes it through)."""
        return GroundingContext(self.text, self.published, strict, self.to_original, self.memo)

    def fail(self, message: str) -> None:
        """A problem with the answer: a validation error (re-asked) when strict, a
        note otherwise, so the lenient pass says what it kept without a second,
        strict validation of the same answer."""
        if self.strict:
            raise ValueError(message)
        self.notes.append(message)

    def locate(self, quote: str) -> Alignment:
        """Align in the text the model read, report offsets in the original page."""
        assert self.memo is not None  # set in __post_init__
        a = self.memo.align(quote)
        if self.to_original is None or a.start is None or a.end is None:
            return a
        start, end = self.to_original(a.start, a.end)
        return Alignment(start, end, a.status, a.score)


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
