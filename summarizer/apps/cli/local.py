"""``summarizer local start|stop|status``: a long-lived embedded model server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from summarizer.apps.cli.common import fail, load_settings

app = typer.Typer(no_args_is_help=True, help="Manage a long-lived embedded model server.")


@app.command("start")
def local_start(
    model_path: Annotated[Path | None, typer.Option(help="Serve this GGUF instead.")] = None,
) -> None:
    """Start a long-lived embedded server that later runs reuse."""
    from summarizer.errors import SummarizerError
    from summarizer.llm import local

    try:
        state = local.start_background(load_settings(model_path=model_path))
    except SummarizerError as exc:
        fail(exc, 1)
    typer.echo(json.dumps(state, indent=2))


@app.command("stop")
def local_stop() -> None:
    """Stop the long-lived embedded server."""
    from summarizer.llm import local

    stopped = local.stop_background(load_settings())
    typer.echo("stopped" if stopped else "no server was running")


@app.command("status")
def local_status() -> None:
    """Show the long-lived server, if any (exit 1 when none is healthy)."""
    from summarizer.llm import local

    state = local.background_status(load_settings())
    typer.echo(json.dumps(state, indent=2) if state else "no server recorded")
    if not state or not state.get("healthy"):
        raise typer.Exit(1)
