"""Second stories glued to a page: does cleaning set them aside (issues #14 and #18)?

    python bench/second_story.py [--seed 14] [--data DIR] [--gold DIR] [--json] [--show ID]

Runs the library's ``clean_page`` (no model) on the page-shaped re3d variants of
:mod:`pages` (each a real press release with a second, unrelated real release glued
after it, with its own headline/caption block) and on the seven example pages.

For each variant, over the visible characters of the second document's text (its
``second_span``; white space aside):

* **set aside entirely** when none reaches the main story (the text the model reads);
* **partially** when some do and some do not;
* **not at all** when all of them do.

It also prints the share of the *first* document's visible characters missing from the
main story (set aside or removed), which must stay about 0: a split that cuts the lead
story short costs real facts.  On the seven example pages it prints what is set aside
(today only the football story glued to ``iron_harvest_phase2_outlet_b``); a new split
there is a regression.  ``--json`` also writes bench/out/second_story.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages

from summarizer.pipeline.cleaning import CleanResult, clean_page

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
OUT = ROOT / "bench" / "out" / "second_story.json"


def _visible(page: str, spans: Sequence[tuple[int, int]]) -> set[int]:
    return {i for a, b in spans for i in range(a, b) if not page[i].isspace()}


def _main_chars(result: CleanResult) -> set[int]:
    kept: set[int] = set()
    for seg in result.main.segments:
        kept.update(range(seg.orig_start, seg.orig_start + seg.length))
    return kept


def _aside_chars(result: CleanResult) -> set[int]:
    kept: set[int] = set()
    for story in result.set_aside:
        for seg in story.segments:
            kept.update(range(seg.orig_start, seg.orig_start + seg.length))
    return kept


@dataclass
class Row:
    id: str
    template: str
    second: str
    status: str  # entirely / partially / not at all
    second_chars: int
    second_in_main: int
    second_in_set_aside: int
    first_chars: int
    first_lost: int
    stories: int
    titles: list[str | None]
    #: the first story set aside is headed by the second document's own headline
    headline_found: bool
    warnings: list[str]


def score_variant(v: pages.Variant) -> Row:
    result = clean_page(v.text)
    main = _main_chars(result)
    second = _visible(v.text, [v.second_span])
    first = _visible(v.text, v.body_pieces)
    in_main = len(second & main)
    status = "entirely" if in_main == 0 else "not at all" if in_main == len(second) else "partially"
    return Row(
        v.id,
        v.template,
        f"{v.second.source}/{v.second.id[:8]}",
        status,
        len(second),
        in_main,
        len(second & _aside_chars(result)),
        len(first),
        len(first - main),
        len(result.stories),
        [s.title for s in result.set_aside],
        bool(result.set_aside) and result.set_aside[0].title == v.second.title.strip(),
        list(getattr(result, "warnings", ())),
    )


def summarise(rows: list[Row]) -> dict[str, Any]:
    first = sum(r.first_chars for r in rows)
    return {
        "variants": len(rows),
        "entirely": sum(r.status == "entirely" for r in rows),
        "partially": sum(r.status == "partially" for r in rows),
        "not_at_all": sum(r.status == "not at all" for r in rows),
        "second_chars_in_main": sum(r.second_in_main for r in rows),
        "second_chars": sum(r.second_chars for r in rows),
        "first_chars_lost": sum(r.first_lost for r in rows),
        "first_chars": first,
        "first_lost_share": round(sum(r.first_lost for r in rows) / first, 5) if first else None,
        "variants_losing_first_text": sum(r.first_lost > 0 for r in rows),
        "headline_found": sum(r.headline_found for r in rows),
    }


def examples() -> dict[str, list[str | None]]:
    """What each example page sets aside (by title)."""
    manifest: list[dict[str, Any]] = json.loads((EXAMPLES / "manifest.json").read_text())
    out: dict[str, list[str | None]] = {}
    for entry in manifest:
        text = (EXAMPLES / entry["file"]).read_text(encoding="utf-8")
        out[Path(entry["file"]).stem] = [s.title for s in clean_page(text).set_aside]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--seed", type=int, default=pages.DEFAULT_SEED)
    ap.add_argument("--data", type=Path, default=pages.DATA)
    ap.add_argument("--gold", type=Path, default=pages.GOLD)
    ap.add_argument("--json", action="store_true", help=f"also write {OUT.relative_to(ROOT)}")
    ap.add_argument("--show", help="print the cleaned main story and set-aside of one variant")
    args = ap.parse_args(argv)
    variants = pages.make_variants(args.data, args.gold, seed=args.seed)
    if args.show:
        v = next(v for v in variants if v.id == args.show)
        result = clean_page(v.text)
        print(result.main.text)
        for story in result.set_aside:
            print(f"\n--- set aside: {story.title!r}\n{story.text}")
        print("\nwarnings:", getattr(result, "warnings", ()))
        return 0
    rows = [score_variant(v) for v in variants]
    s = summarise(rows)
    print(f"second stories on {s['variants']} page-shaped re3d variants (seed {args.seed})")
    print(
        f"  set aside entirely {s['entirely']}, partially {s['partially']},"
        f" not at all {s['not_at_all']}"
    )
    print(
        f"  second-document characters still in the main story:"
        f" {s['second_chars_in_main']}/{s['second_chars']}"
    )
    print(f"  set aside under the second document's own headline: {s['headline_found']}")
    print(
        f"  first-document characters lost: {s['first_chars_lost']}/{s['first_chars']}"
        f" = {s['first_lost_share']:.3%} ({s['variants_losing_first_text']} variants)"
    )
    for r in rows:
        if r.status != "entirely" or r.first_lost:
            print(
                f"    {r.id:32} {r.status:10} second in main {r.second_in_main:5}/"
                f"{r.second_chars:<5} first lost {r.first_lost:4}  {r.template}"
            )
    ex = examples()
    print("\nexample pages (set aside today: outlet_b's football story only)")
    for stem, titles in ex.items():
        print(f"  {stem:34} {len(titles)} set aside {titles if titles else ''}")
    if args.json:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "seed": args.seed,
            "summary": s,
            "examples": ex,
            "rows": [asdict(r) for r in rows],
        }
        OUT.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
