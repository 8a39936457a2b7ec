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
    timeline_out: Annotated[
        Path | None,
        typer.Option(
            "--timeline",
            metavar="FILE",
            help='Write the timeline chart, SVG or PNG by the suffix (needs the "notebook" extra).',
        ),
    ] = None,
    svg_out: Annotated[
        Path | None,
        typer.Option("--svg", metavar="FILE", hidden=True, help="Old name: --timeline FILE.svg."),
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
    from summarizer.outputs.timeline import to_markdown, write_image
    from summarizer.outputs.timeline_chart import image_format, require_chart

    asked = [(timeline_out, None), (svg_out, "svg")]
    try:
        # before any output: a suffix that is neither .svg nor .png, or a missing extra,
        # is refused without writing anything
        images = [(path, image_format(path, kind)) for path, kind in asked if path is not None]
        if images:
            require_chart()
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
    for path, kind in images:
        write_image(result, path, kind)
