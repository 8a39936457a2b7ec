"""``summarizer summarize``: many articles in, one report (or error record) each out."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from summarizer.apps.cli.common import (
    fail,
    input_sources,
    interruptible,
    load_settings,
    parse_date,
    read_items,
    run_summary,
)
from summarizer.apps.cli.progress import ProgressBar

#: exit code when a ``--max-tokens-total`` / ``--max-cost`` budget stopped the run
EXIT_BUDGET = 3


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
    from summarizer.runs.many import Tally, price_for, summarize_many

    pub = parse_date(published)
    _check_format(fmt, out, table_name)
    sources = input_sources(inputs)
    summarizer, settings, table = _open_summarizer(model, base_url, cache_dir, no_cache, prices)
    model_name = summarizer.model_name
    price = price_for(model_name, table)
    run_prices = {model_name: price} if price is not None else {}
    budget = _budget(summarizer, max_tokens_total, max_cost, run_prices)
    workers = concurrency or (1 if settings.embedded else 4)
    items = read_items(sources)
    output = _Output(fmt, out, table_name)
    tally = Tally(run_prices, model=model_name)
    budget_skips = 0
    with interruptible("finished items", output.close):
        with summarizer, ProgressBar(len(items)) as advance:
            for result in summarize_many(
                items,
                summarizer=summarizer,
                concurrency=workers,
                published=pub,
                skip_keys=output.skip_keys,
                budget=budget,
            ):
                tally.add(result)
                budget_skips += _budget_skipped(result)
                output.write(result, sources[result.index])
                advance(result)
        output.finish()
    _end(tally.totals(), model_name, budget, budget_skips)


# --------------------------------------------------------------------------- steps


def _check_format(fmt: Format, out: Path | None, table_name: Table | None) -> None:
    """Before any token is spent: ``--table`` goes with a table format, the ``tables``
    extra is there, Parquet has a file."""
    from summarizer.errors import ConfigError
    from summarizer.outputs.tables import require_pandas

    if fmt not in (Format.csv, Format.parquet):
        if table_name is not None:
            raise typer.BadParameter("needs --format csv or parquet", param_hint="--table")
        return
    if fmt is Format.parquet and out is None:
        raise typer.BadParameter("Parquet is binary: give --out FILE.parquet", param_hint="--out")
    try:
        require_pandas()
    except ConfigError as exc:
        fail(exc, 2)


def _open_summarizer(
    model: str | None,
    base_url: str | None,
    cache_dir: Path | None,
    no_cache: bool,
    prices: str | None,
) -> tuple[Any, Any, dict[str, Any]]:
    """The Summarizer, its settings and the price table; a bad setting exits 2."""
    from summarizer.errors import ConfigError
    from summarizer.pipeline.summarizer import Summarizer
    from summarizer.runs.many import DEFAULT_PRICES, load_prices

    try:
        settings = load_settings(model=model, base_url=base_url, cache_dir=cache_dir)
        if no_cache:
            settings = settings.model_copy(update={"use_cache": False})
        table = {**DEFAULT_PRICES, **(load_prices(prices) if prices else {})}
        return Summarizer(settings), settings, table
    except (ConfigError, ValueError) as exc:
        fail(exc, 2)


def _budget(
    summarizer: Any,
    max_tokens_total: int | None,
    max_cost: float | None,
    run_prices: dict[str, Any],
) -> Any:
    """The run's :class:`~summarizer.runs.many.Budget`, or None without a cap; a cost cap
    needs a price for the model (else exit 2)."""
    from summarizer.runs.many import Budget

    if max_tokens_total is None and max_cost is None:
        return None
    model_name = summarizer.model_name
    if max_cost is not None and model_name not in run_prices:
        summarizer.close()
        fail(
            f"--max-cost needs a price for {model_name!r}: "
            f"--prices '{{\"{model_name}\": [USD per 1M prompt, per 1M completion]}}'",
            2,
        )
    return Budget(max_tokens_total, max_cost, dict(run_prices))


def _budget_skipped(result: Any) -> bool:
    return bool(result.skipped and result.error is not None and result.error.kind == "budget")


def _end(t: Any, model_name: str, budget: Any, budget_skips: int) -> None:
    """The summary line on stderr, then the exit code: 3 budget, 1 failures, else 0."""
    typer.echo(run_summary(t, model_name), err=True)
    if budget is not None and budget_skips:
        typer.echo(_budget_note(budget, budget_skips), err=True)
        raise typer.Exit(EXIT_BUDGET)
    if t.failed:
        raise typer.Exit(1)


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


# --------------------------------------------------------------------------- output


class _Output:
    """Where a run's results go.

    ``--format jsonl --out FILE``: appended to FILE as each item finishes, and FILE is
    what a rerun skips.  JSONL and markdown otherwise: streamed to stdout or ``--out``.
    JSON, CSV and Parquet: collected, then written in input order by :meth:`finish`.
    """

    def __init__(self, fmt: Format, out: Path | None, table: Table | None) -> None:
        from summarizer.runs.many import JsonlSink

        self.fmt = fmt
        self.out = out
        self.table = table
        self.tabular = fmt in (Format.csv, Format.parquet)
        resumable = out is not None and fmt is Format.jsonl
        self.sink = JsonlSink(out) if resumable and out is not None else None
        self.stream: Any = (
            None
            if self.sink is not None or fmt is Format.parquet
            else (
                out.open("w", encoding="utf-8", newline="" if self.tabular else None)
                if out
                else sys.stdout
            )
        )
        self.records: list[tuple[int, dict[str, Any]]] = []

    @property
    def skip_keys(self) -> Any:
        # the sink itself: re-read before each item, so a run sharing FILE skips what the
        # other has finished since (and JsonlSink never records an item twice)
        return self.sink if self.sink is not None else frozenset()

    def write(self, result: Any, source: str) -> None:
        record = result.to_record()
        record["source"] = source
        if self.sink is not None:
            # items already in the file are not written again; budget skips are,
            # so the file says what was never attempted (a rerun still does them)
            if not result.skipped or _budget_skipped(result):
                self.sink.write(result)
        elif self.fmt is Format.jsonl:
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.stream.flush()
        elif self.fmt is Format.markdown:
            self.stream.write(_markdown(record) + "\n")
            self.stream.flush()
        else:
            self.records.append((result.index, record))

    def finish(self) -> None:
        """Write what was collected: one JSON document, or one table."""
        ordered = [r for _, r in sorted(self.records, key=lambda x: x[0])]
        if self.fmt is Format.json:
            single = len(ordered) == 1 and ordered[0]["status"] == "ok"
            payload: Any = ordered[0]["report"] if single else ordered
            self.stream.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        elif self.tabular:
            _write_table(ordered, self.fmt, self.table, self.stream, self.out)

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
        elif self.out and self.stream is not None:
            self.stream.close()


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
