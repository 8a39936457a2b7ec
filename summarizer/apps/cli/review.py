"""``summarizer review``: one article, or a report already made, as a self-contained
HTML review page.

The page is written to ``--out`` or to ``<name>.review.html`` in the current directory,
never beside the input (a folder the user may not own, or may not expect to change),
and the path written is printed.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from summarizer.apps.cli.common import fail, load_settings, parse_date

if TYPE_CHECKING:
    from summarizer.core.schema import OperationReport


def review(
    file: Annotated[
        Path,
        typer.Argument(
            help="An article to summarize and review, or a report already made (a .json "
            "file from `summarizer summarize -f json`) to review as it is."
        ),
    ],
    article: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The article a .json report was extracted from (default: the file the "
            "report names as its source, if it exists).",
        ),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Publication date, for relative dates."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="HTML file to write (default: NAME.review.html in the current directory).",
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML review page: article with highlighted evidence.

    A `.json` report is reviewed without asking a model: its quotes keep their offsets
    when the article is the text it was extracted from, and are located again otherwise.
    """
    pub = parse_date(published)
    if not file.is_file():
        fail(f"no such file: {file}", 2)
    if file.suffix.lower() == ".json":
        report, text = _existing_report(file, article, pub)
    else:
        report, text = _summarized(file, pub)
    from summarizer.outputs.review import to_html

    target = out or Path(f"{file.stem}.review.html")
    try:
        target.write_text(to_html(report, text), encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}", 74)
    typer.echo(str(target))


def _summarized(file: Path, pub: date | None) -> tuple[OperationReport, str]:
    """The report of ``file`` from the configured model (the cache answers first)."""
    from summarizer.errors import SummarizerError
    from summarizer.pipeline.inputs import load_article
    from summarizer.pipeline.summarizer import Summarizer

    try:
        with Summarizer(load_settings()) as s:
            report: OperationReport = s.summarize(file, published=pub)
        text = report.article if report.article is not None else load_article(file).text
    except SummarizerError as exc:
        fail(exc, 1)
    return report, text


def _existing_report(
    file: Path, article: Path | None, pub: date | None
) -> tuple[OperationReport, str]:
    """A report read from JSON (the report itself, or a ``summarize`` record holding it)
    and the article text its offsets point into."""
    from pydantic import ValidationError

    from summarizer.core.schema import OperationReport
    from summarizer.errors import SummarizerError
    from summarizer.pipeline.inputs import load_article

    try:
        data: Any = json.loads(file.read_text(encoding="utf-8"))
        source = data.get("source") if isinstance(data, dict) and "report" in data else None
        if isinstance(data, dict) and "report" in data:
            data = data["report"]
        report = OperationReport.model_validate(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValidationError) as exc:
        fail(f"{file} is not a report: {str(exc).splitlines()[0]}", 2)
    meta = report.extraction
    named = article or _named_article(file, source or (meta.source if meta else None))
    if named is None:
        fail(f"{file} is a report: pass --article FILE, the article it was extracted from", 2)
    try:
        loaded = load_article(named)
    except SummarizerError as exc:
        fail(exc, 2)
    if meta is not None and meta.content_sha256 == loaded.sha256:
        return report, loaded.text
    typer.echo(
        f"note: {named} is not the text this report was extracted from (or the report "
        "does not say); its quotes were located again in it",
        err=True,
    )
    return _regrounded(report, loaded.text, pub or (meta.published if meta else None)), loaded.text


def _named_article(report_file: Path, source: str | None) -> Path | None:
    """The report's recorded source, as given or beside the report, if it is a file."""
    if not source or source == "-":
        return None
    for candidate in (Path(source), report_file.parent / source):
        if candidate.is_file():
            return candidate
    return None


def _regrounded(report: OperationReport, text: str, published: date | None) -> OperationReport:
    """``report`` with every quote located in ``text`` (and each value check run again),
    leniently: a quote that is not there is marked, never dropped."""
    from summarizer.core.ground import GroundingContext
    from summarizer.core.schema import OperationReport

    context = GroundingContext(text, published, strict=False)
    return OperationReport.model_validate(report.model_dump(mode="json"), context=context)
