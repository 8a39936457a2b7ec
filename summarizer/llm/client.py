"""The structured ``create`` for one endpoint: an openai client over the guarded HTTP
client (:mod:`summarizer.llm.guarded`: total deadline, answer cap, no redirects), with
instructor's dialogue (:mod:`summarizer.llm.dialogue`) around our transport retries."""

from __future__ import annotations

from typing import Any

from summarizer.errors import ConfigError
from summarizer.llm import dialogue, transport
from summarizer.settings import Settings


def _check_api_key(settings: Settings) -> None:
    """Refuse a key an HTTP header cannot carry before any request: the HTTP library's
    own error quotes the character (or the whole header) and is retried as a connection
    failure.  The message names the problem, never a character or position of the key."""
    key = settings.api_key_value()
    if not key.isascii():
        why = "has a character that is not ASCII (a pasted typographic quote, dash or space?)"
    elif not key.isprintable():
        why = "has a control character (a line break or tab?)"
    elif key != key.strip():
        why = "starts or ends with white space"
    else:
        return
    raise ConfigError(
        f"the API key (OPENAI_API_KEY) {why}; an HTTP header cannot carry it: set the key again"
    )


def structured_create(settings: Settings, base_url: str, *, is_async: bool) -> tuple[Any, Any]:
    """An openai client for ``base_url`` (``max_retries=0``: tenacity in
    :mod:`summarizer.llm.transport` owns transport retries) over a
    ``GuardedClient`` (total deadline, answer cap, no redirects), and instructor's
    structured ``create`` over it (:func:`~summarizer.llm.dialogue.instructor_create`).
    The caller keeps the client to close it (which closes the HTTP client too)."""
    import openai

    from summarizer.llm import guarded  # openai and httpx only now, not on import

    _check_api_key(settings)
    sdk: Any = openai.AsyncOpenAI if is_async else openai.OpenAI
    http: Any = guarded.AsyncGuardedClient if is_async else guarded.GuardedClient
    client = sdk(
        base_url=base_url,
        api_key=settings.api_key_value(),
        timeout=settings.timeout,
        max_retries=0,
        http_client=http(settings),
    )
    wrap: Any = transport.async_transport_create if is_async else transport.transport_create
    create = dialogue.instructor_create(
        wrap(settings, transport.chat_completions(client)),
        transport.mode_for(settings),
        is_async=is_async,
    )
    return client, create
