"""The peers' response cache: JSON text only, keyed by the full request.

A rerun of ``bench/quality.py`` must be instant for the peers as it is for the library,
so every chat request a peer sends goes through :class:`CachedCreate`: the key is a
SHA-256 of the whole request (messages, tools or response format, sampling) and of the
model's identity (never the server's port, which changes every run); the value is the
response's JSON text.  Entries live in ``diskcache`` through the library's
:class:`~summarizer.cache.disk.TextOnlyDisk`, which never unpickles.

Imported in two interpreters (the project's venv and ``bench/.venv-peers``), so it
needs only the standard library, ``diskcache``, ``openai`` and ``summarizer.cache.disk``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from summarizer.cache.disk import open_cache

#: bump when the stored entry layout changes
FORMAT = "bench-peers/1"


def request_key(namespace: str, request: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the namespace (model identity) and request."""
    blob = json.dumps(
        {"format": FORMAT, "namespace": namespace, "request": request},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class JsonCache:
    """``str -> JSON value`` on diskcache; anything unreadable is a miss."""

    def __init__(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(directory, 0o700)
        self.directory = directory
        self._cache = open_cache(str(directory))

    def get(self, key: str) -> Any:
        text = self._cache.get(key)
        if not isinstance(text, str):
            return None
        try:
            return json.loads(text)
        except ValueError:
            return None

    def set(self, key: str, value: Any) -> None:
        self._cache.set(key, json.dumps(value))

    def close(self) -> None:
        self._cache.close()


@dataclass
class Usage:
    """What one article's requests cost; cache hits count with their recorded usage."""

    requests: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class CachedCreate:
    """Stands in for ``client.chat.completions.create``: replays a cached response or
    sends the request and stores the answer.  Thread-safe (LangExtract sends a
    document's chunks from a thread pool)."""

    def __init__(
        self,
        raw_create: Callable[..., Any],
        cache: JsonCache,
        namespace: str,
        parse: Callable[[str], Any],
    ) -> None:
        self._raw = raw_create
        self._cache = cache
        self._namespace = namespace
        self._parse = parse
        self._lock = threading.Lock()
        self.usage = Usage()

    def reset(self) -> Usage:
        """Start counting a new article; returns the previous article's usage."""
        with self._lock:
            done, self.usage = self.usage, Usage()
        return done

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            raise TypeError("chat.completions.create takes keyword arguments only")
        key = request_key(self._namespace, kwargs)
        entry = self._cache.get(key)
        response = None
        if isinstance(entry, dict) and isinstance(entry.get("response"), str):
            try:
                response = self._parse(entry["response"])
            except ValueError:
                response = None
        hit = response is not None
        if response is None:
            started = time.perf_counter()
            response = self._raw(**kwargs)
            seconds = time.perf_counter() - started
            self._cache.set(key, {"response": response.model_dump_json(), "seconds": seconds})
        usage = getattr(response, "usage", None)
        with self._lock:
            self.usage.requests += 1
            self.usage.cache_hits += hit
            if usage is not None:
                self.usage.prompt_tokens += usage.prompt_tokens or 0
                self.usage.completion_tokens += usage.completion_tokens or 0
        return response


def install(client: Any, cache: JsonCache, namespace: str) -> CachedCreate:
    """Route an ``openai.OpenAI`` client's chat requests through the cache."""
    from openai.types.chat import ChatCompletion

    cached = CachedCreate(
        client.chat.completions.create, cache, namespace, ChatCompletion.model_validate_json
    )
    # instructor and LangExtract both call client.chat.completions.create
    setattr(client.chat.completions, "create", cached)  # noqa: B010
    return cached
