"""``summarizer eval``: score reports against hand-written gold facts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from summarizer.apps.cli.common import load_settings
from summarizer.apps.cli.progress import ProgressBar


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
        Path | None,
        typer.Option("--json", metavar="FILE", help="Also write the figures here as JSON."),
    ] = None,
) -> None:
    """Score reports against gold facts: per-field P/R/F1, traps, grounded share."""
    from summarizer import evaluate

    if (predictions is None) == (not run):
        raise typer.BadParameter("give exactly one of --predictions or --run")
    preds: Any = predictions if predictions is not None else _extract_gold_articles(gold_dir)
    summary = evaluate.evaluate(gold_dir, preds)
    typer.echo(evaluate.render_table(summary))
    if json_out is not None:
        json_out.write_text(json.dumps(evaluate.to_json(summary), indent=2), encoding="utf-8")


def _extract_gold_articles(gold_dir: Path) -> dict[str, Any]:
    """Reports of the articles the gold files name, by stem; a failure is reported and
    left out (so it scores as missing)."""
    from summarizer import evaluate
    from summarizer.errors import SummarizerError
    from summarizer.pipeline.summarizer import Summarizer

    golds = evaluate.load_gold(gold_dir)
    manifest = _manifest_dates(gold_dir.parent / "manifest.json")
    preds: dict[str, Any] = {}
    with Summarizer(load_settings()) as s, ProgressBar(len(golds)) as advance:
        for stem, gold in golds.items():
            article = (gold_dir.parent / gold.article).resolve()
            try:
                preds[stem] = s.summarize(article, published=manifest.get(gold.article))
            except SummarizerError as exc:
                typer.echo(f"{stem}: failed ({exc.kind}): {exc}", err=True)
            advance()
    return preds


def _manifest_dates(path: Path) -> dict[str, date]:
    """Publication dates per article from an examples-style manifest, if there is one."""
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {e["file"]: date.fromisoformat(e["published"]) for e in entries if e.get("published")}
