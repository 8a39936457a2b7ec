"""The evaluator's figures for people (:func:`render_table`) and for tracking (:func:`to_json`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from summarizer.evaluate.scoring import Summary


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def render_table(summary: Summary) -> str:
    """Plain-text table for a terminal: list fields, then scalars, traps and grounding."""
    header = ("field", "P", "R", "F1", "F1 macro", "support")
    rows: list[tuple[str, ...]] = [header]
    for name, f in [*summary.fields.items(), ("overall", summary.overall)]:
        macro = summary.overall_macro_f1 if name == "overall" else f.macro_f1
        rows.append(
            (name, _fmt(f.precision), _fmt(f.recall), _fmt(f.f1), _fmt(macro), str(f.support))
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    out = [line(rows[0]), line(["-" * w for w in widths])]
    out += [line(r) for r in rows[1:-1]]
    out += [line(["-" * w for w in widths]), line(rows[-1]), ""]
    scalar_rows = [("scalar", "accuracy", "n")] + [
        (name, _fmt(r.accuracy), str(r.total))
        for name, r in [*summary.scalars.items(), ("force_role", summary.force_role)]
    ]
    sw = [max(len(r[i]) for r in scalar_rows) for i in range(3)]
    for i, r in enumerate(scalar_rows):
        out.append(f"{r[0].ljust(sw[0])}  {r[1].rjust(sw[1])}  {r[2].rjust(sw[2])}".rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in sw))
    out.append("")
    out.append(f"reports: {summary.reports} ({summary.missing} missing)")
    out.append(f"mean grounded share: {_fmt(summary.grounded_share)}")
    out.append(f"trap violations: {summary.trap_violations}")
    for article, notes in summary.traps.items():
        out += [f"  {article}: {note}" for note in notes]
    return "\n".join(out) + "\n"


def to_json(summary: Summary) -> dict[str, Any]:
    """JSON-ready form of a summary, for tracking scores across runs."""
    return summary.model_dump(mode="json")
