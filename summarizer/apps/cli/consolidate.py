"""``summarizer consolidate``: reports from many sources grouped by operation and phase."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from summarizer.apps.cli.common import fail


class ConsolidateFormat(StrEnum):
    markdown = "markdown"
    json = "json"


class DisplayPolicy(StrEnum):
    most_specific = "most_specific"
    most_conservative = "most_conservative"
    latest = "latest"


def consolidate(
    results: Annotated[
        Path, typer.Argument(help="JSONL from summarize, a JSON list, or a directory of reports.")
    ],
    aliases: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="JSON alias table: a canonical name mapped to its aliases."
        ),
    ] = None,
    policy: Annotated[
        DisplayPolicy | None, typer.Option(help="Pick a display value for disputed fields.")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", metavar="FILE", help="Also write JSON here.")
    ] = None,
    svg_out: Annotated[
        Path | None, typer.Option("--svg", metavar="FILE", help="Write the timeline SVG.")
    ] = None,
    fmt: Annotated[
        ConsolidateFormat, typer.Option("--format", "-f", help="What to print.")
    ] = ConsolidateFormat.markdown,
    manifest: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Manifest with publication dates and outlet names."),
    ] = None,
) -> None:
    """Group reports by operation and phase across sources; list every conflict."""
    from summarizer.consolidate import AliasTable, read_results
    from summarizer.consolidate import consolidate as run
    from summarizer.errors import SummarizerError
    from summarizer.outputs.timeline import to_markdown, to_svg

    try:
        loaded = read_results(results, manifest=manifest)
        table = AliasTable.from_file(aliases) if aliases is not None else None
    except SummarizerError as exc:
        fail(exc, 2)
    if loaded.skipped:
        typer.echo(f"skipped {len(loaded.skipped)} record(s) without a report", err=True)
    result = run(loaded.reports, aliases=table, policy=policy.value if policy else None)
    if fmt is ConsolidateFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        typer.echo(to_markdown(result), nl=False)
    if json_out is not None:
        json_out.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if svg_out is not None:
        svg_out.write_text(to_svg(result), encoding="utf-8")
