"""What the commands share: reading inputs and settings, usage and I/O errors, the run
summary line, and ending a run on Ctrl-C.

Exit codes of their own here: :data:`EXIT_IO` (74, ``EX_IOERR``) when the output (or
stdin) cannot be written (read), :data:`EXIT_INTERRUPTED` (130) after Ctrl-C; 1 stays
"some item failed" and 2 "usage error"."""

from __future__ import annotations

import contextlib
import glob
import os
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from summarizer.pipeline import inputs

#: exit code after Ctrl-C (128 + SIGINT, as shells report it)
EXIT_INTERRUPTED = 130

#: exit code when the output cannot be written, or stdin read (``EX_IOERR`` of
#: sysexits.h): told apart from 1 (an item failed) and 2 (usage), and said in one line
EXIT_IO = 74

#: file endings picked up when a directory is given
TEXT_SUFFIXES = set(inputs.TEXT_SUFFIXES)

# options several commands take, said once so their help reads the same everywhere
#: the articles to read
Inputs = Annotated[list[str], typer.Argument(help="Files, globs, directories, or - for stdin.")]
#: ``--published``, read by :func:`parse_date`
Published = Annotated[
    str | None, typer.Option(help="Publication date YYYY-MM-DD, for relative dates.")
]
#: ``--cache-dir``
CacheDir = Annotated[Path | None, typer.Option(help="Response cache directory.")]


def _directory_files(root: Path) -> list[str]:
    """The article files under ``root``.  A symlink that resolves outside ``root`` is
    skipped with a warning on stderr (``leak.txt -> /etc/hostname`` is not sent);
    name such a file on the command line to summarize it."""
    top = root.resolve()
    found = []
    for f in root.rglob("*"):
        if f.suffix.lower() not in TEXT_SUFFIXES or not f.is_file():
            continue
        real = f.resolve()
        if real != top and top not in real.parents:
            typer.echo(
                f"warning: skipping {f}: a symlink to {real}, outside {root} "
                "(name it on the command line to summarize it)",
                err=True,
            )
            continue
        found.append(str(f))
    return sorted(found)


def expand_inputs(items: list[str]) -> Iterator[str]:
    """Files as given, ``-`` for stdin, globs the shell did not expand, directories
    (without the symlinks in them that lead out of them)."""
    for item in items:
        if item == "-":
            yield item
            continue
        p = Path(item)
        if p.is_dir():
            yield from _directory_files(p)
        elif not p.exists() and glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            yield from matches if matches else [item]  # a dead glob is a failed item
        else:
            yield item


def input_sources(inputs: list[str]) -> list[str]:
    """The expanded inputs; none at all is a usage error.  A missing file or a glob
    matching nothing stays an input (every source gets its record, a failed one), is
    named on stderr now, and makes the run end with exit 2 (a usage error) once the
    other inputs are done."""
    sources = list(expand_inputs(inputs))
    if not sources:
        raise typer.BadParameter("no input files matched", param_hint="INPUTS")
    for src in sources:
        if src != "-" and not os.path.exists(src):
            what = f"no file matches {src}" if glob.has_magic(src) else f"no such file: {src}"
            typer.echo(f"error: {what} (recorded as a failed item; exit 2)", err=True)
    return sources


def missing_inputs(sources: list[str]) -> list[str]:
    """The inputs that name no file (a missing path, a glob matching nothing)."""
    return [src for src in sources if src != "-" and not os.path.exists(src)]


def read_items(sources: list[str]) -> list[Any]:
    """Paths as paths; stdin goes in as bytes, so a binary, non-UTF-8 or too long
    stream fails as its own item.  Stdin is read up to the input limit plus one byte
    (:func:`~summarizer.pipeline.inputs.read_limited`), never to its end.  A closed or
    unreadable stdin ends the command with :data:`EXIT_IO` before any request."""
    return [_read_stdin() if src == "-" else Path(src) for src in sources]


def _read_stdin() -> bytes:
    if sys.stdin is None:  # started with fd 0 closed (``<&-``)
        fail("cannot read stdin: it is closed", EXIT_IO)
    try:
        return inputs.read_limited(sys.stdin.buffer)
    except (OSError, ValueError) as exc:  # ValueError: I/O on a closed file
        fail(f"cannot read stdin: {io_reason(exc)}", EXIT_IO)


def io_reason(exc: BaseException) -> str:
    """An I/O error's reason without its Python dress (``No space left on device``)."""
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__


def load_settings(**kw: Any) -> Any:
    """:class:`~summarizer.settings.Settings` from the environment, ``kw`` overriding."""
    from summarizer.settings import Settings

    return Settings.from_env(**kw)


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--published") from None


def fail(exc: BaseException | str, code: int) -> NoReturn:
    """``error: ...`` on stderr, then exit with ``code``."""
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code) from None


@contextlib.contextmanager
def interruptible(written: str, close: Callable[[], None] | None = None) -> Iterator[None]:
    """Ctrl-C (or SIGTERM, see :func:`summarizer.apps.cli.main`) ends the run with
    :data:`EXIT_INTERRUPTED`, saying that the ``written`` items were written; ``close``
    runs last either way."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo(f"interrupted; {written} were written", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if close is not None:
            close()


def run_summary(t: Any, model_name: str) -> str:
    """One line for stderr: what the run did and what it cost (cache hits are free;
    failed items count the tokens their attempts spent)."""
    if t.cost is None:
        cost = f"cost unknown (no price for {model_name!r}; see --prices)"
    else:
        cost = f"est. cost ${t.cost:.4f}"
    return (
        f"{t.ok} ok, {t.failed} failed, {t.skipped} skipped, {t.cache_hits} cached; "
        f"{t.prompt_tokens:,} prompt + {t.completion_tokens:,} completion tokens "
        f"in {t.requests} requests; {cost}; {t.wall_s:.1f} s"
    )
