"""Readable outputs of a consolidation: markdown, an SVG timeline, pandas tables.

The SVG is written by hand (no plotting dependency): one row per phase on a time
axis, the campaign start claims above them, every disputed value in red with its
sources in a tooltip.  The consolidation types carry no rendering (data does not
depend on presentation); :func:`register_formatters` teaches a notebook to show them
inline.  pandas is imported only when a table is asked for (the ``tables`` extra).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from summarizer.consolidate.models import (
    Claim,
    Conflict,
    Consolidation,
    ForceRecord,
    MergedField,
    OperationTimeline,
    OutcomeEvent,
    PhaseRecord,
    day_span,
)
from summarizer.errors import ConfigError

if TYPE_CHECKING:
    import pandas

__all__ = ["conflicts_frame", "phases_frame", "register_formatters", "to_markdown", "to_svg"]

Timelines = Consolidation | OperationTimeline | Iterable[OperationTimeline]


def _operations(x: Timelines) -> list[OperationTimeline]:
    if isinstance(x, Consolidation):
        return list(x.operations)
    if isinstance(x, OperationTimeline):
        return [x]
    return list(x)


# --------------------------------------------------------------------------- markdown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _who(c: Claim) -> str:
    when = c.published.isoformat() if c.published else "undated"
    return f"{c.outlet or c.source} ({when})"


def _at(c: Claim) -> str:
    e = c.evidence
    if e is None:
        return ""
    if e.start is not None:
        where = f" @{e.start}–{e.end}"
    elif e.status == "unchecked":  # a report loaded without its article: never grounded
        where = " (quote not checked against the article)"
    else:
        where = " (quote not found in article)"
    if e.supported is False:
        where += " (the quote does not state this value)"
    return f' — "{e.quote}"{where}'


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _field(f: MergedField | None) -> str:
    if f is None:
        return "—"
    if f.agreed:
        return f.value or "—"
    values = " / ".join(
        dict.fromkeys(f"{c.value} ({c.raw!r}, {c.outlet or c.source})" for c in f.claims)
    )
    shown = f" → shown {f.value}" if f.value else ""
    return f"⚠ disputed: {values}{shown}"


def _dates(rec: PhaseRecord) -> str:
    start = _field(rec.start) if rec.start else "?"
    end = _field(rec.end) if rec.end else "open"
    return f"{start} → {end}"


def _force(f: ForceRecord) -> str:
    if f.participation == "took_part":
        return f.name
    if f.participation == "did_not_take_part":
        return f"~~{f.name}~~ (did not take part)"
    return f"{f.name} ⚠ disputed"


def _event(e: OutcomeEvent) -> str:
    figures = {c.source for c in e.claims if c.value != "no figure"}
    bare = {c.source for c in e.claims} - figures
    if e.agreed:
        text = f"{e.key} {e.value or 'no figure'}"
    else:
        values = dict.fromkeys(c.value for c in e.claims if c.value != "no figure")
        text = f"{e.key} ⚠ " + " / ".join(values)
    if len(figures) > 1:
        text += f" ({len(figures)} sources)"
    if bare and figures:
        text += f" (+{len(bare)} without a figure)"
    if e.scope == "cumulative":
        text += " (running total, not added)"
    return text


def _names(rec: PhaseRecord) -> str:
    out = []
    for p in rec.places:
        others = [v for v in p.variants if v != p.name]
        out.append(p.name + (f" ({', '.join(others)})" if others else ""))
    return ", ".join(out) or "—"


def _conflict_md(n: int, c: Conflict) -> list[str]:
    where = "campaign" if c.phase is None else f"phase {c.phase}"
    what = c.field.replace("_", " ") + (f" — {c.subject}" if c.subject else "")
    kind = "compatible but different" if c.compatible else "contradictory"
    lines = [f"{n}. **{where} · {what}** ({kind}): {c.explanation}"]
    for claim in c.claims:
        raw = f" ({claim.raw!r})" if claim.raw and claim.raw != claim.value else ""
        lines.append(f"   - {_who(claim)}: **{claim.value}**{raw}{_at(claim)}")
    if c.display is not None:
        lines.append(f"   - shown: **{c.display}** (policy {c.policy}, from {c.chosen_source})")
    else:
        lines.append("   - shown: nothing chosen (no policy)")
    return lines


def _timeline_md(op: OperationTimeline, level: int = 2) -> str:
    h = "#" * level
    lines = _header_md(op, h)
    lines += ["", f"{h}# Timeline", "", *_phases_md(op)]
    lines += ["", f"{h}# Totals (each event counted once, phases added)", "", *_totals_md(op)]
    lines += ["", f"{h}# Conflicts", ""]
    if op.conflicts:
        for i, conflict in enumerate(op.conflicts, start=1):
            lines.extend(_conflict_md(i, conflict))
    else:
        lines.append("None: every field the sources share agrees.")
    lines += ["", f"{h}# How the reports were grouped", ""]
    for d in op.decisions:
        by = "" if d.by == "rules" else f" [{d.by}{', cached' if d.cached else ''}]"
        lines.append(f"- {d.decision} ({d.rule}): {', '.join(d.sources)} — {d.reason}{by}")
    return "\n".join(lines) + "\n"


def _header_md(op: OperationTimeline, h: str) -> list[str]:
    """Title, how many reports and outlets over what days, every name used."""
    country = f" — {op.country.value}" if op.country and op.country.value else ""
    dates = sorted(s.published for s in op.sources if s.published)
    span = f"{dates[0]} → {dates[-1]}" if dates else "undated"
    outlets = {s.outlet or s.source for s in op.sources}
    policy = op.policy or "none (disputed values are not resolved)"
    lines = [
        f"{h} {op.name}{country}",
        "",
        f"*{_n(len(op.sources), 'report')} from {_n(len(outlets), 'outlet')}, published "
        f"{span} · {_n(len(op.conflicts), 'conflict')} · display policy: {policy}*",
        "",
    ]
    variants: list[str] = []
    for name in op.names:
        counts = Counter(c.value for c in name.claims)
        note = f", {name.kind}" if name.kind else ""
        variants.extend(f'"{v}" ({_n(counts[v], "report")}{note})' for v in name.variants)
    lines.append(f"**Named:** {', '.join(variants) or 'no name'}")
    if op.campaign_start is not None:
        lines.append(f"**Campaign start:** {_field(op.campaign_start)}")
    return lines


def _phases_md(op: OperationTimeline) -> list[str]:
    lines = [
        "| phase | dates | places | forces | outcomes | sources | conflicts |",
        "|---|---|---|---|---|---|---|",
    ]
    for rec in op.phases:
        row = [
            rec.label,
            _dates(rec),
            _names(rec),
            ", ".join(_force(f) for f in rec.forces) or "—",
            "; ".join(_event(e) for e in rec.outcomes) or "—",
            ", ".join(s.outlet or s.source for s in rec.sources),
            str(len(rec.conflicts)) if rec.conflicts else "—",
        ]
        lines.append("| " + " | ".join(_cell(x) for x in row) + " |")
    areas = [r for r in op.phases if r.area is not None]
    if areas:
        lines.append("")
        lines.append(
            "Area covered (km²): " + "; ".join(f"{r.label}: {_field(r.area)}" for r in areas)
        )
    return lines


def _totals_md(op: OperationTimeline) -> list[str]:
    """Totals added over phases, then running totals as reported (never added)."""
    lines: list[str] = []
    if op.totals:
        lines.append("| outcome | total | how |")
        lines.append("|---|---|---|")
        for t in op.totals:
            total = t.display + (f" → {t.policy_display} ({op.policy})" if t.policy_display else "")
            lines.append(f"| {_cell(t.key)} | {_cell(total)} | {_cell(t.note)} |")
    else:
        lines.append("No outcome figures.")
    if op.reported_totals:
        lines.append("")
        lines.append("Running totals as reported (shown, never added):")
        for e in op.reported_totals:
            for c in e.claims:
                lines.append(f"- {e.key}: **{c.value}** — {_who(c)}{_at(c)}")
    return lines


def to_markdown(x: Timelines) -> str:
    """A readable report: per operation its names, phase table, totals, conflicts
    with every source's quote, and the grouping decisions."""
    if isinstance(x, OperationTimeline):
        return _timeline_md(x)
    ops = _operations(x)
    parts = [f"# Consolidated operations ({len(ops)})\n"]
    parts.extend(_timeline_md(op) for op in ops)
    if isinstance(x, Consolidation):
        other = [d for d in x.decisions if d.decision in ("excluded", "candidate")]
        if other:
            parts.append("## Not grouped\n")
            parts.extend(
                f"- {d.decision} ({d.rule}): {', '.join(d.sources)} — {d.reason}\n" for d in other
            )
        if x.set_aside:
            parts.append("## Set aside: facts whose quote does not back them\n")
            parts.append(
                "".join(
                    f"- {a.source}: {a.field} {a.value!r} — {a.reason.replace('_', ' ')}"
                    + (f": “{a.evidence.quote[:80]}”" if a.evidence else "")
                    + "\n"
                    for a in x.set_aside
                )
            )
    return "\n".join(parts)


# --------------------------------------------------------------------------- svg

_W = 980
_LEFT = 200
_RIGHT = 40
_ROW = 58
_RED = "#c62828"
_BAR = "#4a78a8"
#: average glyph width at 11 px, to keep labels inside the picture
_CHAR_W = 5.8


def _field_span(f: MergedField | None) -> list[tuple[date, date]]:
    if f is None:
        return []
    return [s for s in (day_span(c) for c in f.claims) if s is not None]


class _Axis:
    def __init__(self, days: list[date]) -> None:
        lo, hi = min(days), max(days)
        self.lo = lo - timedelta(days=7)
        self.hi = max(hi + timedelta(days=7), self.lo + timedelta(days=30))

    def x(self, d: date) -> float:
        span = (self.hi - self.lo).days
        return _LEFT + (d - self.lo).days / span * (_W - _LEFT - _RIGHT)


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _text(x: float, y: float, s: str, **attrs: Any) -> str:
    extra = " ".join(f'{k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" {extra}>{escape(s)}</text>'


def _fit(x: float, s: str) -> tuple[float, str]:
    """Move a label left (not before the axis) and shorten it so it stays inside."""
    room = _W - 8 - _LEFT
    if len(s) * _CHAR_W > room:
        s = s[: int(room / _CHAR_W) - 1] + "…"
    return max(_LEFT, min(x, _W - 8 - len(s) * _CHAR_W)), s


def _tooltip(items: Iterable[str]) -> str:
    return "<title>" + escape("\n".join(items)) + "</title>"


def _badge(x: float, y: float, n: int, tips: list[str]) -> str:
    return (
        f'<g><circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{_RED}"/>'
        + _text(x, y + 4, str(n), fill="white", text_anchor="middle", font_weight="bold")
        + _tooltip(tips)
        + "</g>"
    )


def _plain(f: MergedField) -> str:
    if f.agreed:
        return f.value or ""
    return " / ".join(dict.fromkeys(c.value for c in f.claims))


def _row_summary(rec: PhaseRecord) -> str:
    bits = []
    if rec.area is not None:
        bits.append(("area " if rec.area.agreed else "area disputed: ") + _plain(rec.area))
    for e in rec.outcomes:
        if e.scope == "phase" and e.agreed:
            bits.append(f"{e.key} {e.value}")
        elif e.scope == "phase":
            bits.append(
                f"{e.key} disputed: " + " / ".join(dict.fromkeys(c.value for c in e.claims))
            )
    disputed = [f.name for f in rec.forces if f.participation == "disputed"]
    if disputed:
        bits.append("participation disputed: " + ", ".join(disputed))
    return " · ".join(bits)


def _days_of(op: OperationTimeline) -> list[date]:
    days: list[date] = [s.published for s in op.sources if s.published]
    for rec in op.phases:
        for f in (rec.start, rec.end):
            for a, b in _field_span(f):
                days += [a, b]
    for a, b in _field_span(op.campaign_start):
        days += [a, b]
    return days


def _first_report(rec: PhaseRecord) -> date | None:
    published = [s.published for s in rec.sources if s.published]
    return min(published) if published else None


def _bar_end(rec: PhaseRecord, nxt: PhaseRecord | None) -> tuple[date | None, bool]:
    """Where a phase's bar ends and whether that end is reported (else open): the
    reported end, else the next phase's start (claimed, or its first report), else the
    phase's last report."""
    ends = _field_span(rec.end)
    if ends:
        return max(b for _, b in ends), True
    if nxt is not None:
        starts = _field_span(nxt.start)
        if starts:
            return min(a for a, _ in starts), False
        first = _first_report(nxt)
        if first is not None:
            return first, False
    published = [s.published for s in rec.sources if s.published]
    return (max(published), False) if published else (None, False)


def _dates_text(rec: PhaseRecord) -> str:
    """The phase's dates in words: what the sources claim, or when it was first reported."""
    if rec.start is not None:
        start = _plain(rec.start) + ("" if rec.start.agreed else " (disputed)")
    else:
        first = _first_report(rec)
        start = f"first reported {first.isoformat()}" if first else "undated"
    end = (_plain(rec.end) + ("" if rec.end.agreed else " (disputed)")) if rec.end else "open"
    return f"{start} → {end}"


#: narrowest bar, in pixels: a one-day phase on a months-long axis stays visible
_MIN_BAR = 14
#: height of the legend under the rows
_LEGEND_H = 62
#: the message drawn instead of an axis when nothing has a date, one line each
_UNDATED = (
    "No dates: these reports state no date and have no publication date, so the phases "
    "are listed without a time axis.",
    "To place them in time, summarize with --published or consolidate with --manifest.",
)


def to_svg(x: Timelines) -> str:
    """Phases on a time axis: a bar per phase (pale where its start is known only to the
    month or not at all, dashed where its end is not reported, never narrower than
    ``_MIN_BAR``) with its dates written under it, start claims as ticks (red when
    sources disagree), report dates as grey dots, a red badge with the number of
    conflicts, a legend; every mark has a hover title.  Reports with no date at all get
    one message and a plain list of phases, not an axis over an invented month."""
    ops = _operations(x)
    days = [d for op in ops for d in _days_of(op)]
    axis = _Axis(days) if days else None
    rows = sum(len(op.phases) + (1 if op.campaign_start else 0) + 1 for op in ops)
    top = 44.0 if axis is not None else 48.0
    height = int(top + 6 + rows * _ROW + (_LEGEND_H if axis is not None else 10))
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{height}" '
        f'viewBox="0 0 {_W} {height}" font-family="Helvetica, Arial, sans-serif" '
        'font-size="12">',
        "<title>" + escape(", ".join(op.name for op in ops) or "Operations") + " timeline</title>",
        f'<rect x="0" y="0" width="{_W}" height="{height}" fill="white"/>',
    ]
    if axis is not None:
        out.extend(_month_grid(axis, height - _LEGEND_H + 4))
    else:
        out.extend(
            _text(10, 22 + 16 * i, line, fill="#8a4b00", font_weight="bold" if i == 0 else "normal")
            for i, line in enumerate(_UNDATED)
        )
    y = top
    for op in ops:
        country = f" — {op.country.value}" if op.country and op.country.value else ""
        n = len(op.conflicts)
        out.append(_text(10, y + 20, op.name + country, font_weight="bold", font_size="14"))
        names = ", ".join(v for rec in op.names for v in rec.variants)
        sub = f"{_n(len(op.sources), 'report')} · {_n(n, 'conflict')}"
        sub += f" · named {names}" if names else ""
        out.append(_text(10, y + 38, _fit(10, sub)[1] if len(sub) > 150 else sub, fill="#555"))
        y += _ROW
        if op.campaign_start is not None:
            out.extend(_claims_row(axis, y, "Campaign start", op.campaign_start, op))
            y += _ROW
        phased = any(p.phase is not None for p in op.phases)
        for i, rec in enumerate(op.phases):
            if rec.phase is None and phased:
                out.extend(_campaign_row(axis, y, rec, days))
            else:
                nxt = next((p for p in op.phases[i + 1 :] if p.phase is not None), None)
                out.extend(_phase_row(axis, y, rec, nxt, op))
            y += _ROW
    if axis is not None:
        out.extend(_legend(height - _LEGEND_H + 10))
    out.append("</svg>")
    return "\n".join(out)


def _month_grid(axis: _Axis, bottom: float) -> list[str]:
    """A line and a label at each month start the axis covers."""
    out: list[str] = []
    month = date(axis.lo.year, axis.lo.month, 1)
    while month <= axis.hi:
        if month >= axis.lo or axis.x(axis.lo) + 60 < axis.x(_next_month(month)):
            mx = axis.x(max(month, axis.lo))
            out.append(
                f'<line x1="{mx:.1f}" y1="34" x2="{mx:.1f}" y2="{bottom:.1f}" stroke="#e3e3e3"/>'
            )
            if mx + 56 < _W:
                out.append(_text(mx + 3, 28, month.strftime("%b %Y"), fill="#555"))
        month = _next_month(month)
    return out


def _legend(y: float) -> list[str]:
    """What each mark means, drawn with the marks themselves (hover for more)."""
    items: list[tuple[str, str, str]] = [
        (
            f'<rect x="0" y="-9" width="26" height="12" rx="3" fill="{_BAR}" fill-opacity="0.85"/>',
            "phase, start reported to the day",
            "a bar from the phase's start to its end",
        ),
        (
            f'<rect x="0" y="-9" width="26" height="12" rx="3" fill="{_BAR}" '
            f'fill-opacity="0.3" stroke="{_BAR}"/>',
            "start known to the month, or from the first report",
            "pale where the start is not known to the day",
        ),
        (
            f'<rect x="0" y="-9" width="26" height="12" rx="3" fill="{_BAR}" '
            f'fill-opacity="0.3" stroke="{_BAR}" stroke-dasharray="5 3"/>',
            "end not reported",
            "dashed: drawn to the next phase's start or the last report",
        ),
        (
            '<line x1="6" y1="-12" x2="6" y2="5" stroke="#222" stroke-width="2"/>',
            "start claim",
            "one source's start date",
        ),
        (
            f'<line x1="6" y1="-12" x2="6" y2="5" stroke="{_RED}" stroke-width="2"/>',
            "sources disagree",
            "start claims that differ",
        ),
        (
            '<circle cx="6" cy="-3" r="3" fill="#888"/>',
            "report published",
            "one dot per report, on its publication date",
        ),
        (
            f'<rect x="0" y="-12" width="18" height="18" rx="9" fill="{_RED}"/>'
            + _text(9, 1, "n", fill="white", text_anchor="middle", font_weight="bold"),
            "conflicts (hover a badge for why)",
            "the number of disagreements between sources in that row",
        ),
    ]
    out = [f'<g id="legend" font-size="11" fill="#444" transform="translate(10 {y:.1f})">']
    x, row = 0.0, 0
    for mark, words, tip in items:
        width = 34 + len(words) * _CHAR_W + 22
        if x + width > _W - 20:
            x, row = 0.0, row + 1
        out.append(
            f'<g transform="translate({x:.1f} {row * 24})">{mark}'
            + _text(34 if "rect" in mark[:6] else 20, 1, words)
            + _tooltip([tip])
            + "</g>"
        )
        x += width if "rect" in mark[:6] else width - 14
    out.append("</g>")
    return out


def _label(y: float, title: str, sub: str) -> list[str]:
    return [
        _text(10, y + 20, title, fill="#222"),
        _text(10, y + 35, sub, fill="#777", font_size="10"),
    ]


def _dots(axis: _Axis, y: float, rec: PhaseRecord) -> list[str]:
    out = []
    for s in rec.sources:
        if s.published:
            out.append(
                f'<g><circle cx="{axis.x(s.published):.1f}" cy="{y:.1f}" r="3" fill="#888"/>'
                + _tooltip([f"{s.outlet or s.source}, published {s.published}"])
                + "</g>"
            )
    return out


def _claims_row(
    axis: _Axis | None, y: float, label: str, f: MergedField, op: OperationTimeline
) -> list[str]:
    out = _label(y, label, "agreed" if f.agreed else "sources disagree")
    color = "#333" if f.agreed else _RED
    placed: list[float] = []
    for c in f.claims:
        span = day_span(c) if axis is not None else None
        tip = _tooltip([f"{c.outlet or c.source}: {c.value} ({c.raw!r})"])
        if axis is None or span is None:
            words = f"{c.raw or c.value} ({c.outlet or c.source})"
            tx, text = _fit(_LEFT + 160 * len(placed), words)
            placed.append(tx)
            out.append(f"<g>{_text(tx, y + 20, text, fill=color, font_size='11')}{tip}</g>")
            continue
        a, b = axis.x(span[0]), axis.x(span[1])
        if b - a < 3:
            out.append(
                f'<g><line x1="{a:.1f}" y1="{y + 6}" x2="{a:.1f}" y2="{y + 28}" '
                f'stroke="{color}" stroke-width="2"/>{tip}</g>'
            )
        else:
            out.append(
                f'<g><rect x="{a:.1f}" y="{y + 10}" width="{b - a:.1f}" height="14" '
                f'fill="{color}" fill-opacity="0.18" stroke="{color}"/>{tip}</g>'
            )
        ly = y + 40 + 11 * sum(1 for p in placed if abs(p - a) < 120)
        placed.append(a)
        tx, text = _fit(a + 2, f"{c.raw or c.value} ({c.outlet or c.source})")
        out.append(_text(tx, ly, text, fill=color, font_size="10"))
    if f.conflict:
        conflict = op.conflict(f.conflict)
        tips = [conflict.explanation] if conflict else []
        out.append(_badge(_W - _RIGHT + 14, y + 17, 1, tips))
    return out


def _campaign_row(axis: _Axis | None, y: float, rec: PhaseRecord, days: list[date]) -> list[str]:
    """Reports about the whole campaign: a thin line from their start to the last report."""
    n = len(rec.sources)
    out = _label(y, "Whole campaign", f"{n} report{'s' if n != 1 else ''} without a phase")
    totals = [f"{e.key} {e.value} (running total)" for e in rec.outcomes if e.value]
    if axis is None:
        if totals:
            tx, text = _fit(_LEFT, " · ".join(totals))
            out.append(_text(tx, y + 20, text, fill="#333", font_size="11"))
        return out
    starts = _field_span(rec.start)
    first = min(a for a, _ in starts) if starts else min(days)
    a, b = axis.x(first), axis.x(max(days))
    out.append(
        f'<line x1="{a:.1f}" y1="{y + 16}" x2="{b:.1f}" y2="{y + 16}" stroke="#999" '
        'stroke-width="2" stroke-dasharray="2 3"/>'
    )
    if totals:
        tx, text = _fit(a, " · ".join(totals))
        out.append(_text(tx, y + 44, text, fill="#333", font_size="11"))
    return out + _dots(axis, y + 16, rec)


def _phase_tip(rec: PhaseRecord, summary: str) -> str:
    """The hover title of a phase's bar: label, dates, sources, figures."""
    outlets = ", ".join(
        f"{s.outlet or s.source}" + (f" ({s.published})" if s.published else "")
        for s in rec.sources
    )
    lines = [f"{rec.label}: {_dates_text(rec)}", f"sources: {outlets}"]
    if summary:
        lines.append(summary)
    if rec.conflicts:
        lines.append(_n(len(rec.conflicts), "conflict"))
    return _tooltip(lines)


def _phase_row(
    axis: _Axis | None,
    y: float,
    rec: PhaseRecord,
    nxt: PhaseRecord | None,
    op: OperationTimeline,
) -> list[str]:
    n = len(rec.sources)
    out = _label(y, rec.label, f"{n} source{'s' if n != 1 else ''}")
    summary = _row_summary(rec)
    tips = [c.explanation for c in op.conflicts if c.id in rec.conflicts]
    starts = _field_span(rec.start)
    start = min(a for a, _ in starts) if starts else _first_report(rec)
    if axis is None or start is None:
        # no time axis, or no date for this row: the phase listed with its figures
        words = " · ".join(x for x in ("undated" if axis is not None else "", summary) if x)
        if words:
            tx, text = _fit(_LEFT, words)
            out.append(
                f"<g>{_text(tx, y + 20, text, fill='#555', font_size='11')}"
                f"{_phase_tip(rec, summary)}</g>"
            )
        if rec.conflicts:
            out.append(_badge(_W - _RIGHT + 14, y + 16, len(rec.conflicts), tips))
        return out
    end, reported_end = _bar_end(rec, nxt)
    end = max(end or start, start)
    a, b = axis.x(start), max(axis.x(end), axis.x(start) + _MIN_BAR)
    b = min(b, _W - _RIGHT + 4)
    a = min(a, b - _MIN_BAR)
    stroke = _RED if rec.conflicts else _BAR
    dash = "" if reported_end else ' stroke-dasharray="5 3"'
    # solid from the first day the start is known to the day; pale before that
    certain = max(s for s, e in starts if s == e) if any(s == e for s, e in starts) else None
    solid_from = (
        axis.x(certain) if certain else (axis.x(min(e for _, e in starts)) if starts else b)
    )
    solid_from = min(max(solid_from, a), b)
    bar = (
        f'<rect x="{a:.1f}" y="{y + 8}" width="{b - a:.1f}" height="16" rx="3" '
        f'fill="{_BAR}" fill-opacity="0.3" stroke="{stroke}" '
        f'stroke-width="{2 if rec.conflicts else 1}"{dash}/>'
    )
    if b - solid_from > 0:
        bar += (
            f'<rect x="{solid_from:.1f}" y="{y + 8}" width="{b - solid_from:.1f}" '
            f'height="16" fill="{_BAR}" fill-opacity="0.85"/>'
        )
    out.append(f'<g class="phase">{bar}{_phase_tip(rec, summary)}</g>')
    if rec.start is not None:
        color = "#222" if rec.start.agreed else _RED
        for c in rec.start.claims:
            span = day_span(c)
            if span is not None:
                tx = axis.x(span[0])
                out.append(
                    f'<g><line x1="{tx:.1f}" y1="{y + 4}" x2="{tx:.1f}" y2="{y + 28}" '
                    f'stroke="{color}" stroke-width="2"/>'
                    + _tooltip([f"start per {c.outlet or c.source}: {c.value} ({c.raw!r})"])
                    + "</g>"
                )
    line = " · ".join(x for x in (_dates_text(rec), summary) if x)
    tx, text = _fit(a, line)
    out.append(_text(tx, y + 44, text, fill="#333", font_size="11"))
    if rec.conflicts:
        out.append(_badge(min(b + 14, _W - _RIGHT + 14), y + 16, len(rec.conflicts), tips))
    return out + _dots(axis, y + 31, rec)


# --------------------------------------------------------------------------- tables


def _frame(rows: list[dict[str, Any]]) -> pandas.DataFrame:
    """A DataFrame of the rows, phase as a nullable integer (None: the whole campaign)."""
    try:
        import pandas
    except ImportError:
        raise ConfigError(
            'DataFrame export needs pandas: pip install "operation-summarizer[tables]"'
        ) from None
    frame = pandas.DataFrame(rows)
    if len(frame):
        frame["phase"] = frame["phase"].astype("Int64")
    return frame


def phases_frame(x: Timelines) -> pandas.DataFrame:
    """One row per operation and phase (ordered as on the timeline)."""
    rows = []
    for op in _operations(x):
        for rec in op.phases:
            rows.append(
                {
                    "operation": op.key,
                    "operation_name": op.name,
                    "phase": rec.phase,
                    "label": rec.label,
                    "start": _plain(rec.start) if rec.start else None,
                    "end": _plain(rec.end) if rec.end else None,
                    "status": rec.status,
                    "area_km2": _plain(rec.area) if rec.area else None,
                    "places": [p.name for p in rec.places],
                    "forces": [f.name for f in rec.forces if f.participation == "took_part"],
                    "forces_disputed": [
                        f.name for f in rec.forces if f.participation == "disputed"
                    ],
                    "outcomes": {e.key: e.value for e in rec.outcomes if e.scope == "phase"},
                    "sources": len(rec.sources),
                    "outlets": [s.outlet or s.source for s in rec.sources],
                    "conflicts": len(rec.conflicts),
                }
            )
    return _frame(rows)


def conflicts_frame(x: Timelines) -> pandas.DataFrame:
    """One row per conflicting claim: the conflict, the source, its value and quote."""
    rows = []
    for op in _operations(x):
        for c in op.conflicts:
            for claim in c.claims:
                e = claim.evidence
                rows.append(
                    {
                        "conflict": c.id,
                        "operation": op.key,
                        "phase": c.phase,
                        "field": c.field,
                        "subject": c.subject,
                        "compatible": c.compatible,
                        "source": claim.source,
                        "outlet": claim.outlet,
                        "published": claim.published,
                        "value": claim.value,
                        "raw": claim.raw,
                        "quote": e.quote if e else None,
                        "start": e.start if e else None,
                        "end": e.end if e else None,
                        "shown": c.display,
                        "policy": c.policy,
                    }
                )
    return _frame(rows)


# --------------------------------------------------------------------------- notebooks


def register_formatters(shell: Any) -> None:
    """Show consolidations and operation timelines inline in an IPython shell: the
    markdown report and the SVG timeline, registered by type name so nothing is
    imported until one is displayed."""
    formatters = shell.display_formatter.formatters
    for name in ("Consolidation", "OperationTimeline"):
        formatters["text/markdown"].for_type_by_name(
            "summarizer.consolidate.models", name, to_markdown
        )
        formatters["image/svg+xml"].for_type_by_name("summarizer.consolidate.models", name, to_svg)
