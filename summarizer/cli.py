"""``summarizer`` command line.

Exit codes: 0 every item succeeded, 1 some item failed (each failure is still
written as an error record), 2 usage error.  Results go to stdout (or ``--out``);
progress goes to stderr, and only when stderr is a terminal.
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Iterator
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

#: file endings picked up when a directory is given
TEXT_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm"}


class Format(StrEnum):
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"


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
) -> None:
    """Summarize articles into OperationReport JSON, JSONL or markdown.

    With ``--format jsonl --out FILE`` each finished item is appended at once, and a
    rerun skips items already in FILE with the same content and settings.
    """
    from summarizer.api import Summarizer
    from summarizer.batch import JsonlSink, Tally, summarize_many
    from summarizer.errors import ConfigError

    pub = _parse_date(published)
    sources = list(expand_inputs(inputs))
    if not sources:
        raise typer.BadParameter("no input files matched", param_hint="INPUTS")
    try:
        settings = _settings(model=model, base_url=base_url, cache_dir=cache_dir)
        if no_cache:
            settings = settings.model_copy(update={"use_cache": False})
        summarizer = Summarizer(settings)
    except (ConfigError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    workers = concurrency or (1 if settings.embedded else 4)
    # stdin goes in as bytes, so a binary or non-UTF-8 stream fails as its own item
    items: list[Any] = [sys.stdin.buffer.read() if src == "-" else Path(src) for src in sources]

    resumable = out is not None and fmt is Format.jsonl
    sink = JsonlSink(out) if resumable and out is not None else None
    skip = sink.done_keys() if sink is not None else frozenset()
    stream: Any = (
        None if sink is not None else (out.open("w", encoding="utf-8") if out else sys.stdout)
    )
    tally = Tally()
    records: list[tuple[int, dict[str, Any]]] = []
    try:
        with summarizer, _progress(len(items)) as advance:
            for result in summarize_many(
                items, summarizer=summarizer, concurrency=workers, published=pub, skip_keys=skip
            ):
                tally.add(result)
                record = result.to_record()
                record["source"] = sources[result.index]
                if sink is not None:
                    if not result.skipped:
                        sink.write(result)
                elif fmt is Format.jsonl:
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                    stream.flush()
                elif fmt is Format.markdown:
                    stream.write(_markdown(record) + "\n")
                    stream.flush()
                else:
                    records.append((result.index, record))
                advance()
        if fmt is Format.json:
            ordered = [r for _, r in sorted(records, key=lambda x: x[0])]
            single = len(ordered) == 1 and ordered[0]["status"] == "ok"
            payload: Any = ordered[0]["report"] if single else ordered
            stream.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    except KeyboardInterrupt:
        typer.echo("interrupted; finished items were written", err=True)
        raise typer.Exit(130) from None
    finally:
        if sink is not None:
            sink.close()
        elif out and stream is not None:
            stream.close()
    t = tally.totals()
    if sys.stderr.isatty() or t.failed or t.skipped:
        typer.echo(
            f"{t.ok} ok, {t.failed} failed, {t.skipped} skipped, {t.cache_hits} cached; "
            f"{t.prompt_tokens}+{t.completion_tokens} tokens",
            err=True,
        )
    if t.failed:
        raise typer.Exit(1)


def _markdown(record: dict[str, Any]) -> str:
    from summarizer.render import to_markdown
    from summarizer.schema import OperationReport

    if record["status"] != "ok":
        err = record["error"]
        return f"## {record['source']}\n\n**failed** ({err['kind']}): {err['message']}\n"
    return f"<!-- {record['source']} -->\n" + to_markdown(
        OperationReport.model_validate(record["report"])
    )


class _progress:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing."""

    def __init__(self, total: int) -> None:
        self.total = total
        self._bar: Any = None

    def __enter__(self) -> Any:
        if sys.stderr.isatty() and self.total > 1:
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)
            self._bar.start()
            task = self._bar.add_task("summarizing", total=self.total)
            return lambda: self._bar.advance(task)
        return lambda: None

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
    from summarizer.api import Summarizer
    from summarizer.errors import SummarizerError
    from summarizer.schema import OperationReport

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
    from summarizer import evaluate
    from summarizer.api import Summarizer
    from summarizer.errors import SummarizerError

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
    from summarizer.schema import render_schema_files

    files = render_schema_files()
    if write is not None:
        write.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (write / name).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(files)} files to {write}")
        return
    key = "operation_report.request.schema.json" if request else "operation_report.schema.json"
    typer.echo(files[key], nl=False)


@local_app.command("start")
def local_start(
    model_path: Annotated[Path | None, typer.Option(help="Serve this GGUF instead.")] = None,
) -> None:
    """Start a long-lived embedded server that later runs reuse."""
    from summarizer import local
    from summarizer.errors import SummarizerError

    try:
        state = local.start_background(_settings(model_path=model_path))
    except SummarizerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(state, indent=2))


@local_app.command("stop")
def local_stop() -> None:
    """Stop the long-lived embedded server."""
    from summarizer import local

    stopped = local.stop_background(_settings())
    typer.echo("stopped" if stopped else "no server was running")


@local_app.command("status")
def local_status() -> None:
    """Show the long-lived server, if any (exit 1 when none is healthy)."""
    from summarizer import local

    state = local.background_status(_settings())
    typer.echo(json.dumps(state, indent=2) if state else "no server recorded")
    if not state or not state.get("healthy"):
        raise typer.Exit(1)


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is, how many answers it holds, how big it is."""
    from summarizer.cache import ResponseCache

    s = _settings()
    stats = ResponseCache(s.resolved_cache_dir).stats()
    typer.echo(
        json.dumps(
            {
                "directory": str(stats.directory),
                "entries": stats.entries,
                "size_bytes": stats.size_bytes,
            },
            indent=2,
        )
    )


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete every cached answer (the embedded model file is kept)."""
    from summarizer.cache import ResponseCache

    n = ResponseCache(_settings().resolved_cache_dir).clear()
    typer.echo(f"removed {n} entries")


def main() -> None:
    # instructor logs every re-ask at ERROR level; with no logging configured Python
    # prints those to stderr.  The CLI reports failures itself, per item.
    import logging

    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    app()


if __name__ == "__main__":
    main()
