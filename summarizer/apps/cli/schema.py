"""``summarizer schema``: the OperationReport JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


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
