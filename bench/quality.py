"""The README's quality table: four sets, the library and two fair peers, one server.

    python bench/quality.py [--sets examples,re3d,pages,muc4] [--limit N]
                            [--systems summarizer,instructor,langextract]
                            [--endpoint URL [--model NAME] [--endpoint-kind llamacpp]]
                            [--cache DIR] [--instructor-mode TOOLS] [--only ID,...]

Sets, each taken in file order so ``--limit N`` is always the same N:

* ``examples``: the seven pages written for this project (``examples/articles``,
  gold in ``examples/gold``), a regression check only: prompts were tuned on them;
* ``re3d``: the 36 re3d press releases with gold in ``bench/gold/re3d`` (texts read by
  path from ``../shared/evaldata/re3d``);
* ``pages``: the same 36 as scraped pages (:mod:`bench.pages`, seed 14): furniture and
  a second, unrelated release glued on, whose names and figures are traps;
* ``muc4``: the first 50 MUC-4 TST3+TST4 texts, role fillers scored as
  :mod:`bench.muc4` scores them.

Systems, all on the same server, articles and run:

* ``summarizer``: ``Summarizer.extract`` (cleaning on for pages, off for press releases
  and newswire, as ``bench/re3d.py`` and ``bench/muc4.py`` run it);
* ``labels``: the same in its labelling mode (``extraction="labels"``, #18): the text
  proposes names, tallies, phase and area, the model labels them in one small request;
* ``instructor``: the plain loop a user writes (:mod:`peers.instructor_peer`);
* ``langextract``: LangExtract 1.7.1 with one few-shot example
  (:mod:`peers.langextract_peer`, in ``bench/.venv-peers``).

Scoring is the library's (:func:`summarizer.evaluate.score_report` and
:func:`~summarizer.evaluate.aggregate`) on every report set: micro/macro F1 per list
field, scalar accuracy, force roles, gold traps hit, grounded share.  On ``pages`` one
more count: **second-story facts**, the facts whose value is a trap of the glued
release or whose quote lies in it (its headline block and text).  A peer without quotes
(instructor) has no grounded share and is checked on values only.  Cost per article:
median seconds (generation time; a cached article shows the seconds recorded when it
was generated), median prompt and completion tokens, mean requests.

Every response goes through a cache (the library's own; the peers' in
``<cache>/bench-quality``, JSON only, keyed by the full request), so a rerun is instant.
Prints one markdown table per set (the README's quality section) and writes
bench/out/quality.json (settings of every system, scores, per-article rows) and
bench/out/quality.md.  Without ``--endpoint`` it starts the embedded model once, as
``bench/embedded.py`` does (reusing a running ``summarizer local start`` server).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import muc4
import pages
from peers import instructor_peer, langextract_peer
from peers.cache import JsonCache, request_key
from peers.instructor_peer import PeerRun, PeerSettings

from summarizer import Settings, Summarizer, evaluate
from summarizer.core.schema import OperationReport
from summarizer.errors import SummarizerError
from summarizer.evaluate import Gold, Trap
from summarizer.evaluate.matching import COUNT_TOLERANCE, name_tier, op_name_key, quantity_has
from summarizer.settings import EMBEDDED_MODEL_NAME

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SETS = ("examples", "re3d", "pages", "muc4")
SYSTEMS = ("summarizer", "labels", "instructor", "langextract")
MUC4_FIRST = 50
LABELS = {
    "examples": "pages written for this project (regression check only)",
    "re3d": "re3d press releases (CENTCOM, UK Government, US State Department)",
    "pages": "page-shaped re3d: scraped-page furniture and a glued second story (seed 14)",
    "muc4": "MUC-4 TST3+TST4, first 50 (role fillers)",
}
#: press releases and newswire carry no page furniture; cleaning is for scraped pages
CLEAN = {"examples": True, "re3d": False, "pages": True, "muc4": False}


# --------------------------------------------------------------------------- sets


@dataclass(frozen=True)
class Item:
    """One article of a set, with what scoring it needs."""

    id: str
    text: str
    published: date | None = None
    gold: Gold | None = None
    muc4: muc4.Doc | None = None
    #: pages: where the glued story (its headline block and text) sits in the page
    second: tuple[int, int] | None = None


def load_examples(limit: int | None) -> list[Item]:
    gold_dir = ROOT / "examples" / "gold"
    manifest = {
        Path(e["file"]).name: date.fromisoformat(e["published"])
        for e in json.loads((ROOT / "examples" / "manifest.json").read_text(encoding="utf-8"))
    }
    items = []
    for stem, gold in evaluate.load_gold(gold_dir).items():
        path = (gold_dir.parent / gold.article).resolve()
        items.append(
            Item(stem, path.read_text(encoding="utf-8"), manifest.get(path.name), gold=gold)
        )
    return items[:limit]


def load_re3d(limit: int | None) -> list[Item]:
    docs = [d for d in pages.load_docs(pages.DATA, pages.GOLD) if d.gold is not None]
    return [Item(f"{d.source}/{d.id}", d.text, gold=Gold.model_validate(d.gold)) for d in docs][
        :limit
    ]


def second_region(v: pages.Variant) -> tuple[int, int]:
    """The glued story on the page: from its headline block to the end of its text."""
    title = v.second.title.strip()
    start = v.text.find(title, v.body_span[1]) if title else -1
    if start < 0 or start > v.second_span[0]:
        start = v.second_span[0]
    return start, v.second_span[1]


def load_pages(limit: int | None) -> list[Item]:
    variants = pages.make_variants(pages.DATA, pages.GOLD, seed=pages.DEFAULT_SEED)
    return [
        Item(v.id, v.text, gold=Gold.model_validate(pages.gold_for(v)), second=second_region(v))
        for v in variants
    ][:limit]


def load_muc4(limit: int | None) -> list[Item]:
    docs = muc4.load_docs(muc4.DATA, MUC4_FIRST)
    return [Item(d.docid, d.text, muc4=d) for d in docs][:limit]


LOADERS: dict[str, Callable[[int | None], list[Item]]] = {
    "examples": load_examples,
    "re3d": load_re3d,
    "pages": load_pages,
    "muc4": load_muc4,
}


# --------------------------------------------------------------------------- one article


@dataclass
class Run:
    """One system on one article: a report (or MUC-4 role fillers), cost, seconds."""

    id: str
    value: Any
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    cache_hit: bool = False
    seconds: float | None = None
    error: str | None = None


class Timings:
    """Generation seconds per article, kept beside the peers' responses: a cached
    article reports the seconds it took when it was generated, not the cache read."""

    def __init__(self, cache: JsonCache) -> None:
        self._cache = cache

    def seconds(self, key: str, wall: float, fresh: bool) -> float | None:
        k = request_key("timing", {"article": key})
        if fresh:
            self._cache.set(k, {"seconds": round(wall, 3)})
            return round(wall, 3)
        entry = self._cache.get(k)
        seconds = entry.get("seconds") if isinstance(entry, dict) else None
        return float(seconds) if isinstance(seconds, int | float) else None


def article_key(*parts: Any) -> str:
    """What identifies a peer's article: system, settings (but the timeout, which
    changes no answer), task and text."""
    parts = tuple(
        {k: v for k, v in p.items() if k != "timeout"} if isinstance(p, dict) else p for p in parts
    )
    blob = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def peer_article(run_id: str, peer: PeerRun, value: Any, timings: Timings, key: str) -> Run:
    fresh = peer.cache_hits == 0
    return Run(
        run_id,
        value,
        peer.prompt_tokens,
        peer.completion_tokens,
        peer.requests,
        cache_hit=peer.requests > 0 and peer.cache_hits == peer.requests,
        # a failed article cost its seconds too; only answers are replayed, so only
        # their seconds are kept for a rerun
        seconds=(
            timings.seconds(key, peer.seconds, fresh)
            if peer.error is None
            else round(peer.seconds, 3)
        ),
        error=peer.error,
    )


# --------------------------------------------------------------------------- systems


@dataclass
class Bench:
    """The server, the settings every system shares, and the caches."""

    url: str
    identity: str
    library: Settings
    peer: PeerSettings
    peer_cache_dir: Path
    instructor_mode: str | None
    peers_python: Path
    timings: Timings
    log_dir: Path
    _summarizers: dict[tuple[bool, str], Summarizer] = field(default_factory=dict)
    _instructor: instructor_peer.InstructorPeer | None = None

    def summarizer(self, clean: bool, extraction: str = "quotes") -> Summarizer:
        if (clean, extraction) not in self._summarizers:
            settings = self.library.model_copy(update={"clean": clean, "extraction": extraction})
            self._summarizers[clean, extraction] = Summarizer(settings)
        return self._summarizers[clean, extraction]

    def instructor(self) -> instructor_peer.InstructorPeer:
        if self._instructor is None:
            self._instructor = instructor_peer.InstructorPeer(
                self.url, self.peer, self.peer_cache_dir, self.identity, self.instructor_mode
            )
        return self._instructor

    def close(self) -> None:
        for s in self._summarizers.values():
            s.close()
        if self._instructor is not None:
            self._instructor.close()

    def records(self, systems: Sequence[str]) -> dict[str, Any]:
        s = self.library
        out: dict[str, Any] = {}
        if "summarizer" in systems:
            out["summarizer"] = {
                "model": s.model,
                "endpoint_kind": s.resolved_endpoint_kind,
                "mode": s.mode or "JSON_SCHEMA (json_object + schema on llama.cpp)",
                "temperature": s.temperature,
                "seed": s.seed,
                "max_tokens": s.max_tokens,
                "max_reasks": s.max_reasks,
                "max_input_chars": s.resolved_max_input_chars,
                "clean": CLEAN,
                "prompt": "the library's default prompt (prompts/)",
                "extraction": "quotes",
            }
        if "labels" in systems:
            out["labels"] = {
                "model": s.model,
                "endpoint_kind": s.resolved_endpoint_kind,
                "temperature": s.temperature,
                "seed": s.seed,
                "max_tokens": s.max_tokens,
                "max_input_chars": s.resolved_max_input_chars,
                "clean": CLEAN,
                "extraction": "labels (prompts/operation_labels; MUC-4's own schema is "
                "asked with quotes, as in the summarizer column)",
            }
        if "instructor" in systems:
            out["instructor"] = self.instructor().record()
        if "langextract" in systems:
            out["langextract"] = langextract_peer.record(self.peer)
        return out


def run_labels(bench: Bench, set_name: str, items: Sequence[Item]) -> list[Run]:
    """The library in its labelling mode (#18)."""
    return run_summarizer(bench, set_name, items, extraction="labels")


def run_summarizer(
    bench: Bench, set_name: str, items: Sequence[Item], extraction: str = "quotes"
) -> list[Run]:
    s = bench.summarizer(CLEAN[set_name], extraction)
    schema = muc4.Muc4Incidents if set_name == "muc4" else None
    runs = []
    for item in items:
        started = time.perf_counter()
        try:
            job = s.prepare(text=item.text, published=item.published, schema=schema)
            ex: Any = s.extract_prepared(job)
        except SummarizerError as exc:
            wall = round(time.perf_counter() - started, 3)
            runs.append(Run(item.id, None, seconds=wall, error=f"{exc.kind}: {str(exc)[:160]}"))
            continue
        wall = time.perf_counter() - started
        u = ex.meta.usage
        value = muc4.predicted_roles(ex.value) if set_name == "muc4" else ex.value
        hit = bool(ex.meta.cache_hit)
        seconds = bench.timings.seconds(f"summarizer:{job.key}", wall, not hit)
        runs.append(
            Run(
                item.id,
                value,
                u.prompt_tokens,
                u.completion_tokens,
                u.requests,
                cache_hit=hit,
                seconds=seconds,
            )
        )
    return runs


def run_instructor(bench: Bench, set_name: str, items: Sequence[Item]) -> list[Run]:
    peer = bench.instructor()
    runs = []
    for item in items:
        # an example page's publication date is fixed by its text
        key = article_key("instructor", bench.identity, peer.record(), set_name, item.text)
        value: Any
        if set_name == "muc4":
            result = peer.incidents(item.text)
            value = instructor_peer.incident_roles(result.value)
        else:
            result = peer.report(item.text, item.published)
            value = (
                instructor_peer.to_operation_report(result.value)
                if result.value is not None
                else None
            )
        if result.error is None and result.value is not None and value is None:
            result.error = "the answer is not a valid OperationReport"
        runs.append(peer_article(item.id, result, value, bench.timings, key))
    return runs


def run_langextract(bench: Bench, set_name: str, items: Sequence[Item]) -> list[Run]:
    task = "muc4" if set_name == "muc4" else "report"
    by_id = {item.id: item for item in items}
    done: dict[str, Run] = {}
    rows = langextract_peer.run(
        [(item.id, item.text) for item in items],
        task=task,
        base_url=bench.url,
        settings=bench.peer,
        cache_dir=bench.peer_cache_dir,
        namespace=bench.identity,
        python=bench.peers_python,
        log=bench.log_dir / "langextract_worker.log",
    )
    for row in rows:
        item = by_id[row["id"]]
        extractions = row.get("extractions") or []
        value: Any
        if task == "muc4":
            value = langextract_peer.incident_roles(extractions)
        elif row.get("error"):
            value = None
        else:
            value = langextract_peer.to_operation_report(extractions, item.text, item.published)
        result = langextract_peer.peer_run(row, value)
        if result.error is None and task == "report" and value is None:
            result.error = "the extractions are not a valid OperationReport"
        key = article_key(
            "langextract", bench.identity, langextract_peer.record(bench.peer), task, item.text
        )
        done[item.id] = peer_article(item.id, result, value, bench.timings, key)
    lost = "no answer from the LangExtract worker (see langextract_worker.log)"
    return [done.get(item.id) or Run(item.id, None, error=lost) for item in items]


RUNNERS: dict[str, Callable[[Bench, str, Sequence[Item]], list[Run]]] = {
    "summarizer": run_summarizer,
    "labels": run_labels,
    "instructor": run_instructor,
    "langextract": run_langextract,
}
#: systems whose facts carry quotes (a grounded share means something)
QUOTES = {"summarizer": True, "labels": True, "instructor": False, "langextract": True}


# --------------------------------------------------------------------------- scoring


def _evidence_in(evidence: Any, region: tuple[int, int]) -> bool:
    start = getattr(evidence, "start", None)
    return start is not None and region[0] <= start < region[1]


def second_story_facts(
    report: OperationReport | None, region: tuple[int, int] | None, traps: Sequence[Trap]
) -> list[str]:
    """Facts of ``report`` taken from the glued story: a value that is one of its traps
    (``traps``: the second story's, see :mod:`bench.pages`), or a quote that starts
    inside ``region``.  Each fact counts once."""
    if report is None:
        return []
    found: list[str] = []

    def check(what: str, evidence: Any, value_hit: bool) -> None:
        if value_hit or (region is not None and _evidence_in(evidence, region)):
            found.append(what)

    by_field: dict[str, list[Trap]] = {}
    for t in traps:
        by_field.setdefault(t.field, []).append(t)
    if report.operation_name:
        keys = {op_name_key(n) for t in by_field.get("operation_name", []) for n in t.name}
        check(
            f"operation_name: {report.operation_name}",
            report.operation_evidence,
            op_name_key(report.operation_name) in keys,
        )
    for name in ("country", "start_date", "end_date", "area"):
        fact = getattr(report, name)
        if fact is not None:
            what = getattr(fact, "name", None) or getattr(fact, "raw", "")
            check(f"{name}: {what}", fact.evidence, False)
    for name in ("forces", "locations", "officials", "adversaries"):
        for item in getattr(report, name):
            hit = any(name_tier(item.name, t.name) for t in by_field.get(name, []))
            check(f"{name}: {item.name}", item.evidence, hit)
    for o in report.outcomes:
        hit = any(
            t.value is not None and quantity_has(o.quantity, t.value, COUNT_TOLERANCE)
            for t in by_field.get("outcomes", [])
        )
        raw = o.quantity.raw if o.quantity is not None else "?"
        check(f"outcomes: {o.category} {raw} {o.object}", o.evidence, hit)
    for obj in report.objectives:
        check(f"objectives: {obj.text[:60]}", obj.evidence, False)
    for src in report.sources:
        check(f"sources: {src.name}", src.evidence, False)
    return found


def cost(runs: Sequence[Run]) -> dict[str, Any]:
    """Per-article cost: median seconds and tokens, mean requests, errors, cache hits."""
    secs = [r.seconds for r in runs if r.seconds is not None]
    return {
        "articles": len(runs),
        "errors": sum(r.error is not None for r in runs),
        "cache_hits": sum(r.cache_hit for r in runs),
        "median_seconds": round(statistics.median(secs), 2) if secs else None,
        "timed_articles": len(secs),
        "median_prompt_tokens": statistics.median(r.prompt_tokens for r in runs) if runs else None,
        "median_completion_tokens": (
            statistics.median(r.completion_tokens for r in runs) if runs else None
        ),
        "requests_per_article": (
            round(statistics.mean(r.requests for r in runs), 2) if runs else None
        ),
    }


def score_reports(
    items: Sequence[Item], runs: Sequence[Run], quotes: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The library's scores over a report set, plus second-story facts on pages."""
    scores = []
    rows = []
    second_total = 0
    for item, run in zip(items, runs, strict=True):
        assert item.gold is not None
        report = run.value if isinstance(run.value, OperationReport) else None
        sc = evaluate.score_report(report, item.gold)
        if not quotes:
            sc.grounded_share = None
        scores.append(sc)
        second: list[str] = []
        if item.second is not None:
            own = [t for t in item.gold.traps if t.note == pages.TRAP_NOTE]
            second = second_story_facts(report, item.second if quotes else None, own)
            second_total += len(second)
        rows.append(
            {
                **_row(run),
                "relevance": report.relevance if report is not None else None,
                "country": report.country.name if report and report.country else None,
                "listed": {
                    k: len(getattr(report, k))
                    for k in ("forces", "locations", "officials", "adversaries", "outcomes")
                }
                if report is not None
                else None,
                "f1": round(sc.f1, 4),
                "wrong_scalars": sorted(k for k, ok in sc.scalars.items() if ok is False),
                "traps": sc.traps,
                "second_story": second,
                "missed": {k: f.missed for k, f in sc.fields.items() if f.missed},
                "spurious": {k: f.spurious for k, f in sc.fields.items() if f.spurious},
            }
        )
    summary = evaluate.aggregate(scores)
    out = {
        "scores": evaluate.to_json(summary),
        "second_story_facts": second_total if any(i.second for i in items) else None,
        "cost": cost(runs),
    }
    return out, rows


def _prf(p: float, r: float, f: float) -> dict[str, float]:
    return {"P": round(p, 4), "R": round(r, 4), "F1": round(f, 4)}


def score_muc4(
    items: Sequence[Item], runs: Sequence[Run]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Role fillers scored as :func:`bench.muc4.run` scores them (head noun and exact)."""
    modes = ("head", "exact")
    per_role = {m: {r: muc4.Counts() for r in muc4.ROLES} for m in modes}
    rows = []
    for item, run in zip(items, runs, strict=True):
        assert item.muc4 is not None
        preds = run.value if isinstance(run.value, dict) else {r: [] for r in muc4.ROLES}
        head: dict[str, list[int]] = {}
        for mode in modes:
            for role in muc4.ROLES:
                c = muc4.score_role(preds.get(role, []), item.muc4.gold[role], mode)
                per_role[mode][role].add(c)
                if mode == "head":
                    head[role] = [c.p_hit, c.n_pred, c.r_hit, c.n_gold]
        rows.append({**_row(run), "head": head, "predicted": preds})
    scores: dict[str, Any] = {}
    for mode in modes:
        micro = muc4.Counts()
        for c in per_role[mode].values():
            micro.add(c)
        scores[mode] = {
            "roles": {r: _prf(*per_role[mode][r].prf()) for r in muc4.ROLES},
            "micro": _prf(*micro.prf()),
            "macro": _prf(*muc4.macro(per_role[mode])),
        }
    return {"scores": scores, "cost": cost(runs)}, rows


def _row(run: Run) -> dict[str, Any]:
    d = asdict(run)
    d.pop("value")
    return d


# --------------------------------------------------------------------------- the table


def _f(x: Any, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def _cost_rows(results: dict[str, dict[str, Any]], systems: Sequence[str]) -> list[list[str]]:
    c = {s: results[s]["cost"] for s in systems}
    return [
        ["median s / article", *(_f(c[s]["median_seconds"], ".1f") for s in systems)],
        [
            "median tokens / article (prompt / completion)",
            *(
                f"{_f(c[s]['median_prompt_tokens'], '.0f')} / "
                f"{_f(c[s]['median_completion_tokens'], '.0f')}"
                for s in systems
            ),
        ],
        ["requests / article", *(_f(c[s]["requests_per_article"], ".2f") for s in systems)],
    ]


def report_rows(results: dict[str, dict[str, Any]], systems: Sequence[str]) -> list[list[str]]:
    sc = {s: results[s]["scores"] for s in systems}
    rows = [
        [
            "documents (no report)",
            *(f"{sc[s]['reports']} ({sc[s]['missing']})" for s in systems),
        ],
        [
            "list facts micro P / R / F1",
            *(
                f"{_f(sc[s]['overall']['precision'])} / {_f(sc[s]['overall']['recall'])} / "
                f"{_f(sc[s]['overall']['f1'])}"
                for s in systems
            ),
        ],
        ["list facts macro F1", *(_f(sc[s]["overall_macro_f1"]) for s in systems)],
    ]
    for name in evaluate.LIST_FIELDS:
        rows.append(
            [
                f"{name} F1 micro / macro (gold facts)",
                *(
                    f"{_f(sc[s]['fields'][name]['f1'])} / {_f(sc[s]['fields'][name]['macro_f1'])}"
                    f" ({sc[s]['fields'][name]['support']})"
                    for s in systems
                ),
            ]
        )
    rate_rows = [(name, name) for name in evaluate.SCALAR_FIELDS]
    rate_rows.append(("force role", "force_role"))
    for label, key in rate_rows:
        cells = []
        for s in systems:
            r = sc[s]["force_role"] if key == "force_role" else sc[s]["scalars"][key]
            cells.append(f"{_f(r['accuracy'])} ({r['total']})")
        rows.append([f"{label} accuracy (judged)", *cells])
    rows.append(
        ["trap violations (gold traps hit)", *(str(sc[s]["trap_violations"]) for s in systems)]
    )
    if any(results[s].get("second_story_facts") is not None for s in systems):
        rows.append(
            [
                "second-story facts (value or quote)",
                *(
                    str(results[s]["second_story_facts"])
                    + ("" if QUOTES.get(s, True) else " (values only)")
                    for s in systems
                ),
            ]
        )
    rows.append(["grounded share", *(_f(sc[s]["grounded_share"]) for s in systems)])
    return rows + _cost_rows(results, systems)


def muc4_rows(results: dict[str, dict[str, Any]], systems: Sequence[str]) -> list[list[str]]:
    sc = {s: results[s]["scores"] for s in systems}

    def prf(d: dict[str, float]) -> str:
        return f"{d['F1']:.3f} ({d['P']:.3f} / {d['R']:.3f})"

    rows = [
        [
            "documents (errors)",
            *(
                f"{results[s]['cost']['articles']} ({results[s]['cost']['errors']})"
                for s in systems
            ),
        ]
    ]
    for role in muc4.ROLES:
        rows.append(
            [f"{role} head F1 (P / R)", *(prf(sc[s]["head"]["roles"][role]) for s in systems)]
        )
    rows.append(["micro head F1 (P / R)", *(prf(sc[s]["head"]["micro"]) for s in systems)])
    rows.append(["macro head F1 (P / R)", *(prf(sc[s]["head"]["macro"]) for s in systems)])
    rows.append(["micro exact F1 (P / R)", *(prf(sc[s]["exact"]["micro"]) for s in systems)])
    return rows + _cost_rows(results, systems)


def markdown(set_name: str, n: int, results: dict[str, dict[str, Any]]) -> str:
    systems = list(results)
    rows = (muc4_rows if set_name == "muc4" else report_rows)(results, systems)
    head = f"**{set_name}**: {LABELS[set_name]}, {n} documents"
    lines = [
        head,
        "",
        "| measure | " + " | ".join(systems) + " |",
        "|---|" + "---|" * len(systems),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------- server


def open_server(args: argparse.Namespace, library: Settings) -> tuple[str, str, Callable[[], None]]:
    """(base URL, model identity for the peers' cache keys, stop).  Without
    ``--endpoint``: the embedded model, started once (or a running local server)."""
    if args.endpoint:
        return args.endpoint.rstrip("/"), f"{args.endpoint_kind}:{args.model}", lambda: None
    from summarizer.llm import local

    embedded = library.model_copy(update={"base_url": None, "model": None})
    if embedded.model_path is not None:
        p = Path(embedded.model_path)
        identity = f"gguf:{p.name}:{p.stat().st_size}"
    else:
        identity = f"{EMBEDDED_MODEL_NAME}@sha256:{local.BUNDLED_SHA256}"
    url = local.find_running_server(embedded)
    if url is not None:
        return url, identity, lambda: None
    server = local.LocalServer(embedded)
    return server.start(), identity, server.stop


def warm_up(url: str, model: str) -> None:
    """Page the weights in before anything is timed."""
    import openai

    openai.OpenAI(base_url=url, api_key="not-needed", max_retries=0).chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=1
    )


# --------------------------------------------------------------------------- main


def _choices(text: str, allowed: Sequence[str], what: str) -> list[str]:
    chosen = [c.strip() for c in text.split(",") if c.strip()]
    wrong = [c for c in chosen if c not in allowed]
    if wrong or not chosen:
        raise SystemExit(f"--{what}: choose from {', '.join(allowed)} (got {text!r})")
    return [c for c in allowed if c in chosen]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS))
    ap.add_argument("--systems", default=",".join(SYSTEMS), help=", ".join(SYSTEMS))
    ap.add_argument("--limit", type=int, default=None, help="first N documents of each set")
    ap.add_argument(
        "--only", default=None, help="comma-separated parts of document ids: only those"
    )
    ap.add_argument("--endpoint", default=None, help="OpenAI-compatible URL; default embedded")
    ap.add_argument("--model", default=EMBEDDED_MODEL_NAME, help="model name at --endpoint")
    ap.add_argument("--endpoint-kind", default="llamacpp", help="Settings.endpoint_kind")
    ap.add_argument("--cache", type=Path, default=None, help="cache directory (library + peers)")
    ap.add_argument(
        "--instructor-mode", default=None, help="instructor Mode name; default from_openai's"
    )
    ap.add_argument("--peers-python", type=Path, default=langextract_peer.PEERS_PYTHON)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    args.sets = _choices(args.sets, SETS, "sets")
    args.systems = _choices(args.systems, SYSTEMS, "systems")
    return args


def _only(items: list[Item], only: str | None) -> list[Item]:
    """The documents whose id contains one of the comma-separated parts (to look at a few)."""
    if not only:
        return items
    parts = [p.strip() for p in only.split(",") if p.strip()]
    return [i for i in items if any(p in i.id for p in parts)]


def library_settings(args: argparse.Namespace) -> Settings:
    """The user's settings (environment), with the weights and cache where asked."""
    base = Settings.from_env(**({"cache_dir": args.cache} if args.cache else {}))
    return base.model_copy(
        update={
            "model_dir": base.resolved_model_dir,
            # the embedded model's input budget, also for a llama.cpp --endpoint
            "max_input_chars": base.resolved_max_input_chars,
        }
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    user = library_settings(args)
    sets = {name: _only(LOADERS[name](args.limit), args.only) for name in args.sets}
    url, identity, stop = open_server(args, user)
    started = time.perf_counter()
    peer_cache = (args.cache or user.resolved_cache_dir) / "bench-quality"
    timings_cache = JsonCache(peer_cache)
    library = user.model_copy(
        update={"base_url": url, "endpoint_kind": args.endpoint_kind, "model": args.model}
    )
    bench = Bench(
        url=url,
        identity=identity,
        library=library,
        peer=PeerSettings(
            args.model, library.temperature, library.max_tokens, library.seed, library.timeout
        ),
        peer_cache_dir=peer_cache,
        instructor_mode=args.instructor_mode,
        peers_python=args.peers_python,
        timings=Timings(timings_cache),
        log_dir=args.out,
    )
    results: dict[str, Any] = {}
    tables: list[str] = []
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        warm_up(url, args.model)
        print(f"server {url} ({identity})", file=sys.stderr, flush=True)
        for set_name, items in sets.items():
            per_system: dict[str, Any] = {}
            for system in args.systems:
                t0 = time.perf_counter()
                try:
                    runs = RUNNERS[system](bench, set_name, items)
                except FileNotFoundError as exc:  # the peers' interpreter is not set up
                    print(f"{system}: skipped: {exc}", file=sys.stderr)
                    continue
                if set_name == "muc4":
                    summary, rows = score_muc4(items, runs)
                else:
                    summary, rows = score_reports(items, runs, QUOTES[system])
                summary["wall_seconds"] = round(time.perf_counter() - t0, 1)
                per_system[system] = {**summary, "rows": rows}
                for row in rows:
                    print(json.dumps({"set": set_name, "system": system, **row}), file=sys.stderr)
            if per_system:
                results[set_name] = {"label": LABELS[set_name], "documents": len(items)}
                results[set_name]["systems"] = per_system
                tables.append(markdown(set_name, len(items), per_system))
        records = bench.records(args.systems)
    finally:
        bench.close()
        timings_cache.close()
        stop()
    text = "\n\n".join(tables)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "quality.md").write_text(text + "\n", encoding="utf-8")
    payload = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/quality.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "model": identity,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "settings": records,
        "sets": results,
        "markdown": text,
    }
    (args.out / "quality.json").write_text(json.dumps(payload, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
