"""Facts whose quote does not back them are set aside before merging.

A report keeps such a fact after its last re-ask (marked); merged, it could make a
conflict or a total out of words no outlet wrote.  Set aside, it is still listed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from summarizer.consolidate.claims import quote_of
from summarizer.consolidate.models import SetAside
from summarizer.consolidate.sources import SourcedReport
from summarizer.core.schema import Evidence, Outcome


def _fact_value(fact: Any) -> str:
    """A set-aside fact in words, for the list a reader checks ("killed 27 terrorists")."""
    if isinstance(fact, Outcome):
        figure = fact.quantity.raw if fact.quantity is not None else ""
        if figure and figure.casefold() in fact.object.casefold():
            figure = ""  # the object already carries it ("27 terrorists")
        obj = "" if fact.object.casefold() in figure.casefold() else fact.object
        return " ".join(w for w in (fact.category, figure, obj) if w)
    for attr in ("name", "raw", "text"):
        if isinstance(getattr(fact, attr, None), str):
            return str(getattr(fact, attr))
    return ""


def _ungrounded(e: Evidence | None) -> Literal["quote_not_found", "quote_does_not_state_it"] | None:
    """Why a fact's quote cannot back it, or None when it can (or was never checked)."""
    if e is None:
        return None
    if e.status == "not_found":
        return "quote_not_found"
    return "quote_does_not_state_it" if e.supported is False else None


def grounded_view(sr: SourcedReport) -> tuple[SourcedReport, list[SetAside]]:
    """The report with its ungrounded facts taken out (a copy), and those facts."""
    r = sr.report
    out: list[SetAside] = []
    update: dict[str, Any] = {}

    def keep(name: str, fact: Any) -> bool:
        why = _ungrounded(fact.evidence)
        if why is not None:
            quote = quote_of(fact.evidence)
            value = _fact_value(fact)
            out.append(
                SetAside(source=sr.stem, field=name, value=value, evidence=quote, reason=why)
            )
        return why is None

    for name in ("start_date", "end_date", "country", "area"):
        fact = getattr(r, name)
        if fact is not None and not keep(name, fact):
            update[name] = None
    for name in ("locations", "forces", "adversaries", "officials", "outcomes"):
        facts = getattr(r, name)
        kept = [f for f in facts if keep(name, f)]
        if len(kept) != len(facts):
            update[name] = kept
    if not update:
        return sr, out
    return replace(sr, report=r.model_copy(update=update)), out
