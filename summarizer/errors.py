"""Every exception the library raises, in one place.

Callers catch :class:`SummarizerError` for "anything from us"; the subclasses let
a batch runner record *why* an item failed without parsing messages.  Messages
never contain secrets: settings are rendered through :func:`repr`, which masks keys.
"""

from __future__ import annotations

from typing import NamedTuple


class Usage(NamedTuple):
    """Tokens an attempt spent before it failed: a failed item still costs money, and
    budgets and run totals must see it."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class SummarizerError(Exception):
    """Base class: anything the library raises on purpose."""

    #: short machine-readable tag, used in JSONL error records
    kind: str = "error"
    #: what the failed call spent at the endpoint (None: nothing was sent)
    usage: Usage | None = None


class ConfigError(SummarizerError):
    """Settings are incomplete or contradictory (e.g. a remote endpoint with no model)."""

    kind = "config"


class InputError(SummarizerError):
    """The input cannot be read as an article: empty, binary, undecodable, missing."""

    kind = "input"


class LocalModelError(SummarizerError):
    """The embedded model cannot be used: extra missing, weights absent, server failed."""

    kind = "local_model"


class ModelIntegrityError(LocalModelError):
    """The GGUF on disk does not have the expected SHA-256; refusing to load it."""

    kind = "model_integrity"


class TransportError(SummarizerError):
    """The endpoint could not be reached or kept failing after bounded retries."""

    kind = "transport"


class ExtractionError(SummarizerError):
    """The model's answer never became a valid report within the re-ask budget."""

    kind = "extraction"

    def __init__(self, message: str, *, attempts: int = 0, last_errors: str = "") -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_errors = last_errors


class CacheError(SummarizerError):
    """The response cache directory is unusable (permissions, corruption)."""

    kind = "cache"
