"""Deterministic repairs after validation, from the article itself.

A small model copies figures but drops their qualifiers ("12,000 square kilometres"
where the article says "more than 12,000 square kilometres") and folds figures into
the object ("27 terrorists" with no quantity).  The article is the authority, so the
library restores what it states.  This runs on the final answer only: it never
changes which answers are re-asked.
"""

from __future__ import annotations

import re
from typing import cast

from summarizer.core.ground import GroundingContext, figures_supported
from summarizer.core.quantities import parse_quantity
from summarizer.core.schema import Area, Evidence, OperationReport, Outcome, Quantity

_FIGURE_LEAD = re.compile(r"^\s*(?P<fig>\d[\d,.]*)\s+(?P<rest>\S.*)$")
_MAX_CUE_WORDS = 4


def _widen(raw: str, quote: str | None, text: str) -> str:
    """The raw figure with the qualifier words the article puts right before it."""
    if parse_quantity(raw).qualifier != "exact":
        return raw
    for hay in (quote, text):
        if not hay:
            continue
        i = hay.find(raw)
        if i < 0:
            continue
        words = hay[:i].split()
        for n in range(1, min(_MAX_CUE_WORDS, len(words)) + 1):
            candidate = " ".join([*words[-n:], raw])
            if parse_quantity(candidate).qualifier not in ("exact", "unknown"):
                return candidate
        return raw
    return raw


def _requalify(q: Quantity, evidence: Evidence | None, text: str) -> Quantity:
    widened = _widen(q.raw, evidence.quote if evidence else None, text)
    if widened == q.raw:
        return q
    reset = {"raw": widened, "qualifier": "unknown", "value": None, "low": None, "high": None}
    return type(q).model_validate({**q.model_dump(), **reset})


def _split_outcome(o: Outcome) -> Outcome:
    if o.quantity is not None:
        return o
    m = _FIGURE_LEAD.match(o.object)
    if not m:
        return o
    quantity = Quantity.model_validate(m["fig"])
    ev = o.evidence
    if ev.status != "not_found":
        ev.supported = figures_supported(m["fig"], ev.quote)
    return o.model_copy(update={"object": m["rest"], "quantity": quantity})


def resolve_report(report: OperationReport, source: GroundingContext) -> OperationReport:
    """Apply the repairs in place and return the report."""
    text = source.text
    report.outcomes = [_split_outcome(o) for o in report.outcomes]
    for o in report.outcomes:
        if o.quantity is not None:
            o.quantity = _requalify(o.quantity, o.evidence, text)
    if report.area is not None:
        report.area = cast(Area, _requalify(report.area, report.area.evidence, text))
    return report
