"""Response cache on ``diskcache``: JSON strings only, keyed by everything that
changes the answer.

diskcache keeps its index in SQLite, so several processes can share one directory.
Values are stored as ``str`` (never pickled objects) and are re-validated by the
caller on read; anything that fails is treated as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.errors import CacheError

#: bump when the stored entry layout changes
CACHE_FORMAT = 1


def cache_key(parts: dict[str, Any]) -> str:
    """Stable SHA-256 over a canonical JSON rendering of ``parts``."""
    blob = json.dumps(
        {"format": CACHE_FORMAT, **parts}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    directory: Path
    entries: int
    size_bytes: int


class ResponseCache:
    """A thin, typed face on ``diskcache.Cache``; created lazily, private (0700)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / "responses"
        self._cache: Any = None

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
        return int(self._open().clear())

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None
