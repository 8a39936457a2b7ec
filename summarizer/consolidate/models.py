"""The records a consolidation is made of (pydantic, serialised as JSON).

Pure data plus lookups: every merged value keeps each source's claim and quote, and
disagreements are :class:`Conflict` records rather than silent picks.  Rendering
(markdown, the timeline as an Altair chart exported to SVG or PNG, pandas tables) lives
in :mod:`summarizer.outputs.timeline`, so the types do not depend on presentation.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from summarizer.consolidate.names import operation_key

Policy = Literal["most_specific", "most_conservative", "latest"]
POLICIES: tuple[Policy, ...] = ("most_specific", "most_conservative", "latest")
ConflictField = Literal[
    "campaign_start", "start_date", "end_date", "area", "participation", "outcome", "country"
]


class StrictModel(BaseModel):
    """Unknown fields are errors: a consolidation read back must be one this code wrote."""

    model_config = ConfigDict(extra="forbid")


class Quote(StrictModel):
    """Where a source states a value: its words and their offsets in that article."""

    quote: str
    start: int | None = None
    end: int | None = None
    status: str = "unchecked"
    #: False when the quote was found but does not state the value it backs
    supported: bool | None = None


class SourceInfo(StrictModel):
    """One report that went into a record."""

    source: str
    outlet: str | None = None
    published: date | None = None
    phase: int | None = None
    operation_name: str | None = None


class Claim(StrictModel):
    """One source's value for one field, with the words that state it.

    ``value`` is the normalised display form compared across sources; ``raw`` keeps
    the article's words.  Only the parsed fields of the claim's ``kind`` are set.
    """

    kind: Literal["date", "quantity", "participation", "name"]
    source: str
    outlet: str | None = None
    published: date | None = None
    value: str
    raw: str | None = None
    evidence: Quote | None = None
    #: a quantity's parse (``kind`` "quantity"): compared as points, bounds or ranges
    qualifier: str | None = None
    low: float | None = None
    high: float | None = None
    number: float | None = Field(None, description="An exact or approximate figure.")
    unit: str | None = None
    #: a date's parse (``kind`` "date"): compared to its precision, no finer
    year: int | None = None
    month: int | None = None
    day: int | None = None
    precision: str | None = Field(None, description="day, month, year or unknown.")
    role: str | None = Field(None, description="A force's role (``kind`` participation).")


class MergedField(StrictModel):
    """A field across sources: every claim, and the value shown and why."""

    field: str
    claims: list[Claim]
    agreed: bool
    value: str | None = Field(description="Agreed value, or the policy's pick; None if disputed.")
    chosen_by: str
    conflict: str | None = None


class NameRecord(StrictModel):
    """A place, official, adversary or operation name: every spelling with its sources."""

    name: str
    key: str
    variants: list[str]
    kind: str | None = None
    claims: list[Claim]


class ForceRecord(StrictModel):
    """A force in one phase; each claim keeps the role that source gave it."""

    name: str
    key: str
    variants: list[str]
    category: str | None = None
    participation: Literal["took_part", "did_not_take_part", "disputed"]
    value: str | None = Field(description="Participation shown (a policy may pick one).")
    chosen_by: str
    claims: list[Claim]
    conflict: str | None = None


class OutcomeEvent(StrictModel):
    """One outcome of one phase, however many sources report it.

    ``scope`` is ``phase`` for a figure that belongs to this phase (added into the
    totals once) or ``cumulative`` for a running total ("since the campaign began"),
    which is shown but never added.
    """

    key: str
    category: str
    object: str
    scope: Literal["phase", "cumulative"]
    scope_reason: str | None = None
    claims: list[Claim]
    agreed: bool
    value: str | None
    chosen_by: str
    low: float | None = Field(None, description="Least this event adds to a total.")
    high: float | None = Field(None, description="Most it adds; None when unbounded.")
    conflict: str | None = None


class OutcomeTotal(StrictModel):
    """One outcome's total over an operation's distinct phases: each event counted once,
    whatever its sources."""

    key: str
    category: str
    object: str
    low: float | None = Field(description="None when no event gave a figure.")
    high: float | None
    display: str
    disputed: bool
    complete: bool = Field(description="Every counted event gave a figure.")
    phases: list[int | None]
    events: int
    sources: int
    policy_display: str | None = None
    note: str


class Conflict(StrictModel):
    """Sources that disagree, each with its quote; never resolved silently."""

    id: str
    operation: str
    phase: int | None
    field: ConflictField
    subject: str | None = None
    compatible: bool = Field(
        description="All claims could be true at once (e.g. 'more than 12,000' and 12,460)."
    )
    explanation: str
    claims: list[Claim]
    display: str | None = None
    policy: Policy | None = None
    chosen_source: str | None = None

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(c.source for c in self.claims))


class GroupingDecision(StrictModel):
    """Why reports were (or were not) put together; ``by`` is ``rules`` or a matcher."""

    decision: Literal["grouped", "new_operation", "separate", "excluded", "candidate", "phase"]
    rule: str
    sources: list[str]
    reason: str
    operation: str | None = None
    by: str = "rules"
    cached: bool = False


class PhaseRecord(StrictModel):
    """One phase of one operation across sources (``phase`` None: the operation as a
    whole, from reports that give no phase)."""

    operation: str
    phase: int | None
    label: str
    sources: list[SourceInfo]
    status: str | None = None
    start: MergedField | None = None
    end: MergedField | None = None
    area: MergedField | None = None
    places: list[NameRecord] = Field(default_factory=list)
    forces: list[ForceRecord] = Field(default_factory=list)
    officials: list[NameRecord] = Field(default_factory=list)
    adversaries: list[NameRecord] = Field(default_factory=list)
    outcomes: list[OutcomeEvent] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list, description="Conflict ids.")

    def span(self) -> tuple[date | None, date | None]:
        """First and last day the sources allow for the phase's start and end."""
        first = earliest_day(self.start.claims) if self.start else None
        last = latest_day(self.end.claims) if self.end else None
        return first, last


class OperationTimeline(StrictModel):
    """One operation: its names, its phases in date order, conflicts and totals."""

    key: str
    name: str
    names: list[NameRecord]
    country: MergedField | None = None
    sources: list[SourceInfo]
    campaign_start: MergedField | None = None
    phases: list[PhaseRecord]
    totals: list[OutcomeTotal]
    reported_totals: list[OutcomeEvent] = Field(
        default_factory=list, description="Cumulative figures as reported; never added."
    )
    conflicts: list[Conflict]
    decisions: list[GroupingDecision]
    policy: Policy | None = None

    def phase(self, number: int | None) -> PhaseRecord | None:
        return next((p for p in self.phases if p.phase == number), None)

    def conflict(self, conflict_id: str) -> Conflict | None:
        return next((c for c in self.conflicts if c.id == conflict_id), None)

    def tally(self, key: str) -> OutcomeTotal | None:
        return next((t for t in self.totals if t.key == key), None)


class SetAside(StrictModel):
    """A fact left out of the merge: its quote is not in its article, or is there but
    does not state the value.  A report keeps such a fact after the last re-ask, marked;
    merged, it could make a conflict or a total out of words no outlet wrote."""

    source: str
    field: str
    value: str
    evidence: Quote | None = None
    reason: Literal["quote_not_found", "quote_does_not_state_it"]


class Consolidation(StrictModel):
    """Every operation found in a set of reports, plus every grouping decision."""

    operations: list[OperationTimeline]
    decisions: list[GroupingDecision]
    policy: Policy | None = None
    #: facts not merged because their quote is not grounded (``Rules.grounded_only``)
    set_aside: list[SetAside] = Field(default_factory=list)

    def operation(self, name: str) -> OperationTimeline | None:
        """By key, or by any name variant (same words rule)."""
        words = operation_key(name)
        for op in self.operations:
            if op.key == name or any(operation_key(n.name) == words for n in op.names):
                return op
            if any(operation_key(v) == words for n in op.names for v in n.variants):
                return op
        return None

    @property
    def conflicts(self) -> list[Conflict]:
        return [c for op in self.operations for c in op.conflicts]


def day_span(c: Claim) -> tuple[date, date] | None:
    """First and last day a date claim allows ("March 2024": the whole month); None for
    an unresolved date or another kind of claim."""
    if not c.year or c.precision not in ("day", "month", "year"):
        return None
    if c.precision == "day" and c.month and c.day:
        d = date(c.year, c.month, c.day)
        return d, d
    if c.precision in ("day", "month") and c.month:
        last = calendar.monthrange(c.year, c.month)[1]
        return date(c.year, c.month, 1), date(c.year, c.month, last)
    return date(c.year, 1, 1), date(c.year, 12, 31)


def earliest_day(claims: Iterable[Claim]) -> date | None:
    starts = [s[0] for s in (day_span(c) for c in claims) if s is not None]
    return min(starts) if starts else None


def latest_day(claims: Iterable[Claim]) -> date | None:
    ends = [s[1] for s in (day_span(c) for c in claims) if s is not None]
    return max(ends) if ends else None
