"""Deterministic repairs from the article after validation."""

from __future__ import annotations

from typing import Any

from summarizer.core.ground import GroundingContext
from summarizer.core.schema import OperationReport
from summarizer.pipeline.resolve import resolve_report
from tests.helpers import outcome

TEXT = (
    "Forces cleared more than 12,000 square kilometres of desert. "
    "They killed 27 terrorists and destroyed nearly 40 hideouts."
)


def _resolved(**fields: Any) -> OperationReport:
    data = {"relevance": "operation_report", "summary": "x", **fields}
    r = OperationReport.model_validate(data, context=GroundingContext(TEXT, strict=False))
    return resolve_report(r, GroundingContext(TEXT))


def test_qualifier_restored_from_the_article() -> None:
    r = _resolved(area={"raw": "12,000 square kilometres", "evidence": "cleared more than 12,000"})
    assert r.area is not None
    assert (r.area.raw, r.area.qualifier, r.area.value) == (
        "more than 12,000 square kilometres",
        "at_least",
        12000,
    )
    assert r.area.evidence.start is not None  # evidence untouched


def test_outcome_figure_folded_into_object_is_split() -> None:
    r = _resolved(
        outcomes=[
            {"category": "killed", "object": "27 terrorists", "evidence": "killed 27 terrorists"},
            {"category": "destroyed", "object": "40 hideouts", "evidence": "destroyed nearly 40"},
        ]
    )
    a, b = r.outcomes
    assert a.object == "terrorists" and a.quantity is not None and a.quantity.value == 27
    assert a.quantity.qualifier == "exact" and a.evidence.supported is True
    assert b.quantity is not None and b.quantity.qualifier == "approximate"


def test_nothing_to_repair_is_left_alone() -> None:
    r = _resolved(outcomes=[outcome("killed", "terrorists", "27", "killed 27 terrorists")])
    assert r.outcomes[0].quantity is not None and r.outcomes[0].quantity.raw == "27"
    assert r.outcomes[0].object == "terrorists"
