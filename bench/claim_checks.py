"""Precision and recall of the claim checks on the labelled claim set.

    python bench/claim_checks.py [--show-errors] [--set FILE ...]

Reads the labelled claim sets (sentences from this project's example pages, written
for the sets, and re3d press-release sentences read by offset from
../shared/evaldata/re3d) and runs :mod:`summarizer.core.claims` on each case:
tests/data/claims.jsonl (200 cases, the development set the checks were built on)
and tests/data/claims_heldout.jsonl (133 cases written blind to the checks, first
measured after they were built).
"Positive" is a check that says the sentence states the fact: precision is the
share of passed facts that the gold says are stated; recall the share of stated
facts that pass.  Printed per fact type and for the whole set.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.claim_cases import load_cases, verdict  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--set", nargs="*", default=[str(p) for p in SETS])
    args = ap.parse_args(argv)
    for path in args.set:
        report(Path(path), args.show_errors)
    return 0


SETS = (ROOT / "tests" / "data" / "claims.jsonl", ROOT / "tests" / "data" / "claims_heldout.jsonl")


def report(path: Path, show_errors: bool) -> None:
    """Print the precision/recall table of one set."""
    counts: dict[str, Counter[str]] = {}
    skipped = 0
    for case in load_cases(path):
        if case.skipped:
            skipped += 1
            continue
        v = verdict(case)
        gold = case.expect == "pass"
        key = ("t" if v.ok == gold else "f") + ("p" if v.ok else "n")
        for group in (case.type, "all"):
            counts.setdefault(group, Counter())[key] += 1
        if show_errors and v.ok != gold:
            print(f"{case.id} {case.type} expect={case.expect} got={v.ok}: {v.reason}")
            print(f"    fact={case.fact}  why={case.why}")
            print(f"    {case.quote[:220]}")
    print(f"\n| set: {path.relative_to(ROOT)} | cases | precision | recall | accuracy |")
    print("|---|---|---|---|---|")
    for group in [*sorted(k for k in counts if k != "all"), "all"]:
        c = counts[group]
        n = sum(c.values())
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        acc = (c["tp"] + c["tn"]) / n if n else 0.0
        print(f"| {group} | {n} | {p:.3f} | {r:.3f} | {acc:.3f} |")
    if skipped:
        print(f"({skipped} re3d cases skipped: ../shared/evaldata/re3d is absent)")


if __name__ == "__main__":
    raise SystemExit(main())
