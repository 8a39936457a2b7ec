"""The claim-check case set (tests/data/claims.jsonl) is well formed.

These tests check the data, not a claim checker: every case loads (re3d refs fall on
their documents' sentences), ids are unique, quotes are present, the set is large and
balanced enough, and each outcome case that should pass shows its figure.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import import_module
from typing import Any, get_args

import pytest

from tests.claim_cases import (
    CASE_TYPES,
    DEFAULT_PATH,
    OWN,
    ROOT,
    ClaimCase,
    ClaimDataError,
    load_cases,
    re3d_available,
)

MIN_CASES = 70
MIN_RE3D = 20

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def number_words(value: float) -> set[str]:
    """English words for a whole number below 100 ("nineteen", "twenty-two")."""
    if value != int(value) or not 0 <= value < 100:
        return set()
    n = int(value)
    if n < 20:
        return {_ONES[n]}
    tens, ones = _TENS[n // 10 - 2], n % 10
    return {tens} if ones == 0 else {f"{tens}-{_ONES[ones]}", f"{tens} {_ONES[ones]}"}


def shows_figure(value: float, quote: str) -> bool:
    """Does the quote hold the value in digits (thousands separators allowed) or words?"""
    figures = {float(m.replace(",", "")) for m in _NUMBER.findall(quote)}
    if float(value) in figures:
        return True
    low = quote.lower()
    return any(re.search(rf"\b{w}\b", low) for w in number_words(value))


@pytest.fixture(scope="module")
def cases() -> list[ClaimCase]:
    return load_cases()


def _raw_rows() -> list[dict[str, Any]]:
    with DEFAULT_PATH.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _schema_literal(name: str) -> tuple[str, ...]:
    """A Literal of the report schema; the package is being reorganised, so look in both
    the old and the new place."""
    for module in ("summarizer.core.schema", "summarizer.schema"):
        try:
            return tuple(get_args(getattr(import_module(module), name)))
        except (ImportError, AttributeError):
            continue
    pytest.skip(f"{name} not found in the summarizer schema")


def test_every_case_loads(cases: list[ClaimCase]) -> None:
    assert len(cases) == len(_raw_rows())


def test_ids_are_unique() -> None:
    ids = [row["id"] for row in _raw_rows()]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"


def test_every_quote_is_non_empty(cases: list[ClaimCase]) -> None:
    empty = [c.id for c in cases if not c.skipped and not c.quote.strip()]
    assert not empty


def test_enough_cases(cases: list[ClaimCase]) -> None:
    assert len(cases) >= MIN_CASES


def test_enough_re3d_refs(cases: list[ClaimCase]) -> None:
    assert sum(c.is_re3d for c in cases) >= MIN_RE3D


@pytest.mark.skipif(not re3d_available(), reason="shared re3d data folder is absent")
def test_re3d_refs_resolve(cases: list[ClaimCase]) -> None:
    re3d = [c for c in cases if c.is_re3d]
    assert re3d and not any(c.skipped for c in re3d)
    assert all(len(c.quote.split()) >= 4 for c in re3d)


def test_both_directions_for_each_type(cases: list[ClaimCase]) -> None:
    seen = Counter((c.type, c.expect) for c in cases)
    missing = [(t, e) for t in CASE_TYPES for e in ("pass", "fail") if not seen[t, e]]
    assert not missing, f"no cases for {missing}"


def test_directions_are_balanced(cases: list[ClaimCase]) -> None:
    fails = sum(c.expect == "fail" for c in cases)
    assert 0.35 <= fails / len(cases) <= 0.65


def test_outcome_cases_that_pass_show_their_figure(cases: list[ClaimCase]) -> None:
    bad = [
        c.id
        for c in cases
        if c.type == "outcome"
        and not c.skipped
        and c.expect != "fail"
        and not shows_figure(c.fact["value"], c.quote)
    ]
    assert not bad, f"outcome cases whose quote lacks the figure: {bad}"


def test_example_quotes_are_verbatim(cases: list[ClaimCase]) -> None:
    texts: dict[str, str] = {}
    bad = []
    for c in cases:
        if c.is_re3d or c.source == OWN:
            continue
        path = ROOT / c.source
        assert path.is_file(), f"{c.id}: no such example page {c.source}"
        text = texts.setdefault(c.source, path.read_text(encoding="utf-8"))
        if c.quote not in text:
            bad.append(c.id)
    assert not bad, f"quotes not found verbatim in their example page: {bad}"


def test_facts_use_the_schema_vocabulary(cases: list[ClaimCase]) -> None:
    allowed = {
        "outcome": ("category", _schema_literal("OutcomeCategory")),
        "force_role": ("role", _schema_literal("ForceRole")),
        "official": ("role", _schema_literal("OfficialRole")),
    }
    bad = []
    for c in cases:
        if c.type in allowed:
            key, values = allowed[c.type]
            if c.fact[key] is not None and c.fact[key] not in values:
                bad.append((c.id, c.fact[key]))
    assert not bad


def test_number_words() -> None:
    assert shows_figure(19, "An air strike kills nineteen fighters")
    assert shows_figure(3200, "confiscated 3,200 rounds")
    assert shows_figure(22, "twenty-two hideouts")
    assert not shows_figure(12, "more than 12,000 square kilometres")


def test_a_ref_off_the_text_is_refused(tmp_path: Any) -> None:
    if not re3d_available():
        pytest.skip("shared re3d data folder is absent")
    row = next(r for r in _raw_rows() if "ref" in r)
    row["ref"] = dict(row["ref"], start=row["ref"]["start"] + 1)
    bad = tmp_path / "claims.jsonl"
    bad.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ClaimDataError, match="does not fall on"):
        load_cases(bad)


def test_missing_shared_folder_skips_re3d_cases(tmp_path: Any) -> None:
    cases = load_cases(re3d_root=tmp_path / "absent")
    re3d = [c for c in cases if c.is_re3d]
    assert re3d and all(c.skipped and c.quote == "" for c in re3d)
    assert not any(c.skipped for c in cases if not c.is_re3d)
