"""Many reports of one operation merged into phases, conflicts and totals.

Outlets report the same phase of the same operation with different names, spellings,
figures and claims.  :func:`consolidate` turns a pile of
:class:`~summarizer.OperationReport` objects into :class:`OperationTimeline` records:

1. **Identity** (:mod:`.grouping`).  Reports are grouped by operation with
   deterministic rules, and every decision is recorded with its reason
   (:class:`GroupingDecision`).  Operation names match when they have the same words
   in any order (:mod:`.names`); a user :class:`AliasTable` maps names the rules
   cannot ("Barq al-Jibal" = "Mountain Lightning").  Country and dates can veto a
   match; a report without a name joins an operation only when it shares places and
   dates with it.  Names that differ while the context overlaps are *hard cases*:
   recorded as candidates, or decided by an optional :data:`Matcher` (:mod:`.matcher`),
   whose decisions are cached.  By default no model is asked.
2. **Merge** (:mod:`.records`, :mod:`.merge`).  Per operation and phase
   (:class:`PhaseRecord`), each field keeps every source's value with its quote and
   offsets (:class:`Claim`) beside the agreed value.
3. **Conflicts** (:mod:`.compare`).  Differing values are never silently resolved:
   each becomes a :class:`Conflict` listing every source and quote.  An optional
   display policy (``most_specific``, ``most_conservative``, ``latest``) picks a value
   to show, and the conflict says which policy did.
4. **Totals** (:mod:`.outcomes`, :mod:`.totals`).  The same outcome reported by two
   outlets for one phase is one event with two sources, counted once; totals
   (:class:`OutcomeTotal`) add events of *distinct* phases only.  Cumulative figures
   are shown as reported and never added.

Rules prefer a visible false conflict to a silent double count.  The modules import
one way: sources <- names <- models <- matcher <- claims <- compare <- merge <-
outcomes <- phases <- grouping <- records <- totals <- operations <- grounded <-
consolidation.  Rendering is :mod:`summarizer.outputs.timeline`.
"""

from summarizer.consolidate.consolidation import consolidate
from summarizer.consolidate.grouping import Rules
from summarizer.consolidate.matcher import (
    CachedMatcher,
    MatchDecision,
    Matcher,
    OperationSketch,
    model_matcher,
)
from summarizer.consolidate.models import (
    POLICIES,
    Claim,
    Conflict,
    Consolidation,
    ForceRecord,
    GroupingDecision,
    MergedField,
    NameRecord,
    OperationTimeline,
    OutcomeEvent,
    OutcomeTotal,
    PhaseRecord,
    Policy,
    Quote,
    SetAside,
    SourceInfo,
)
from summarizer.consolidate.names import AliasTable, operation_key
from summarizer.consolidate.sources import LoadedReports, SourcedReport, load_reports, read_results

__all__ = [
    "POLICIES",
    "AliasTable",
    "CachedMatcher",
    "Claim",
    "Conflict",
    "Consolidation",
    "ForceRecord",
    "GroupingDecision",
    "LoadedReports",
    "MatchDecision",
    "Matcher",
    "MergedField",
    "NameRecord",
    "OperationSketch",
    "OperationTimeline",
    "OutcomeEvent",
    "OutcomeTotal",
    "PhaseRecord",
    "Policy",
    "Quote",
    "Rules",
    "SetAside",
    "SourceInfo",
    "SourcedReport",
    "consolidate",
    "load_reports",
    "model_matcher",
    "operation_key",
    "read_results",
]
