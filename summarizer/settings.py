"""One immutable settings object instead of a long keyword list.

Everything that changes *which* model answers or *how* it is asked lives here, so a
``Summarizer`` can be shared across threads and tasks without hidden globals.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

EndpointKind = Literal["auto", "openai", "llamacpp", "vllm", "ollama", "other"]

#: name the embedded llama.cpp server reports for the bundled weights
EMBEDDED_MODEL_NAME = "qwen2.5-coder-1.5b-instruct"


#: a URL scheme (RFC 3986)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
#: a user name that may be shown: nothing a password could spill into
_PLAIN_USER = re.compile(r"[A-Za-z0-9._~-]+")


def split_url_userinfo(url: str) -> tuple[str, str | None, str]:
    """``(scheme, userinfo, rest)`` of ``scheme://userinfo@rest``, the user part taken up
    to the LAST ``@``: a password that is not percent-encoded (``/``, ``?``, ``#``, ``@``
    in it) stays whole, so it is masked whole.  ``userinfo`` is None without an ``@``;
    ``scheme`` is ``""`` when ``url`` has no ``scheme://``."""
    scheme, sep, after = url.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        return "", None, url
    if "@" not in after:
        return scheme, None, after
    userinfo, _, rest = after.rpartition("@")
    return scheme, userinfo, rest


def url_userinfo_is_ambiguous(url: str) -> bool:
    """The part before the last ``@`` has a ``/``, ``?`` or ``#``: a URL parser would
    cut the password there (and show the rest as host, path or query)."""
    _, userinfo, _ = split_url_userinfo(url)
    return userinfo is not None and any(c in userinfo for c in "/?#")


def _mask_query(query: str) -> str:
    out: list[str] = []
    hiding = False
    for part in query.split("&"):
        name, eq, _ = part.partition("=")
        if "password" in unquote(name).lower():
            out.append(f"{name}=***")
            hiding = True
        elif hiding and not eq:
            continue  # an '&' inside the password: the rest of it
        else:
            hiding = False
            out.append(part)
    return "&".join(out)


def mask_url(url: str) -> str:
    """``url`` as it may be shown (repr, logs, errors, ``cache info``): everything
    between ``scheme://`` and the last ``@`` masked (``user:***@`` when the user name is
    plain, else ``***@``), a ``password=`` query parameter's value masked, no fragment.
    Something that is not ``scheme://...`` is not shown at all."""
    scheme, userinfo, rest = split_url_userinfo(url)
    if not scheme:
        return "<cache URL without scheme://>"
    shown_user = ""
    if userinfo is not None:
        user, colon, _ = userinfo.partition(":")
        plain = colon and (not user or _PLAIN_USER.fullmatch(user))
        shown_user = f"{user}:***@" if plain else "***@"
    try:
        parts = urlsplit(f"{scheme}://{rest}")
    except ValueError:
        return f"{scheme}://{shown_user}<unparseable>"
    query = f"?{_mask_query(parts.query)}" if parts.query else ""
    return f"{parts.scheme}://{shown_user}{parts.netloc}{parts.path}{query}"


def default_cache_dir() -> Path:
    """XDG-style user cache, so the CLI and notebooks share answers by default."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "summarizer"


class CacheUrl(SecretStr):
    """A cache server's URL: shown (repr, str, JSON dumps) with its password masked,
    ``redis://:***@host:6379/0``; ``get_secret_value()`` is the URL itself."""

    def _display(self) -> str:
        return mask_url(self.get_secret_value())


class Settings(BaseModel):
    """How to reach the model and how hard to try.

    ``base_url=None`` means the embedded model: a llama.cpp server on loopback that
    the library starts on demand (only when the cache cannot answer).
    """

    # a validation error must not echo a key or a cache URL's password back
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    model: str | None = Field(None, description="Model name; None = the embedded GGUF.")
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint; None = embedded.")
    api_key: SecretStr | None = Field(None, description="Never logged, cached or recorded.")
    endpoint_kind: EndpointKind = "auto"
    mode: str | None = Field(None, description="instructor Mode name override, e.g. 'JSON'.")
    extraction: Literal["quotes", "labels"] | None = Field(
        None,
        description="How an OperationReport is asked for: 'quotes' (the model writes each "
        "fact with a quote) or 'labels' (the library reads names, tallies, phase and area "
        "from the text and the model only labels them; one small request); None = labels on "
        "the embedded model, quotes on an endpoint.",
    )

    clean: bool = Field(
        True, description="Strip site furniture, repeated captions and glued-on stories first."
    )
    max_input_chars: int | None = Field(
        None,
        ge=1000,
        description="Longest article text sent to the model; None = fit the embedded "
        "model's context (about 3 characters a token), or 100,000 for a remote endpoint.",
    )
    cache_dir: Path | None = Field(None, description="None = the user cache directory.")
    use_cache: bool = True
    cache_url: CacheUrl | None = Field(
        None,
        description="A Redis server several machines share (redis://[:password@]host:port/db, "
        "rediss://, unix://); None = diskcache in cache_dir.  Shown with its password masked.",
    )
    cache_ttl: float | None = Field(
        None, gt=0, description="Seconds a cached answer is kept; None = until cleared or evicted."
    )
    cache_signing_key: SecretStr | None = Field(
        None,
        description="Signs every cached answer (HMAC-SHA256), for a cache others can write "
        "to (a shared Redis): an entry without this key's signature is a miss.  Everyone "
        "sharing the cache needs the same key (at least 16 characters).",
    )

    timeout: float = Field(
        600.0,
        gt=0,
        description="Total seconds one HTTP request may take (connect, send, headers and "
        "the whole answer), not per read: an endpoint that trickles its answer is cut off "
        "at this deadline.  A retried request gets a fresh deadline.",
    )
    max_answer_bytes: int = Field(
        4_000_000,
        ge=1024,
        description="Largest answer (decoded bytes) read from the endpoint; a larger one is a "
        "TransportError naming its size, never parsed or sent back in a re-ask.",
    )
    max_reasks: int = Field(
        1,
        ge=0,
        le=10,
        description="Re-asks after a validation error; a 1.5B model rarely fixes its answer on "
        "a second re-ask, and each costs a full generation.",
    )
    max_transport_retries: int = Field(4, ge=0, le=20)
    retry_max_wait: float = Field(30.0, ge=0, description="Cap on one back-off or Retry-After.")

    temperature: float = 0.0
    seed: int | None = 0
    max_tokens: int = Field(2048, gt=0)

    model_dir: Path | None = Field(
        None, description="Where the bundled GGUF is assembled; None = cache_dir/models."
    )
    model_path: Path | None = Field(None, description="A GGUF to serve instead of the bundled one.")
    model_sha256: str | None = Field(None, description="Expected hash for model_path.")
    local_threads: int | None = Field(
        None,
        ge=0,
        description="llama.cpp threads for prompt evaluation and generation; None or 0 = all "
        "usable cores (llama-cpp-python's own default is half).  On CPU both phases are "
        "compute-bound, so this is the main throughput knob.",
    )
    local_ctx: int = Field(
        8192,
        ge=512,
        description="Context window of the embedded server: instructions + article + "
        "answer + one re-ask must fit.  It also bounds the article length "
        "(resolved_max_input_chars) and sizes the KV cache (about 28 KB a token here).",
    )
    local_batch: int = Field(
        512,
        ge=32,
        description="Prompt tokens llama.cpp evaluates per step (n_batch and n_ubatch).  "
        "Larger steps use the CPU's matrix units better on long prompts; smaller ones need "
        "less scratch memory.  Pinned because answers can differ slightly between batch "
        "sizes (summation order), and the response cache does not key on it.",
    )
    local_prompt_cache_mb: int = Field(
        0,
        ge=0,
        description="RAM for llama-cpp-python's prompt-state cache (0 = off).  The server "
        "always reuses the KV cache for the prefix shared with the previous request (the "
        "fixed instructions), but it has one slot: with several articles in flight, or a "
        "re-ask after another article's request, the article part is evaluated again.  "
        "The cache saves each finished prompt's state and restores the longest match.",
    )
    local_start_timeout: float = Field(180.0, gt=0)

    @field_validator("cache_signing_key")
    @classmethod
    def _long_enough(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and len(v.get_secret_value()) < 16:
            raise ValueError("cache_signing_key must be at least 16 characters")
        return v

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, v: str | None) -> str | None:
        """Without ``http(s)://`` the SDK fails each request as "could not connect", after
        retries; say so up front.  The URL is echoed only when it holds no ``@``."""
        if not v:
            return v
        scheme, _, rest = split_url_userinfo(v.strip())
        if scheme.lower() not in ("http", "https") or not rest.split("/", 1)[0]:
            hint = "" if "@" in v else f', e.g. "http://{v.strip().split("://")[-1]}"'
            raise ValueError(f"base_url must start with http:// or https://{hint}")
        return v.strip().rstrip("/")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy whose ``update`` is validated like any other input: pydantic's own copy
        does not validate, so a cache URL given as text would be kept, and shown, as
        text with its password (and a misspelt field would pass silently)."""
        if not update:
            return super().model_copy(deep=deep)
        return self.model_validate({**dict(self), **update})

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    @property
    def resolved_extraction(self) -> Literal["quotes", "labels"]:
        """Labels on the embedded model (a 1.5B model on a CPU: one small request, #18),
        quotes on an endpoint (a strong remote model writes its own quotes well)."""
        if self.extraction is not None:
            return self.extraction
        return "labels" if self.embedded else "quotes"

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()

    @property
    def resolved_max_input_chars(self) -> int:
        if self.max_input_chars is not None:
            return self.max_input_chars
        if self.embedded:
            # context minus the answer budget minus ~1,000 tokens of instructions
            return max(1000, (self.local_ctx - self.max_tokens - 1000) * 3)
        return 100_000

    @property
    def resolved_model_dir(self) -> Path:
        return self.model_dir if self.model_dir is not None else self.resolved_cache_dir / "models"

    @property
    def resolved_endpoint_kind(self) -> EndpointKind:
        """Guess the server family from the URL when the caller did not say."""
        if self.endpoint_kind != "auto":
            return self.endpoint_kind
        if self.base_url is None:
            return "llamacpp"
        url = self.base_url.lower()
        if "api.openai.com" in url:
            return "openai"
        if ":11434" in url or "ollama" in url:
            return "ollama"
        return "other"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``SUMMARIZER_*`` and ``OPENAI_API_KEY``; explicit overrides win."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        mapping = {
            "SUMMARIZER_MODEL": "model",
            "SUMMARIZER_BASE_URL": "base_url",
            "OPENAI_API_KEY": "api_key",
            "SUMMARIZER_ENDPOINT_KIND": "endpoint_kind",
            "SUMMARIZER_MODE": "mode",
            "SUMMARIZER_EXTRACTION": "extraction",
            "SUMMARIZER_CACHE_DIR": "cache_dir",
            "SUMMARIZER_CACHE_URL": "cache_url",
            "SUMMARIZER_CACHE_TTL": "cache_ttl",
            "SUMMARIZER_CACHE_KEY": "cache_signing_key",
            "SUMMARIZER_MODEL_PATH": "model_path",
            "SUMMARIZER_MODEL_DIR": "model_dir",
            "SUMMARIZER_MODEL_SHA256": "model_sha256",
            "SUMMARIZER_TIMEOUT": "timeout",
            "SUMMARIZER_MAX_ANSWER_BYTES": "max_answer_bytes",
            "SUMMARIZER_MAX_REASKS": "max_reasks",
            "SUMMARIZER_LOCAL_THREADS": "local_threads",
            "SUMMARIZER_LOCAL_CTX": "local_ctx",
            "SUMMARIZER_LOCAL_BATCH": "local_batch",
            "SUMMARIZER_LOCAL_PROMPT_CACHE_MB": "local_prompt_cache_mb",
        }
        for var, field in mapping.items():
            if env.get(var):
                values[field] = env[var]
        if env.get("SUMMARIZER_NO_CACHE", "").lower() in {"1", "true", "yes"}:
            values["use_cache"] = False
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def api_key_value(self) -> str:
        """The key to send; loopback servers accept any non-empty string."""
        return self.api_key.get_secret_value() if self.api_key else "not-needed"
