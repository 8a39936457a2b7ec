"""How the service listens and what it accepts: :class:`ServeConfig`."""

import os
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from summarizer.errors import ConfigError
from summarizer.settings import Settings

#: a time limit: seconds, more than none
Seconds = Annotated[float, Field(gt=0)]
#: a count of things the service allows at once: at least one
AtLeastOne = Annotated[int, Field(ge=1)]

#: where :meth:`ServeConfig.from_env` reads the API key by default
API_KEY_ENV = "SUMMARIZER_SERVE_API_KEY"


class ServeConfig(BaseModel):
    """How the service listens and what it accepts (the model side is :class:`Settings`).

    ``api_key`` is a ``SecretStr``: it never appears in ``repr``, logs or responses.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", description="Interface to bind; loopback by default.")
    port: int = Field(8000, ge=0, le=65535)
    max_body_bytes: int = Field(
        2_097_152,
        ge=1024,
        description="Largest request body; a larger one is refused with 413 before it is read.",
    )
    max_batch_items: int = Field(32, ge=1, le=10_000)
    request_timeout_s: Seconds = Field(
        600.0,
        description="Wall-clock limit per request (504); the embedded model needs about two "
        "minutes an article, more while other requests queue for it.",
    )
    api_key: SecretStr | None = Field(
        None, description="Required from clients when set (Bearer or X-API-Key)."
    )
    concurrency: AtLeastOne | None = Field(
        None,
        description="Articles in flight across all requests; None = 1 on the embedded model "
        "(it serialises requests anyway), 4 on a remote endpoint.",
    )
    header_timeout_s: Seconds = Field(
        10.0,
        description="Seconds a connection has to send a whole request head, from when it "
        "opens or its previous response ends; then it is closed (408). uvicorn has no such "
        "limit: a client sending one header line every few seconds would hold a connection "
        "for ever.",
    )
    body_timeout_s: Seconds = Field(
        60.0,
        description="Seconds a request has to send its whole body once its head is in "
        "(408 after it): a trickled body holds a connection and its buffer only this long.",
    )
    max_connections: AtLeastOne = Field(
        1000,
        description="Open connections; one more is answered 503 and closed at once, so slow "
        "clients cannot make the service hold an unbounded number of sockets and buffers.",
    )
    max_buffered_bytes: int | None = Field(
        None,
        ge=1024,
        description="Request body bytes held at once over all requests (503 past it); "
        "None = 16 bodies of the largest size.",
    )

    @field_validator("api_key")
    @classmethod
    def _no_blank_key(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().strip():
            raise ValueError("the API key is blank")
        return v

    @property
    def max_text_chars(self) -> int:
        """Longest article text, in characters: a sixteenth of the body limit, so a
        text that long fits the body even when every character is sent as a JSON
        escape (12 bytes for one outside the BMP).  The limit is on characters, not
        bytes, so a client can check it without encoding; a batch of long texts can
        still exceed the body limit (413)."""
        return self.max_body_bytes // 16

    @property
    def body_budget(self) -> int:
        """Bytes of request bodies the service holds at once: at least one whole body."""
        if self.max_buffered_bytes is None:
            return 16 * self.max_body_bytes
        return max(self.max_buffered_bytes, self.max_body_bytes)

    def resolved_concurrency(self, settings: Settings) -> int:
        if self.concurrency is not None:
            return self.concurrency
        return 1 if settings.embedded else 4

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        api_key_env: str = API_KEY_ENV,
        require_key: bool = False,
        **overrides: Any,
    ) -> "ServeConfig":
        """Read the API key from ``api_key_env``; explicit overrides win.  With
        ``require_key`` a missing key is a :class:`ConfigError`, not an open service.

        A variable that is set but blank (empty or white space) is a :class:`ConfigError`
        too: whoever set it meant to require a key, and reading it as "no key" would
        serve openly without a word.  Only an unset variable means no key."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        if "api_key" not in values and api_key_env in env:
            if not env[api_key_env].strip():
                raise ConfigError(
                    f"the environment variable {api_key_env} is set but blank: set it to "
                    "the API key, or unset it to serve without one"
                )
            values["api_key"] = env[api_key_env]
        if require_key and "api_key" not in values:
            raise ConfigError(f"no API key: the environment variable {api_key_env} is unset")
        return cls(**values)


def validation_summary(exc: ValidationError) -> str:
    """A one-line, input-free description of a configuration error (for the CLI)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors()
    )
