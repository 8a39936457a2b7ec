"""Soak: thousands of articles through ``summarize_many`` against the fault server.

    python bench/soak.py [--n 2000] [--concurrency 32] [--fault-rate 0.1] [--seed 0]

Each article is the lake-region example under its own first line (``Case file
ITEM-nnnnnn``), so every one is a distinct cache key and the server can tell them
apart.  The server (``bench/fault_server.py``, in a child process so its threads and
sockets are not counted here) answers with the completion the embedded model gave for
that example, recorded in its cassette, except that a seeded ``--fault-rate`` of
requests get one of the faults in :data:`bench.fault_server.FAULTS`, evenly mixed.
Timeouts and retry waits are short (``--timeout``, hangs last twice that), so the run
is about the library, not about waiting.

Prints, and writes to ``bench/out/soak.json``:

* items ok / failed by error kind / lost (every input must yield exactly one result);
* faults injected by kind: survived (the item still ended ok, through a transport
  retry or a re-ask) or ended as the item's recorded failure;
* peak RSS (``ru_maxrss``) and RSS at each quarter of the run, to show it is flat;
* threads, open file descriptors and sockets before and after (leak check);
* wall time, and the slowest failure path: per fault kind, how long items that met
  it took to resolve, and the single slowest.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import os
import re
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from fault_server import FAULTS, OK, spawn  # bench scripts import siblings by file name
from loopback import recorded_answers
from pydantic import BaseModel

from summarizer import Settings, Summarizer
from summarizer.core.results import Extraction
from summarizer.pipeline.summarizer import PreparedJob
from summarizer.runs.many import ItemError, summarize_many

ROOT = Path(__file__).resolve().parent.parent
STEM = "lake_region_raids"  # its recorded answer grounds on the first try: one request
PUBLISHED = date(2025, 7, 22)
MODEL = "qwen2.5-coder-1.5b-instruct"
TAG = re.compile(r"ITEM-\d{6}")

T = TypeVar("T", bound=BaseModel)


# --------------------------------------------------------------------------- process


def rss_mb() -> float:
    """Resident set size now (Linux ``/proc``; ``ru_maxrss`` elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return peak_rss_mb()


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


@dataclass(frozen=True)
class Handles:
    """What could leak: threads, file descriptors, and the sockets among them."""

    threads: int
    fds: int
    sockets: int

    @classmethod
    def now(cls) -> Handles:
        fds = sockets = -1
        fd_dir = Path("/proc/self/fd")
        if fd_dir.is_dir():
            names = os.listdir(fd_dir)
            fds, sockets = len(names), 0
            for name in names:
                with contextlib.suppress(OSError):  # listdir's own descriptor, now closed
                    sockets += os.readlink(fd_dir / name).startswith("socket:")
        return cls(threading.active_count(), fds, sockets)


def settle(baseline: Handles, timeout: float = 5.0) -> Handles:
    """Handles once threads that are winding down have gone (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    while True:
        now = Handles.now()
        if now.threads <= baseline.threads or time.monotonic() > deadline:
            return now
        time.sleep(0.05)


class TimedSummarizer(Summarizer):
    """Records how long each article's extraction took, failures included."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.seconds: dict[str, float] = {}
        self._times_lock = threading.Lock()

    def extract_prepared(self, job: PreparedJob) -> Extraction[Any]:
        started = time.monotonic()
        try:
            return super().extract_prepared(job)
        finally:
            label = job.article.source or str(job.article)[:80]
            with self._times_lock:
                self.seconds[label] = time.monotonic() - started


# --------------------------------------------------------------------------- report


@dataclass
class SoakReport:
    n: int
    concurrency: int
    fault_rate: float
    seed: int
    results: int = 0
    ok: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    duplicates: int = 0
    #: failed items that met no injected fault: each one would be a library bug
    unexplained_failures: int = 0
    requests: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    survived: dict[str, int] = field(default_factory=dict)
    fatal: dict[str, int] = field(default_factory=dict)
    slowest_by_fault: dict[str, dict[str, float]] = field(default_factory=dict)
    slowest: dict[str, Any] = field(default_factory=dict)
    clean_p50_s: float = 0.0
    clean_max_s: float = 0.0
    wall_s: float = 0.0
    rss_mb: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    handles_before: dict[str, int] = field(default_factory=dict)
    handles_after: dict[str, int] = field(default_factory=dict)
    handles_gc: dict[str, int] = field(default_factory=dict)
    handles_closed: dict[str, int] = field(default_factory=dict)
    error_samples: dict[str, str] = field(default_factory=dict)

    @property
    def faults_injected(self) -> int:
        return sum(self.faults.values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    """What the soak keeps of a result; holding every report would grow the RSS it
    measures."""

    index: int
    ok: bool
    error: ItemError | None


def _item_index(tag: str) -> int:
    return int(tag.removeprefix("ITEM-"))


def _account(
    report: SoakReport,
    results: list[Outcome],
    per_tag: dict[str, list[str]],
    seconds: dict[str, float],
    paths: list[Path],
) -> None:
    """Fill in outcomes, fault fates and resolution times from results and server log."""
    n = report.n
    indices = Counter(r.index for r in results)
    report.results = len(results)
    report.lost = sum(1 for i in range(n) if i not in indices)
    report.duplicates = sum(c - 1 for c in indices.values() if c > 1)
    report.ok = sum(r.ok for r in results)
    failed = Counter(r.error.kind for r in results if not r.ok and r.error is not None)
    report.failed = dict(failed)
    for r in results:
        if r.error is not None and r.error.kind not in report.error_samples:
            report.error_samples[r.error.kind] = r.error.message[:160]
    outcome = {r.index: r.ok for r in results}
    item_tags = {t: k for t, k in per_tag.items() if TAG.fullmatch(t)}
    report.requests = sum(len(k) for k in item_tags.values())
    faults: Counter[str] = Counter()
    survived: Counter[str] = Counter()
    fatal: Counter[str] = Counter()
    by_signature: defaultdict[str, list[float]] = defaultdict(list)
    slowest: tuple[float, str, str, bool] | None = None
    clean: list[float] = []
    for tag, kinds in item_tags.items():
        idx = _item_index(tag)
        met = [k for k in kinds if k != OK]
        secs = seconds.get(str(paths[idx]), 0.0)
        if not met:
            clean.append(secs)
            continue
        ended_ok = outcome.get(idx, False)
        for k in met:
            faults[k] += 1
            (survived if ended_ok else fatal)[k] += 1
        signature = "+".join(sorted(set(met)))
        by_signature[signature].append(secs)
        if slowest is None or secs > slowest[0]:
            slowest = (secs, signature, " > ".join(kinds), ended_ok)
    faulted = {_item_index(t) for t, kinds in item_tags.items() if set(kinds) - {OK}}
    report.unexplained_failures = sum(1 for r in results if not r.ok and r.index not in faulted)
    report.faults = {k: faults[k] for k in FAULTS if faults[k]}
    report.survived = {k: survived[k] for k in FAULTS if faults[k]}
    report.fatal = {k: fatal[k] for k in FAULTS if faults[k]}
    report.slowest_by_fault = {
        sig: {
            "items": len(v),
            "median_s": round(statistics.median(v), 3),
            "max_s": round(max(v), 3),
        }
        for sig, v in sorted(by_signature.items(), key=lambda kv: -max(kv[1]))
    }
    if slowest is not None:
        report.slowest = {
            "seconds": round(slowest[0], 3),
            "faults": slowest[1],
            "requests": slowest[2],
            "ended": "ok" if slowest[3] else "failed",
        }
    if clean:
        report.clean_p50_s = round(statistics.median(clean), 3)
        report.clean_max_s = round(max(clean), 3)


# --------------------------------------------------------------------------- run


def run_soak(
    n: int = 2000,
    concurrency: int = 32,
    fault_rate: float = 0.1,
    seed: int = 0,
    *,
    timeout: float = 1.0,
    retry_max_wait: float = 0.2,
    use_cache: bool = True,
    checkpoints: int = 4,
) -> SoakReport:
    """Run the soak and return its figures (no printing: the test suite calls it too)."""
    logging.getLogger("instructor").setLevel(logging.CRITICAL)  # one line per re-ask
    report = SoakReport(n, concurrency, fault_rate, seed)
    article = (ROOT / "examples" / "articles" / f"{STEM}.txt").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="summarizer-soak-") as tmp_name:
        tmp = Path(tmp_name)
        body = tmp / "completion.json"
        body.write_bytes(recorded_answers()[STEM])
        folder = tmp / "articles"
        folder.mkdir()
        paths = []
        for i in range(n):
            p = folder / f"item{i:06d}.txt"
            p.write_text(f"Case file ITEM-{i:06d}.\n\n{article}", encoding="utf-8")
            paths.append(p)
        with spawn(
            body,
            rate=fault_rate,
            seed=seed,
            hang_s=2 * timeout,
            retry_after=0.05,
            tag_pattern=TAG.pattern,
        ) as (url, server_stats):
            settings = Settings(
                base_url=url,
                model=MODEL,
                endpoint_kind="llamacpp",
                cache_dir=tmp / "cache",
                use_cache=use_cache,
                timeout=timeout,
                retry_max_wait=retry_max_wait,
                max_transport_retries=4,
                max_reasks=1,
            )
            summarizer = TimedSummarizer(settings)
            try:
                # warm-up outside the figures: imports, client, schema (no tag: not counted)
                for _ in summarize_many([article], summarizer=summarizer, published=PUBLISHED):
                    pass
                before = Handles.now()  # the warm-up's pool has been joined
                report.handles_before = asdict(before)
                report.rss_mb["start"] = rss_mb()
                marks = {max(1, n * q // checkpoints) for q in range(1, checkpoints + 1)}
                results: list[Outcome] = []  # not the reports: their memory is the library's
                started = time.monotonic()
                for result in summarize_many(
                    paths, summarizer=summarizer, concurrency=concurrency, published=PUBLISHED
                ):
                    results.append(Outcome(result.index, result.ok, result.error))
                    if len(results) in marks:
                        report.rss_mb[f"after {len(results)}"] = rss_mb()
                report.wall_s = round(time.monotonic() - started, 2)
                report.handles_after = asdict(settle(before))
                # diskcache opens one SQLite connection (2 fds) per worker thread, freed
                # only when the cyclic GC collects it: count again after a collection
                gc.collect()
                report.handles_gc = asdict(settle(before))
            finally:
                summarizer.close()
            gc.collect()
            report.handles_closed = asdict(settle(before))
            stats = server_stats()
        _account(report, results, stats["per_tag"], summarizer.seconds, paths)
    report.peak_rss_mb = peak_rss_mb()
    return report


# --------------------------------------------------------------------------- output


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    )


def render(r: SoakReport) -> str:
    items_ok = r.ok == r.n - sum(r.failed.values()) - r.lost
    lines = [
        f"soak: {r.n} articles, concurrency {r.concurrency}, fault rate {r.fault_rate:.0%}, "
        f"seed {r.seed}: {r.requests} requests in {r.wall_s} s "
        f"({r.n / r.wall_s if r.wall_s else 0:.1f} items/s)",
        "",
        f"items: {r.ok} ok, {sum(r.failed.values())} failed {r.failed or ''}, "
        f"{r.lost} lost, {r.duplicates} duplicated, "
        f"{r.unexplained_failures} failed without a fault"
        + ("" if items_ok else "  <-- DOES NOT ADD UP"),
        "",
    ]
    rows: list[tuple[str, ...]] = [("fault", "injected", "survived", "on failed items")]
    for k in r.faults:
        rows.append((k, str(r.faults[k]), str(r.survived[k]), str(r.fatal[k])))
    rows.append(
        (
            "total",
            str(r.faults_injected),
            str(sum(r.survived.values())),
            str(sum(r.fatal.values())),
        )
    )
    lines += [_table(rows), ""]
    rows = [("items that met", "items", "median s", "max s")]
    for sig, v in r.slowest_by_fault.items():
        rows.append((sig, str(int(v["items"])), f"{v['median_s']:.3f}", f"{v['max_s']:.3f}"))
    rows.append(("(no fault)", "", f"{r.clean_p50_s:.3f}", f"{r.clean_max_s:.3f}"))
    lines += [_table(rows), ""]
    if r.slowest:
        s = r.slowest
        lines.append(
            f"slowest failure path: {s['seconds']} s, {s['faults']} "
            f"(requests: {s['requests']}; item {s['ended']})"
        )
    lines.append(
        "rss MB: "
        + ", ".join(f"{k} {v}" for k, v in r.rss_mb.items())
        + f"; peak (ru_maxrss) {r.peak_rss_mb}"
    )
    b, a, g, c = r.handles_before, r.handles_after, r.handles_gc, r.handles_closed
    lines.append("handles before -> after the run, after gc.collect(), after close():")
    for k in ("threads", "fds", "sockets"):
        lines.append(f"  {k}: {b[k]} -> {a[k]}, {g[k]}, {c[k]}")
    for kind, msg in r.error_samples.items():
        lines.append(f"  e.g. {kind}: {msg}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="articles")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--fault-rate", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1.0, help="seconds per HTTP request")
    ap.add_argument("--no-cache", action="store_true", help="run without the response cache")
    args = ap.parse_args()
    report = run_soak(
        args.n,
        args.concurrency,
        args.fault_rate,
        args.seed,
        timeout=args.timeout,
        use_cache=not args.no_cache,
    )
    print(render(report))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(report.to_dict(), indent=2))
    if report.lost or report.duplicates or report.unexplained_failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
