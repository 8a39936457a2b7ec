"""Human-readable renderings of a report (markdown for terminals, notes and tickets)."""

from __future__ import annotations

from summarizer.core.schema import DateFact, Evidence, OperationReport, Quantity


def _q(e: Evidence | None) -> str:
    """The quote, where it is, and a flag when it does not state the fact: an analyst
    must see which facts the article's words back, not only which quotes exist."""
    if e is None:
        return ""
    where = f" @{e.start}" if e.start is not None else " (not found in article)"
    flag = ""
    if e.start is not None and e.supported is False:
        reason = getattr(e, "support_reason", None)
        flag = f" **[unsupported: {reason}]**" if reason else " **[unsupported]**"
    return f' — "{e.quote}"{where}{flag}'


def _date(d: DateFact | None) -> str:
    if d is None:
        return "—"
    if d.precision == "day" and d.value:
        shown = d.value.isoformat()
    elif d.precision == "month" and d.year and d.month:
        shown = f"{d.year:04d}-{d.month:02d}"
    elif d.precision == "year" and d.year:
        shown = str(d.year)
    else:
        shown = "unresolved"
    return f"{shown} ({d.raw!r}, {d.precision})"


def _qty(q: Quantity | None) -> str:
    if q is None:
        return "—"
    if q.qualifier == "range":
        return f"{q.low:g}–{q.high:g} ({q.raw!r})"
    if q.value is not None:
        return f"{q.qualifier} {q.value:g} ({q.raw!r})"
    return repr(q.raw)


def to_markdown(r: OperationReport) -> str:
    lines: list[str] = []
    title = r.operation_name or "Unnamed operation"
    if r.phase:
        title += f" — phase {r.phase}"
    lines.append(f"## {title}")
    lines.append("")
    lines.append(f"*Relevance:* {r.relevance} · *Status:* {r.status}")
    if r.operation_evidence:
        lines.append(f"*Named in:*{_q(r.operation_evidence)}")
    lines.append(f"*Start:* {_date(r.start_date)} · *End:* {_date(r.end_date)}")
    if r.country:
        lines.append(f"*Country:* {r.country.name}")
    if r.area:
        lines.append(f"*Area (km²):* {_qty(r.area)}{_q(r.area.evidence)}")
    lines.append("")
    lines.append(f"> {r.summary}")

    def section(name: str, rows: list[str]) -> None:
        if rows:
            lines.append("")
            lines.append(f"### {name}")
            lines.extend(f"- {row}" for row in rows)

    section("Places", [f"{x.name} ({x.kind}){_q(x.evidence)}" for x in r.locations])
    section("Forces", [f"{x.name} — {x.category}, {x.role}{_q(x.evidence)}" for x in r.forces])
    section("Adversaries", [f"{x.name}{_q(x.evidence)}" for x in r.adversaries])
    section(
        "Officials",
        [
            f"{x.name} — {', '.join(p for p in (x.title, x.organization) if p) or 'no title'}"
            f" ({x.role}){_q(x.evidence)}"
            for x in r.officials
        ],
    )
    section(
        "Outcomes",
        [f"{x.category}: {_qty(x.quantity)} {x.object}{_q(x.evidence)}" for x in r.outcomes],
    )
    section("Objectives", [f"{x.text}{_q(x.evidence)}" for x in r.objectives])
    section("Sources", [f"{x.name}{_q(x.evidence)}" for x in r.sources])
    m = r.extraction
    if m is not None:
        lines.append("")
        share = "n/a" if m.grounded_share is None else f"{m.grounded_share:.0%}"
        lines.append(
            f"<sub>{m.model} · prompt {m.prompt_version} · schema {m.schema_version} · "
            f"grounded {share} · {m.usage.prompt_tokens}+{m.usage.completion_tokens} tokens · "
            f"{'cache hit' if m.cache_hit else f'{m.latency_s:.1f} s'}</sub>"
        )
        for w in m.warnings:
            lines.append(f"<sub>warning: {w}</sub>")
    return "\n".join(lines) + "\n"
