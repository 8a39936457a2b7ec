"""``summarizer`` command line: the Typer app, one module per command (group).

Exit codes: 0 every item succeeded, 1 some item failed (each failure is still
written as an error record), 2 usage error (an input that names no file too, after
every source is recorded), 3 a ``--max-tokens-total`` /
``--max-cost`` budget stopped the run (the items not started are recorded as
``skipped`` with error kind ``budget``), 74 the output (or stdin) cannot be written
(read: a missing or read-only destination, a full disk, a closed stream; checked before
any request where it can be), 130 interrupted (Ctrl-C: items finished so far
are kept; with ``--out FILE.jsonl`` a rerun does only the rest).  Results go to stdout
(or ``--out``); a one-line run summary goes to stderr, the progress bar too but only
when stderr is a terminal.

Commands import the library inside their bodies, so ``summarizer --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

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
from summarizer.apps.cli.common import EXIT_INTERRUPTED, EXIT_IO, expand_inputs

__all__ = ["EXIT_BATCH_PENDING", "EXIT_INTERRUPTED", "app", "expand_inputs", "main"]

#: one short example per command, shown under its --help (``summarizer local start``...)
EXAMPLES: dict[str, list[str]] = {
    "summarize": [
        "summarizer summarize examples/articles/sahel_border_sweep.txt --published 2025-06-09 "
        "--format markdown",
        "summarizer summarize examples/articles -f jsonl --out results.jsonl",
    ],
    "review": [
        "summarizer review examples/articles/sahel_border_sweep.txt --published 2025-06-09",
        "summarizer review examples/expected/sahel_border_sweep.json "
        "--article examples/articles/sahel_border_sweep.txt --out page.html",
    ],
    "eval": ["summarizer eval examples/gold --predictions examples/expected"],
    "schema": ["summarizer schema --request", "summarizer schema --write schemas"],
    "consolidate": [
        "summarizer consolidate examples/expected --manifest examples/manifest.json "
        "--timeline timeline.svg"
    ],
    "serve": ["SERVE_KEY=change-me summarizer serve --port 8000 --api-key-env SERVE_KEY"],
    "local start": ["summarizer local start"],
    "local stop": ["summarizer local stop"],
    "local status": ["summarizer local status"],
    "cache info": ["summarizer cache info"],
    "cache clear": ["summarizer cache clear"],
    "batch submit": ["summarizer batch submit examples/articles --published 2025-06-09"],
    "batch status": ["summarizer batch status BATCH_ID --wait"],
    "batch collect": ["summarizer batch collect BATCH_ID --out results.jsonl"],
}

#: typer's type placeholders (``<bool>``, ``<list[str]>``...) as the words a usage line
#: uses; flags take no value, so they show none
_PLACEHOLDERS = {
    "bool": "",
    "str": "TEXT",
    "path": "PATH",
    "file": "FILE",
    "directory": "DIR",
    "int": "N",
    "int range": "N",
    "float": "NUMBER",
    "float range": "NUMBER",
}


def _placeholder(shown: str | None) -> str | None:
    """``<int range>`` -> ``N``, ``<json|csv>`` -> ``json|csv``, ``<list[str]>`` ->
    ``TEXT...``: what the value is, in the words of a usage line."""
    if not shown:
        return shown
    m = re.fullmatch(r"<(?:list\[)?([^>\]]*)\]?>(\.\.\.)?", shown)
    if m is None:
        return shown
    inner, many = m.group(1), "..." if shown.startswith("<list[") or m.group(2) else ""
    word = _PLACEHOLDERS.get(inner, inner.upper() if "|" not in inner else inner)
    return f"{word}{many}" if word else ""


class _Option(TyperOption):
    """An option whose value is shown as ``TEXT``/``N``/``PATH``/choices, a flag as nothing."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return _placeholder(super().display_type_rich(ctx))


class _Argument(TyperArgument):
    """An argument shown by its upper-case name (``INPUTS...``), without a type column."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        """``INPUTS...`` / ``[NAME]`` on the usage line, as man pages write them (typer
        0.29 writes ``{INPUTS}...``)."""
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


def _retype(param: Any) -> None:
    """Show ``param`` as :class:`_Option` / :class:`_Argument` do (same object and state;
    only how its help is written changes)."""
    if type(param) is TyperOption:
        param.__class__ = _Option
    elif type(param) is TyperArgument:
        param.__class__ = _Argument
        param.metavar = param.metavar or (param.name or "").upper()


def _tidy_params(params: list[Any]) -> list[Any]:
    """``params`` retyped for help (the ``--help`` option is made late, so every call)."""
    for param in params:
        _retype(param)
    return params


class _Command(TyperCommand):
    """A command whose help, ``--help`` included, shows value placeholders."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _tidy_params(super().get_params(ctx))


class _Group(TyperGroup):
    """A command group whose help, ``--help`` included, shows value placeholders."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _tidy_params(super().get_params(ctx))


def _tidy(command: Any, path: str) -> None:
    """Help as a person reads it: docstrings as markdown (their ``code`` renders as code,
    not as literal double backticks), value placeholders instead of Python types, an
    example under each command.  Applied to the built click commands, so the modules
    that define them need not know."""
    if type(command) is TyperCommand:
        command.__class__ = _Command
    elif type(command) is TyperGroup:
        command.__class__ = _Group
    command.rich_markup_mode = "markdown"
    lines = EXAMPLES.get(path)
    if lines and not command.epilog:
        head = "**Example:**" if len(lines) == 1 else "**Examples:**"
        command.epilog = head + "\n\n" + "\n\n".join(f"`{line}`" for line in lines)
    for name, sub in getattr(command, "commands", {}).items():
        _tidy(sub, f"{path} {name}".strip())


class _Root(_Group):
    """The top-level group: tidies the help of every command below it once built."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _tidy(self, "")


app = typer.Typer(
    cls=_Root,
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="markdown",
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
        if exc.code not in (EXIT_INTERRUPTED, EXIT_IO):
            raise
        # Ctrl-C or a write error: finished items are written (or the write failed) and
        # the output is closed.  Requests still in flight hold pool threads that the
        # interpreter would join before exiting, for up to the request timeout (minutes
        # on the embedded model): leave at once.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, AttributeError):  # None if closed
                stream.flush()
        os._exit(int(exc.code))
