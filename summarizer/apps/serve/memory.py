"""Giving the memory of finished request bodies back to the operating system.

CPython frees a body's bytes when the request is over, but glibc's allocator keeps
the pages for reuse: after a burst of large bodies the service's RSS would stay at
its peak although nothing holds the memory.  ``malloc_trim`` returns the free pages;
:class:`Trimmer` calls it after enough body bytes have been freed, at most once a
second, a moment after the request ends (so the body's last references are gone).
Where there is no glibc (musl, macOS) it does nothing.
"""

import asyncio
import ctypes
import ctypes.util
import time
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    return trim


def trim_now() -> None:
    """Return free heap pages to the operating system, if the C library can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class Trimmer:
    """Counts freed body bytes; once ``threshold`` of them have gathered, trims a
    moment later, and at most once every ``interval_s`` (a burst makes one trim)."""

    def __init__(self, threshold: int = 4 << 20, interval_s: float = 1.0) -> None:
        self.threshold = threshold
        self.interval_s = interval_s
        self.pending = 0
        self.last = -interval_s
        self.scheduled = False

    def freed(self, n: int) -> None:
        """``n`` bytes of body are about to be freed (call from the event loop)."""
        self.pending += n
        if self.pending < self.threshold or self.scheduled:
            return
        self.scheduled = True
        delay = max(0.2, self.last + self.interval_s - time.monotonic())
        asyncio.get_running_loop().call_later(delay, self._trim)

    def _trim(self) -> None:
        self.scheduled = False
        self.pending = 0
        self.last = time.monotonic()
        trim_now()
