"""How long cleaning takes on a 5 MB page of many stories and on one 5 MB line with no
newline (the two shapes that would show a quadratic step).

    python bench/clean_speed.py

Prints seconds per shape, the best of three; nothing is asserted (a timing on a shared
two-core machine is a benchmark, not a test).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.pipeline.cleaning import clean_page  # noqa: E402

EXAMPLES = ROOT / "examples"


def big_page(target: int = 5_000_000) -> str:
    manifest = json.loads((EXAMPLES / "manifest.json").read_text(encoding="utf-8"))
    pages = [(EXAMPLES / entry["file"]).read_text(encoding="utf-8") for entry in manifest]
    chunks: list[str] = []
    size = n = 0
    while size < target:
        page = pages[n % len(pages)].replace("2025", str(1000 + n))
        chunks.append(page)
        size += len(page)
        n += 1
    return "".join(chunks)


def best_of(text: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        clean_page(text)
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    page = big_page()
    line = "word " * 1_000_000
    print(f"5 MB page of stories ({len(page):,} chars): {best_of(page):.2f} s")
    print(f"one 5 MB line ({len(line):,} chars): {best_of(line):.2f} s")


if __name__ == "__main__":
    main()
