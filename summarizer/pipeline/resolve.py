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
from summarizer.core.schema import (
    Area,
    Evidence,
    OperationReport,
    Outcome,
    Quantity,
    iter_evidence,
)

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


_SUMMARY_FIGURE = re.compile(r"(?<![\w.,])\d[\d,]*(?:\.\d+)?(?![\w])")


def _digits(figure: str) -> str:
    return re.sub(r"[,.]", "", figure)


def unbacked_summary_figures(report: OperationReport) -> list[str]:
    """Figures the summary states that no grounded fact's quote states.

    The summary is the model's own prose, so it cannot carry evidence; a figure in it
    is trusted only where a supported fact gives it.  Years and the like are figures
    too: a quote that states them backs them."""
    backed = {
        _digits(m.group(0))
        for e in iter_evidence(report)
        if e.grounded
        for m in _SUMMARY_FIGURE.finditer(e.quote)
    }
    out: list[str] = []
    for m in _SUMMARY_FIGURE.finditer(report.summary):
        if _digits(m.group(0)) not in backed and m.group(0) not in out:
            out.append(m.group(0))
    return out
