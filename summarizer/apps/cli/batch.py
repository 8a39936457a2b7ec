"""``summarizer batch submit|status|collect``: provider batch jobs (OpenAI Batch API)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from summarizer.apps.cli import common

app = typer.Typer(
    no_args_is_help=True,
    help="Provider batch jobs (OpenAI Batch API: half price, answered within 24 h).",
)

#: exit code of ``batch collect`` while the batch is still running
EXIT_BATCH_PENDING = 4


@app.command("submit")
def batch_submit(
    inputs: common.Inputs,
    published: common.Published = None,
    manifest: Annotated[
        Path | None,
        typer.Option(help="Where to keep the job manifest (default: CACHE/batches/ID.json)."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    base_url: Annotated[str | None, typer.Option(help="Endpoint with a Batch API.")] = None,
    cache_dir: common.CacheDir = None,
) -> None:
    """Upload the articles the cache cannot answer as one provider batch; print the job.

    The requests are exactly what ``summarize`` would send.  ``batch status`` and
    ``batch collect`` take the manifest path (or the batch id) from any process later.
    """
    from summarizer.errors import ConfigError, SummarizerError
    from summarizer.pipeline.summarizer import Summarizer
    from summarizer.runs import provider_batch as pb

    pub = common.parse_date(published)
    items = common.read_items(common.input_sources(inputs))
    try:
        with Summarizer(
            common.load_settings(model=model, base_url=base_url, cache_dir=cache_dir)
        ) as s:
            job = pb.submit(items, summarizer=s, published=pub, manifest=manifest)
    except (ConfigError, ValueError) as exc:
        common.fail(exc, 2)
    except SummarizerError as exc:
        common.fail(exc, 1)
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
        loaded = pb.load_job(job, common.load_settings(cache_dir=cache_dir))
        return loaded, pb.job_settings(loaded, cache_dir=cache_dir)
    except (SummarizerError, ValueError) as exc:
        common.fail(exc, 2)


def _open_sink(out: Path | None) -> Any:
    """The JSONL file ``--out`` names, opened now (a directory or an unwritable place
    fails before any answer is collected); ``None`` for stdout, which must be open."""
    from summarizer.runs.many import JsonlSink

    if out is None:
        if sys.stdout is None:
            common.fail("cannot write stdout: it is closed (give --out FILE)", common.EXIT_IO)
        return None
    if out.is_dir():
        common.fail(f"--out {out} is a directory; give a file name", common.EXIT_IO)
    try:
        return JsonlSink(out)
    except OSError as exc:
        common.fail(f"cannot write {out}: {common.io_reason(exc)}", common.EXIT_IO)


@app.command("status")
def batch_status(
    job: Annotated[str, typer.Argument(help="The job's manifest file, or its batch id.")],
    wait: Annotated[bool, typer.Option("--wait", help="Poll until the batch is final.")] = False,
    interval: Annotated[float, typer.Option(min=1.0, help="Seconds between polls.")] = 60.0,
    cache_dir: common.CacheDir = None,
) -> None:
    """Print the batch's state and request counts as JSON."""
    from summarizer.errors import SummarizerError
    from summarizer.runs import provider_batch as pb

    loaded, settings = _load_batch(job, cache_dir)
    try:
        status = pb.wait(loaded, settings, interval=interval) if wait else pb.poll(loaded, settings)
    except SummarizerError as exc:
        common.fail(exc, 1)
    typer.echo(json.dumps(status.to_dict(), indent=2))


@app.command("collect")
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
    cache_dir: common.CacheDir = None,
) -> None:
    """Validate, ground and cache the batch's answers; write one JSONL record per item.

    Records have the shape of ``summarize -f jsonl``.  Exit codes: 0 all good, 1 some
    items failed, 2 usage error, 4 the batch is not finished yet, 74 the output cannot
    be written (checked before any answer is collected).
    """
    from summarizer.errors import SummarizerError
    from summarizer.runs import provider_batch as pb
    from summarizer.runs.budget import DEFAULT_PRICES, load_prices, price_for
    from summarizer.runs.many import Tally

    loaded, settings = _load_batch(job, cache_dir)
    sink = _open_sink(out)
    try:
        table = pb.batch_prices({**DEFAULT_PRICES, **(load_prices(prices) if prices else {})})
        results = pb.collect(loaded, settings, reask_live=reask_live, lenient=lenient)
    except pb.BatchNotReady as exc:
        if sink is not None:
            sink.close()
        typer.echo(f"not finished: {exc}", err=True)
        raise typer.Exit(EXIT_BATCH_PENDING) from None
    except SummarizerError as exc:
        if sink is not None:
            sink.close()
        common.fail(exc, 2 if exc.kind == "config" else 1)
    price = price_for(loaded.model, table)
    tally = Tally({loaded.model: price} if price is not None else {}, model=loaded.model)
    try:
        with common.interruptible("collected items", sink.close if sink is not None else None):
            for result in results:
                tally.add(result)
                if sink is not None:
                    sink.write(result)
                else:
                    typer.echo(json.dumps(result.to_record(), ensure_ascii=False))
    except OSError as exc:
        common.fail(f"cannot write {out or 'stdout'}: {common.io_reason(exc)}", common.EXIT_IO)
    t = tally.totals()
    typer.echo(common.run_summary(t, loaded.model) + " (batch price)", err=True)
    if t.failed:
        raise typer.Exit(1)
