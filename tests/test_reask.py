"""A quote that is not in the article is a validation error fed back to the model.

The first answer from the (recorded) model is corrupted on its way in, above the
HTTP layer, so the cassette holds the real server's answers to both the original
request and the re-ask that quotes the error.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from summarizer.llm import transport as extract
from summarizer.pipeline.summarizer import Summarizer

ARTICLE = (
    "Home / News\n"
    "Police launch Operation Clean Sweep in Dalta district\n"
    "DALTA, 4 May 2025 - Federal police launched Operation Clean Sweep in Dalta district "
    "on Sunday, a police spokesman, Colonel Samir Hadid, said. Officers arrested 14 suspects "
    "and seized 9 rifles during searches of three villages.\n"
    "Leave a Reply\n"
)
FABRICATED = "Operation Clean Sweep was launched on the far side of the moon"


def test_fabricated_quote_triggers_a_reask(
    settings_for: Any, cassette: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = extract.transport_create

    def corrupting(settings: Any, create: Any) -> Any:
        calls = {"n": 0}

        def corrupt_first(*args: Any, **kwargs: Any) -> Any:
            response = create(*args, **kwargs)
            calls["n"] += 1
            if calls["n"] == 1:
                data = json.loads(response.choices[0].message.content)
                data["operation_evidence"] = FABRICATED
                response.choices[0].message.content = json.dumps(data)
            return response

        return original(settings, corrupt_first)

    monkeypatch.setattr(extract, "transport_create", corrupting)
    with cassette("reask_fabricated_quote") as tape, Summarizer(settings_for(use_cache=False)) as s:
        report = s.summarize(ARTICLE, published=date(2025, 5, 4))
        bodies = [json.loads(r.body) for r in tape.requests]

    assert len(bodies) == 2
    reask = json.dumps(bodies[1]["messages"])
    assert "not found in the article" in reask and FABRICATED in reask
    assert report.extraction is not None
    assert report.extraction.usage.requests == 2
    assert report.extraction.attempts == 2
    ev = report.operation_evidence
    assert ev is None or ev.quote != FABRICATED
