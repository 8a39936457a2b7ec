"""``summarizer`` command line: the Typer app, one module per command (group).

Exit codes: 0 every item succeeded, 1 some item failed (each failure is still
written as an error record), 2 usage error, 3 a ``--max-tokens-total`` /
``--max-cost`` budget stopped the run (the items not started are recorded as
``skipped`` with error kind ``budget``), 130 interrupted (Ctrl-C: items finished so far
are kept; with ``--out FILE.jsonl`` a rerun does only the rest).  Results go to stdout
(or ``--out``); a one-line run summary goes to stderr, the progress bar too but only
when stderr is a terminal.

Commands import the library inside their bodies, so ``summarizer --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Annotated

import typer

from summarizer._version import __version__
from summarizer.apps.cli import (
    batch,
    cache,
    consolidate,
    evaluate,
    local,
    review,
    schema,
    serve,
    summarize,
)
from summarizer.apps.cli.batch import EXIT_BATCH_PENDING
from summarizer.apps.cli.common import EXIT_INTERRUPTED, expand_inputs

__all__ = ["EXIT_BATCH_PENDING", "EXIT_INTERRUPTED", "app", "expand_inputs", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn news articles about military and security operations into validated reports.",
)
# in this order in --help: the commands, then the command groups
app.command()(summarize.summarize)
app.command()(review.review)
app.command("eval")(evaluate.eval_)
app.command()(schema.schema)
app.command()(consolidate.consolidate)
app.command()(serve.serve)
app.add_typer(local.app, name="local")
app.add_typer(cache.app, name="cache")
app.add_typer(batch.app, name="batch")


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


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # instructor logs every re-ask at ERROR level; with no logging configured Python
    # prints those to stderr.  The CLI reports failures itself, per item.
    import logging

    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    # a service manager or ``timeout`` stops a run with SIGTERM: end it the way Ctrl-C
    # does (finished items written, exit 130), not mid-write with the default action
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app()
    except SystemExit as exc:
        if exc.code != EXIT_INTERRUPTED:
            raise
        # Ctrl-C: finished items are written and the output is closed.  Requests still in
        # flight hold pool threads that the interpreter would join before exiting, for
        # up to the request timeout (minutes on the embedded model): leave at once.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(EXIT_INTERRUPTED)
