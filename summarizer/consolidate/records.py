"""One :class:`~summarizer.consolidate.models.PhaseRecord`: a phase merged across sources.

Dates and area merge as fields; places, officials and adversaries as name records
(every spelling kept); forces by normalised name with each source's role; outcomes as
events, one per family and object, however many sources report them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from typing import Literal

from summarizer.consolidate.claims import (
    NOT_PART,
    date_claim,
    name_claim,
    participation_claim,
    quantity_claim,
    source_info,
)
from summarizer.consolidate.compare import agreement_key, sum_bounds
from summarizer.consolidate.merge import Merger
from summarizer.consolidate.models import Claim, ForceRecord, NameRecord, OutcomeEvent, PhaseRecord
from summarizer.consolidate.names import (
    FORCE_GENERIC,
    FORCE_MODIFIERS,
    AliasTable,
    entity_key,
    place_key,
)
from summarizer.consolidate.outcomes import category_family, cumulative_reason, object_family
from summarizer.consolidate.sources import SourcedReport
from summarizer.core.names import name_key
from summarizer.core.schema import Force, NamedFact


def _name_records(
    items: Sequence[tuple[SourcedReport, NamedFact, str | None]],
    key: Callable[[str], str],
    *,
    subset_match: bool = False,
) -> list[NameRecord]:
    """Spellings of one entity put together (``subset_match``: "Qasim al-Jubouri" is
    "Qasim Jawad al-Jubouri" when the surname agrees)."""
    groups: dict[str, list[tuple[SourcedReport, NamedFact, str | None]]] = {}
    for sr, fact, kind in items:
        k = key(fact.name)
        if not k:
            continue
        target = k
        if subset_match and k not in groups:
            words = k.split()
            for other in groups:
                ow = other.split()
                if words[-1:] == ow[-1:] and (set(words) <= set(ow) or set(ow) <= set(words)):
                    target = other
                    break
        groups.setdefault(target, []).append((sr, fact, kind))
    out: list[NameRecord] = []
    for k, members in groups.items():
        spellings = Counter(f.name for _, f, _ in members)
        shown = spellings.most_common(1)[0][0]
        kinds = Counter(kd for _, _, kd in members if kd)
        out.append(
            NameRecord(
                name=shown,
                key=k,
                variants=list(dict.fromkeys(f.name for _, f, _ in members)),
                kind=kinds.most_common(1)[0][0] if kinds else None,
                claims=[name_claim(sr, f) for sr, f, _ in members],
            )
        )
    return out


def _forces(
    merger: Merger, phase: int | None, items: list[SourcedReport], aliases: AliasTable
) -> list[ForceRecord]:
    """Forces by normalised name ("Iraqi Army units" is "Army"); a force one source says
    took part and another says did not is a participation conflict."""
    groups: dict[str, list[tuple[SourcedReport, Force]]] = {}
    for sr in items:
        for f in sr.report.forces:
            k = entity_key(aliases.canonical(f.name) or f.name, FORCE_GENERIC, FORCE_MODIFIERS)
            groups.setdefault(k, []).append((sr, f))
    out: list[ForceRecord] = []
    for k, members in groups.items():
        claims: list[Claim] = []
        for sr, f in members:
            claim = participation_claim(sr, f.name, f.role, f.evidence)
            # one claim per source and value: a force listed twice alike is one claim
            if not any((c.source, c.value) == (claim.source, claim.value) for c in claims):
                claims.append(claim)
        shown = Counter(f.name for _, f in members).most_common(1)[0][0]
        agreed, value, why, _, cid = merger.merge("participation", claims, phase, subject=shown)
        values = {c.value for c in claims}
        state: Literal["took_part", "did_not_take_part", "disputed"] = (
            "disputed"
            if not agreed
            else ("did_not_take_part" if values == {NOT_PART} else "took_part")
        )
        cats = Counter(f.category for _, f in members)
        out.append(
            ForceRecord(
                name=shown,
                key=k,
                variants=list(dict.fromkeys(f.name for _, f in members)),
                category=cats.most_common(1)[0][0],
                participation=state,
                value=value,
                chosen_by=why,
                claims=claims,
                conflict=cid,
            )
        )
    return out


#: an outcome event's identity: (scope, category family, object or object@source)
_EventKey = tuple[str, str, str]


def _outcomes(
    merger: Merger, phase: int | None, items: list[SourcedReport], whole_campaign: bool
) -> list[OutcomeEvent]:
    """Outcomes of one record as events: one per (category family, object), each with
    every source's claim; cumulative figures kept apart per source."""
    events, reasons = _outcome_claims(items, whole_campaign)
    out: list[OutcomeEvent] = []
    for (scope, cat, obj_key), claims in events.items():
        obj = obj_key.split("@")[0]
        subject = obj if cat == "other" else f"{cat} {obj}"
        agreed, value, why, best, cid = merger.merge(
            "outcome", claims, phase, subject=subject, raise_conflict=scope == "phase"
        )
        low, high = _event_bounds(claims, best if agreed else None)
        out.append(
            OutcomeEvent(
                key=subject,
                category=cat,
                object=obj,
                scope="cumulative" if scope == "cumulative" else "phase",
                scope_reason=reasons.get((scope, cat, obj_key)),
                claims=claims,
                agreed=agreed,
                value=value,
                chosen_by=why,
                low=low,
                high=high,
                conflict=cid,
            )
        )
    return out


def _outcome_claims(
    items: list[SourcedReport], whole_campaign: bool
) -> tuple[dict[_EventKey, list[Claim]], dict[_EventKey, str]]:
    """Each source's claims per event (one per source and figure), and why an event is
    a running total where it is one."""
    events: dict[_EventKey, list[Claim]] = {}
    reasons: dict[_EventKey, str] = {}
    for sr in items:
        for o in sr.report.outcomes:
            obj = object_family(o.object)
            cat = category_family(o.category, obj)
            cumulative = cumulative_reason(o.evidence.quote)
            if whole_campaign and cumulative is None:
                cumulative = "a campaign-level report (no phase): a running total"
            scope = "cumulative" if cumulative else "phase"
            # running totals from different reports are different moments, not one claim
            key = (scope, cat, obj if scope == "phase" else f"{obj}@{sr.stem}")
            unit = "km²" if o.quantity is not None and o.quantity.unit == "km2" else ""
            claim = quantity_claim(sr, o.quantity, o.evidence, unit)
            claims = events.setdefault(key, [])
            if not any(
                c.source == claim.source and agreement_key(c) == agreement_key(claim)
                for c in claims
            ):
                claims.append(claim)
            if cumulative:
                reasons[key] = cumulative
    return events, reasons


def _event_bounds(claims: list[Claim], agreed: Claim | None) -> tuple[float | None, float | None]:
    """What an event adds to a total: the agreed claim's bounds, or for a disputed
    event the widest the claims allow (high None: unbounded)."""
    comparable = [c for c in claims if agreement_key(c) is not None]
    if not comparable:
        return None, None
    if agreed is not None:
        return sum_bounds(agreed)
    bounds = [sum_bounds(c) for c in comparable]
    low = min(lo for lo, _ in bounds if lo is not None)
    highs = [hi for _, hi in bounds]
    high = None if any(h is None for h in highs) else max(h for h in highs if h is not None)
    return low, high


def _latest_status(items: list[SourcedReport]) -> str | None:
    known = [sr for sr in items if sr.report.status != "unknown"]
    if not known:
        return None
    return max(known, key=lambda sr: sr.published or date.min).report.status


def phase_record(
    merger: Merger,
    op_key: str,
    phase: int | None,
    items: list[SourcedReport],
    aliases: AliasTable,
    *,
    phased_operation: bool,
) -> PhaseRecord:
    """One phase (or, ``phase`` None, the operation as a whole) merged across its
    reports; conflicts go to the merger."""
    starts = [date_claim(sr, sr.report.start_date) for sr in items if sr.report.start_date]
    ends = [date_claim(sr, sr.report.end_date) for sr in items if sr.report.end_date]
    areas = [
        quantity_claim(sr, sr.report.area, sr.report.area.evidence, "km²")
        for sr in items
        if sr.report.area
    ]
    # a campaign-level start is checked with phase one's as the campaign start
    start = merger.field("start_date", starts, phase, raise_conflict=phase is not None)
    places = [(sr, loc, loc.kind) for sr in items for loc in sr.report.locations]
    officials = [(sr, o, o.role) for sr in items for o in sr.report.officials]
    adversaries = [(sr, a, None) for sr in items for a in sr.report.adversaries]
    label = (
        f"Phase {phase}"
        if phase is not None
        else ("Campaign (no phase stated)" if phased_operation else "Operation")
    )
    return PhaseRecord(
        operation=op_key,
        phase=phase,
        label=label,
        sources=[source_info(sr, phase) for sr in items],
        status=_latest_status(items),
        start=start,
        end=merger.field("end_date", ends, phase),
        area=merger.field("area", areas, phase),
        places=_name_records(places, lambda n: place_key(n, aliases)),
        forces=_forces(merger, phase, items, aliases),
        officials=_name_records(
            officials, lambda n: name_key(aliases.canonical(n) or n), subset_match=True
        ),
        adversaries=_name_records(
            adversaries, lambda n: entity_key(aliases.canonical(n) or n, FORCE_GENERIC)
        ),
        outcomes=_outcomes(merger, phase, items, whole_campaign=phase is None and phased_operation),
    )
