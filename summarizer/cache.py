"""Response cache on ``diskcache``: JSON strings only, keyed by everything that
changes the answer.

diskcache keeps its index in SQLite, so several processes can share one directory.
Values are stored as ``str`` (never pickled objects) and are re-validated by the
caller on read; anything that fails is treated as a miss.

``responses/`` holds the answers (with the alignments of their quotes); ``inputs/``
is an :class:`InputIndex` of derived data that lets a rerun find an answer without
cleaning the page again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.errors import CacheError

#: bump when the stored entry layout changes
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Canonical:
    """A value already rendered by :func:`canonical_json`, for a part of a key that
    repeats across calls (the request schema): the key is the same, the rendering is
    done once."""

    json: str


def canonical_json(value: Any) -> str:
    """The one JSON rendering keys are computed over: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def cache_key(parts: dict[str, Any]) -> str:
    """Stable SHA-256 over a canonical JSON rendering of ``parts``.

    A :class:`Canonical` part stands for the value it was rendered from: the blob is
    exactly ``canonical_json({"format": CACHE_FORMAT, **parts})``, put together from
    the top-level members (what ``sort_keys`` does) so a pre-rendered one is reused.
    """
    members = {"format": CACHE_FORMAT, **parts}
    blob = ",".join(
        f"{json.dumps(k)}:{v.json if isinstance(v, Canonical) else canonical_json(v)}"
        for k, v in sorted(members.items())
    )
    return hashlib.sha256(f"{{{blob}}}".encode()).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    directory: Path
    entries: int
    size_bytes: int


#: the input index is emptied when opened beyond this size
INDEX_LIMIT_BYTES = 2**30


class InputIndex:
    """Derived data beside the responses (see ``Summarizer._indexed_job``): anything it
    holds can be worked out again, so it is written without waiting for the disk
    (``synchronous=OFF``: a crashed machine may lose or damage it, never the answers),
    and every failure, opening included, is only a miss.  Its own directory keeps it
    out of the response cache's entry count; :data:`INDEX_LIMIT_BYTES` bounds it."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._cache: Any = None
        self._broken = False

    def _open(self) -> Any:
        if self._cache is None and not self._broken:
            import diskcache

            try:
                self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.chmod(self.directory, 0o700)
                # no eviction bookkeeping per write: when the index has outgrown its
                # limit it is simply emptied when next opened (it only saves work)
                cache = diskcache.Cache(
                    str(self.directory),
                    sqlite_synchronous=0,
                    eviction_policy="none",
                    cull_limit=0,
                )
                if cache.volume() > INDEX_LIMIT_BYTES:
                    cache.clear()
                self._cache = cache
            except Exception:  # noqa: BLE001 - no index is only slower
                self._broken = True
        return self._cache

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            cache = self._open()
            raw = cache.get(key) if cache is not None else None
            value = json.loads(raw) if isinstance(raw, str) else None
        except Exception:  # noqa: BLE001 - corrupt, locked or gone: a miss
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        try:
            if (cache := self._open()) is not None:
                cache.set(key, json.dumps(value, separators=(",", ":")))
        except Exception:  # noqa: BLE001 - the answer itself is already stored
            pass

    def clear(self) -> None:
        with contextlib.suppress(Exception):
            if (cache := self._open()) is not None:
                cache.clear()

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None


class ResponseCache:
    """A thin, typed face on ``diskcache.Cache``; created lazily, private (0700)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / "responses"
        self._cache: Any = None
        #: prepared inputs -> their answer's key (derived, see :class:`InputIndex`)
        self.index = InputIndex(Path(directory) / "inputs")

    def _open(self) -> Any:
        if self._cache is None:
            import diskcache  # deferred: keeps `import summarizer` fast

            try:
                self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.chmod(self.directory, 0o700)
                self._cache = diskcache.Cache(str(self.directory), size_limit=2**32)
            except Exception as exc:  # noqa: BLE001 - sqlite3 errors are not OSError
                raise CacheError(f"cannot open cache at {self.directory}: {exc}") from None
        return self._cache

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            raw = self._open().get(key)
        except CacheError:
            raise
        except Exception:  # noqa: BLE001 - a corrupt entry or a locked file is just a miss
            return None
        if not isinstance(raw, str):
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        self._open().set(key, json.dumps(value, separators=(",", ":")))

    def delete(self, key: str) -> None:
        self._open().delete(key)

    def stats(self) -> CacheStats:
        c = self._open()
        return CacheStats(self.directory, len(c), int(c.volume()))

    def clear(self) -> int:
        self.index.clear()
        return int(self._open().clear())

    def close(self) -> None:
        self.index.close()
        if self._cache is not None:
            self._cache.close()
            self._cache = None
