"""Builders the output tests share: a small report read from a short article, and
the extraction metadata a stand-in extraction carries."""

from __future__ import annotations

from datetime import date
from typing import Any

from summarizer.core.ground import GroundingContext
from summarizer.core.schema import ExtractionMeta, OperationReport

#: an outcome as the model states it: (category, object, quantity, quote)
Outcome = tuple[str, str, str, str]


def extraction_meta(**overrides: Any) -> ExtractionMeta:
    """Metadata as an extraction of an ``OperationReport`` has it; ``overrides`` win."""
    values: dict[str, Any] = {
        "model": "m",
        "endpoint_kind": "other",
        "mode": "JSON",
        "prompt_version": "operation_report.v1",
        "schema_name": "OperationReport",
        "schema_version": "1.0",
    }
    values.update(overrides)
    return ExtractionMeta(**values)


def outcome(
    category: str, obj: str, quantity: str | None, quote: str, **more: Any
) -> dict[str, Any]:
    """An outcome as the model writes it in its answer."""
    return {"category": category, "object": obj, "quantity": quantity, "evidence": quote, **more}


def police_raid(article: str, name: str, outcomes: list[Outcome], summary: str) -> OperationReport:
    """Federal police launching operation ``name`` in Dalta district on Sunday (as
    ``article`` tells it, published 2025-05-04), with ``outcomes``; validated leniently,
    so a quote the article lacks is kept and flagged."""
    data: dict[str, Any] = {
        "relevance": "operation_report",
        "operation_name": name,
        "status": "launched",
        "operation_evidence": f"launched {name} in Dalta district",
        "start_date": {"raw": "Sunday", "evidence": "in Dalta district on Sunday"},
        "forces": [
            {
                "name": "Federal police",
                "category": "police",
                "role": "lead",
                "evidence": f"Federal police launched {name}",
            }
        ],
        "outcomes": [outcome(*fact) for fact in outcomes],
        "summary": summary,
    }
    ctx = GroundingContext(article, date(2025, 5, 4), strict=False)
    return OperationReport.model_validate(data, context=ctx)
