"""``summarizer summarize``: many articles in, one report (or error record) each out.

Exit codes: 0 every item succeeded, 1 some item failed (its record says why), 2 usage
error (also an input that names no file, once every source has its record), 3 a
budget stopped the run, 74 (:data:`~summarizer.apps.cli.common.EXIT_IO`) the output
cannot be written or stdin read, 130 interrupted.  The output is checked
before any request (a directory, a missing or read-only directory, a closed stdout);
a file given with ``--out`` (other than resumable JSONL, which is appended to) is
written beside itself and renamed over at the end, so it is never left truncated.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from summarizer.apps.cli.common import (
    EXIT_IO,
    CacheDir,
    Inputs,
    Published,
    fail,
    input_sources,
    interruptible,
    io_reason,
    load_settings,
    missing_inputs,
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
    inputs: Inputs,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.json,
    published: Published = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write here; with -f jsonl appended to and resumed, else replaced at the end.",
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Articles in flight (default 1 embedded, 4 remote)."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name (remote endpoint).")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint URL.")] = None,
    cache_dir: CacheDir = None,
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
    rerun skips items already in FILE with the same content and settings.  Other
    formats replace FILE when the run ends (or is interrupted: with the items finished
    so far), never truncating it before.  A budget stops starting new items once
    reached (items in flight finish and count); the rest are recorded as ``skipped``
    and the exit code is 3.

    Exit codes: 0 all items done, 1 some item failed (its record says why), 2 usage
    error or an input that names no file, 3 budget reached, 74 the output cannot be
    written or stdin read (one error line; checked before any request where it can
    be), 130 interrupted.
    """
    from summarizer.runs.budget import price_for
    from summarizer.runs.many import Tally, summarize_many

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
    try:
        output = _Output(fmt, out, table_name, len(sources))
    except OutputError as exc:
        summarizer.close()
        fail(exc, EXIT_IO)
    tally = Tally(run_prices, model=model_name)
    budget_skips = 0
    first_failure: str | None = None
    try:
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
                    if first_failure is None and not result.ok and not result.skipped:
                        first_failure = _describe_failure(sources[result.index], result.error)
                    output.write(result, sources[result.index])
                    advance(result)
            output.finish()
    except OutputError as exc:
        fail(exc, EXIT_IO)
    _end(tally.totals(), model_name, budget, budget_skips, first_failure, missing_inputs(sources))


def _describe_failure(source: str, error: Any) -> str:
    """The first failed item, for the end-of-run line: where, what kind, what happened."""
    message = " ".join(str(getattr(error, "message", error)).split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"first failure: {source}: {getattr(error, 'kind', 'error')}: {message}"


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
    from summarizer.runs.budget import DEFAULT_PRICES, load_prices

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
    """The run's :class:`~summarizer.runs.budget.Budget`, or None without a cap; a cost cap
    needs a price for the model (else exit 2)."""
    from summarizer.runs.budget import Budget

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


def _end(
    t: Any,
    model_name: str,
    budget: Any,
    budget_skips: int,
    first_failure: str | None = None,
    missing: Sequence[str] = (),
) -> None:
    """The summary line on stderr (ending with the first failure), then the exit code:
    3 budget, 2 an input named no file (a usage error, though every source still has
    its record), 1 other failures, else 0."""
    line = run_summary(t, model_name)
    typer.echo(line if first_failure is None else f"{line}; {first_failure}", err=True)
    if budget is not None and budget_skips:
        typer.echo(_budget_note(budget, budget_skips), err=True)
        raise typer.Exit(EXIT_BUDGET)
    if missing:
        raise typer.Exit(2)
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


class OutputError(Exception):
    """The output cannot be written; the message is the one line the user sees."""


#: paths that name an open descriptor, not a file to replace: written in place
_DESCRIPTOR_DIRS = ("/dev/", "/proc/")


def _destination(out: Path) -> Path | None:
    """The regular file ``--out`` makes or replaces (through a symlink: its target), or
    ``None`` for a device, FIFO or descriptor path, which is written in place.  A
    directory, a missing or non-directory parent, an unwritable file: :class:`OutputError`
    before any request."""
    try:
        st: os.stat_result | None = os.stat(out)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {io_reason(exc)}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"--out {out} is a directory; give a file name")
    if str(out).startswith(_DESCRIPTOR_DIRS) or (st is not None and not stat.S_ISREG(st.st_mode)):
        return None
    target = Path(os.path.realpath(out))
    if st is not None and not os.access(target, os.W_OK):
        raise OutputError(f"cannot write {out}: permission denied")
    if not target.parent.is_dir():
        what = "is not a directory" if target.parent.exists() else "does not exist"
        raise OutputError(f"cannot write {out}: the directory {target.parent} {what}")
    return target


def _temp_beside(target: Path) -> Path:
    """A new empty file in ``target``'s directory, to write into and rename over
    ``target`` at the end: made now, so a directory we cannot write to fails before any
    request.  It gets the mode a plain ``open`` would give (umask), or the mode of the
    file it will replace."""
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(
                f"cannot write {target}: the directory {target.parent}: {io_reason(exc)}"
            ) from None
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
        return temp
    raise OutputError(f"cannot write {target}: no free temporary name beside it")


class _Output:
    """Where a run's results go.

    ``--format jsonl --out FILE``: appended to FILE as each item finishes, and FILE is
    what a rerun skips.  JSONL and markdown otherwise: streamed to stdout or ``--out``.
    JSON, CSV and Parquet: collected, then written in input order by :meth:`finish`.
    Any other ``--out FILE`` is written to a temporary file beside it and renamed over
    FILE by :meth:`finish`, so FILE is the previous one until the run is over.  Every
    write error is an :class:`OutputError`.
    """

    def __init__(self, fmt: Format, out: Path | None, table: Table | None, total: int) -> None:
        from summarizer.runs.many import JsonlSink

        self.fmt = fmt
        self.out = out
        self.table = table
        self.total = total
        self.tabular = fmt in (Format.csv, Format.parquet)
        self.sink: Any = None
        self.stream: Any = None
        self.target: Path | None = None  # the file the temporary one replaces
        self.temp: Path | None = None
        self.state = "open"  # then "done" (finished) or "failed" (a write error)
        self.records: list[tuple[int, dict[str, Any]]] = []
        self.name = str(out) if out is not None else "stdout"
        if out is None:
            if sys.stdout is None:  # started with fd 1 closed (``>&-``)
                raise OutputError("cannot write stdout: it is closed (give --out FILE)")
            self.stream = sys.stdout
            return
        self.target = _destination(out)
        try:
            if self.target is not None and fmt is Format.jsonl:
                self.sink = JsonlSink(out)
            elif self.target is not None:
                self.temp = _temp_beside(self.target)
                if fmt is not Format.parquet:
                    self.stream = self.temp.open("w", encoding="utf-8", newline=self._newline)
            elif fmt is not Format.parquet:
                self.stream = out.open("w", encoding="utf-8", newline=self._newline)
        except OSError as exc:
            self._discard()
            raise OutputError(f"cannot write {out}: {io_reason(exc)}") from None

    @property
    def _newline(self) -> str | None:
        return "" if self.tabular else None

    @property
    def skip_keys(self) -> Any:
        # the sink itself: re-read before each item, so a run sharing FILE skips what the
        # other has finished since (and JsonlSink never records an item twice)
        return self.sink if self.sink is not None else frozenset()

    @contextlib.contextmanager
    def _writing(self) -> Any:
        """OS errors of a write as :class:`OutputError`; the output is then failed."""
        try:
            yield
        except OSError as exc:
            self.state = "failed"
            raise OutputError(f"cannot write {self.name}: {io_reason(exc)}") from None

    def write(self, result: Any, source: str) -> None:
        record = result.to_record()
        record["source"] = source
        with self._writing():
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
        """Write what was collected (one JSON document, or one table), then put the
        file in place.  Called once the run is over, or by :meth:`close` after an
        interrupt, with the items finished by then."""
        if self.state != "open":
            return
        self.state = "finishing"
        ordered = [r for _, r in sorted(self.records, key=lambda x: x[0])]
        with self._writing():
            if self.fmt is Format.json:
                single = self.total == 1 and len(ordered) == 1 and ordered[0]["status"] == "ok"
                payload: Any = ordered[0]["report"] if single else ordered
                self.stream.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
            elif self.tabular:
                path = self.temp or self.out
                _write_table(ordered, self.fmt, self.table, self.stream, path)
            if self.stream is not None:
                self.stream.flush()
            if self.temp is not None and self.target is not None:
                if self.stream is not None:
                    os.fsync(self.stream.fileno())
                    self.stream.close()
                os.replace(self.temp, self.target)
                self.temp = None
        self.state = "done"

    def close(self) -> None:
        """Always called last.  Interrupted before :meth:`finish`: the finished items
        are written (what the interrupt message says); a failed write leaves FILE as
        it was.  The temporary file never stays."""
        if self.sink is not None:
            self.sink.close()
            return
        if self.state == "open":
            try:
                self.finish()
            except OutputError as exc:
                typer.echo(f"error: {exc}", err=True)
        self._discard()

    def _discard(self) -> None:
        if self.out is not None and self.stream is not None:
            with contextlib.suppress(OSError):
                self.stream.close()
        if self.temp is not None:
            with contextlib.suppress(OSError):
                self.temp.unlink()
            self.temp = None


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
