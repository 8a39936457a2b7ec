"""One :class:`~summarizer.consolidate.models.OperationTimeline` from a group of reports.

Splits the group into phases, merges each, checks the campaign start against phase
one's, and adds the totals; conflicts and decisions are gathered per operation.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from summarizer.consolidate.claims import date_claim, name_claim, source_info
from summarizer.consolidate.compare import agreement_key, published_day
from summarizer.consolidate.grouping import Cluster, Mention
from summarizer.consolidate.merge import Merger
from summarizer.consolidate.models import (
    GroupingDecision,
    MergedField,
    NameRecord,
    OperationTimeline,
    PhaseRecord,
    Policy,
)
from summarizer.consolidate.names import AliasTable, operation_key
from summarizer.consolidate.phases import assign_phases, phase_of
from summarizer.consolidate.records import phase_record
from summarizer.consolidate.sources import SourcedReport
from summarizer.consolidate.totals import outcome_totals
from summarizer.core.names import normalize_name


def _operation_names(members: list[Mention], aliases: AliasTable) -> list[NameRecord]:
    """Every way the sources name the operation, grouped by the words that match."""
    groups: dict[str, list[Mention]] = {}
    for m in members:
        if m.name:
            groups.setdefault(" ".join(operation_key(m.name)), []).append(m)
    out: list[NameRecord] = []
    for k, ms in groups.items():
        names = [m.name or "" for m in ms]
        canonical = aliases.canonical(names[0])
        out.append(
            NameRecord(
                name=Counter(names).most_common(1)[0][0],
                key=k,
                variants=list(dict.fromkeys(names)),
                kind=f"alias of {canonical!r}" if ms[0].alias and canonical else None,
                claims=[
                    name_claim(m.item, m.name or "", m.item.report.operation_evidence) for m in ms
                ],
            )
        )
    return out


def display_name(members: list[Mention], aliases: AliasTable) -> str:
    """The alias table's canonical name, else the commonest name without "Operation"."""
    if not any(m.words for m in members):
        return f"Unnamed operation ({members[0].item.stem})"
    for m in members:
        if m.name and (canonical := aliases.canonical(m.name)):
            return canonical
    trimmed = [
        re.sub(r"^(?:the\s+)?operation\s+|\s+operation$", "", m.name.strip(" \"'“”"), flags=re.I)
        for m in members
        if m.name
    ]
    if not trimmed:
        return "Unnamed operation"
    return Counter(trimmed).most_common(1)[0][0]


def _phase_sort_key(rec: PhaseRecord) -> tuple[int, date, int]:
    """The whole-operation record first, then phases by their first possible day."""
    if rec.phase is None:
        return (0, date.min, 0)
    first = rec.span()[0]
    if first is None:
        published = [s.published for s in rec.sources if s.published]
        first = min(published) if published else date.max
    return (1, first, rec.phase)


def operation_timeline(
    key: str,
    cluster: Cluster,
    aliases: AliasTable,
    policy: Policy | None,
    decisions: list[GroupingDecision],
) -> OperationTimeline:
    """The cluster's reports split into phases and merged; phase decisions are added to
    ``decisions`` as well as to the operation's own list."""
    items = sorted(
        (m.item for m in cluster.members), key=lambda sr: (sr.published or date.max, sr.stem)
    )
    op_decisions = [
        d.model_copy(update={"operation": key})
        for d in decisions
        if d.operation is None and set(d.sources) & {sr.stem for sr in items}
    ]
    merger = Merger(key, policy)
    phase_decisions: list[GroupingDecision] = []
    by_phase = assign_phases(items, phase_decisions, key)
    op_decisions += phase_decisions
    decisions.extend(phase_decisions)
    phased = any(n is not None for n in by_phase)
    records = [
        phase_record(merger, key, n, rs, aliases, phased_operation=phased)
        for n, rs in by_phase.items()
    ]
    records.sort(key=_phase_sort_key)
    campaign_start = _campaign_start(merger, by_phase)
    for rec in records:
        if rec.phase is None and rec.start is not None and campaign_start is not None:
            rec.start.conflict = campaign_start.conflict
    country = _country(merger, items)
    for rec in records:
        rec.conflicts = [
            c.id for c in merger.conflicts if c.phase == rec.phase and c.field != "campaign_start"
        ]
    phase_records = [r for r in records if r.phase is not None]
    counted = phase_records if phase_records else records
    return OperationTimeline(
        key=key,
        name=display_name(cluster.members, aliases),
        names=_operation_names(cluster.members, aliases),
        country=country,
        sources=[source_info(sr, phase_of(sr.report)[0]) for sr in items],
        campaign_start=campaign_start,
        phases=records,
        totals=outcome_totals(counted, policy),
        reported_totals=[e for r in records for e in r.outcomes if e.scope == "cumulative"],
        conflicts=merger.conflicts,
        decisions=op_decisions,
        policy=policy,
    )


def _campaign_start(
    merger: Merger, by_phase: dict[int | None, list[SourcedReport]]
) -> MergedField | None:
    """The campaign-level reports' start, checked against phase one's: a campaign
    conflict only where they disagree; if only phase-one sources disagree, the conflict
    is phase one's start and the field points at it."""
    campaign = [
        date_claim(sr, sr.report.start_date)
        for sr in by_phase.get(None, [])
        if sr.report.start_date
    ]
    first_phase = [
        date_claim(sr, sr.report.start_date) for sr in by_phase.get(1, []) if sr.report.start_date
    ]
    if not (campaign or first_phase):
        return None
    disputed = len({agreement_key(c) for c in campaign if agreement_key(c)}) > 1 or any(
        agreement_key(a) != agreement_key(p)
        for a in campaign
        for p in first_phase
        if agreement_key(a) and agreement_key(p)
    )
    claims = sorted(campaign + first_phase, key=lambda c: (published_day(c), c.source))
    start = merger.field("campaign_start", claims, None, raise_conflict=disputed)
    if (
        start is not None
        and not disputed
        and len({agreement_key(c) for c in start.claims if agreement_key(c)}) > 1
    ):
        start.conflict = merger.conflict_id(1, "start_date", None)
    return start


def _country(merger: Merger, items: list[SourcedReport]) -> MergedField | None:
    """The operation's country, compared by normalised name ("iraq" is "Iraq")."""
    claims = [name_claim(sr, sr.report.country) for sr in items if sr.report.country is not None]
    for c in claims:
        c.value = normalize_name(c.raw or c.value).title()
    return merger.field("country", claims, None)
