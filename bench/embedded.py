"""Embedded-model benchmark: seconds and tokens per example article, cold and cached.

    python bench/embedded.py [--limit N] [--keep-cache DIR]

Prints a table and writes bench/out/embedded.json.  A benchmark, not a test: it
needs the 'local' extra and takes minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from summarizer import Settings, Summarizer

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--keep-cache", type=Path, default=None, help="response cache dir to use")
    args = ap.parse_args()
    manifest = json.loads((ROOT / "examples" / "manifest.json").read_text())[: args.limit]
    cache = args.keep_cache or Path(tempfile.mkdtemp(prefix="summarizer-bench-"))
    # the assembled GGUF stays in the user cache; responses go to a fresh directory
    settings = Settings(cache_dir=cache, model_dir=Settings().resolved_model_dir)
    rows = []
    with Summarizer(settings) as s:
        t0 = time.perf_counter()
        s._endpoint()  # start (or find) the embedded server outside the per-article timing
        startup = time.perf_counter() - t0
        for entry in manifest:
            path = ROOT / "examples" / entry["file"]
            pub = date.fromisoformat(entry["published"])
            t = time.perf_counter()
            ex: Any = s.extract(path, published=pub)
            cold = time.perf_counter() - t
            reports = ROOT / "bench" / "out" / "embedded_reports"
            reports.mkdir(parents=True, exist_ok=True)
            (reports / f"{path.stem}.json").write_text(ex.value.model_dump_json(indent=2))
            t = time.perf_counter()
            again: Any = s.extract(path, published=pub)
            cached = time.perf_counter() - t
            assert again.meta.cache_hit
            u = ex.meta.usage
            rows.append(
                {
                    "article": path.stem,
                    "seconds": round(cold, 2),
                    "cached_seconds": round(cached, 4),
                    "prompt_tokens": u.prompt_tokens,
                    "completion_tokens": u.completion_tokens,
                    "requests": u.requests,
                    "grounded_share": ex.meta.grounded_share,
                    "cache_hit": ex.meta.cache_hit,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    secs = [r["seconds"] for r in rows if not r["cache_hit"]] or [0.0]
    summary = {
        "machine": f"{platform.machine()} cores={os.cpu_count()}",
        "server_startup_s": round(startup, 2),
        "articles": len(rows),
        "median_s": round(statistics.median(secs), 2),
        "p95_s": round(pct(secs, 0.95), 2),
        "median_prompt_tokens": statistics.median(r["prompt_tokens"] for r in rows),
        "median_completion_tokens": statistics.median(r["completion_tokens"] for r in rows),
        "completion_tokens_per_s": round(
            sum(r["completion_tokens"] for r in rows) / max(sum(secs), 1e-9), 2
        ),
        "cached_rerun_total_s": round(sum(r["cached_seconds"] for r in rows), 4),
        "median_grounded_share": statistics.median(
            r["grounded_share"] for r in rows if r["grounded_share"] is not None
        ),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "embedded.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
