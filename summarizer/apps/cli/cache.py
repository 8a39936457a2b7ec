"""``summarizer cache info|clear``: the response cache."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from summarizer.apps.cli.common import fail, load_settings

app = typer.Typer(no_args_is_help=True, help="Inspect or clear the response cache.")

T = TypeVar("T")


def _with_cache(use: Callable[[Any], T]) -> T:
    """``use`` applied to the configured cache; a cache error (an unreachable Redis, a
    bad URL, shown with its password masked) exits 1."""
    from summarizer.cache.store import ResponseCache
    from summarizer.errors import SummarizerError

    try:
        return use(ResponseCache.for_settings(load_settings()))
    except SummarizerError as exc:
        fail(exc, 1)


@app.command("info")
def cache_info() -> None:
    """Where the cache is, how many answers it holds, how big it is."""
    stats = _with_cache(lambda cache: cache.stats())
    typer.echo(
        json.dumps(
            {
                "backend": stats.backend,
                "location": stats.location,
                "directory": None if stats.directory is None else str(stats.directory),
                "entries": stats.entries,
                "size_bytes": stats.size_bytes,
            },
            indent=2,
        )
    )


@app.command("clear")
def cache_clear() -> None:
    """Delete every cached answer (the embedded model file is kept)."""
    n = _with_cache(lambda cache: cache.clear())
    typer.echo(f"removed {n} entries")
