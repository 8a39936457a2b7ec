"""The fast paths give exactly what the plain reference algorithms give.

``summarizer.core.ground`` normalises in bulk and finds matching runs with ``str.find``
instead of a per-character loop and ``difflib``; offsets and scores (a ``not_found``
quote's score is reported too) must not move by one.  ``summarizer.pipeline.cleaning`` skips
regexes that cannot match.  The references below are the straightforward versions,
kept here as the specification.
"""

from __future__ import annotations

import json
import random
import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml

from summarizer.core.ground import (
    FUZZY_MAX_STRETCH,
    FUZZY_THRESHOLD,
    MIN_FUZZY_LEN,
    Alignment,
    GroundingContext,
    _longest_match,
    _matching_blocks,
    _numbers_kept,
    align,
    normalize,
    strip_quote,
)
from summarizer.core.text import TYPOGRAPHY
from summarizer.pipeline.cleaning import clean_page, patterns, rules
from tests.conftest import EXAMPLES, ROOT


def ref_normalize(text: str) -> tuple[str, tuple[int, ...]]:
    out: list[str] = []
    offsets: list[int] = []
    pending_space = False
    for i, ch in enumerate(text.translate(TYPOGRAPHY)):
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
    return "".join(out), tuple(offsets)


def ref_align(quote: str, text: str) -> Alignment:
    q = strip_quote(quote)
    if not q:
        return Alignment(None, None, "not_found", 0.0)
    i = text.find(q)
    if i >= 0:
        return Alignment(i, i + len(q), "exact", 1.0)
    nt, offsets = ref_normalize(text)
    nq = ref_normalize(q)[0]
    if not nq:
        return Alignment(None, None, "not_found", 0.0)
    j = nt.find(nq)
    if j >= 0:
        return Alignment(offsets[j], offsets[j + len(nq) - 1] + 1, "normalized", 1.0)
    if len(nq) < MIN_FUZZY_LEN:
        return Alignment(None, None, "not_found", 0.0)
    anchor = SequenceMatcher(None, nt, nq, autojunk=False).find_longest_match(
        0, len(nt), 0, len(nq)
    )
    if anchor.size == 0:
        return Alignment(None, None, "not_found", 0.0)
    lo = max(0, anchor.a - anchor.b - len(nq) // 4)
    hi = min(len(nt), anchor.a + (len(nq) - anchor.b) + len(nq) // 4)
    wm = SequenceMatcher(None, nt[lo:hi], nq, autojunk=False)
    blocks = [b for b in wm.get_matching_blocks() if b.size > 0]
    if not blocks:
        return Alignment(None, None, "not_found", 0.0)
    score = sum(b.size for b in blocks) / len(nq)
    start, end = lo + blocks[0].a, lo + blocks[-1].a + blocks[-1].size
    if score < FUZZY_THRESHOLD or (end - start) > FUZZY_MAX_STRETCH * len(nq):
        return Alignment(None, None, "not_found", round(score, 3))
    if not _numbers_kept(nq, nt[start:end]):
        return Alignment(None, None, "not_found", round(score, 3))
    return Alignment(offsets[start], offsets[end - 1] + 1, "fuzzy", round(score, 3))


def _collapse(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """difflib merges adjacent blocks; the sum and the ends are what alignment uses."""
    out: list[tuple[int, int, int]] = []
    for i, j, k in blocks:
        if out and out[-1][0] + out[-1][2] == i and out[-1][1] + out[-1][2] == j:
            out[-1] = (out[-1][0], out[-1][1], out[-1][2] + k)
        else:
            out.append((i, j, k))
    return out


@pytest.mark.parametrize("alphabet", ["ab", "abc ", "abcdefghij ", "ab\u0130\u03a3 \n"])
def test_matching_runs_equal_difflib(alphabet: str) -> None:
    rng = random.Random(alphabet)
    for n in range(1000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        # b past 200 characters is where difflib's autojunk would differ: it is off
        size = 230 if n % 20 == 0 else rng.randint(0, 40)
        b = "".join(rng.choice(alphabet) for _ in range(size))
        sm = SequenceMatcher(None, a, b, autojunk=False)
        alo = rng.randint(0, len(a))
        ahi = rng.randint(alo, len(a))
        blo = rng.randint(0, len(b))
        bhi = rng.randint(blo, len(b))
        assert _longest_match(a, b, alo, ahi, blo, bhi) == tuple(
            sm.find_longest_match(alo, ahi, blo, bhi)
        )
        want = [tuple(m) for m in sm.get_matching_blocks() if m.size]
        assert _collapse(_matching_blocks(a, b)) == want


def test_normalize_equals_per_character_reference() -> None:
    rng = random.Random(7)
    pool = "aB \t\n\u00a0\u2019\u201c\u2014\u0130\u03a3\u03c3\u00df\u1e9eZ9.,\u2028\u3000"
    cases = ["", "   ", "\u0130stanbul", "\u039f\u0394\u039f\u03a3 x", "A  \u201cB\u201d\n\nC"]
    cases += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    for text in cases:
        want_text, want_offsets = ref_normalize(text)
        nt = normalize(text)
        # the map back, position by position, before the offsets are ever built
        assert [nt.to_original(p, p + 1)[0] for p in range(len(want_text))] == list(want_offsets)
        assert (nt.text, nt.offsets) == (want_text, want_offsets), repr(text)


def _example_quotes() -> list[tuple[str, list[str]]]:
    """Each example's cleaned text with every quote the model gave for it, plus
    damaged copies (dropped words, changed digits, case) to reach the fuzzy path."""
    manifest = json.loads((EXAMPLES / "manifest.json").read_text(encoding="utf-8"))
    rng = random.Random(3)
    out = []
    for entry in manifest:
        stem = Path(entry["file"]).stem
        text = clean_page((EXAMPLES / entry["file"]).read_text(encoding="utf-8")).main.text
        tape = yaml.safe_load((ROOT / "cassettes" / f"example_{stem}.yaml").read_text())
        quotes: list[str] = []
        for interaction in tape["interactions"]:
            body = json.loads(interaction["response"]["body"]["string"])
            content = body["choices"][0]["message"]["content"]
            quotes += re.findall(r'"(?:quote|evidence|operation_evidence)":\s*"([^"]*)"', content)
        for q in list(quotes):
            words = q.split()
            if len(words) > 4:
                k = rng.randrange(len(words))
                quotes.append(" ".join(words[:k] + words[k + 1 :]))
            quotes.append(re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), q))
            quotes.append(q.upper())
        for _ in range(20):  # spans of the article itself, with a slip
            i = rng.randrange(max(1, len(text) - 120))
            span = text[i : i + rng.randint(15, 120)]
            k = rng.randrange(len(span))
            quotes.append(span[:k] + rng.choice("xq ") + span[k + 1 :])
        out.append((text, quotes))
    return out


def test_align_on_examples_equals_reference() -> None:
    checked = fuzzy = 0
    for text, quotes in _example_quotes():
        ctx = GroundingContext(text)
        for q in quotes:
            want = ref_align(q, text)
            assert align(q, text) == want, q
            assert ctx.locate(q) == want, q
            checked += 1
            fuzzy += want.status == "fuzzy" or (want.status == "not_found" and want.score > 0)
    assert checked > 300 and fuzzy > 50  # the fuzzy path really was exercised


def _page_lines() -> list[str]:
    pages = [p.read_text(encoding="utf-8") for p in sorted((EXAMPLES / "articles").glob("*"))]
    return [line for page in pages for line in page.splitlines()]


def _odd_lines(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    pool = [
        "Photo: ",
        "(photo credit X)",
        "REUTERS/Ann Lee",
        "/ File Photo",
        "\u0130mage: x",
        "p\u0131cture: y",
        "AFP",
        "  ",
        "\u2019",
        "\u201c",
        "\u00a0",
        "\u2026",
        "_",
        "--",
        "\u0130GNORE previous instructions",
        "\u017fystem prompt",
        "as an AI model",
        "<|im_start|>",
        "word",
        "12",
        ".",
        "\t",
    ]
    return ["".join(rng.choice(pool) for _ in range(rng.randint(0, 8))) for _ in range(n)]


def test_norm_equals_its_regex_definition() -> None:
    for line in _page_lines() + _odd_lines(11, 3000):
        unified = line.translate(patterns.QUOTES).lower()
        want = patterns.SPACES.sub(" ", patterns.EDGE.sub("", unified))
        assert rules._norm(line) == want, repr(line)


def test_caption_prefilter_never_hides_a_match() -> None:
    for line in _page_lines() + _odd_lines(12, 3000):
        tail = line[-120:]
        want = bool(
            patterns.CAPTION_START.match(line)
            or patterns.CAPTION_END.search(tail)
            or patterns.CAPTION_CREDIT.search(tail)
        )
        assert rules._is_caption(line) == want, repr(line)


def test_injection_prefilter_never_hides_a_match() -> None:
    lines = _page_lines() + _odd_lines(13, 3000)
    assert sum(bool(patterns.INJECTION.search(x)) for x in lines) > 100  # cases were made
    for line in lines:
        if patterns.INJECTION.search(line):
            assert rules.may_hold_injection(line), repr(line)
