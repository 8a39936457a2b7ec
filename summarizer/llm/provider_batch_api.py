"""The provider Batch API: files and batches.

Management calls (upload the input file, create a batch, read its status and its
output) go through the openai SDK's Files and Batches resources with ``max_retries=0``.
Reads are retried by tenacity like chat calls; the two writes (upload, batch creation)
only after a 429, because a retried timeout could create a second batch that is billed
too.  Failures become a secret-free ``TransportError``.

:mod:`summarizer.runs.provider_batch` orchestrates; this module talks.  The request
bodies and the reading of the answers are the live path's own
(:func:`summarizer.llm.transport.request_body` and ``answer_completion``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from summarizer.errors import TransportError
from summarizer.llm.transport import backoff_wait, describe_transport, is_retryable
from summarizer.settings import Settings

R = TypeVar("R")


# --------------------------------------------------------------------------- management


def _client(settings: Settings) -> Any:
    import openai

    return openai.OpenAI(
        base_url=settings.base_url,
        api_key=settings.api_key_value(),
        timeout=settings.timeout,
        max_retries=0,  # tenacity below owns retries
    )


def _call(settings: Settings, fn: Callable[..., R], *args: Any, write: bool, **kwargs: Any) -> R:
    """One management call: reads retried like chat calls, writes only after a 429;
    failures become a secret-free ``TransportError``."""
    import openai
    from tenacity import Retrying, retry_if_exception, stop_after_attempt

    def retryable(exc: BaseException) -> bool:
        if write:
            return isinstance(exc, openai.RateLimitError)
        return is_retryable(exc)

    try:
        for attempt in Retrying(
            retry=retry_if_exception(retryable),
            stop=stop_after_attempt(settings.max_transport_retries + 1),
            wait=backoff_wait(settings),
            reraise=True,
        ):
            with attempt:
                return fn(*args, **kwargs)
    except openai.APIError as exc:
        raise TransportError(describe_transport(exc)) from None
    raise AssertionError("unreachable")  # pragma: no cover - Retrying re-raises


def create_batch(
    settings: Settings,
    data: bytes,
    *,
    endpoint: str,
    completion_window: str,
    metadata: Mapping[str, str] | None = None,
) -> tuple[str, str]:
    """Upload ``data`` (JSONL request lines) as a ``purpose=batch`` file and create a
    batch over it; ``(input file id, batch id)``."""
    client = _client(settings)
    try:
        uploaded = _call(
            settings,
            client.files.create,
            file=("summarizer-batch.jsonl", data, "application/jsonl"),
            purpose="batch",
            write=True,
        )
        extra: dict[str, Any] = {"metadata": dict(metadata)} if metadata else {}
        batch = _call(
            settings,
            client.batches.create,
            input_file_id=uploaded.id,
            endpoint=endpoint,
            completion_window=completion_window,
            write=True,
            **extra,
        )
    finally:
        client.close()
    return str(uploaded.id), str(batch.id)


def retrieve_batch(settings: Settings, batch_id: str) -> Any:
    """The provider's batch object now (one read)."""
    client = _client(settings)
    try:
        return _call(settings, client.batches.retrieve, batch_id, write=False)
    finally:
        client.close()


def file_texts(settings: Settings, file_ids: list[str]) -> list[str]:
    """The content of each file, in order."""
    client = _client(settings)
    try:
        return [_call(settings, client.files.content, f, write=False).text for f in file_ids]
    finally:
        client.close()
