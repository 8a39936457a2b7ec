"""The library against a plain instructor loop: same articles, server, model and schema.

    python bench/baseline.py [--limit N] [--order baseline-first|summarizer-first] [--own-server]

Each example article (``examples/articles``, publication dates from
``examples/manifest.json``; ``--limit N`` takes the first N, default all 7) goes
through:

* **baseline**, what one would write without this library:
  ``instructor.from_openai(OpenAI(base_url=server), mode=JSON_SCHEMA)``, the raw page
  text (no cleaning), a one-line prompt ("Extract an OperationReport from this
  article", the publication date, the text), ``response_model=OperationReport`` (the
  same class, so the same request JSON Schema the library sends), the same
  temperature, seed and max_tokens, and ``max_retries`` equal to the library's re-ask
  budget.  The one adaptation is the library's own wire fix for llama.cpp servers
  (``response_format`` ``json_schema`` -> ``json_object`` + ``schema``; llama-cpp-python
  answers HTTP 500 to the former), or the baseline would not run at all.  Its re-asks
  see only Pydantic's structural errors: nothing grounds its quotes while it runs.
* **summarizer**, ``Summarizer.extract`` with a fresh response cache.

Both talk to the SAME server process, one after the other (``--order``), each as its
own batch, so each gets its own prefix reuse.  For a fair score the baseline's final
answer goes through the library's lenient path afterwards (what ``Summarizer`` does
after its last attempt: lenient ``GroundingContext`` against the text
the model read, here the raw page, then ``resolve_report``): quotes are located and
marked, nothing is dropped, nothing is re-asked.  A baseline call that raises (no
valid answer within its retries) scores as a missing report, as a library failure does.

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
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from summarizer import Settings, Summarizer, evaluate
from summarizer.core.ground import GroundingContext
from summarizer.core.schema import OperationReport, grounded_share
from summarizer.llm import local
from summarizer.llm import transport as extract
from summarizer.pipeline.resolve import resolve_report
from summarizer.settings import EMBEDDED_MODEL_NAME

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BASELINE_PROMPT = "Extract an OperationReport from this article (published {published}).\n\n{text}"


@dataclass
class Usage:
    """Tokens of every HTTP response the baseline got (re-asks included)."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


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


def lenient_report(content: str, text: str, published: date) -> OperationReport:
    """The library's lenient path after the last attempt, against the raw page."""
    ctx = GroundingContext(text, published, False, None)
    report = OperationReport.model_validate_json(content, context=ctx)
    resolve_report(report, ctx)
    return report


class Baseline:
    """A plain instructor client over the same server; counts tokens per article."""

    def __init__(self, base_url: str, settings: Settings, model: str) -> None:
        import instructor
        import openai

        self.settings = settings
        self.model = model
        self.usage = Usage()
        client = openai.OpenAI(
            base_url=base_url,
            api_key=settings.api_key_value(),
            timeout=settings.timeout,
            max_retries=0,
        )
        raw_create = client.chat.completions.create
        kind = settings.resolved_endpoint_kind

        def create(*args: Any, **kwargs: Any) -> Any:
            response = raw_create(*args, **extract._adapt_request(kind, kwargs))
            self.usage.requests += 1
            if response.usage is not None:
                self.usage.prompt_tokens += response.usage.prompt_tokens
                self.usage.completion_tokens += response.usage.completion_tokens
            return response

        # instructor.from_openai takes client.chat.completions.create: hand it the adapter
        setattr(client.chat.completions, "create", create)  # noqa: B010
        self.openai = client
        self.client = instructor.from_openai(client, mode=instructor.Mode.JSON_SCHEMA)

    def warm_up(self) -> None:
        """Page the weights in before anything is timed."""
        self.openai.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=1
        )

    def run(self, path: Path, published: date) -> tuple[Row, OperationReport | None]:
        text = path.read_text(encoding="utf-8")  # the raw page: no cleaning
        prompt = BASELINE_PROMPT.format(published=published.isoformat(), text=text)
        s = self.settings
        self.usage = Usage()
        report: OperationReport | None = None
        error: str | None = None
        t = time.perf_counter()
        try:
            _, completion = self.client.chat.completions.create_with_completion(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                response_model=OperationReport,
                max_retries=s.max_reasks,
                temperature=s.temperature,
                seed=s.seed,
                max_tokens=s.max_tokens,
            )
            content = completion.choices[0].message.content
        except Exception as exc:  # noqa: BLE001 - a failed article is a figure, not a crash
            content, error = None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        wall = time.perf_counter() - t
        if content is not None:
            try:
                report = lenient_report(content, text, published)
            except ValueError as exc:
                error = f"lenient validation failed: {str(exc).splitlines()[0][:160]}"
        u = self.usage
        row = Row(
            article=path.stem,
            ok=report is not None,
            prompt_tokens=u.prompt_tokens,
            completion_tokens=u.completion_tokens,
            requests=u.requests,
            wall_s=round(wall, 2),
            grounded_share=grounded_share(report) if report is not None else None,
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
        baseline = Baseline(url, settings, s.model_name)
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
        "baseline_prompt": BASELINE_PROMPT,
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
