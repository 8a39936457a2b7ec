"""Ask the model: openai SDK + instructor for re-asks + tenacity for transport.

Layering, innermost first:

1. ``openai`` client with ``max_retries=0`` (it must not retry on its own);
2. :func:`_transport_retrying` wraps ``chat.completions.create`` with tenacity:
   429 (honouring ``Retry-After`` up to a cap), timeouts, connection errors and 5xx
   are retried with jittered back-off; other 4xx are not.  It also adapts the
   request to the endpoint family and counts tokens of *every* HTTP response;
3. instructor patches that function and owns validation re-asks.

So a re-ask that meets a 503 retries only the HTTP call, not the whole dialogue.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from summarizer.errors import ExtractionError, TransportError
from summarizer.ground import GroundingContext, grounding
from summarizer.settings import EndpointKind, Settings

T = TypeVar("T", bound=BaseModel)


@dataclass
class CallStats:
    """Per-call accumulator, reached through a ContextVar so concurrent calls never mix."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add_usage(self, usage: Any) -> None:
        self.requests += 1
        if usage is not None:
            self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)


_STATS: contextvars.ContextVar[CallStats | None] = contextvars.ContextVar(
    "summarizer_call_stats", default=None
)


def mode_for(settings: Settings) -> str:
    """instructor Mode name per endpoint family (overridable with ``settings.mode``)."""
    if settings.mode:
        return settings.mode
    # every family gets JSON_SCHEMA; _adapt_request rewrites it where the wire form differs
    return "JSON_SCHEMA"


def _adapt_request(kind: EndpointKind, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Rewrite instructor's request for the server family actually on the wire.

    llama-cpp-python's server answers HTTP 500 to ``{"type": "json_schema", ...}`` but
    turns ``{"type": "json_object", "schema": ...}`` into a grammar.  OpenAI gets
    strict structured outputs.
    """
    rf = kwargs.get("response_format")
    if not isinstance(rf, dict) or rf.get("type") != "json_schema":
        return kwargs
    schema = rf["json_schema"]["schema"]
    if kind == "llamacpp":
        return {**kwargs, "response_format": {"type": "json_object", "schema": schema}}
    if kind == "openai":
        from openai.lib._pydantic import _ensure_strict_json_schema

        strict = _ensure_strict_json_schema(_strict_compatible(schema), path=(), root=schema)
        js = {**rf["json_schema"], "schema": strict, "strict": True}
        return {**kwargs, "response_format": {"type": "json_schema", "json_schema": js}}
    return kwargs


#: keywords OpenAI strict mode rejects; the grammar bounds are for local servers
_NOT_STRICT = frozenset({"default", "maxLength"})


def _strict_compatible(schema: Any) -> Any:
    """Every key becomes required instead of defaulted; string bounds are dropped."""
    if isinstance(schema, dict):
        return {k: _strict_compatible(v) for k, v in schema.items() if k not in _NOT_STRICT}
    if isinstance(schema, list):
        return [_strict_compatible(v) for v in schema]
    return schema


def _is_retryable(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code == 429 or exc.status_code >= 500
    return False


def _retry_after(exc: BaseException) -> float | None:
    import openai

    if isinstance(exc, openai.APIStatusError) and exc.response is not None:
        value = exc.response.headers.get("retry-after")
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def _wait(settings: Settings) -> Callable[[Any], float]:
    from tenacity import wait_random_exponential

    backoff = wait_random_exponential(multiplier=0.5, max=settings.retry_max_wait)

    def wait(state: Any) -> float:
        exc = state.outcome.exception() if state.outcome else None
        ra = _retry_after(exc) if exc else None
        if ra is not None:
            return min(ra, settings.retry_max_wait)
        return float(backoff(state))

    return wait


def transport_create(settings: Settings, create: Callable[..., Any]) -> Callable[..., Any]:
    """Sync ``create`` with tenacity retries, request adaptation and token counting."""
    from tenacity import Retrying, retry_if_exception, stop_after_attempt

    kind = settings.resolved_endpoint_kind

    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs = _adapt_request(kind, kwargs)
        for attempt in Retrying(
            retry=retry_if_exception(_is_retryable),
            stop=stop_after_attempt(settings.max_transport_retries + 1),
            wait=_wait(settings),
            reraise=True,
        ):
            with attempt:
                response = create(*args, **kwargs)
        stats = _STATS.get()
        if stats is not None:
            stats.add_usage(getattr(response, "usage", None))
        return response

    return call


def async_transport_create(
    settings: Settings, create: Callable[..., Awaitable[Any]]
) -> Callable[..., Awaitable[Any]]:
    """Async twin of :func:`transport_create`."""
    from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt

    kind = settings.resolved_endpoint_kind

    async def call(*args: Any, **kwargs: Any) -> Any:
        kwargs = _adapt_request(kind, kwargs)
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(_is_retryable),
            stop=stop_after_attempt(settings.max_transport_retries + 1),
            wait=_wait(settings),
            reraise=True,
        ):
            with attempt:
                response = await create(*args, **kwargs)
        stats = _STATS.get()
        if stats is not None:
            stats.add_usage(getattr(response, "usage", None))
        return response

    return call


@dataclass
class Answer:
    """A validated model answer plus what it cost."""

    value: BaseModel
    content: str
    stats: CallStats
    latency_s: float
    warnings: list[str]


def _content_of(completion: Any) -> str | None:
    try:
        content = completion.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


def _request_kwargs(
    settings: Settings, model: str, messages: list[dict[str, str]]
) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
    }
    if settings.seed is not None:
        kw["seed"] = settings.seed
    return kw


def _fallback(
    exc: Exception,
    schema: type[T],
    source: GroundingContext,
    stats: CallStats,
    started: float,
) -> Answer:
    """After the last re-ask: keep a structurally valid answer with unfound quotes
    marked ``not_found``, rather than dropping it; anything else is an error."""
    import openai
    from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException

    cause = exc.__cause__ or exc
    if isinstance(cause, openai.APIError):
        raise TransportError(_describe_transport(cause)) from None
    if isinstance(exc, IncompleteOutputException) or isinstance(cause, IncompleteOutputException):
        raise ExtractionError(
            "the model's answer was cut off at max_tokens; raise Settings.max_tokens",
            attempts=stats.requests,
        ) from None
    if isinstance(exc, InstructorRetryException):
        if not isinstance(cause, (ValidationError, ValueError)):
            # the HTTP exchange worked but the body was not a usable completion
            raise ExtractionError(
                f"the endpoint's answer could not be read ({type(cause).__name__})",
                attempts=stats.requests,
            ) from None
        attempts = exc.failed_attempts or []
        content = _content_of(attempts[-1].completion) if attempts else None
        errors = str(cause)[:2000]
        if content is not None:
            try:
                with grounding(source, strict=False):
                    value = schema.model_validate_json(content)
            except ValidationError:
                pass
            else:
                return Answer(
                    value=value,
                    content=content,
                    stats=stats,
                    latency_s=time.perf_counter() - started,
                    warnings=[
                        f"kept after {len(attempts)} attempts with unresolved grounding: "
                        + errors.splitlines()[0][:300]
                    ],
                )
        raise ExtractionError(
            f"no valid answer after {len(attempts)} attempts: {errors.splitlines()[0][:300]}",
            attempts=len(attempts),
            last_errors=errors,
        ) from None
    raise ExtractionError(
        f"the endpoint's answer could not be read ({type(cause).__name__})",
        attempts=stats.requests,
    ) from None


def _describe_transport(exc: BaseException) -> str:
    """Name the failure without echoing request headers or keys."""
    import openai

    if isinstance(exc, openai.APIStatusError):
        return f"endpoint answered HTTP {exc.status_code} ({type(exc).__name__})"
    if isinstance(exc, openai.APITimeoutError):
        return "endpoint timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "could not connect to the endpoint"
    return f"request failed: {type(exc).__name__}"


def _answer(value: BaseModel, stats: CallStats, started: float) -> Answer:
    """The exact JSON the model sent (what the cache keeps), not a re-serialisation."""
    content = _content_of(getattr(value, "_raw_response", None)) or value.model_dump_json()
    return Answer(value, content, stats, time.perf_counter() - started, [])


def run_sync(
    patched: Callable[..., Any],
    settings: Settings,
    model: str,
    schema: type[T],
    messages: list[dict[str, str]],
    source: GroundingContext,
) -> Answer:
    stats = CallStats()
    token = _STATS.set(stats)
    started = time.perf_counter()
    try:
        with grounding(source, strict=True):
            value = patched(
                response_model=schema,
                max_retries=settings.max_reasks,
                **_request_kwargs(settings, model, messages),
            )
    except Exception as exc:  # noqa: BLE001 - classified in _fallback
        return _fallback(exc, schema, source, stats, started)
    finally:
        _STATS.reset(token)
    return _answer(value, stats, started)


async def run_async(
    patched: Callable[..., Awaitable[Any]],
    settings: Settings,
    model: str,
    schema: type[T],
    messages: list[dict[str, str]],
    source: GroundingContext,
) -> Answer:
    stats = CallStats()
    token = _STATS.set(stats)
    started = time.perf_counter()
    try:
        with grounding(source, strict=True):
            value = await patched(
                response_model=schema,
                max_retries=settings.max_reasks,
                **_request_kwargs(settings, model, messages),
            )
    except Exception as exc:  # noqa: BLE001 - classified in _fallback
        return _fallback(exc, schema, source, stats, started)
    finally:
        _STATS.reset(token)
    return _answer(value, stats, started)
