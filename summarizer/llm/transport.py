"""Ask the model: openai SDK + instructor for re-asks + tenacity for transport.

Layering, innermost first:

1. ``openai`` client with ``max_retries=0`` (it must not retry on its own);
2. :func:`transport_create` wraps ``chat.completions.create`` with tenacity:
   429 (honouring ``Retry-After`` up to a cap), timeouts, connection errors and 5xx
   are retried with jittered back-off; other 4xx are not.  It also adapts the
   request to the endpoint family;
3. :func:`~summarizer.llm.dialogue.instructor_create` puts instructor's mode handlers
   around that function: they build the structured request, validate each answer and
   write each re-ask.

So a re-ask that meets a 503 retries only the HTTP call, not the whole dialogue.

:func:`run_sync` and :func:`run_async` make one live call: a fresh :class:`CallStats`
passed down to the dialogue, the grounding context passed as its validation context.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from summarizer.core.ground import GroundingContext
from summarizer.errors import ExtractionError, SummarizerError, TransportError, Usage
from summarizer.llm.dialogue import CallStats, instructor_create
from summarizer.settings import EndpointKind, Settings, mask_url

T = TypeVar("T", bound=BaseModel)
E = TypeVar("E", bound=SummarizerError)


class EndpointRefused(Exception):
    """An answer the HTTP client refused to take (too large, a redirect), raised as
    its own ``openai.OpenAIError`` subclass by :mod:`summarizer.llm.guarded`: not
    retried, reported as a ``TransportError`` with its message (which names the size or
    the status and masked URL, never the content or the key)."""


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
        js = {**rf["json_schema"], "schema": _openai_strict(schema), "strict": True}
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


def _openai_strict(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` in OpenAI's strict structured-output form (objects closed, every key
    required, ``$ref`` siblings inlined).

    The one private API used here: the SDK's own converter, ``openai.lib._pydantic.
    _ensure_strict_json_schema``.  Its public entry points (``to_strict_json_schema``,
    ``chat.completions.parse``) take a pydantic model, not the JSON Schema instructor
    built, and a copy of its rules here could drift from what OpenAI accepts.  openai is
    pinned below 4 (pyproject); tests/test_provider_batch.py checks the strict request.
    """
    from openai.lib._pydantic import _ensure_strict_json_schema

    return _ensure_strict_json_schema(_strict_compatible(schema), path=(), root=schema)


def is_retryable(exc: BaseException) -> bool:
    """A timeout, a lost connection, a 429 or a 5xx: worth sending again."""
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


def backoff_wait(settings: Settings) -> Callable[[Any], float]:
    """tenacity wait: ``Retry-After`` when the server sends one (capped), else jittered
    exponential back-off."""
    from tenacity import wait_random_exponential

    backoff = wait_random_exponential(multiplier=0.5, max=settings.retry_max_wait)

    def wait(state: Any) -> float:
        exc = state.outcome.exception() if state.outcome else None
        ra = _retry_after(exc) if exc else None
        if ra is not None:
            return min(ra, settings.retry_max_wait)
        return float(backoff(state))

    return wait


#: ``create`` keyword -> the SDK's request-option key (everything else is JSON body)
_OPTION_KEYS = {"timeout": "timeout", "extra_headers": "headers", "extra_query": "params"}


def chat_completions(client: Any) -> Callable[..., Any]:
    """``client.chat.completions.create`` without its per-call parameter transform.

    The SDK's ``create`` walks every request through ``maybe_transform`` (the messages
    and the whole response schema, about 0.6 ms an article: the largest SDK cost left)
    to rename keys a chat request never has.  ``client.post``, the SDK's documented
    route to any endpoint, sends the same JSON with the same authentication, timeout,
    error mapping and ``ChatCompletion`` parsing.  Works for ``OpenAI`` and
    ``AsyncOpenAI`` alike (the async client's ``post`` returns an awaitable).
    """
    from openai.types.chat import ChatCompletion

    post = client.post

    def create(**kwargs: Any) -> Any:
        options: dict[str, Any] = {"security": {"bearer_auth": True}}
        body: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in _OPTION_KEYS:
                options[_OPTION_KEYS[key]] = value
            elif key == "extra_body":
                options["extra_json"] = value
            else:
                body[key] = value
        return post("/chat/completions", body=body, cast_to=ChatCompletion, options=options)

    return create


def _retry_policy(settings: Settings) -> dict[str, Any]:
    """tenacity's arguments for one HTTP call; stateless, so built once per transport."""
    from tenacity import retry_if_exception, stop_after_attempt

    return {
        "retry": retry_if_exception(is_retryable),
        "stop": stop_after_attempt(settings.max_transport_retries + 1),
        "wait": backoff_wait(settings),
        "reraise": True,
    }


def transport_create(settings: Settings, create: Callable[..., Any]) -> Callable[..., Any]:
    """Sync ``create`` with tenacity retries and request adaptation."""
    from tenacity import Retrying

    kind, policy = settings.resolved_endpoint_kind, _retry_policy(settings)

    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs = _adapt_request(kind, kwargs)
        for attempt in Retrying(**policy):
            with attempt:
                response = create(*args, **kwargs)
        return response

    return call


def async_transport_create(
    settings: Settings, create: Callable[..., Awaitable[Any]]
) -> Callable[..., Awaitable[Any]]:
    """Async twin of :func:`transport_create`."""
    from tenacity import AsyncRetrying

    kind, policy = settings.resolved_endpoint_kind, _retry_policy(settings)

    async def call(*args: Any, **kwargs: Any) -> Any:
        kwargs = _adapt_request(kind, kwargs)
        async for attempt in AsyncRetrying(**policy):
            with attempt:
                response = await create(*args, **kwargs)
        return response

    return call


# --------------------------------------------------------------------------- one call


@dataclass(frozen=True)
class Call:
    """One structured call: what it asks (settings, model name, schema, messages) and
    the text its quotes are grounded in."""

    settings: Settings
    model: str
    schema: type[BaseModel]
    messages: list[dict[str, str]]
    source: GroundingContext


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


def _spent(err: E, stats: CallStats) -> E:
    """Attach what the call spent, so a failed item still counts against budgets."""
    err.usage = Usage(stats.requests, stats.prompt_tokens, stats.completion_tokens)
    return err


def _unreadable(cause: BaseException, stats: CallStats) -> ExtractionError:
    """The HTTP exchange worked but the body was not a usable completion."""
    return _spent(
        ExtractionError(
            f"the endpoint's answer could not be read ({type(cause).__name__})",
            attempts=stats.requests,
        ),
        stats,
    )


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
    from instructor.v2.core.errors import IncompleteOutputException, InstructorRetryException

    cause = exc.__cause__ or exc
    if isinstance(cause, (openai.APIError, EndpointRefused)):
        raise _spent(TransportError(describe_transport(cause)), stats) from None
    if isinstance(cause, UnicodeEncodeError):  # its text quotes the character: not shown
        raise _spent(
            TransportError("the request could not be encoded for HTTP (a header value?)"), stats
        ) from None
    if isinstance(exc, IncompleteOutputException) or isinstance(cause, IncompleteOutputException):
        raise _spent(
            ExtractionError(
                "the model's answer was cut off at max_tokens; raise Settings.max_tokens",
                attempts=stats.requests,
            ),
            stats,
        ) from None
    if not isinstance(exc, InstructorRetryException) or not isinstance(
        cause, (ValidationError, ValueError)
    ):
        raise _unreadable(cause, stats) from None
    attempts = exc.failed_attempts or []
    content = _content_of(attempts[-1].completion) if attempts else None
    errors = str(cause)[:2000]
    first = errors.splitlines()[0][:300]
    if content is not None:
        try:
            value = schema.model_validate_json(content, context=source.with_strict(False))
        except ValidationError:
            pass
        else:
            warning = f"kept after {len(attempts)} attempts with unresolved grounding: {first}"
            return Answer(value, content, stats, time.perf_counter() - started, [warning])
    raise _spent(
        ExtractionError(
            f"no valid answer after {len(attempts)} attempts: {first}",
            attempts=len(attempts),
            last_errors=errors,
        ),
        stats,
    ) from None


def describe_transport(exc: BaseException) -> str:
    """Name the failure and the URL asked (credentials masked), so a wrong endpoint is
    visible in the message; never request headers, keys or an exception's own text
    (an HTTP library may quote a header value in it)."""
    import openai

    if isinstance(exc, EndpointRefused):
        return str(exc)
    url = _asked_url(exc)
    where = f" {url}" if url else ""
    if isinstance(exc, openai.APIStatusError):
        return f"endpoint{where} answered HTTP {exc.status_code} ({type(exc).__name__})"
    if isinstance(exc, openai.APITimeoutError):
        return f"endpoint{where} timed out"
    if isinstance(exc, openai.APIConnectionError):
        return f"could not connect to the endpoint{where}: {_connect_failure(exc)}"
    return f"request failed: {type(exc).__name__}"


def _asked_url(exc: BaseException) -> str | None:
    """The request's URL as it may be shown (:func:`~summarizer.settings.mask_url`)."""
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None)
    return mask_url(str(url)) if url is not None else None


def _connect_failure(exc: BaseException) -> str:
    """Why a connection failed, from the exception chain: refused, a name that did not
    resolve, TLS, or the OS's reason; never the message of a library exception."""
    import socket
    import ssl

    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            return "the host name did not resolve (DNS)"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (nothing listens there)"
        if isinstance(cause, ssl.SSLError):
            return "the TLS handshake failed"
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__ or cause.__context__
    text = " ".join(str(c) for c in _chain(exc)).lower()
    if "name or service not known" in text or "name resolution" in text:
        return "the host name did not resolve (DNS)"
    if "connection refused" in text:
        return "connection refused (nothing listens there)"
    return f"{type(_chain(exc)[-1]).__name__} (no answer)"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes, outermost first."""
    out: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in out:
        out.append(cause)
        cause = cause.__cause__ or cause.__context__
    return out


def _answer(value: BaseModel, schema: type[T], stats: CallStats, started: float) -> Answer:
    """The exact JSON the model sent (what the cache keeps), not a re-serialisation, and
    the value as an instance of ``schema`` itself rather than instructor's subclass."""
    content = _content_of(stats.completion) or value.model_dump_json()
    warnings = []
    if stats.kept is not None:
        attempts, problems, first = stats.kept
        plural = "s" if problems != 1 else ""
        warnings.append(
            f"kept after {attempts} attempts with unresolved grounding: "
            f"{problems} problem{plural}, first: {first[:200]}"
        )
    return Answer(
        _as_schema(value, schema), content, stats, time.perf_counter() - started, warnings
    )


def _as_schema(value: BaseModel, schema: type[T]) -> T:
    """Re-type an instance of the prepared subclass without validating it again: it was
    validated against the same grounding context, and its fields are the schema's."""
    if type(value) is schema:
        return value
    fields = {name: value.__dict__[name] for name in schema.model_fields}
    return schema.model_construct(_fields_set=set(value.model_fields_set), **fields)


def _ask(call: Call, stats: CallStats) -> dict[str, Any]:
    """The structured create's arguments for one live call."""
    return {
        "response_model": call.schema,
        "max_retries": call.settings.max_reasks,
        "context": call.source.with_strict(True),
        "stats": stats,
        **_request_kwargs(call.settings, call.model, call.messages),
    }


def run_sync(patched: Callable[..., Any], call: Call) -> Answer:
    """One live call through :func:`instructor_create`'s ``patched``: the answer, or
    (after the last re-ask) the kept one; anything else a ``SummarizerError``."""
    stats, started = CallStats(), time.perf_counter()
    try:
        value = patched(**_ask(call, stats))
    except Exception as exc:  # noqa: BLE001 - classified in _fallback
        return _fallback(exc, call.schema, call.source, stats, started)
    return _answer(value, call.schema, stats, started)


async def run_async(patched: Callable[..., Awaitable[Any]], call: Call) -> Answer:
    """Async twin of :func:`run_sync`."""
    stats, started = CallStats(), time.perf_counter()
    try:
        value = await patched(**_ask(call, stats))
    except Exception as exc:  # noqa: BLE001 - classified in _fallback
        return _fallback(exc, call.schema, call.source, stats, started)
    return _answer(value, call.schema, stats, started)


# --------------------------------------------------------------------------- provider batches


class _NotSent(Exception):
    """Raised by :func:`request_body`'s stand-in for the HTTP call."""


def _json_body(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The JSON body ``create(**kwargs)`` sends: request options are not body fields."""
    body = {k: v for k, v in kwargs.items() if k not in _OPTION_KEYS and k != "extra_body"}
    extra = kwargs.get("extra_body")
    if isinstance(extra, dict):
        body.update(extra)
    return cast(dict[str, Any], json.loads(json.dumps(body)))


def request_body(
    settings: Settings, model: str, schema: type[BaseModel], messages: list[dict[str, str]]
) -> dict[str, Any]:
    """The ``/chat/completions`` JSON body the live path's first attempt sends, built
    without sending it: the same instructor request handler and endpoint adaptation run
    in front of a stand-in for the HTTP call, so a provider batch file asks exactly what
    a live call asks."""
    sent: list[dict[str, Any]] = []
    kind = settings.resolved_endpoint_kind

    def create(**kwargs: Any) -> Any:
        sent.append(_json_body(_adapt_request(kind, kwargs)))
        raise _NotSent

    patched = instructor_create(create, mode_for(settings), is_async=False)
    try:
        patched(response_model=schema, max_retries=0, **_request_kwargs(settings, model, messages))
    except Exception:
        if not sent:
            raise
    return sent[0]


def answer_completion(call: Call, completion: dict[str, Any], *, lenient: bool = False) -> Answer:
    """Validate a chat completion obtained elsewhere (a provider batch's output line) as
    :func:`run_sync` validates a live first answer: the same request is built, the same
    instructor parser reads the answer under strict grounding, its tokens are counted.
    There is no one to re-ask, so an answer that fails is an ``ExtractionError``; with
    ``lenient`` a structurally valid one is kept with unfound quotes marked, as the
    live path keeps it after its last re-ask."""
    from openai.types.chat import ChatCompletion

    response = ChatCompletion.model_construct(**completion)
    stats, started = CallStats(), time.perf_counter()
    patched = instructor_create(
        transport_create(call.settings, lambda **kwargs: response),
        mode_for(call.settings),
        is_async=False,
        lenient_last=lenient,
    )
    try:
        value = patched(**{**_ask(call, stats), "max_retries": 0})
    except Exception as exc:  # noqa: BLE001 - classified in _fallback
        # raises what is not an answer
        kept = _fallback(exc, call.schema, call.source, stats, started)
        if lenient:
            return kept
        raise _no_reask(exc, stats) from None
    return _answer(value, call.schema, stats, started)


def _no_reask(exc: Exception, stats: CallStats) -> ExtractionError:
    """A batch answer that failed validation: the first problems, for the item's error."""
    cause = exc.__cause__ or exc
    why = str(cause).splitlines()[0][:200]
    if isinstance(cause, ValidationError):
        why = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in cause.errors()[:3])[
            :300
        ]
    return _spent(
        ExtractionError(
            f"the answer failed validation and a batch cannot re-ask: {why}",
            attempts=stats.requests,
            last_errors=str(cause)[:2000],
        ),
        stats,
    )
