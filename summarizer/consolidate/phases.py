"""Which phase of its operation a report describes.

From the report's phase field, phase words in its label or name ("second phase"),
or, failing those, a start day shared with a phase; each inference is recorded as a
decision so the grouping can be checked.
"""

from __future__ import annotations

import re
from collections import defaultdict

from summarizer.consolidate.models import GroupingDecision
from summarizer.consolidate.sources import SourcedReport
from summarizer.core.schema import OperationReport

_ORDINAL_WORDS = (
    "first/one second/two third/three fourth/four fifth/five sixth/six seventh/seven "
    "eighth/eight ninth/nine tenth/ten"
)
_ORDINALS = {
    w: n for n, words in enumerate(_ORDINAL_WORDS.split(), start=1) for w in words.split("/")
}
_PHASE_RE = re.compile(r"\b(?:(\w+)\s+(?:phase|stage)|(?:phase|stage)\s+(\w+))\b", re.IGNORECASE)


def phase_of(r: OperationReport) -> tuple[int | None, str | None]:
    """The phase number and, when not the report's own field, where it came from."""
    if r.phase is not None:
        return r.phase, None
    for text in (r.phase_label, r.operation_name):
        if not text:
            continue
        for m in _PHASE_RE.finditer(text):
            word = re.sub(r"^(\d+)(?:st|nd|rd|th)$", r"\1", (m.group(1) or m.group(2)).casefold())
            n = int(word) if word.isdigit() else _ORDINALS.get(word)
            if n:
                return n, f"phase {n} read from {text!r}"
    return None, None


def assign_phases(
    items: list[SourcedReport], decisions: list[GroupingDecision], op_key: str
) -> dict[int | None, list[SourcedReport]]:
    """Reports by phase number (None: about the whole operation), appending a decision
    for every phase that was inferred rather than stated."""
    by_phase: dict[int | None, list[SourcedReport]] = defaultdict(list)
    unphased: list[SourcedReport] = []
    for sr in items:
        n, note = phase_of(sr.report)
        if n is None:
            unphased.append(sr)
            continue
        by_phase[n].append(sr)
        if note:
            decisions.append(
                GroupingDecision(
                    decision="phase",
                    rule="phase_words",
                    sources=[sr.stem],
                    reason=note,
                    operation=op_key,
                )
            )
    for sr in unphased:
        target = _phase_starting_with(sr, by_phase)
        by_phase[target].append(sr)
        if target is not None:
            start = sr.report.start_date.value if sr.report.start_date else ""
            decisions.append(
                GroupingDecision(
                    decision="phase",
                    rule="same_start_day",
                    sources=[sr.stem],
                    reason=f"no phase stated; starts {start}, the start day of phase {target}",
                    operation=op_key,
                )
            )
    return by_phase


def _phase_starting_with(
    sr: SourcedReport, by_phase: dict[int | None, list[SourcedReport]]
) -> int | None:
    """The one phase whose start day is this (phase-less) report's start day, if any."""
    d = sr.report.start_date
    if d is None or d.value is None:
        return None
    hits = [
        n
        for n, rs in by_phase.items()
        if n is not None
        and any(r.report.start_date and r.report.start_date.value == d.value for r in rs)
    ]
    return hits[0] if len(hits) == 1 else None
