"""Live tier: real extractions on the embedded model (``pytest -m live``).

Slow (a minute or two on 2 cores) and needs the ``local`` extra; CI runs it when
the extra is installed.  The model file is assembled in the user cache once.
"""

from __future__ import annotations

from datetime import date

import pytest

from summarizer import Summarizer
from summarizer.core.schema import OperationReport, iter_evidence
from summarizer.settings import Settings
from tests.conftest import USER_CACHE
from tests.test_reask import ARTICLE

pytestmark = pytest.mark.live


def test_embedded_model_extracts_a_grounded_report() -> None:
    """The quote mode: the model writes each fact with its quote."""
    settings = Settings(cache_dir=USER_CACHE, use_cache=False, extraction="quotes")
    with Summarizer(settings) as s:
        ex = s.extract(ARTICLE, published=date(2025, 5, 4))
    report = ex.value
    assert isinstance(report, OperationReport)
    assert ex.meta.endpoint_kind == "embedded-llamacpp"
    assert ex.meta.usage.completion_tokens > 0
    assert report.relevance == "operation_report"
    assert report.operation_name and "Clean Sweep" in report.operation_name
    # the 1.5B model's output varies with the server's cache state: a floor, not a score
    assert ex.meta.grounded_share is not None and ex.meta.grounded_share > 0
    for ev in iter_evidence(report):
        if ev.start is not None and ev.end is not None:
            assert ARTICLE[ev.start : ev.end]


def test_embedded_model_labels_the_candidates_in_one_request() -> None:
    """The labelling mode (#18): one small request; every fact is a located sentence
    of the article, checked by the claim checks."""
    settings = Settings(cache_dir=USER_CACHE, use_cache=False)  # the embedded default
    assert settings.resolved_extraction == "labels"
    with Summarizer(settings) as s:
        ex = s.extract(ARTICLE, published=date(2025, 5, 4))
    report = ex.value
    assert isinstance(report, OperationReport)
    assert ex.meta.prompt_version.startswith("operation_labels.")
    assert ex.meta.usage.requests == 1
    # labels, not quotes: a few hundred tokens at most
    assert 0 < ex.meta.usage.completion_tokens < 600
    assert report.operation_name and "Clean Sweep" in report.operation_name
    for ev in iter_evidence(report):
        assert ev.status == "exact" and ev.start is not None and ev.end is not None
        assert ARTICLE[ev.start : ev.end].strip('"“” ') == ev.quote.strip('"“” ')
