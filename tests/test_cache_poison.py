"""A planted cache entry is a miss, not a hit (#17 finding 8).

Another writer of a shared cache can store any JSON under an article's key.  The
answer is validated again against the article on every read; it is served only if it
grounds at least as many facts as the library stored with it, and stored alignments
are trusted only where the text at their offsets is the quote.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from summarizer import Summarizer
from summarizer.core.ground import AlignmentMemo, GroundingContext
from summarizer.core.schema import OperationReport
from summarizer.pipeline.summarizer import _still_grounds
from tests.conftest import EXAMPLES, load_manifest

TEXT = "Soldiers killed 4 militants near the lake on Sunday."


def test_stored_alignment_that_is_not_the_text_is_not_trusted() -> None:
    memo = AlignmentMemo(TEXT)
    planted = {
        "rules": memo.export([])["rules"],
        "rows": [["killed 400 militants", 0, 20, "exact", 1.0]],
    }
    assert memo.seed(planted)
    assert memo.align("killed 400 militants").status == "not_found"
    honest = AlignmentMemo(TEXT)
    honest.align("killed 4 militants")
    again = AlignmentMemo(TEXT)
    assert again.seed(honest.export(["killed 4 militants"]))
    assert again.align("killed 4 militants").status == "exact"


def _report(quote: str) -> OperationReport:
    data = {
        "relevance": "operation_report",
        "summary": "A raid.",
        "outcomes": [
            {"category": "killed", "object": "militants", "quantity": "4", "evidence": quote}
        ],
    }
    return OperationReport.model_validate(data, context=GroundingContext(TEXT, strict=False))


def test_an_answer_that_grounds_less_than_stored_is_a_miss() -> None:
    good, planted = _report("Soldiers killed 4 militants"), _report("killed 4 militants in Paris")
    assert _still_grounds(good, {"grounded": 1})
    assert not _still_grounds(planted, {"grounded": 1})
    assert not _still_grounds(planted, {})  # no counts: something must ground
    assert _still_grounds(good, {})


def test_a_planted_entry_is_asked_again(settings_for: Any, cassette: Any) -> None:
    entry = load_manifest()[0]
    path = EXAMPLES / entry["file"]
    published = date.fromisoformat(entry["published"])
    name = path.stem
    with cassette(f"example_{name}"), Summarizer(settings_for()) as s:
        first = s.summarize(path, published=published)
        job = s._job(path, published, None, None)
        assert s._cache is not None
        stored = s._cache.get(job.key)
        assert stored is not None and stored["grounded"] >= 1
        fake = first.model_dump(mode="json", exclude={"extraction"})
        for o in fake["outcomes"]:
            o["evidence"] = "killed 4,000 militants in the capital"
        fake["outcomes"].append(
            {
                "category": "killed",
                "object": "civilians",
                "quantity": "900",
                "evidence": "killed 900 civilians",
            }
        )
        s._cache.set(job.key, {**stored, "content": json.dumps(fake)})
        again = s.summarize(path, published=published)
    assert again.extraction is not None and not again.extraction.cache_hit
    assert "900" not in again.model_dump_json()
