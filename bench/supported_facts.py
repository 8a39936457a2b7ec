"""Facts marked supported whose quote states something else, and what the events
table counts as fatalities: recorded example reports, as recorded and re-checked.

    python bench/supported_facts.py [REPORT_DIR] [--manifest examples/manifest.json]

For each example page (``examples/manifest.json``; these are pages written for this
project, a regression check) it reads the recorded report (``examples/expected``)
and prints:

* ``as recorded``: outcomes stored with ``supported: true`` whose quote the current
  claim checks find contradicted (another category, a figure that counts another
  thing, a negation), by kind; and the events table's fatalities, summed;
* ``re-checked``: the same report validated again against its page with the current
  library (lenient pass: nothing is re-asked, flags are recomputed), the same counts,
  and the sum of killed figures whose quote states the killing.

A report recorded by the current library shows 0 in both rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.core import claims
from summarizer.core.ground import GroundingContext
from summarizer.core.schema import OperationReport
from summarizer.outputs import events

ROOT = Path(__file__).resolve().parent.parent


def _kind(reason: str) -> str:
    if "the quote says '" in reason:
        return "another category"
    if " counts " in reason:
        return "figure counts another thing"
    if "negated" in reason or "says no" in reason:
        return "negated"
    if "share the figure" in reason:
        return "figure shared by two actions"
    return "other"


def mislabelled(report: OperationReport) -> Counter[str]:
    """Outcomes flagged supported whose quote the claim checks contradict, by kind."""
    out: Counter[str] = Counter()
    for o in report.outcomes:
        if o.evidence.supported is not True:
            continue
        q = o.quantity
        values = claims.values_of(q.low, q.value, q.high) if q else ()
        v = claims.outcome(o.category, o.object, values, o.evidence.quote)
        if v.contradicted:
            out[_kind(v.reason)] += 1
    return out


def fatalities(report: OperationReport) -> tuple[int, int]:
    """(events table's fatalities, every killed figure whatever its support)."""
    counted = sum(events.fatalities(o) or 0 for o in report.outcomes)
    every = sum(events.killed_figure(o) or 0 for o in report.outcomes)
    return counted, every


def rechecked(data: dict[str, Any], article: str) -> OperationReport:
    ctx = GroundingContext(article, strict=False)
    return OperationReport.model_validate(data, context=ctx)


@dataclass
class _Row:
    kinds: Counter[str] = field(default_factory=Counter)
    counted: int = 0
    every: int = 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reports", nargs="?", default=str(ROOT / "examples" / "expected"))
    ap.add_argument("--manifest", default=str(ROOT / "examples" / "manifest.json"))
    args = ap.parse_args(argv)
    manifest = json.loads(Path(args.manifest).read_text(encoding="utf-8"))
    base = Path(args.manifest).parent
    rows = {"as recorded": _Row(), "re-checked": _Row()}
    for entry in manifest:
        page = base / entry["file"]
        report_path = Path(args.reports) / (page.stem + ".json")
        if not report_path.exists():
            print(f"missing report: {report_path}", file=sys.stderr)
            continue
        data = json.loads(report_path.read_text(encoding="utf-8"))
        article = page.read_text(encoding="utf-8")
        for label, report in (
            ("as recorded", OperationReport.model_validate(data)),
            ("re-checked", rechecked(data, article)),
        ):
            row = rows[label]
            row.kinds.update(mislabelled(report))
            counted, every = fatalities(report)
            row.counted += counted
            row.every += every
    print(
        f"set: {len(manifest)} example pages (written for this project), reports in {args.reports}"
    )
    head = "| reports | supported but contradicted | by kind | events fatalities | all killed |"
    print(head)
    print("|---|---|---|---|---|")
    for label, r in rows.items():
        detail = ", ".join(f"{k} {n}" for k, n in sorted(r.kinds.items())) or "—"
        print(f"| {label} | {sum(r.kinds.values())} | {detail} | {r.counted} | {r.every} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
