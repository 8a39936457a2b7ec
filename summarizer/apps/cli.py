"""``summarizer`` command line.

Exit codes: 0 every item succeeded, 1 some item failed (each failure is still
written as an error record), 2 usage error, 3 a ``--max-tokens-total`` /
``--max-cost`` budget stopped the run (the items not started are recorded as
``skipped`` with error kind ``budget``), 130 interrupted (Ctrl-C: items finished so far
are kept; with ``--out FILE.jsonl`` a rerun does only the rest).  Results go to stdout
(or ``--out``); a one-line run summary goes to stderr, the progress bar too but only
when stderr is a terminal.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from summarizer._version import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn news articles about military and security operations into validated reports.",
)
local_app = typer.Typer(no_args_is_help=True, help="Manage a long-lived embedded model server.")
cache_app = typer.Typer(no_args_is_help=True, help="Inspect or clear the response cache.")
app.add_typer(local_app, name="local")
app.add_typer(cache_app, name="cache")
batch_app = typer.Typer(
    no_args_is_help=True,
    help="Provider batch jobs (OpenAI Batch API: half price, answered within 24 h).",
)
app.add_typer(batch_app, name="batch")

#: exit code after Ctrl-C (128 + SIGINT, as shells report it)
EXIT_INTERRUPTED = 130

#: file endings picked up when a directory is given
TEXT_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm"}


class Format(StrEnum):
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    csv = "csv"
    parquet = "parquet"


class Table(StrEnum):
    """What ``--format csv|parquet`` writes (see :mod:`summarizer.outputs.tables`)."""

    reports = "reports"
    outcomes = "outcomes"
    forces = "forces"
    events = "events"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """summarizer: operation reports from news articles."""


def expand_inputs(items: list[str]) -> Iterator[str]:
    """Files as given, ``-`` for stdin, globs the shell did not expand, directories."""
    for item in items:
        if item == "-":
            yield item
            continue
        p = Path(item)
        if p.is_dir():
            yield from sorted(
                str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES
            )
        elif not p.exists() and glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            yield from matches if matches else [item]  # a dead glob is a failed item
        else:
            yield item


def _settings(**kw: Any) -> Any:
    from summarizer.settings import Settings

    return Settings.from_env(**kw)


@app.command()
def summarize(
    inputs: Annotated[list[str], typer.Argument(help="Files, globs, directories, or - for stdin.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.json,
    published: Annotated[
        str | None, typer.Option(help="Publication date YYYY-MM-DD, for relative dates.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write here; a .jsonl output is appended and resumed."),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Articles in flight (default 1 embedded, 4 remote)."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name (remote endpoint).")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Response cache directory.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither read nor write.")] = False,
    max_tokens_total: Annotated[
        int | None,
        typer.Option(
            "--max-tokens-total",
            min=1,
            help="Start no new item once this many tokens (prompt + completion, re-asks "
            "included) are spent.",
        ),
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost",
            min=0.0,
            help="Start no new item once the estimated cost in USD reaches this.",
        ),
    ] = None,
    prices: Annotated[
        str | None,
        typer.Option(
            "--prices",
            help="Price table, JSON text or file: {model: [USD per 1M prompt tokens, per 1M "
            "completion tokens]}; overrides a small built-in table of OpenAI list prices.",
        ),
    ] = None,
    table_name: Annotated[
        Table | None,
        typer.Option(
            "--table",
            help="With --format csv|parquet: one row per report (default; failed items "
            "included, with status and error), outcome, force or ACLED-style event.",
        ),
    ] = None,
) -> None:
    """Summarize articles into OperationReport JSON, JSONL, markdown, CSV or Parquet.

    With ``--format jsonl --out FILE`` each finished item is appended at once, and a
    rerun skips items already in FILE with the same content and settings.  A budget
    stops starting new items once reached (items in flight finish and count); the rest
    are recorded as ``skipped`` and the exit code is 3.
    """
    from summarizer.errors import ConfigError
    from summarizer.pipeline.summarizer import Summarizer
    from summarizer.runs.many import (
        DEFAULT_PRICES,
        Budget,
        JsonlSink,
        Tally,
        load_prices,
        price_for,
        summarize_many,
    )

    pub = _parse_date(published)
    tabular = fmt in (Format.csv, Format.parquet)
    if tabular:
        _check_table_output(fmt, out)
    elif table_name is not None:
        raise typer.BadParameter("needs --format csv or parquet", param_hint="--table")
    sources = list(expand_inputs(inputs))
    if not sources:
        raise typer.BadParameter("no input files matched", param_hint="INPUTS")
    try:
        settings = _settings(model=model, base_url=base_url, cache_dir=cache_dir)
        if no_cache:
            settings = settings.model_copy(update={"use_cache": False})
        table = {**DEFAULT_PRICES, **(load_prices(prices) if prices else {})}
        summarizer = Summarizer(settings)
    except (ConfigError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    model_name = summarizer.model_name
    price = price_for(model_name, table)
    run_prices = {model_name: price} if price is not None else {}
    budget: Budget | None = None
    if max_tokens_total is not None or max_cost is not None:
        if max_cost is not None and price is None:
            summarizer.close()
            typer.echo(
                f"error: --max-cost needs a price for {model_name!r}: "
                f"--prices '{{\"{model_name}\": [USD per 1M prompt, per 1M completion]}}'",
                err=True,
            )
            raise typer.Exit(2)
        budget = Budget(max_tokens_total, max_cost, dict(run_prices))
    workers = concurrency or (1 if settings.embedded else 4)
    # stdin goes in as bytes, so a binary or non-UTF-8 stream fails as its own item
    items: list[Any] = [sys.stdin.buffer.read() if src == "-" else Path(src) for src in sources]

    resumable = out is not None and fmt is Format.jsonl
    sink = JsonlSink(out) if resumable and out is not None else None
    # the sink itself: re-read before each item, so a run sharing FILE skips what the
    # other has finished since (and JsonlSink never records an item twice)
    skip: Any = sink if sink is not None else frozenset()
    stream: Any = (
        None
        if sink is not None or fmt is Format.parquet
        else (
            out.open("w", encoding="utf-8", newline="" if tabular else None) if out else sys.stdout
        )
    )
    tally = Tally(run_prices, model=model_name)
    budget_skips = 0
    records: list[tuple[int, dict[str, Any]]] = []
    try:
        with summarizer, _progress(len(items)) as advance:
            for result in summarize_many(
                items,
                summarizer=summarizer,
                concurrency=workers,
                published=pub,
                skip_keys=skip,
                budget=budget,
            ):
                tally.add(result)
                budget_skips += _budget_skipped(result)
                record = result.to_record()
                record["source"] = sources[result.index]
                if sink is not None:
                    # items already in the file are not written again; budget skips are,
                    # so the file says what was never attempted (a rerun still does them)
                    if not result.skipped or _budget_skipped(result):
                        sink.write(result)
                elif fmt is Format.jsonl:
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                    stream.flush()
                elif fmt is Format.markdown:
                    stream.write(_markdown(record) + "\n")
                    stream.flush()
                else:
                    records.append((result.index, record))
                advance(result)
        if fmt is Format.json:
            ordered = [r for _, r in sorted(records, key=lambda x: x[0])]
            single = len(ordered) == 1 and ordered[0]["status"] == "ok"
            payload: Any = ordered[0]["report"] if single else ordered
            stream.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        elif tabular:
            _write_table(
                [r for _, r in sorted(records, key=lambda x: x[0])], fmt, table_name, stream, out
            )
    except KeyboardInterrupt:
        typer.echo("interrupted; finished items were written", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if sink is not None:
            sink.close()
        elif out and stream is not None:
            stream.close()
    t = tally.totals()
    typer.echo(_run_summary(t, model_name), err=True)
    if budget is not None and budget_skips:
        typer.echo(_budget_note(budget, budget_skips), err=True)
        raise typer.Exit(3)
    if t.failed:
        raise typer.Exit(1)


def _check_table_output(fmt: Format, out: Path | None) -> None:
    """Before any token is spent: the ``tables`` extra is there, Parquet has a file."""
    from summarizer.errors import ConfigError
    from summarizer.outputs.tables import require_pandas

    if fmt is Format.parquet and out is None:
        raise typer.BadParameter("Parquet is binary: give --out FILE.parquet", param_hint="--out")
    try:
        require_pandas()
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _write_table(
    records: list[dict[str, Any]], fmt: Format, table: Table | None, stream: Any, out: Path | None
) -> None:
    """The run as one table; failed items are rows of the reports table (status, error)."""
    from summarizer.outputs.tables import frame, write_table

    name = (table or Table.reports).value
    target: Any = stream if stream is not None else out
    write_table(frame(records, name), target, "parquet" if fmt is Format.parquet else "csv")
    failed = sum(r["status"] != "ok" for r in records)
    if failed and name != "reports":
        typer.echo(
            f"{failed} item(s) without a report have no rows in the {name} table "
            "(--table reports lists them with their error)",
            err=True,
        )


def _budget_skipped(result: Any) -> bool:
    return bool(result.skipped and result.error is not None and result.error.kind == "budget")


def _run_summary(t: Any, model_name: str) -> str:
    """One line for stderr: what the run did and what it cost (cache hits are free;
    failed items count the tokens their attempts spent)."""
    if t.cost is None:
        cost = f"cost unknown (no price for {model_name!r}; see --prices)"
    else:
        cost = f"est. cost ${t.cost:.4f}"
    return (
        f"{t.ok} ok, {t.failed} failed, {t.skipped} skipped, {t.cache_hits} cached; "
        f"{t.prompt_tokens:,} prompt + {t.completion_tokens:,} completion tokens "
        f"in {t.requests} requests; {cost}; {t.wall_s:.1f} s"
    )


def _budget_note(budget: Any, skipped: int) -> str:
    caps = []
    if budget.max_tokens_total is not None:
        caps.append(f"{budget.tokens_used:,} of {budget.max_tokens_total:,} tokens")
    if budget.max_cost is not None:
        caps.append(f"${budget.cost_used:.4f} of ${budget.max_cost:.4f}")
    return (
        f"budget reached ({', '.join(caps)}): {skipped} item(s) not started, recorded as "
        "skipped (error kind 'budget'); rerun with a larger budget to do them"
    )


def _markdown(record: dict[str, Any]) -> str:
    from summarizer.core.schema import OperationReport
    from summarizer.outputs.markdown import to_markdown

    if record["status"] != "ok":
        err = record["error"]
        what = "skipped" if record["status"] == "skipped" else "failed"
        return f"## {record['source']}\n\n**{what}** ({err['kind']}): {err['message']}\n"
    return f"<!-- {record['source']} -->\n" + to_markdown(
        OperationReport.model_validate(record["report"])
    )


def _progress_text(
    done: int, total: int, elapsed: float, failed: int, cached: int, skipped: int
) -> str:
    """Rate and ETA from the run's mean so far, then failures, cache hits, skips.

    Rich's own speed estimate looks only at the last 30 s, which on the embedded model
    (about two minutes an article) never holds two samples, so it would show no ETA.
    """
    parts: list[str] = []
    if done and elapsed > 0:
        rate = done / elapsed
        parts.append(f"{rate:.2f}/s" if rate >= 1 else f"{rate * 60:.1f}/min")
        left = (total - done) / rate
        parts.append(f"ETA {int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}")
    else:
        parts.append("ETA -:--:--")
    parts.append(f"{failed} failed")
    parts.append(f"{cached} cached")
    if skipped:
        parts.append(f"{skipped} skipped")
    return " · ".join(parts)


class _progress:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing.

    ``with _progress(n) as advance:`` then ``advance(result)`` per finished item (or
    ``advance()`` when there is no :class:`~summarizer.runs.many.ItemResult`).
    """

    def __init__(self, total: int, console: Any = None) -> None:
        self.total = total
        self._console = console  # tests pass a forced-terminal console
        self._bar: Any = None
        self._task: Any = None
        self._started = 0.0
        self._counts = {"done": 0, "failed": 0, "cached": 0, "skipped": 0}

    def __enter__(self) -> Callable[..., None]:
        enabled = self._console is not None or sys.stderr.isatty()
        if not enabled or self.total <= 1:
            return lambda result=None: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            console=self._console or Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._started = time.monotonic()
        self._task = self._bar.add_task("summarizing", total=self.total, stats=self._stats())
        return self._advance

    def _stats(self) -> str:
        c = self._counts
        elapsed = time.monotonic() - self._started
        return _progress_text(
            c["done"], self.total, elapsed, c["failed"], c["cached"], c["skipped"]
        )

    def _advance(self, result: Any = None) -> None:
        c = self._counts
        c["done"] += 1
        if result is not None:
            if result.skipped:
                c["skipped"] += 1
            elif not result.ok:
                c["failed"] += 1
            elif result.meta is not None and result.meta.cache_hit:
                c["cached"] += 1
        self._bar.update(self._task, advance=1, stats=self._stats())

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


@app.command()
def review(
    file: Annotated[Path, typer.Argument(help="The article to summarize and review.")],
    published: Annotated[str | None, typer.Option(help="Publication date YYYY-MM-DD.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="HTML file to write.")] = None,
) -> None:
    """Write a self-contained HTML review page: article with highlighted evidence."""
    from summarizer.core.schema import OperationReport
    from summarizer.errors import SummarizerError
    from summarizer.pipeline.summarizer import Summarizer

    pub = _parse_date(published)
    target = out or file.with_suffix(".review.html")
    try:
        with Summarizer(_settings()) as s:
            report: OperationReport = s.summarize(file, published=pub)
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    target.write_text(report.to_html(), encoding="utf-8")
    typer.echo(str(target))


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--published") from None


@app.command("eval")
def eval_(
    gold_dir: Annotated[Path, typer.Argument(help="Directory of gold JSON files.")],
    predictions: Annotated[
        Path | None,
        typer.Option(help="Reports to score: a directory of <stem>.json or a JSONL run."),
    ] = None,
    run: Annotated[
        bool, typer.Option("--run", help="Extract the gold articles first (cache applies).")
    ] = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures here as JSON.")
    ] = None,
) -> None:
    """Score reports against gold facts: per-field P/R/F1, traps, grounded share."""
    from summarizer.errors import SummarizerError
    from summarizer.evaluate import scoring as evaluate
    from summarizer.pipeline.summarizer import Summarizer

    if (predictions is None) == (not run):
        raise typer.BadParameter("give exactly one of --predictions or --run")
    if predictions is not None:
        preds: Any = predictions
    else:
        golds = evaluate.load_gold(gold_dir)
        manifest = _manifest_dates(gold_dir.parent / "manifest.json")
        preds = {}
        with Summarizer(_settings()) as s, _progress(len(golds)) as advance:
            for stem, gold in golds.items():
                article = (gold_dir.parent / gold.article).resolve()
                try:
                    preds[stem] = s.summarize(article, published=manifest.get(gold.article))
                except SummarizerError as exc:
                    typer.echo(f"{stem}: failed ({exc.kind}): {exc}", err=True)
                advance()
    summary = evaluate.evaluate(gold_dir, preds)
    typer.echo(evaluate.render_table(summary))
    if json_out is not None:
        json_out.write_text(json.dumps(evaluate.to_json(summary), indent=2), encoding="utf-8")


def _manifest_dates(path: Path) -> dict[str, date]:
    """Publication dates per article from an examples-style manifest, if there is one."""
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {e["file"]: date.fromisoformat(e["published"]) for e in entries if e.get("published")}


@app.command()
def schema(
    write: Annotated[
        Path | None, typer.Option(help="Write the JSON Schema files into this directory.")
    ] = None,
    request: Annotated[bool, typer.Option(help="Print the view the model fills.")] = False,
) -> None:
    """Print (or export) the OperationReport JSON Schema."""
    from summarizer.core.schema import render_schema_files

    files = render_schema_files()
    if write is not None:
        write.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (write / name).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(files)} files to {write}")
        return
    key = "operation_report.request.schema.json" if request else "operation_report.schema.json"
    typer.echo(files[key], nl=False)


class ConsolidateFormat(StrEnum):
    markdown = "markdown"
    json = "json"


class DisplayPolicy(StrEnum):
    most_specific = "most_specific"
    most_conservative = "most_conservative"
    latest = "latest"


@app.command()
def consolidate(
    results: Annotated[
        Path, typer.Argument(help="JSONL from summarize, a JSON list, or a directory of reports.")
    ],
    aliases: Annotated[
        Path | None, typer.Option(help="JSON alias table: a canonical name mapped to its aliases.")
    ] = None,
    policy: Annotated[
        DisplayPolicy | None, typer.Option(help="Pick a display value for disputed fields.")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write JSON here.")] = None,
    svg_out: Annotated[Path | None, typer.Option("--svg", help="Write the timeline SVG.")] = None,
    fmt: Annotated[
        ConsolidateFormat, typer.Option("--format", "-f", help="What to print.")
    ] = ConsolidateFormat.markdown,
    manifest: Annotated[
        Path | None, typer.Option(help="Manifest with publication dates and outlet names.")
    ] = None,
) -> None:
    """Group reports by operation and phase across sources; list every conflict."""
    from summarizer.consolidate.engine import AliasTable, read_results
    from summarizer.consolidate.engine import consolidate as run
    from summarizer.errors import SummarizerError

    try:
        loaded = read_results(results, manifest=manifest)
        table = AliasTable.from_file(aliases) if aliases is not None else None
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if loaded.skipped:
        typer.echo(f"skipped {len(loaded.skipped)} record(s) without a report", err=True)
    result = run(loaded.reports, aliases=table, policy=policy.value if policy else None)
    if fmt is ConsolidateFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(result.to_markdown(), nl=False)
    if json_out is not None:
        json_out.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if svg_out is not None:
        svg_out.write_text(result.to_svg(), encoding="utf-8")


@local_app.command("start")
def local_start(
    model_path: Annotated[Path | None, typer.Option(help="Serve this GGUF instead.")] = None,
) -> None:
    """Start a long-lived embedded server that later runs reuse."""
    from summarizer.errors import SummarizerError
    from summarizer.llm import local

    try:
        state = local.start_background(_settings(model_path=model_path))
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(state, indent=2))


@local_app.command("stop")
def local_stop() -> None:
    """Stop the long-lived embedded server."""
    from summarizer.llm import local

    stopped = local.stop_background(_settings())
    typer.echo("stopped" if stopped else "no server was running")


@local_app.command("status")
def local_status() -> None:
    """Show the long-lived server, if any (exit 1 when none is healthy)."""
    from summarizer.llm import local

    state = local.background_status(_settings())
    typer.echo(json.dumps(state, indent=2) if state else "no server recorded")
    if not state or not state.get("healthy"):
        raise typer.Exit(1)


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is, how many answers it holds, how big it is."""
    from summarizer.cache.store import ResponseCache
    from summarizer.errors import SummarizerError

    try:
        stats = ResponseCache.for_settings(_settings()).stats()
    except SummarizerError as exc:  # an unreachable Redis, a bad URL (password masked)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        json.dumps(
            {
                "backend": stats.backend,
                "location": stats.location,
                "directory": None if stats.directory is None else str(stats.directory),
                "entries": stats.entries,
                "size_bytes": stats.size_bytes,
            },
            indent=2,
        )
    )


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached answer (the embedded model file is kept)."""
    from summarizer.cache.store import ResponseCache
    from summarizer.errors import SummarizerError

    try:
        n = ResponseCache.for_settings(_settings()).clear()
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"removed {n} entries")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind (loopback).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    api_key_env: Annotated[
        str | None,
        typer.Option(
            "--api-key-env",
            help="Require the API key held in this environment variable (never pass a key "
            "on the command line). Default: SUMMARIZER_SERVE_API_KEY, if set.",
        ),
    ] = None,
    max_body_bytes: Annotated[
        int | None, typer.Option(min=1024, help="Largest request body (413 above it).")
    ] = None,
    max_batch_items: Annotated[
        int | None, typer.Option(min=1, help="Most articles in one batch request.")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(min=0.001, help="Seconds per request (504 after it).")
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Articles in flight over all requests (1 embedded, 4 remote)."),
    ] = None,
) -> None:
    """Serve POST /v1/reports, GET /v1/health and GET /v1/version (the 'serve' extra)."""
    try:
        import uvicorn

        from summarizer.apps import serve as service
    except ImportError as exc:
        typer.echo(f"error: {exc.name} is missing: pip install 'summarizer[serve]'", err=True)
        raise typer.Exit(2) from None
    from pydantic import ValidationError

    from summarizer.errors import ConfigError

    try:
        config = service.ServeConfig.from_env(
            api_key_env=api_key_env or service.API_KEY_ENV,
            require_key=api_key_env is not None,
            host=host,
            port=port,
            max_body_bytes=max_body_bytes,
            max_batch_items=max_batch_items,
            request_timeout_s=timeout,
            concurrency=concurrency,
        )
        web_app = service.create_app(_settings(), config)
    except ValidationError as exc:  # its text would echo the values
        typer.echo(f"error: {service.validation_summary(exc)}", err=True)
        raise typer.Exit(2) from None
    except (ConfigError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if config.api_key is None and host not in {"127.0.0.1", "localhost", "::1"}:
        typer.echo(f"warning: serving on {host} without an API key (--api-key-env)", err=True)
    server = uvicorn.Server(
        uvicorn.Config(
            web_app, host=host, port=port, server_header=False, timeout_graceful_shutdown=30
        )
    )
    # uvicorn stops on SIGINT/SIGTERM, then re-raises the signal: a requested stop
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        raise typer.Exit(1)


#: exit code of ``batch collect`` while the batch is still running
EXIT_BATCH_PENDING = 4


@batch_app.command("submit")
def batch_submit(
    inputs: Annotated[list[str], typer.Argument(help="Files, globs, directories, or - for stdin.")],
    published: Annotated[
        str | None, typer.Option(help="Publication date YYYY-MM-DD, for relative dates.")
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(help="Where to keep the job manifest (default: CACHE/batches/ID.json)."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    base_url: Annotated[str | None, typer.Option(help="Endpoint with a Batch API.")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Response cache directory.")] = None,
) -> None:
    """Upload the articles the cache cannot answer as one provider batch; print the job.

    The requests are exactly what ``summarize`` would send.  ``batch status`` and
    ``batch collect`` take the manifest path (or the batch id) from any process later.
    """
    from summarizer.errors import ConfigError, SummarizerError
    from summarizer.pipeline.summarizer import Summarizer
    from summarizer.runs import provider_batch as pb

    pub = _parse_date(published)
    sources = list(expand_inputs(inputs))
    if not sources:
        raise typer.BadParameter("no input files matched", param_hint="INPUTS")
    items: list[Any] = [sys.stdin.buffer.read() if src == "-" else Path(src) for src in sources]
    try:
        with Summarizer(_settings(model=model, base_url=base_url, cache_dir=cache_dir)) as s:
            job = pb.submit(items, summarizer=s, published=pub, manifest=manifest)
    except (ConfigError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    summary = {
        "batch_id": job.batch_id,
        "manifest": str(job.path),
        "items": len(job.items),
        "requests": job.requests,
        "cached": sum(1 for i in job.items if i.error is None and not i.submitted),
        "unreadable": sum(1 for i in job.items if i.error is not None),
    }
    typer.echo(json.dumps(summary, indent=2))


def _load_batch(job: str, cache_dir: Path | None) -> Any:
    from summarizer.errors import SummarizerError
    from summarizer.runs import provider_batch as pb

    try:
        loaded = pb.load_job(job, _settings(cache_dir=cache_dir))
        return loaded, pb.job_settings(loaded, cache_dir=cache_dir)
    except (SummarizerError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@batch_app.command("status")
def batch_status(
    job: Annotated[str, typer.Argument(help="The job's manifest file, or its batch id.")],
    wait: Annotated[bool, typer.Option("--wait", help="Poll until the batch is final.")] = False,
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between polls.")] = 60.0,
    cache_dir: Annotated[Path | None, typer.Option(help="Response cache directory.")] = None,
) -> None:
    """Print the batch's state and request counts as JSON."""
    from summarizer.errors import SummarizerError
    from summarizer.runs import provider_batch as pb

    loaded, settings = _load_batch(job, cache_dir)
    try:
        status = pb.wait(loaded, settings, interval=interval) if wait else pb.poll(loaded, settings)
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(status.to_dict(), indent=2))


@batch_app.command("collect")
def batch_collect(
    job: Annotated[str, typer.Argument(help="The job's manifest file, or its batch id.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Append JSONL here (an item already there is skipped)."),
    ] = None,
    reask_live: Annotated[
        bool,
        typer.Option("--reask-live", help="Send failed items through the live path (re-asks)."),
    ] = False,
    lenient: Annotated[
        bool,
        typer.Option("--lenient", help="Keep answers whose quotes are not found, marked."),
    ] = False,
    prices: Annotated[
        str | None,
        typer.Option(help="Price table as for summarize; batch requests cost half of it."),
    ] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Response cache directory.")] = None,
) -> None:
    """Validate, ground and cache the batch's answers; write one JSONL record per item.

    Records have the shape of ``summarize -f jsonl``.  Exit codes: 0 all good, 1 some
    items failed, 2 usage error, 4 the batch is not finished yet.
    """
    from summarizer.errors import SummarizerError
    from summarizer.runs import provider_batch as pb
    from summarizer.runs.many import DEFAULT_PRICES, JsonlSink, Tally, load_prices, price_for

    loaded, settings = _load_batch(job, cache_dir)
    try:
        table = pb.batch_prices({**DEFAULT_PRICES, **(load_prices(prices) if prices else {})})
        results = pb.collect(loaded, settings, reask_live=reask_live, lenient=lenient)
    except pb.BatchNotReady as exc:
        typer.echo(f"not finished: {exc}", err=True)
        raise typer.Exit(EXIT_BATCH_PENDING) from None
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2 if exc.kind == "config" else 1) from None
    price = price_for(loaded.model, table)
    tally = Tally({loaded.model: price} if price is not None else {}, model=loaded.model)
    sink = JsonlSink(out) if out is not None else None
    try:
        for result in results:
            tally.add(result)
            if sink is not None:
                sink.write(result)
            else:
                typer.echo(json.dumps(result.to_record(), ensure_ascii=False))
    except KeyboardInterrupt:
        typer.echo("interrupted; collected items were written", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if sink is not None:
            sink.close()
    t = tally.totals()
    typer.echo(_run_summary(t, loaded.model) + " (batch price)", err=True)
    if t.failed:
        raise typer.Exit(1)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # instructor logs every re-ask at ERROR level; with no logging configured Python
    # prints those to stderr.  The CLI reports failures itself, per item.
    import logging

    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    # a service manager or ``timeout`` stops a run with SIGTERM: end it the way Ctrl-C
    # does (finished items written, exit 130), not mid-write with the default action
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app()
    except SystemExit as exc:
        if exc.code != EXIT_INTERRUPTED:
            raise
        # Ctrl-C: finished items are written and the output is closed.  Requests still in
        # flight hold pool threads that the interpreter would join before exiting, for
        # up to the request timeout (minutes on the embedded model): leave at once.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
