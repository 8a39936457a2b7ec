"""``summarizer review``: one article as a self-contained HTML review page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summarizer.apps.cli.common import fail, load_settings, parse_date


def review(
    file: Annotated[Path, typer.Argument(help="The article to summarize and review.")],
    published: Annotated[str | None, typer.Option(help="Publication date YYYY-MM-DD.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="HTML file to write.")] = None,
) -> None:
    """Write a self-contained HTML review page: article with highlighted evidence."""
    from summarizer.core.schema import OperationReport
    from summarizer.errors import SummarizerError
    from summarizer.outputs.review import to_html
    from summarizer.pipeline.summarizer import Summarizer

    pub = parse_date(published)
    target = out or file.with_suffix(".review.html")
    try:
        with Summarizer(load_settings()) as s:
            report: OperationReport = s.summarize(file, published=pub)
    except SummarizerError as exc:
        fail(exc, 1)
    target.write_text(to_html(report), encoding="utf-8")
    typer.echo(str(target))
