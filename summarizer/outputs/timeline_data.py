"""What the timeline chart shows, as plain data: no plotting library needed.

:func:`timeline_data` decides, for every operation of a consolidation, which rows the
chart has (the campaign start claims, each phase, the campaign as a whole), where each
row's bar starts and ends and on what grounds (a start reported to the day, to the
month, or only the first report; an end reported or not), which reports were published
when, which conflicts belong to the row, and which rows have no date at all.
:func:`chart_records` turns that into the JSON rows each mark of the chart draws, with
the widths a reader can see.  Both are plain functions so the choices can be tested
without ``altair`` (the ``notebook`` extra); :mod:`.timeline_chart` only draws.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from summarizer.consolidate.models import (
    Consolidation,
    MergedField,
    OperationTimeline,
    PhaseRecord,
    day_span,
)

__all__ = [
    "BAR_MIN_PX",
    "CHAR_PX",
    "END_OPEN",
    "END_REPORTED",
    "LEGEND",
    "NO_DATES",
    "NO_OPERATIONS",
    "PLOT_WIDTH",
    "ChartRecords",
    "Published",
    "Row",
    "StartClaim",
    "Timeline",
    "TimelineOperation",
    "Timelines",
    "chart_records",
    "epoch_ms",
    "operations",
    "plain",
    "plural",
    "timeline_data",
]

Timelines = Consolidation | OperationTimeline | Iterable[OperationTimeline]

#: width of the time axis, in pixels (the row labels come on top of it)
PLOT_WIDTH = 620
#: narrowest bar, in pixels: a one-day phase on a months-long axis stays visible
BAR_MIN_PX = 8
#: average width of a character of the 11 px labels, to keep them inside the picture
CHAR_PX = 6.0
#: said instead of drawing an axis when no report has a date, one line each
NO_DATES = (
    "No dates: these reports state no date and have no publication date, so the phases "
    "are listed without a time axis.",
    "To place them in time, summarize with --published or consolidate with --manifest.",
)
NO_OPERATIONS = "No operations: nothing to draw."

StartBasis = Literal["day", "month", "first_report"]
RowKind = Literal["phase", "campaign", "campaign_start"]

PHASE_DAY = "phase, start reported to the day"
PHASE_MONTH = "phase, start known only to the month or year"
PHASE_FIRST = "phase, no start reported: drawn from its first report"
CLAIM = "start claimed by a source"
DISAGREE = "sources disagree (hover for why)"
PUBLISHED = "report published"
CAMPAIGN = "whole campaign: reports without a phase"
#: the legend's entries and their colours (one colour scale for every mark), in order
LEGEND: dict[str, str] = {
    PHASE_DAY: "#3b6ea8",
    PHASE_MONTH: "#8fb0d6",
    PHASE_FIRST: "#d3e0ef",
    CLAIM: "#222222",
    DISAGREE: "#c62828",
    PUBLISHED: "#888888",
    CAMPAIGN: "#9e9e9e",
}
_BASIS_LEGEND: dict[StartBasis, str] = {
    "day": PHASE_DAY,
    "month": PHASE_MONTH,
    "first_report": PHASE_FIRST,
}
END_REPORTED = "end reported"
END_OPEN = "end not reported: drawn to the next phase or the last report"


def operations(x: Timelines) -> list[OperationTimeline]:
    """The operations of a consolidation, of one timeline, or of a list of them."""
    if isinstance(x, Consolidation):
        return list(x.operations)
    if isinstance(x, OperationTimeline):
        return [x]
    return list(x)


def plain(f: MergedField) -> str:
    """A merged field's value, or every source's value when they disagree."""
    if f.agreed:
        return f.value or ""
    return " / ".join(dict.fromkeys(c.value for c in f.claims))


def plural(count: int, noun: str) -> str:
    """ "1 report", "2 reports"."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class StartClaim:
    """One source's start date: the days it allows ("in March": the whole month)."""

    source: str
    raw: str
    first: date
    last: date


@dataclass(frozen=True)
class Published:
    """One report of the row, on the day it was published."""

    source: str
    day: date


@dataclass(frozen=True)
class Row:
    """One row of the chart.  ``start`` None: nothing dates it, and it is listed as
    undated rather than placed on an invented day."""

    label: str
    kind: RowKind
    start: date | None = None
    #: last day drawn (inclusive); the reported end, else inferred (``end_reported``)
    end: date | None = None
    start_basis: StartBasis | None = None
    end_reported: bool = False
    #: the dates in words, as the sources give them
    dates: str = ""
    figures: str = ""
    sources: str = ""
    #: why the sources disagree, one explanation per conflict of this row
    conflicts: tuple[str, ...] = ()
    #: start claims drawn as marks: the campaign start's, or a phase's disputed ones
    claims: tuple[StartClaim, ...] = ()
    published: tuple[Published, ...] = ()

    @property
    def dated(self) -> bool:
        return self.start is not None


@dataclass(frozen=True)
class TimelineOperation:
    """One operation's rows, dated ones first, in timeline order, then the undated."""

    title: str
    subtitle: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Timeline:
    """Everything the chart draws; ``domain`` None when nothing has a date."""

    operations: tuple[TimelineOperation, ...]
    domain: tuple[date, date] | None

    @property
    def message(self) -> tuple[str, ...]:
        """What the chart says instead of an axis (empty when it draws one)."""
        if not any(op.rows for op in self.operations):
            return (NO_OPERATIONS,)
        return NO_DATES if self.domain is None else ()

    @property
    def undated(self) -> list[tuple[str, Row]]:
        """(operation title, row) for every row that has no date."""
        return [(op.title, r) for op in self.operations for r in op.rows if not r.dated]


def _spans(f: MergedField | None) -> list[tuple[date, date]]:
    if f is None:
        return []
    return [s for s in (day_span(c) for c in f.claims) if s is not None]


def _claims(f: MergedField | None) -> tuple[StartClaim, ...]:
    out = []
    for c in f.claims if f is not None else []:
        span = day_span(c)
        if span is not None:
            out.append(StartClaim(c.outlet or c.source, c.raw or c.value, *span))
    return tuple(out)


def _basis(f: MergedField | None) -> StartBasis | None:
    if f is None or not _spans(f):
        return None
    return "day" if any(c.precision == "day" and c.day for c in f.claims) else "month"


def _first_report(rec: PhaseRecord) -> date | None:
    return min((s.published for s in rec.sources if s.published), default=None)


def _field_words(f: MergedField) -> str:
    return plain(f) + ("" if f.agreed else " (disputed)")


def _dates_words(rec: PhaseRecord) -> str:
    """The phase's dates in words: what the sources claim, or when it was first reported."""
    if rec.start is not None:
        start = _field_words(rec.start)
    else:
        first = _first_report(rec)
        start = f"first reported {first.isoformat()}" if first else "undated"
    end = _field_words(rec.end) if rec.end else "open"
    return f"{start} → {end}"


def _figures(rec: PhaseRecord) -> str:
    """The row's figures in one line: area, outcomes, disputed participation."""
    bits = []
    if rec.area is not None:
        bits.append(("area " if rec.area.agreed else "area disputed: ") + plain(rec.area))
    for e in rec.outcomes:
        values = " / ".join(dict.fromkeys(c.value for c in e.claims if c.value != "no figure"))
        if e.scope == "cumulative":
            bits.append(f"{e.key} {e.value or values} (running total)")
        elif e.agreed:
            bits.append(f"{e.key} {e.value or 'no figure'}")
        else:
            bits.append(f"{e.key} disputed: {values}")
    disputed = [f.name for f in rec.forces if f.participation == "disputed"]
    if disputed:
        bits.append("participation disputed: " + ", ".join(disputed))
    return " · ".join(bits)


def _sources(rec: PhaseRecord) -> str:
    return ", ".join(
        (s.outlet or s.source) + (f" ({s.published})" if s.published else "") for s in rec.sources
    )


def _published(rec: PhaseRecord) -> tuple[Published, ...]:
    return tuple(Published(s.outlet or s.source, s.published) for s in rec.sources if s.published)


def _explanations(op: OperationTimeline, ids: Iterable[str]) -> tuple[str, ...]:
    wanted = set(ids)
    return tuple(c.explanation for c in op.conflicts if c.id in wanted)


def _bar_end(rec: PhaseRecord, nxt: PhaseRecord | None) -> tuple[date | None, bool]:
    """Where a phase's bar ends and whether that end is reported: the reported end, else
    the next phase's start (claimed, or its first report), else the phase's last report."""
    ends = _spans(rec.end)
    if ends:
        return max(b for _, b in ends), True
    if nxt is not None:
        starts = _spans(nxt.start)
        if starts:
            return min(a for a, _ in starts) - timedelta(days=1), False
        first = _first_report(nxt)
        if first is not None:
            return first - timedelta(days=1), False
    return max((s.published for s in rec.sources if s.published), default=None), False


def _phase_row(op: OperationTimeline, rec: PhaseRecord, nxt: PhaseRecord | None) -> Row:
    starts = _spans(rec.start)
    start = min(a for a, _ in starts) if starts else _first_report(rec)
    end, reported = _bar_end(rec, nxt) if start is not None else (None, False)
    disputed = rec.start is not None and not rec.start.agreed
    return Row(
        label=rec.label,
        kind="phase",
        start=start,
        end=max(end or start, start) if start is not None else None,
        start_basis=(_basis(rec.start) or "first_report") if start is not None else None,
        end_reported=reported,
        dates=_dates_words(rec),
        figures=_figures(rec),
        sources=_sources(rec),
        conflicts=_explanations(op, rec.conflicts),
        claims=_claims(rec.start) if disputed else (),
        published=_published(rec),
    )


def _campaign_row(op: OperationTimeline, rec: PhaseRecord, last: date | None) -> Row:
    """Reports about the whole campaign: from their claimed start (or first report) to the
    operation's last report."""
    starts = _spans(rec.start)
    start = min(a for a, _ in starts) if starts else _first_report(rec)
    return Row(
        label=rec.label,
        kind="campaign",
        start=start,
        end=max(last or start, start) if start is not None else None,
        start_basis=_basis(rec.start) or ("first_report" if start is not None else None),
        dates=_dates_words(rec),
        figures=_figures(rec),
        sources=_sources(rec),
        conflicts=_explanations(op, rec.conflicts),
        published=_published(rec),
    )


def _campaign_start_row(op: OperationTimeline, f: MergedField) -> Row:
    claims = _claims(f)
    words = " vs ".join(dict.fromkeys(f"{c.raw} ({c.source})" for c in claims))
    return Row(
        label="Campaign start",
        kind="campaign_start",
        start=min((c.first for c in claims), default=None),
        end=max((c.last for c in claims), default=None),
        start_basis=_basis(f),
        dates=(words or _field_words(f)) + ("" if f.agreed else " (sources disagree)"),
        sources=", ".join(dict.fromkeys(c.outlet or c.source for c in f.claims)),
        conflicts=_explanations(op, [f.conflict] if f.conflict else []),
        claims=claims,
    )


def _unique(rows: list[Row]) -> list[Row]:
    """Row labels are the chart's y values, so two rows never share one."""
    seen: dict[str, int] = {}
    out = []
    for r in rows:
        seen[r.label] = seen.get(r.label, 0) + 1
        if seen[r.label] > 1:
            r = replace(r, label=f"{r.label} ({seen[r.label]})")
        out.append(r)
    return out


def _operation(op: OperationTimeline) -> TimelineOperation:
    country = f" — {op.country.value}" if op.country and op.country.value else ""
    names = ", ".join(v for rec in op.names for v in rec.variants)
    subtitle = f"{plural(len(op.sources), 'report')} · {plural(len(op.conflicts), 'conflict')}"
    if names:
        subtitle += f" · named {names}"
    last = max((s.published for s in op.sources if s.published), default=None)
    rows: list[Row] = []
    if op.campaign_start is not None:
        rows.append(_campaign_start_row(op, op.campaign_start))
    phased = any(p.phase is not None for p in op.phases)
    for i, rec in enumerate(op.phases):
        if rec.phase is None and phased:
            rows.append(_campaign_row(op, rec, last))
        else:
            nxt = next((p for p in op.phases[i + 1 :] if p.phase is not None), None)
            rows.append(_phase_row(op, rec, nxt))
    rows = [r for r in rows if r.dated] + [r for r in rows if not r.dated]
    return TimelineOperation(op.name + country, subtitle, tuple(_unique(rows)))


def _domain(ops: list[OperationTimeline], rows: Iterable[Row]) -> tuple[date, date] | None:
    """The axis: every drawn and published day, a week either side, at least 30 days."""
    days = [s.published for op in ops for s in op.sources if s.published]
    for r in rows:
        days += [d for d in (r.start, r.end) if d is not None]
        days += [d for c in r.claims for d in (c.first, c.last)]
    if not days:
        return None
    lo = min(days) - timedelta(days=7)
    hi = max(max(days) + timedelta(days=8), lo + timedelta(days=30))
    return lo, hi


def timeline_data(x: Timelines) -> Timeline:
    """What the chart shows for a consolidation, one operation, or a list of them."""
    ops = operations(x)
    drawn = tuple(_operation(op) for op in ops)
    return Timeline(drawn, _domain(ops, (r for op in drawn for r in op.rows)))


# --------------------------------------------------------------------------- records


@dataclass
class ChartRecords:
    """One operation's rows as the JSON records each layer of the chart draws.

    Positions on the time axis are milliseconds since the epoch, UTC, so no time zone
    can move a bar by a day; a phase's bar covers its last day whole."""

    title: str
    subtitle: str
    #: the rows top to bottom (the y axis's order)
    order: list[str]
    bars: list[dict[str, Any]] = field(default_factory=list)
    campaign: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    dots: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    badges: list[dict[str, Any]] = field(default_factory=list)
    undated: list[dict[str, Any]] = field(default_factory=list)


_DAY_MS = 86_400_000


def epoch_ms(d: date) -> int:
    """A day's start as milliseconds since the epoch, UTC: what the chart's axis takes."""
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)


def _tip(r: Row) -> dict[str, Any]:
    """The hover fields every mark of a row shares."""
    return {
        "row": r.label,
        "dates": r.dates or "—",
        "figures": r.figures or "—",
        "sources": r.sources or "—",
        "conflicts": " | ".join(r.conflicts) or "none",
    }


def _span(first: date, last: date, min_ms: float) -> tuple[int, int]:
    """From the first day's start to the last day's end, never narrower than ``min_ms``."""
    a, b = epoch_ms(first), epoch_ms(last) + _DAY_MS
    return a, int(max(b, a + min_ms))


def _place(words: str, x: int, x2: int, lo: int, span_ms: int, width: int) -> dict[str, Any]:
    """Where a row's words go so they stay on the picture: from the bar's start when they
    fit, else ending at the bar's end, else from the axis's left edge."""
    need = len(words) * CHAR_PX * span_ms / width
    if x + need <= lo + span_ms:
        return {"x": x, "align": "left", "text": words}
    if x2 - need >= lo:
        return {"x": x2, "align": "right", "text": words}
    return {"x": lo, "align": "left", "text": words}


def _undated_words(r: Row, axis: bool) -> str:
    """What an undated row says instead of a bar (beside an axis: why it has none)."""
    if not axis:
        words = "undated"
    elif r.kind == "campaign_start":  # claimed in words no day can be drawn from
        words = f"undated: {r.dates}"
    else:
        words = "undated: no start date and no report date"
    if r.figures:
        words += f" · {r.figures}"
    if r.conflicts:
        words += f" · {plural(len(r.conflicts), 'conflict')}"
    return words


def chart_records(t: Timeline, width: int = PLOT_WIDTH) -> list[ChartRecords]:
    """Per operation, the records of each layer: bars (``BAR_MIN_PX`` at least), the
    campaign line, start claims, publication dots, the dates and figures written by each
    bar (placed by :func:`_place`), conflict badges and the undated rows' words."""
    out = []
    lo, hi = t.domain if t.domain is not None else (None, None)
    span_ms = (epoch_ms(hi) - epoch_ms(lo)) if lo and hi else 0
    min_ms = span_ms * BAR_MIN_PX / width
    for op in t.operations:
        rec = ChartRecords(op.title, op.subtitle, [r.label for r in op.rows])
        for r in op.rows:
            tip = _tip(r)
            if r.start is None or r.end is None or lo is None:
                words = _undated_words(r, lo is not None)
                rec.undated.append({**tip, "text": words, "disputed": bool(r.conflicts)})
                continue
            x, x2 = _span(r.start, r.end, min_ms)
            if r.kind == "phase":
                rec.bars.append(
                    {
                        **tip,
                        "x": x,
                        "x2": x2,
                        "legend": _BASIS_LEGEND[r.start_basis or "first_report"],
                        "end": END_REPORTED if r.end_reported else END_OPEN,
                        "disputed": bool(r.conflicts),
                    }
                )
            elif r.kind == "campaign":
                rec.campaign.append({**tip, "x": x, "x2": x2, "legend": CAMPAIGN})
            # a phase's claims are drawn only when they disagree
            disputed = r.kind == "phase" or bool(r.conflicts)
            for c in r.claims:
                a, b = _span(c.first, c.last, min_ms / 2)
                rec.claims.append(
                    {
                        **tip,
                        "x": a,
                        "x2": b,
                        "claim": f"{c.raw} ({c.source})",
                        "legend": DISAGREE if disputed else CLAIM,
                    }
                )
            for p in r.published:
                dot = {"x": epoch_ms(p.day), "report": f"{p.source}, {p.day}", "legend": PUBLISHED}
                rec.dots.append({**tip, **dot})
            words = " · ".join(w for w in (r.dates, r.figures) if w)
            rec.labels.append({**tip, **_place(words, x, x2, epoch_ms(lo), span_ms, width)})
            if r.conflicts:
                rec.badges.append({**tip, "x": x2, "n": len(r.conflicts), "legend": DISAGREE})
        out.append(rec)
    return out
