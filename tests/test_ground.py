"""Quote alignment: exact, normalised, fuzzy, and the cases that must fail."""

from __future__ import annotations

import pytest

from summarizer.core.ground import FUZZY_THRESHOLD, align, normalize
from summarizer.core.text import TYPOGRAPHY, unify

TEXT = (
    "Skip to Main Content\n"
    "The ministry said the \u201csecond phase\u201d began on 15 March \u2013 at dawn.\n"
    "Troops  cleared   more than 12,000 square kilometres of desert.\n"
)


def test_exact() -> None:
    a = align("began on 15 March", TEXT)
    assert a.status == "exact"
    assert a.start is not None and a.end is not None
    assert TEXT[a.start : a.end] == "began on 15 March"


def test_normalised_quotes_dashes_space_and_case() -> None:
    a = align('the "second phase" began on 15 march - at dawn', TEXT)
    assert a.status == "normalized"
    assert a.start is not None and a.end is not None
    assert TEXT[a.start : a.end] == "the \u201csecond phase\u201d began on 15 March \u2013 at dawn"
    b = align("Troops cleared more than 12,000 square kilometres", TEXT)
    assert b.status == "normalized"
    assert b.start is not None and b.end is not None
    assert TEXT[b.start : b.end].split() == [
        "Troops",
        "cleared",
        "more",
        "than",
        "12,000",
        "square",
        "kilometres",
    ]


def test_fuzzy_tolerates_a_small_slip() -> None:
    a = align("Troops cleared more than 12,000 square kilometers of desert", TEXT)
    assert a.status == "fuzzy"
    assert a.score >= FUZZY_THRESHOLD
    assert a.start is not None and a.end is not None
    assert "12,000 square kilometres" in TEXT[a.start : a.end]


def test_wrapping_quote_marks_are_ignored() -> None:
    assert align('"began on 15 March"', TEXT).status == "exact"


@pytest.mark.parametrize(
    "quote",
    [
        "Troops cleared more than 20,000 square kilometres of forest and mountains",
        "The army stormed the city at dawn on Sunday",
        "",
        "   ",
        "xyzzy",
    ],
)
def test_not_in_article(quote: str) -> None:
    a = align(quote, TEXT)
    assert a.status == "not_found"
    assert a.start is None and a.end is None


def test_a_different_number_is_not_a_fuzzy_match() -> None:
    # one changed digit in a short quote must not pass as the article's figure
    assert align("more than 19,000 square", TEXT).status == "not_found"


def test_normalize_keeps_offsets_into_original() -> None:
    nt = normalize("A  \u201cB\u201d\n\nC")
    assert nt.text == 'a "b" c'
    assert nt.offsets[0] == 0
    s, e = nt.to_original(2, 5)
    assert "A  \u201cB\u201d\n\nC"[s:e] == "\u201cB\u201d"


def test_quote_that_skips_a_dated_clause_still_aligns() -> None:
    text = (
        "Iraqi forces launched the second phase of Operation Iron Harvest on Saturday, "
        "March 15, 2025, in the desert of western Anbar province near the border with Syria."
    )
    quote = (
        "Iraqi forces launched the second phase of Operation Iron Harvest in the desert "
        "of western Anbar province near the border with Syria"
    )
    a = align(quote, text)
    assert a.status == "fuzzy"
    assert a.start == 0 and a.end is not None and text[a.end - 5 : a.end] == "Syria"


def test_the_typography_table_maps_one_character_to_one() -> None:
    """Offsets into a unified text are offsets into the page only if no entry grows."""
    assert all(len(plain) == 1 for plain in TYPOGRAPHY.values())
    page = "".join(chr(c) for c in TYPOGRAPHY) + " plain"
    assert len(unify(page)) == len(page)
    assert unify(page) == page.translate(TYPOGRAPHY)
    assert unify("nothing to do") == "nothing to do"
