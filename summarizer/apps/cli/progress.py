"""The progress bar on stderr (only when it is a terminal)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any


def progress_text(
    done: int, total: int, elapsed: float, failed: int, cached: int, skipped: int
) -> str:
    """Rate and ETA from the run's mean so far, then failures, cache hits, skips.

    Rich's own speed estimate looks only at the last 30 s, which on the embedded model
    (about two minutes an article) never holds two samples, so it would show no ETA.
    """
    parts: list[str] = []
    if done and elapsed > 0:
        rate = done / elapsed
        parts.append(f"{rate:.2f}/s" if rate >= 1 else f"{rate * 60:.1f}/min")
        left = (total - done) / rate
        parts.append(f"ETA {int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}")
    else:
        parts.append("ETA -:--:--")
    parts.append(f"{failed} failed")
    parts.append(f"{cached} cached")
    if skipped:
        parts.append(f"{skipped} skipped")
    return " · ".join(parts)


class ProgressBar:
    """A rich progress bar on stderr when it is a terminal; otherwise nothing.

    ``with ProgressBar(n) as advance:`` then ``advance(result)`` per finished item (or
    ``advance()`` when there is no :class:`~summarizer.runs.many.ItemResult`).
    """

    def __init__(self, total: int, console: Any = None) -> None:
        self.total = total
        self._console = console  # tests pass a forced-terminal console
        self._bar: Any = None
        self._task: Any = None
        self._started = 0.0
        self._counts = {"done": 0, "failed": 0, "cached": 0, "skipped": 0}

    def __enter__(self) -> Callable[..., None]:
        enabled = self._console is not None or sys.stderr.isatty()
        if not enabled or self.total <= 1:
            return lambda result=None: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            console=self._console or Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._started = time.monotonic()
        self._task = self._bar.add_task("summarizing", total=self.total, stats=self._stats())
        return self._advance

    def _stats(self) -> str:
        c = self._counts
        elapsed = time.monotonic() - self._started
        return progress_text(c["done"], self.total, elapsed, c["failed"], c["cached"], c["skipped"])

    def _advance(self, result: Any = None) -> None:
        c = self._counts
        c["done"] += 1
        if result is not None:
            if result.skipped:
                c["skipped"] += 1
            elif not result.ok:
                c["failed"] += 1
            elif result.meta is not None and result.meta.cache_hit:
                c["cached"] += 1
        self._bar.update(self._task, advance=1, stats=self._stats())

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
