"""The library against the plain instructor loop: same articles, server and model.

    python bench/baseline.py [--limit N] [--order baseline-first|summarizer-first] [--own-server]

The per-article view of ``bench/quality.py``'s instructor column on the seven example
pages (``examples/articles``, publication dates from ``examples/manifest.json``;
``--limit N`` takes the first N).  Each article goes through:

* **baseline**, what one writes without this library (:mod:`peers.instructor_peer`):
  a Pydantic model of the facts with field descriptions, ``instructor.from_openai``
  with instructor's default mode (TOOLS: llama-cpp-python turns the forced tool's
  parameters into a grammar), a two-line system prompt and the raw page, the library's
  temperature, seed and max_tokens, instructor's default retries.  Its answer is mapped
  onto ``OperationReport`` fields for scoring; it has no quotes, so no grounded share.
  (Until issue #14 the baseline sent the library's request schema with a one-line
  instruction, which no user writes, and scored 0.000.)
* **summarizer**, ``Summarizer.extract`` with a fresh response cache.

Both talk to the SAME server process, one after the other (``--order``), each as its
own batch, so each gets its own prefix reuse.  A baseline call that raises (no valid
answer within its retries) scores as a missing report, as a library failure does.

Prints per article and in total: prompt tokens, completion tokens (every attempt),
wall seconds, F1 over the list fields (``summarizer.evaluate`` against
``examples/gold``: per-article pooled F1, and the run's micro F1), grounded share,
and the ratios summarizer / baseline.  Writes bench/out/baseline.json and both sides'
reports to bench/out/baseline_reports/.  A benchmark, not a test: with the embedded
model this takes about half an hour on 2 cores for all seven.

Reuses a healthy ``summarizer local start`` server, else (or with ``--own-server``)
starts the embedded one; nothing else should use that server while this runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers.instructor_peer import InstructorPeer, PeerSettings, to_operation_report

from summarizer import Settings, Summarizer, evaluate
from summarizer.core.schema import OperationReport
from summarizer.llm import local
from summarizer.settings import EMBEDDED_MODEL_NAME

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


@dataclass
class Row:
    article: str
    ok: bool
    prompt_tokens: int
    completion_tokens: int
    requests: int
    wall_s: float
    f1: float = 0.0
    grounded_share: float | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Baseline:
    """The plain instructor loop (:class:`peers.instructor_peer.InstructorPeer`) over the
    same server, with a response cache of its own in ``cache_dir``."""

    def __init__(self, base_url: str, settings: Settings, model: str, cache_dir: Path) -> None:
        self.model = model
        self.base_url = base_url
        self.peer = InstructorPeer(
            base_url,
            PeerSettings(model, settings.temperature, settings.max_tokens, settings.seed),
            cache_dir,
            model,
        )

    def warm_up(self) -> None:
        """Page the weights in before anything is timed (not through the cache)."""
        import openai

        openai.OpenAI(base_url=self.base_url, api_key="not-needed").chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=1
        )

    def run(self, path: Path, published: date) -> tuple[Row, OperationReport | None]:
        text = path.read_text(encoding="utf-8")  # the raw page: no cleaning
        result = self.peer.report(text, published)
        report = to_operation_report(result.value) if result.value is not None else None
        error = result.error
        if error is None and report is None:
            error = "the answer is not a valid OperationReport"
        row = Row(
            article=path.stem,
            ok=report is not None,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            requests=result.requests,
            wall_s=round(result.seconds, 2),
            grounded_share=None,  # no quotes to ground
            error=error,
        )
        return row, report


def run_library(s: Summarizer, path: Path, published: date) -> tuple[Row, OperationReport | None]:
    t = time.perf_counter()
    try:
        ex: Any = s.extract(path, published=published)
    except Exception as exc:  # noqa: BLE001 - a failed article is a figure, not a crash
        wall = time.perf_counter() - t
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        return Row(path.stem, False, 0, 0, 0, round(wall, 2), error=error), None
    wall = time.perf_counter() - t
    u = ex.meta.usage
    row = Row(
        article=path.stem,
        ok=True,
        prompt_tokens=u.prompt_tokens,
        completion_tokens=u.completion_tokens,
        requests=u.requests,
        wall_s=round(wall, 2),
        grounded_share=ex.meta.grounded_share,
        extra={"cache_hit": ex.meta.cache_hit, "warnings": len(ex.meta.warnings)},
    )
    return row, ex.value


def score(
    rows: list[Row], reports: dict[str, OperationReport | None], golds: dict[str, Any]
) -> evaluate.Summary:
    """Per-article pooled F1 onto the rows; the run's aggregate for the totals."""
    scores = []
    for row in rows:
        sc = evaluate.score_report(reports.get(row.article), golds[row.article])
        row.f1 = round(sc.f1, 4)
        scores.append(sc)
    return evaluate.aggregate(scores)


def totals(rows: list[Row], summary: evaluate.Summary) -> dict[str, Any]:
    shares = [r.grounded_share for r in rows if r.grounded_share is not None]
    return {
        "articles": len(rows),
        "ok": sum(r.ok for r in rows),
        "prompt_tokens": sum(r.prompt_tokens for r in rows),
        "completion_tokens": sum(r.completion_tokens for r in rows),
        "requests": sum(r.requests for r in rows),
        "wall_s": round(sum(r.wall_s for r in rows), 2),
        "median_wall_s": round(statistics.median(r.wall_s for r in rows), 2),
        "micro_f1": summary.overall.f1,
        "micro_precision": summary.overall.precision,
        "micro_recall": summary.overall.recall,
        "macro_f1": summary.overall_macro_f1,
        "trap_violations": summary.trap_violations,
        "mean_grounded_share": round(statistics.mean(shares), 4) if shares else None,
    }


RATIO_KEYS = (
    "prompt_tokens",
    "completion_tokens",
    "wall_s",
    "micro_f1",
    "mean_grounded_share",
)


def ratios(lib: dict[str, Any], base: dict[str, Any]) -> dict[str, float | None]:
    """summarizer / baseline; None where the baseline figure is 0 or missing."""
    out: dict[str, float | None] = {}
    for key in RATIO_KEYS:
        a, b = lib.get(key), base.get(key)
        out[key] = round(a / b, 3) if isinstance(a, (int, float)) and b else None
    return out


def _f(x: float | None, spec: str = ".2f") -> str:
    return "-" if x is None else format(x, spec)


def table(base: list[Row], lib: list[Row], tb: dict[str, Any], tl: dict[str, Any]) -> str:
    head = ("article", "side", "prompt", "compl", "req", "s", "F1", "grounded", "note")
    lines: list[tuple[str, ...]] = [head]
    for b, s in zip(base, lib, strict=True):
        for side, r in (("baseline", b), ("summarizer", s)):
            lines.append(
                (
                    r.article if side == "baseline" else "",
                    side,
                    str(r.prompt_tokens),
                    str(r.completion_tokens),
                    str(r.requests),
                    f"{r.wall_s:.1f}",
                    f"{r.f1:.3f}",
                    _f(r.grounded_share),
                    (r.error or "")[:60],
                )
            )
    for side, t in (("baseline", tb), ("summarizer", tl)):
        lines.append(
            (
                "TOTAL" if side == "baseline" else "",
                side,
                str(t["prompt_tokens"]),
                str(t["completion_tokens"]),
                str(t["requests"]),
                f"{t['wall_s']:.1f}",
                _f(t["micro_f1"], ".3f") + " micro",
                _f(t["mean_grounded_share"]),
                f"{t['ok']}/{t['articles']} ok",
            )
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i in (0, 1, 8) else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in lines
    )


def _server_settings(cache: Path, own: bool) -> Settings:
    """A fresh response cache; the weights stay where the user's settings keep them.
    A running ``summarizer local start`` server is used as the one server if healthy."""
    user = Settings.from_env()
    settings = Settings.from_env(cache_dir=cache, model_dir=user.resolved_model_dir)
    if user.embedded and not own:
        url = local.find_running_server(user)
        if url is not None:
            # same server, asked exactly as the embedded path asks it
            settings = settings.model_copy(
                update={
                    "base_url": url,
                    "endpoint_kind": "llamacpp",
                    "model": user.model or EMBEDDED_MODEL_NAME,
                    "max_input_chars": user.resolved_max_input_chars,
                }
            )
    return settings


def main() -> None:
    ap = argparse.ArgumentParser(description="summarizer vs a plain instructor loop")
    ap.add_argument("--limit", type=int, default=None, help="first N examples (default all)")
    ap.add_argument(
        "--order", choices=("baseline-first", "summarizer-first"), default="baseline-first"
    )
    ap.add_argument("--own-server", action="store_true", help="never reuse a running server")
    args = ap.parse_args()
    manifest = json.loads((ROOT / "examples" / "manifest.json").read_text())[: args.limit]
    golds = evaluate.load_gold(ROOT / "examples" / "gold")
    cache = Path(tempfile.mkdtemp(prefix="summarizer-baseline-"))
    settings = _server_settings(cache, args.own_server)
    entries = [
        (ROOT / "examples" / e["file"], date.fromisoformat(e["published"])) for e in manifest
    ]

    base_rows: list[Row] = []
    lib_rows: list[Row] = []
    base_reports: dict[str, OperationReport | None] = {}
    lib_reports: dict[str, OperationReport | None] = {}
    with Summarizer(settings) as s:
        t0 = time.perf_counter()
        url = s._endpoint()  # starts (or finds) the one server both sides use
        startup = time.perf_counter() - t0
        print(f"server {url} ready in {startup:.1f} s", flush=True)
        baseline = Baseline(url, settings, s.model_name, cache / "bench-quality")
        baseline.warm_up()

        def run_baseline() -> None:
            for path, pub in entries:
                row, report = baseline.run(path, pub)
                base_rows.append(row)
                base_reports[row.article] = report
                print("baseline  ", json.dumps(row.__dict__), flush=True)

        def run_summarizer() -> None:
            for path, pub in entries:
                row, report = run_library(s, path, pub)
                lib_rows.append(row)
                lib_reports[row.article] = report
                print("summarizer", json.dumps(row.__dict__), flush=True)

        order = [run_baseline, run_summarizer]
        for step in order if args.order == "baseline-first" else order[::-1]:
            step()
        baseline.peer.close()

    base_total = totals(base_rows, score(base_rows, base_reports, golds))
    lib_total = totals(lib_rows, score(lib_rows, lib_reports, golds))
    ratio = ratios(lib_total, base_total)
    print()
    print(table(base_rows, lib_rows, base_total, lib_total))
    print()
    print("summarizer / baseline:", "  ".join(f"{k} {_f(v, '.3f')}" for k, v in ratio.items()))

    OUT.mkdir(parents=True, exist_ok=True)
    for side, reports in (("baseline", base_reports), ("summarizer", lib_reports)):
        folder = OUT / "baseline_reports" / side
        folder.mkdir(parents=True, exist_ok=True)
        for stem, report in reports.items():
            if report is not None:
                (folder / f"{stem}.json").write_text(report.model_dump_json(indent=2))
    result = {
        "machine": f"{platform.machine()} cores={os.cpu_count()}",
        "server": url,
        "order": args.order,
        "settings": {
            "temperature": settings.temperature,
            "seed": settings.seed,
            "max_tokens": settings.max_tokens,
            "max_reasks": settings.max_reasks,
        },
        "baseline": baseline.peer.record(),
        "totals": {"baseline": base_total, "summarizer": lib_total},
        "ratios_summarizer_over_baseline": ratio,
        "rows": {
            "baseline": [r.__dict__ for r in base_rows],
            "summarizer": [r.__dict__ for r in lib_rows],
        },
    }
    (OUT / "baseline.json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
