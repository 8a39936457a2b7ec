"""Totals over an operation's phases: each event counted once, distinct phases added.

An event reported by three outlets adds once; a disputed event adds its range (or a
policy's pick, shown beside it), so a total never claims more certainty than its parts.
"""

from __future__ import annotations

from collections import defaultdict

from summarizer.consolidate.claims import fmt_number
from summarizer.consolidate.compare import agreement_key, pick, sum_bounds
from summarizer.consolidate.models import OutcomeEvent, OutcomeTotal, PhaseRecord, Policy

#: one outcome event with the phase it belongs to
_Counted = tuple[PhaseRecord, OutcomeEvent]


def outcome_totals(records: list[PhaseRecord], policy: Policy | None) -> list[OutcomeTotal]:
    """One total per outcome key over the records' phase-scoped events (running totals
    are never added), sorted by key."""
    per_key: dict[str, list[_Counted]] = defaultdict(list)
    for rec in records:
        for ev in rec.outcomes:
            if ev.scope == "phase":
                per_key[ev.key].append((rec, ev))
    return sorted(
        (_total(key, pairs, policy) for key, pairs in per_key.items()), key=lambda t: t.key
    )


def _total(key: str, pairs: list[_Counted], policy: Policy | None) -> OutcomeTotal:
    with_figure = [(r, e) for r, e in pairs if e.low is not None]
    highs = [e.high for _, e in with_figure]
    low = sum(e.low or 0.0 for _, e in with_figure) if with_figure else None
    high = None if any(h is None for h in highs) or low is None else sum(h or 0.0 for h in highs)
    disputed = any(not e.agreed for _, e in pairs)
    complete = len(with_figure) == len(pairs)
    display = "no figure" if low is None else _range_text(low, high)
    display += " (disputed)" if disputed else ""
    note = _note(pairs) + ("" if complete else "; some reports give no figure")
    first = pairs[0][1]
    return OutcomeTotal(
        key=key,
        category=first.category,
        object=first.object,
        low=low,
        high=high,
        display=display,
        disputed=disputed,
        complete=complete,
        phases=[r.phase for r, _ in pairs],
        events=len(pairs),
        sources=len({c.source for _, e in pairs for c in e.claims}),
        policy_display=_policy_total(with_figure, policy) if policy and disputed else None,
        note=note,
    )


def _note(pairs: list[_Counted]) -> str:
    """How the total was made, phase by phase ("phase 2: 27 (2 sources, counted once)")."""
    parts = []
    for r, e in pairs:
        figures = [c for c in e.claims if agreement_key(c) is not None]
        n = len({c.source for c in figures})
        shown = (
            (e.value or "no figure")
            if e.agreed
            else "disputed " + " / ".join(dict.fromkeys(c.value for c in figures))
        )
        parts.append(
            f"{r.label.lower()}: {shown}" + (f" ({n} sources, counted once)" if n > 1 else "")
        )
    return "; ".join(parts)


def _policy_total(pairs: list[_Counted], policy: Policy) -> str | None:
    """The total of the values a policy shows (a disputed event adds its pick)."""
    lows: list[float] = []
    highs: list[float | None] = []
    for _, e in pairs:
        lo, hi = e.low, e.high
        if not e.agreed:
            chosen, _ = pick(e.claims, policy)
            if chosen is None:
                return None
            lo, hi = sum_bounds(chosen)
        if lo is None:
            return None
        lows.append(lo)
        highs.append(hi)
    high = None if any(h is None for h in highs) else sum(h or 0.0 for h in highs)
    return _range_text(sum(lows), high)


def _range_text(low: float, high: float | None) -> str:
    if high is None:
        return f"≥{fmt_number(low)}"
    if high == low:
        return fmt_number(low)
    return f"{fmt_number(low)}–{fmt_number(high)}"
