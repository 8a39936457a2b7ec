"""Comparing claims: do they agree, could they all be true, which one a policy shows.

Agreement is exact (same day, same figure); compatibility is looser ("more than
12,000" and 12,460 could both be true).  The difference decides whether a conflict
is "contradictory" or "compatible but different"; neither is resolved silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from summarizer.consolidate.claims import NOT_PART
from summarizer.consolidate.models import Claim, Policy, day_span

_INF = float("inf")


def agreement_key(c: Claim) -> tuple[Any, ...] | None:
    """What must be equal for two claims to agree (None: nothing to compare)."""
    if c.kind == "date":
        if c.precision not in ("day", "month", "year") or not c.year:
            return None
        depth = {"year": 1, "month": 2, "day": 3}[c.precision]
        return (c.year, c.month, c.day)[:depth]
    if c.kind == "quantity":
        if c.qualifier in ("exact", "approximate") and c.number is not None:
            return ("point", c.number)
        if c.qualifier == "at_least" and c.low is not None:
            return ("min", c.low)
        if c.qualifier == "at_most" and c.high is not None:
            return ("max", c.high)
        if c.qualifier == "range" and c.low is not None and c.high is not None:
            return ("range", c.low, c.high)
        return None
    return (c.value,)


def _qty_interval(c: Claim) -> tuple[float, float] | None:
    """Values the claim allows (an approximate figure allows ±10 %)."""
    key = agreement_key(c)
    if key is None:
        return None
    if key[0] == "point":
        v = float(key[1])
        return (v * 0.9, v * 1.1) if c.qualifier == "approximate" else (v, v)
    if key[0] == "min":
        return float(key[1]), _INF
    if key[0] == "max":
        return 0.0, float(key[1])
    return float(key[1]), float(key[2])


def sum_bounds(c: Claim) -> tuple[float | None, float | None]:
    """What a claim adds to a total: (least, most); most None when unbounded."""
    key = agreement_key(c)
    if key is None:
        return None, None
    if key[0] == "point":
        return float(key[1]), float(key[1])
    if key[0] == "min":
        return float(key[1]), None
    if key[0] == "max":
        return 0.0, float(key[1])
    return float(key[1]), float(key[2])


def all_compatible(claims: Sequence[Claim]) -> bool:
    """Could every claim be true at once?"""
    kind = claims[0].kind
    if kind == "date":
        spans = [s for s in (day_span(c) for c in claims) if s is not None]
        return max(s[0] for s in spans) <= min(s[1] for s in spans)
    if kind == "quantity":
        ranges = [r for r in (_qty_interval(c) for c in claims) if r is not None]
        return max(r[0] for r in ranges) <= min(r[1] for r in ranges)
    return len({c.value for c in claims}) == 1


def specificity(c: Claim) -> tuple[float, ...]:
    if c.kind == "date":
        return ({"day": 3, "month": 2, "year": 1}.get(c.precision or "", 0),)
    if c.kind == "quantity":
        rank = {"exact": 5, "approximate": 4, "range": 3, "at_least": 2, "at_most": 2}
        width = (c.high - c.low) if c.qualifier == "range" and c.high and c.low else 0.0
        return (rank.get(c.qualifier or "", 0), -width)
    return (0,)


def published_day(c: Claim) -> date:
    return c.published or date.min


def pick(claims: Sequence[Claim], policy: Policy) -> tuple[Claim | None, str]:
    """The claim a policy shows for a disputed field, and in words why.

    ``most_specific``: exact before approximate before ranges before open bounds; a day
    before a month before a year.  ``most_conservative``: the lowest figure; the least
    precise date, then the earliest; no participation while a source denies it.
    ``latest``: the most recently published report.  Ties go to the later report."""
    comparable = [c for c in claims if agreement_key(c) is not None]
    if not comparable:
        return None, "no comparable values"
    kind = comparable[0].kind
    if policy == "latest":
        best = max(comparable, key=lambda c: (published_day(c), specificity(c)))
        when = best.published.isoformat() if best.published else "undated"
        return best, f"latest report ({best.source}, {when})"
    if policy == "most_specific":
        if kind == "participation":
            return None, "most_specific does not rank participation claims"
        top = max(specificity(c) for c in comparable)
        tied = [c for c in comparable if specificity(c) == top]
        best = max(tied, key=published_day)
        tie = "; equally specific values, the later report's" if len(tied) > 1 else ""
        return best, f"most specific value ({best.source}){tie}"
    # most_conservative: claim the least
    if kind == "participation":
        denial = [c for c in comparable if c.value == NOT_PART]
        best = denial[-1] if denial else comparable[-1]
        return best, "participation is not asserted while a source denies it"
    if kind == "quantity":
        best = min(
            comparable, key=lambda c: (sum_bounds(c)[0] or 0.0, -published_day(c).toordinal())
        )
        return best, f"lowest figure ({best.source})"
    best = min(
        comparable,
        key=lambda c: (specificity(c), (day_span(c) or (date.max, date.max))[0]),
    )
    return best, f"least precise, then earliest date ({best.source})"


def explain(field_name: str, claims: Sequence[Claim], compatible: bool) -> str:
    values = " vs ".join(dict.fromkeys(c.value for c in claims if agreement_key(c) is not None))
    kind = claims[0].kind
    same_source = len({c.source for c in claims}) == 1
    if kind == "participation":
        text = "one source says the force took part, another that it did not"
    elif compatible and kind == "quantity":
        text = f"the figures differ but could all be true ({values}); they are not one claim"
    elif compatible and kind == "date":
        text = f"the dates differ in precision ({values})"
    else:
        text = f"the values cannot all be true: {values}"
    if same_source:
        text += "; one article gives several values (they may be separate incidents)"
    if kind == "quantity":
        dated = sorted(
            (c for c in claims if c.published and agreement_key(c) is not None),
            key=lambda c: c.published or date.min,
        )
        first, last = (dated[0], dated[-1]) if dated else (None, None)
        if (
            first is not None
            and last is not None
            and first.published != last.published
            and (sum_bounds(last)[0] or 0) > (sum_bounds(first)[0] or 0)
        ):
            text += "; the later report gives the larger figure (possibly an update)"
    return f"{field_name}: {text}"
