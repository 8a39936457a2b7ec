"""The HTTP client and the structured ``create`` over it, for one endpoint."""

from __future__ import annotations

from typing import Any

from summarizer.llm import dialogue, transport
from summarizer.settings import Settings


def structured_create(settings: Settings, base_url: str, *, is_async: bool) -> tuple[Any, Any]:
    """An openai client for ``base_url`` (``max_retries=0``: tenacity in
    :mod:`summarizer.llm.transport` owns transport retries) and instructor's structured
    ``create`` over it (:func:`~summarizer.llm.dialogue.instructor_create`).  The
    caller keeps the client to close it."""
    import openai

    client_cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    client = client_cls(
        base_url=base_url,
        api_key=settings.api_key_value(),
        timeout=settings.timeout,
        max_retries=0,
    )
    wrap: Any = transport.async_transport_create if is_async else transport.transport_create
    create = dialogue.instructor_create(
        wrap(settings, transport.chat_completions(client)),
        transport.mode_for(settings),
        is_async=is_async,
    )
    return client, create
