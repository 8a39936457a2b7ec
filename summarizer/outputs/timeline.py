"""Readable outputs of a consolidation: markdown, the timeline chart, pandas tables.

The chart (one row per phase on a time axis, conflicts in red, hover tooltips) is drawn
with Altair in :mod:`.timeline_chart` from the plain records of :mod:`.timeline_data`,
and exported to SVG or PNG with ``vl-convert``; both come with the ``notebook`` extra
and are imported only when a chart is drawn, as pandas is only when a table is asked
for (the ``tables`` extra).  The consolidation types carry no rendering (data does not
depend on presentation); :func:`register_formatters` teaches a notebook to show them.
"""

from __future__ import annotations

import contextlib
from collections import Counter
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
)
from summarizer.errors import ConfigError
from summarizer.outputs.timeline_chart import to_chart, to_png, to_svg, write_image
from summarizer.outputs.timeline_data import Timelines, timeline_data
from summarizer.outputs.timeline_data import operations as _operations
from summarizer.outputs.timeline_data import plain as _plain
from summarizer.outputs.timeline_data import plural as _n

if TYPE_CHECKING:
    import pandas

__all__ = [
    "Timelines",
    "conflicts_frame",
    "display_timeline",
    "phases_frame",
    "register_formatters",
    "timeline_data",
    "to_chart",
    "to_markdown",
    "to_png",
    "to_svg",
    "write_image",
]


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


def display_timeline(x: Consolidation | OperationTimeline) -> None:
    """Display a consolidation in a notebook: the interactive timeline chart (when the
    ``notebook`` extra is installed), then the markdown report."""
    from IPython import display as ipython_display

    shown: Any = ipython_display  # IPython ships no type hints
    with contextlib.suppress(ConfigError):  # altair is missing: the report alone
        shown.display(to_chart(x))
    shown.display(shown.Markdown(to_markdown(x)))


def register_formatters(shell: Any) -> None:
    """Show consolidations and operation timelines inline in an IPython shell with
    :func:`display_timeline`: the chart and the report are two outputs, so a front end shows both
    rather than picking one of two formats.  Registered by type name, so nothing is
    imported until one is displayed."""
    displayer = shell.display_formatter.ipython_display_formatter
    for name in ("Consolidation", "OperationTimeline"):
        displayer.for_type_by_name("summarizer.consolidate.models", name, display_timeline)
