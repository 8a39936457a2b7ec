"""Outcome tallies read by the parse alone, against gold: is the text's proposal good?

    python bench/candidates.py

For each set — the re3d development set (bench/gold/re3d, third-party press releases,
texts read by path from ../shared/evaldata/re3d) and the seven example pages
(examples/gold; pages written for this project, a regression check) — it reads every
"<verb> <figure> <noun>" tally with :func:`summarizer.pipeline.candidates.tallies`
(no model), scores them as the report's ``outcomes`` with the library's scorer
(:func:`summarizer.evaluate.scoring.score_report`: category, number and object must
match, one to one), and prints micro precision, recall and F1 beside the recorded
reports of the embedded model where they exist (examples/expected).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import DATA, GOLD, load_docs

from summarizer.core.ground import GroundingContext
from summarizer.core.schema import OperationReport
from summarizer.evaluate.gold import Gold
from summarizer.evaluate.scoring import FieldScore, score_report
from summarizer.pipeline.candidates import tallies

ROOT = Path(__file__).resolve().parent.parent


def as_report(text: str) -> OperationReport:
    """The tallies of ``text`` as a report's outcomes (grounded: each quote is its sentence)."""
    outcomes = [
        {
            "category": t.category,
            "object": t.object,
            "quantity": t.figure,
            "evidence": text[t.start : t.end],
        }
        for t in tallies(text)
    ]
    data = {"relevance": "operation_report", "summary": "", "outcomes": outcomes}
    return OperationReport.model_validate(data, context=GroundingContext(text, strict=False))


def _pooled(scores: list[FieldScore]) -> str:
    tp, fp, fn = (sum(getattr(s, k) for s in scores) for k in ("tp", "fp", "fn"))
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"{p:.3f} | {r:.3f} | {f:.3f} | {tp} | {fp} | {fn}"


def re3d() -> list[FieldScore]:
    out = []
    for doc in load_docs(DATA, GOLD):
        if doc.gold is None:
            continue
        gold = Gold.model_validate(doc.gold)
        out.append(score_report(as_report(doc.text), gold).fields["outcomes"])
    return out


def examples() -> tuple[list[FieldScore], list[FieldScore]]:
    manifest = json.loads((ROOT / "examples" / "manifest.json").read_text(encoding="utf-8"))
    ours, recorded = [], []
    for entry in manifest:
        page = ROOT / "examples" / entry["file"]
        gold_path = ROOT / "examples" / "gold" / f"{page.stem}.json"
        gold = Gold.model_validate_json(gold_path.read_text(encoding="utf-8"))
        ours.append(
            score_report(as_report(page.read_text(encoding="utf-8")), gold).fields["outcomes"]
        )
        expected = ROOT / "examples" / "expected" / f"{page.stem}.json"
        if expected.exists():
            rep = OperationReport.model_validate_json(expected.read_text(encoding="utf-8"))
            recorded.append(score_report(rep, gold).fields["outcomes"])
    return ours, recorded


def main() -> int:
    started = time.perf_counter()
    r3 = re3d()
    ex, rec = examples()
    took = time.perf_counter() - started
    print("outcome tallies, micro over documents (category + number + object, one to one)")
    print("| set | system | precision | recall | F1 | tp | fp | fn |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| re3d dev set ({len(r3)} docs) | parse tallies (no model) | {_pooled(r3)} |")
    print(f"| 7 example pages (ours) | parse tallies (no model) | {_pooled(ex)} |")
    if rec:
        print(f"| 7 example pages (ours) | recorded reports, embedded model | {_pooled(rec)} |")
    print(f"({took:.1f} s for both sets, spaCy load included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
