"""The README's quality table: examples, MUC-4 subset, re3d, on one model.

    python bench/quality.py [--muc4-limit 50] [--re3d-limit 20] [--run-examples]

Examples are scored from their recorded reports (``examples/expected``, recorded on
the embedded model) unless ``--run-examples`` extracts them again through the cache;
MUC-4 and re3d run through :mod:`bench.muc4` and :mod:`bench.re3d` (cached, so a rerun
is instant).  Prints a markdown table to paste into the README and writes
bench/out/quality.json.  Judge every prompt or schema change by this table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import muc4
import re3d

from summarizer import Settings, Summarizer, evaluate

ROOT = Path(__file__).resolve().parent.parent


def examples(run: bool) -> evaluate.Summary:
    gold_dir = ROOT / "examples" / "gold"
    if not run:
        return evaluate.evaluate(gold_dir, ROOT / "examples" / "expected")
    manifest = {
        e["file"].split("/")[-1]: e["published"]
        for e in json.loads((ROOT / "examples" / "manifest.json").read_text())
    }
    preds: dict[str, Any] = {}
    with Summarizer(Settings()) as s:
        for stem, gold in evaluate.load_gold(gold_dir).items():
            article = (gold_dir.parent / gold.article).resolve()
            preds[stem] = s.summarize(article, published=manifest.get(article.name))
    return evaluate.evaluate(gold_dir, preds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--muc4-limit", type=int, default=50)
    ap.add_argument("--re3d-limit", type=int, default=20)
    ap.add_argument("--run-examples", action="store_true")
    args = ap.parse_args()
    ex = examples(args.run_examples)
    weakest = sorted(
        ((name, f.f1) for name, f in ex.fields.items() if f.f1 is not None), key=lambda t: t[1]
    )[:3]
    m = muc4.run(args.muc4_limit, verbose=False)
    r = re3d.run(args.re3d_limit, verbose=False)
    head, exact = m["scores"]["head"], m["scores"]["exact"]
    lines = [
        "| set | documents | measure | score |",
        "|---|---|---|---|",
        f"| examples (gold) | {ex.reports} | micro F1 / macro F1 | "
        f"{ex.overall.f1:.3f} / {ex.overall_macro_f1 or 0:.3f} |",
        f"| MUC-4 TST3+TST4 | {m['documents']} | role fillers, head noun: macro F1 (P / R) | "
        f"{head['macro']['F1']:.3f} ({head['macro']['P']:.3f} / {head['macro']['R']:.3f}) |",
        f"| MUC-4 TST3+TST4 | {m['documents']} | role fillers, exact: micro F1 | "
        f"{exact['micro']['F1']:.3f} |",
        f"| re3d (CENTCOM first) | {r['documents']} | entity recall among report facts | "
        f"{r['recall_overall']:.3f} |",
    ]
    print("\n".join(lines))
    print("weakest example fields: " + ", ".join(f"{n} {f:.3f}" for n, f in weakest))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "quality.json").write_text(
        json.dumps({"examples": evaluate.to_json(ex), "muc4": m, "re3d": r}, indent=2)
    )


if __name__ == "__main__":
    main()
