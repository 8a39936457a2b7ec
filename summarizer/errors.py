"""Every exception the library raises, in one place.

Callers catch :class:`SummarizerError` for "anything from us"; the subclasses let
a batch runner record *why* an item failed without parsing messages.  Messages
never contain secrets: settings are rendered through :func:`repr`, which masks keys.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Usage(NamedTuple):
    """Tokens an attempt spent before it failed: a failed item still costs money, and
    budgets and run totals must see it."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class SummarizerError(Exception):
    """Base class: anything the library raises on purpose.  A subclass names its
    ``kind`` in its header: ``class ConfigError(SummarizerError, kind="config")``."""

    #: short machine-readable tag, used in JSONL error records
    kind: str = "error"
    #: what the failed call spent at the endpoint (None: nothing was sent)
    usage: Usage | None = None

    def __init_subclass__(cls, *, kind: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind is not None:
            cls.kind = kind


class ConfigError(SummarizerError, kind="config"):
    """Settings are incomplete or contradictory (e.g. a remote endpoint with no model)."""


class InputError(SummarizerError, kind="input"):
    """The input cannot be read as an article: empty, binary, undecodable, missing."""


class LocalModelError(SummarizerError, kind="local_model"):
    """The embedded model cannot be used: extra missing, weights absent, server failed."""


class ModelIntegrityError(LocalModelError, kind="model_integrity"):
    """The GGUF on disk does not have the expected SHA-256; refusing to load it."""


class TransportError(SummarizerError, kind="transport"):
    """The endpoint could not be reached or kept failing after bounded retries."""


class ExtractionError(SummarizerError, kind="extraction"):
    """The model's answer never became a valid report within the re-ask budget."""

    def __init__(self, message: str, *, attempts: int = 0, last_errors: str = "") -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_errors = last_errors


class CacheError(SummarizerError, kind="cache"):
    """The response cache directory is unusable (permissions, corruption)."""
