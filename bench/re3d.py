"""re3d benchmark: how many annotated entities of a press release reach the report.

    python bench/re3d.py [--limit 20] [--data ../shared/evaldata/re3d] [--cache DIR]

Reads Dstl's re3d CENTCOM and US State Department documents from the shared
evaluation data by path (never copied), extracts an :class:`OperationReport` for each
(the default prompt and schema), and measures **recall** of the annotated
Organisation, Location, Person, Quantity and Weapon entities with crowd confidence
≥ 0.5 among the facts of the report.  Documents are taken CENTCOM first, then State
Department, each in file order, so ``--limit 20`` is always the same 20.

What counts as "among the facts": the *values* the report states — operation name,
country, location names and parents, force, adversary, official and source names,
official titles and organisations, outcome objects, locations and attributions,
outcome and area figures, objectives — never the evidence quotes (a quote holds
every entity of its sentence, so counting quotes would measure nothing).  An entity
is recalled when its normalised text equals a fact value, one contains the other as
whole words ("Syria" in "northern Syria"), or :func:`summarizer.core.names.same_name`
says they are transliteration variants; a Quantity is recalled when a report figure
has the same number.  Entities are deduplicated per document by type and normalised
text (re3d annotates every mention), and bare pronouns are left out.  Precision is
not measured: re3d does not annotate which entities an operation report should hold.

Responses go through the library's cache (the user cache unless ``--cache``), so a
rerun is instant.  Prints recall per type and per document and writes
bench/out/re3d.json.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from summarizer import Settings, Summarizer
from summarizer.core.names import same_name
from summarizer.core.quantities import parse_quantity
from summarizer.core.schema import OperationReport
from summarizer.errors import SummarizerError
from summarizer.pipeline.inputs import Article

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "evaldata" / "re3d"
SOURCES = ("CENTCOM", "US_State_Department")
TYPES = ("Organisation", "Location", "Person", "Quantity", "Weapon")
MIN_CONFIDENCE = 0.5
#: re3d annotates pronouns ("we", "their") as Organisation mentions; a report states
#: names, so these cannot be recalled and are left out of the denominator
PRONOUNS = frozenset(
    {"we", "our", "us", "they", "their", "them", "it", "its", "he", "his", "she", "her"}
    | {"i", "you", "who", "which", "this", "these"}
)


def _lines(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load(data: Path, limit: int | None) -> list[tuple[dict[str, Any], dict[str, set[str]]]]:
    """Documents with their entities: type → set of surface strings."""
    out = []
    for src in SOURCES:
        docs = _lines(data / src / "documents.json")
        ents: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for e in _lines(data / src / "entities.json"):
            if (
                e.get("type") in TYPES
                and float(e.get("confidence", 0)) >= MIN_CONFIDENCE
                and norm(e["value"]) not in PRONOUNS
            ):
                ents[e["documentId"]][e["type"]].add(e["value"])
        for d in docs:
            out.append((d, dict(ents[d["_id"]])))
    return out[:limit]


_WORD = re.compile(r"[^\w\s]")
_DROP = {"the", "a", "an"}


def norm(s: str) -> str:
    s = _WORD.sub(" ", s.lower().replace("’", "'"))
    return " ".join(w for w in s.split() if w not in _DROP)


def fact_values(r: OperationReport) -> tuple[list[str], list[float]]:
    """The strings and numbers the report states as facts (never its quotes)."""
    names: list[str | None] = [r.operation_name, r.country.name if r.country else None]
    for loc in r.locations:
        names += [loc.name, loc.parent]
    names += [f.name for f in r.forces] + [a.name for a in r.adversaries]
    names += [s.name for s in r.sources]
    for o in r.officials:
        names += [o.name, o.title, o.organization]
    numbers: list[float] = []
    for out in r.outcomes:
        names += [out.object, out.location, out.attribution]
        if out.quantity is not None:
            names.append(out.quantity.raw)
            numbers += [v for v in (out.quantity.value, out.quantity.low, out.quantity.high) if v]
    if r.area is not None:
        names.append(r.area.raw)
        numbers += [v for v in (r.area.value, r.area.low, r.area.high) if v]
    names += [o.text for o in r.objectives]
    return [n for n in names if n], numbers


def _contains(a: str, b: str) -> bool:
    return bool(a and b) and f" {a} " in f" {b} "


def recalled(etype: str, value: str, names: list[str], numbers: list[float]) -> bool:
    if etype == "Quantity":
        q = parse_quantity(value)
        nums = [v for v in (q.value, q.low, q.high) if v]
        if any(abs(n - m) < 1e-9 for n in nums for m in numbers):
            return True
    v = norm(value)
    for n in names:
        nn = norm(n)
        if v == nn or _contains(v, nn) or _contains(nn, v) or same_name(value, n):
            return True
    return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cache", type=Path, default=None, help="response cache directory")
    args = ap.parse_args()
    run(args.limit, args.data, args.cache)


def run(
    limit: int | None = 20, data: Path = DATA, cache: Path | None = None, verbose: bool = True
) -> dict[str, Any]:
    """Extract (through the cache), score, print and return the summary."""
    docs = load(data, limit)
    # press releases carry no page furniture; cleaning is for scraped pages
    settings = Settings(clean=False, **({"cache_dir": cache} if cache else {}))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    found: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    rows: list[dict[str, Any]] = []
    t_all = time.perf_counter()
    with Summarizer(settings) as s:
        for doc, ents in docs:
            t = time.perf_counter()
            row: dict[str, Any] = {"id": doc["_id"][:12], "source": doc.get("sourceName")}
            names: list[str] = []
            numbers: list[float] = []
            try:
                ex: Any = s.extract(Article(doc["text"], source=doc["_id"]))
                names, numbers = fact_values(ex.value)
                u = ex.meta.usage
                row |= {
                    "cache_hit": ex.meta.cache_hit,
                    "relevance": ex.value.relevance,
                    "prompt_tokens": u.prompt_tokens,
                    "completion_tokens": u.completion_tokens,
                    "grounded_share": ex.meta.grounded_share,
                }
            except SummarizerError as exc:
                row["error"] = exc.kind
            row["seconds"] = round(time.perf_counter() - t, 2)
            per: dict[str, list[int]] = {}
            missed: list[str] = []
            for etype in TYPES:
                values = {norm(v): v for v in ents.get(etype, set())}
                hits = [v for v in values.values() if recalled(etype, v, names, numbers)]
                missed += [f"{etype}:{v}" for v in values.values() if v not in hits]
                per[etype] = [len(hits), len(values)]
                found[etype] += len(hits)
                total[etype] += len(values)
            row["recall"] = per
            n_hit = sum(h for h, _ in per.values())
            n_all = sum(n for _, n in per.values())
            row["doc_recall"] = round(n_hit / n_all, 3) if n_all else None
            row["missed_sample"] = missed[:8]
            rows.append(row)
            if verbose:
                print(json.dumps(row), flush=True)
    by_type = {t: (found[t] / total[t] if total[t] else None) for t in TYPES}
    overall = sum(found.values()) / max(1, sum(total.values()))
    doc_recalls = [r["doc_recall"] for r in rows if r["doc_recall"] is not None]
    fresh = [r["seconds"] for r in rows if not r.get("cache_hit") and "error" not in r]
    summary = {
        "documents": len(rows),
        "errors": sum("error" in r for r in rows),
        "entities": dict(total),
        "recall_by_type": by_type,
        "recall_overall": overall,
        "recall_doc_median": statistics.median(doc_recalls) if doc_recalls else None,
        "median_s_uncached": round(statistics.median(fresh), 2) if fresh else None,
        "wall_s": round(time.perf_counter() - t_all, 2),
    }
    (out / "re3d.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))
    print(f"\nre3d, first {len(rows)} documents: recall of annotated entities among report facts")
    for etype in TYPES:
        rec = by_type[etype]
        shown = f"{rec:.3f}" if rec is not None else "-"
        print(f"{etype:<13} {found[etype]:>4}/{total[etype]:<4} {shown}")
    print(f"{'overall':<13} {sum(found.values()):>4}/{sum(total.values()):<4} {overall:.3f}")
    print(json.dumps({k: v for k, v in summary.items() if k != "recall_by_type"}))
    return summary


if __name__ == "__main__":
    main()
