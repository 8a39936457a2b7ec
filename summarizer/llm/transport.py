"""Ask the model: openai SDK + instructor for re-asks + tenacity for transport.

Layering, innermost first:

1. ``openai`` client with ``max_retries=0`` (it must not retry on its own);
2. :func:`transport_create` wraps ``chat.completions.create`` with tenacity:
   429 (honouring ``Retry-After`` up to a cap), timeouts, connection errors and 5xx
   are retried with jittered back-off; other 4xx are not.  It also adapts the
   request to the endpoint family and counts tokens of *every* HTTP response;
3. :func:`instructor_create` puts instructor's mode handlers around that function:
   they build the structured request, validate each answer and write each re-ask.

So a re-ask that meets a 503 retries only the HTTP call, not the whole dialogue.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from summarizer.core.ground import GroundingContext, current_context, grounding
from summarizer.errors import ExtractionError, SummarizerError, TransportError, Usage
from summarizer.settings import EndpointKind, Settings

T = TypeVar("T", bound=BaseModel)
E = TypeVar("E", bound=SummarizerError)


@dataclass
class CallStats:
    """Per-call accumulator, reached through a ContextVar so concurrent calls never mix."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: the last attempt's answer was kept with problems: (attempts, problems, first)
    kept: tuple[int, int, str] | None = None

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


def transport_create(settings: Settings, create: Callable[..., Any]) -> Callable[..., Any]:
    """Sync ``create`` with tenacity retries, request adaptation and token counting."""
    from tenacity import Retrying, retry_if_exception, stop_after_attempt

    kind = settings.resolved_endpoint_kind
    # the policies are stateless: built once, a fresh Retrying per call
    retry = retry_if_exception(_is_retryable)
    stop = stop_after_attempt(settings.max_transport_retries + 1)
    wait = _wait(settings)

    def call(*args: Any, **kwargs: Any) -> Any:
        kwargs = _adapt_request(kind, kwargs)
        for attempt in Retrying(retry=retry, stop=stop, wait=wait, reraise=True):
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
    # the policies are stateless: built once, a fresh AsyncRetrying per call
    retry = retry_if_exception(_is_retryable)
    stop = stop_after_attempt(settings.max_transport_retries + 1)
    wait = _wait(settings)

    async def call(*args: Any, **kwargs: Any) -> Any:
        kwargs = _adapt_request(kind, kwargs)
        async for attempt in AsyncRetrying(retry=retry, stop=stop, wait=wait, reraise=True):
            with attempt:
                response = await create(*args, **kwargs)
        stats = _STATS.get()
        if stats is not None:
            stats.add_usage(getattr(response, "usage", None))
        return response

    return call


def instructor_create(
    create: Callable[..., Any], mode_name: str, *, is_async: bool, lenient_last: bool = True
) -> Callable[..., Any]:
    """``create(response_model=..., max_retries=..., **request)``: instructor's request
    building, parsing and re-asks over the transport function ``create``.

    ``instructor.patch(create=..., mode=...)`` returns the same thing, but each call
    there re-prepares the response model (a new subclass, its JSON Schema rendered
    again) and walks all its nested models for async validators four times: about
    5 ms for :class:`OperationReport`, the largest cost left around a request, and
    all of it a function of the class.  Here the model is prepared once per class
    (:func:`prepared_model`, which runs that check) and each call goes straight to
    instructor's mode handlers: ``request_handler`` builds the request,
    ``response_parser`` validates the answer, ``reask_handler`` writes the re-ask.
    The loop around them is ``retry_sync_v2``'s for the way this library calls it (no
    templating context, hooks, instructor cache or token budget; usage is counted in
    the transport): an invalid answer is re-asked up to ``max_retries`` times, and a
    completion that does not parse at all is asked for again unchanged, within the
    same attempts; then ``InstructorRetryException`` with every failed attempt; any
    other error is raised as that exception too, from the error; an answer cut off at
    ``max_tokens`` raises ``IncompleteOutputException``.  If instructor's internals
    move, this falls back to ``instructor.patch``.  One deliberate difference: with
    ``lenient_last`` the last attempt is validated with lenient grounding (see
    ``_Loop.parse``); a provider batch's strict collect turns it off.
    """
    import instructor

    mode = instructor.Mode[mode_name]
    try:
        from instructor.v2.core.errors import (
            FailedAttempt,
            IncompleteOutputException,
            InstructorRetryException,
        )
        from instructor.v2.core.messages import extract_messages, isolate_retry_kwargs
        from instructor.v2.core.providers import Provider
        from instructor.v2.core.registry import mode_registry
        from instructor.v2.core.retry import _RETRYABLE_PARSE_ERRORS, _finalize_parsed_response

        handlers = mode_registry.get_handlers(Provider.OPENAI, mode)
    except (ImportError, AttributeError, KeyError, ValueError):  # pragma: no cover
        handlers = None
    if handlers is None or mode in instructor.Mode.parallel_modes():  # pragma: no cover
        patched = instructor.patch(create=create, mode=mode)

        def fallback(*, response_model: type[BaseModel], **kwargs: Any) -> Any:
            return patched(response_model=prepared_model(response_model), **kwargs)

        return fallback

    mode_handlers = handlers

    def prepare(schema: type[BaseModel], kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        prepared, request = mode_handlers.request_handler(
            response_model=prepared_model(schema), kwargs=kwargs
        )
        if mode_handlers.message_converter and "messages" in request:
            request["messages"] = mode_handlers.message_converter(
                request["messages"], autodetect_images=False
            )
        return prepared, isolate_retry_kwargs(request)

    class _Loop:
        """One call's attempts: what a failure must report."""

        def __init__(self, prepared: Any, request: dict[str, Any], max_retries: int) -> None:
            self.prepared = prepared
            self.request = request
            self.attempts = max(max_retries, 0) + 1
            self.number = 0
            self.failed: list[Any] = []

        def parse(self, response: Any) -> Any:
            """The validated value, or ``None`` after preparing a re-ask.

            The last attempt is validated leniently at once: no re-ask can follow, so
            an answer whose quotes are not all grounded is kept with them marked (and
            the problems counted), instead of failing a strict pass and being
            validated a second time (about 0.6 ms an article)."""
            with contextlib.ExitStack() as stack:
                current = current_context()
                lenient = None
                last = self.number >= self.attempts
                if lenient_last and last and current is not None and current.strict:
                    lenient = stack.enter_context(grounding(current, strict=False))
                value = self._parse(response)
            if lenient is not None and lenient.notes and (stats := _STATS.get()) is not None:
                stats.kept = (self.number, len(lenient.notes), lenient.notes[0])
            return value

        def _parse(self, response: Any) -> Any:
            try:
                parsed = mode_handlers.response_parser(
                    response=response,
                    response_model=self.prepared,
                    validation_context=None,
                    strict=True,
                    stream=False,
                    is_async=is_async,
                )
            except IncompleteOutputException:
                raise
            except _RETRYABLE_PARSE_ERRORS as exc:
                self.failed.append(FailedAttempt(self.number, exc, response))
                if self.number >= self.attempts:
                    raise
                self.request = mode_handlers.reask_handler(
                    kwargs=self.request, response=response, exception=exc
                )
                return None
            return _finalize_parsed_response(parsed, response, total_usage=None)

        def give_up(self, exc: Exception) -> Exception:
            # like retry_sync_v2, except that no re-ask is written after the last
            # attempt (instructor builds one it never sends; nothing here reads it)
            return InstructorRetryException(
                str(exc),
                last_completion=self.failed[-1].completion if self.failed else None,
                n_attempts=self.number,
                total_usage=None,
                messages=extract_messages(self.request),
                create_kwargs=self.request,
                failed_attempts=self.failed,
            )

    if is_async:

        async def acall(*, response_model: type[BaseModel], max_retries: int, **kwargs: Any) -> Any:
            loop = _Loop(*prepare(response_model, kwargs), max_retries)
            try:
                while True:
                    loop.number += 1
                    try:
                        response = await create(**loop.request)
                    except _RETRYABLE_PARSE_ERRORS:
                        if loop.number >= loop.attempts:
                            raise
                        continue  # a body that did not parse: asked again as it was
                    value = loop.parse(response)
                    if value is not None:
                        return value
            except IncompleteOutputException:
                raise
            except Exception as exc:  # reported as instructor reports it
                raise loop.give_up(exc) from exc

        return acall

    def call(*, response_model: type[BaseModel], max_retries: int, **kwargs: Any) -> Any:
        loop = _Loop(*prepare(response_model, kwargs), max_retries)
        try:
            while True:
                loop.number += 1
                try:
                    response = create(**loop.request)
                except _RETRYABLE_PARSE_ERRORS:
                    if loop.number >= loop.attempts:
                        raise
                    continue  # a body that did not parse: asked again as it was
                value = loop.parse(response)
                if value is not None:
                    return value
        except IncompleteOutputException:
            raise
        except Exception as exc:  # reported as instructor reports it
            raise loop.give_up(exc) from exc

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


def _spent(err: E, stats: CallStats) -> E:
    """Attach what the call spent, so a failed item still counts against budgets."""
    err.usage = Usage(stats.requests, stats.prompt_tokens, stats.completion_tokens)
    return err


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
        raise _spent(TransportError(_describe_transport(cause)), stats) from None
    if isinstance(exc, IncompleteOutputException) or isinstance(cause, IncompleteOutputException):
        raise _spent(
            ExtractionError(
                "the model's answer was cut off at max_tokens; raise Settings.max_tokens",
                attempts=stats.requests,
            ),
            stats,
        ) from None
    if isinstance(exc, InstructorRetryException):
        if not isinstance(cause, (ValidationError, ValueError)):
            # the HTTP exchange worked but the body was not a usable completion
            raise _spent(
                ExtractionError(
                    f"the endpoint's answer could not be read ({type(cause).__name__})",
                    attempts=stats.requests,
                ),
                stats,
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
        raise _spent(
            ExtractionError(
                f"no valid answer after {len(attempts)} attempts: {errors.splitlines()[0][:300]}",
                attempts=len(attempts),
                last_errors=errors,
            ),
            stats,
        ) from None
    raise _spent(
        ExtractionError(
            f"the endpoint's answer could not be read ({type(cause).__name__})",
            attempts=stats.requests,
        ),
        stats,
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


def _answer(value: BaseModel, schema: type[T], stats: CallStats, started: float) -> Answer:
    """The exact JSON the model sent (what the cache keeps), not a re-serialisation, and
    the value as an instance of ``schema`` itself rather than instructor's subclass."""
    content = _content_of(getattr(value, "_raw_response", None)) or value.model_dump_json()
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


@lru_cache(maxsize=64)
def prepared_model(schema: type[T]) -> type[T]:
    """instructor's response model for ``schema``, built once per schema class.

    instructor wraps a plain model in a new subclass and renders its JSON Schema on
    every call (about 10 ms for :class:`OperationReport`); both are pure functions of
    the class, so the wrapper is built here once and answers ``model_json_schema()``
    from a copy of its first rendering.  The request is byte-for-byte the same.
    """
    from instructor.v2.core.response_model import prepare_response_model

    from summarizer.core.schema import require_all

    prepared = cast(type[BaseModel], prepare_response_model(schema))
    rendered = json.dumps(require_all(prepared.model_json_schema()))
    render = prepared.model_json_schema.__func__  # type: ignore[attr-defined]

    def model_json_schema(cls: type[BaseModel], *args: Any, **kwargs: Any) -> dict[str, Any]:
        if args or kwargs:
            return cast(dict[str, Any], render(cls, *args, **kwargs))
        return cast(dict[str, Any], json.loads(rendered))  # a fresh copy: callers mutate

    return cast(
        type[T],
        type(
            prepared.__name__,
            (prepared,),
            {
                "__module__": prepared.__module__,
                "__qualname__": prepared.__qualname__,
                "__doc__": prepared.__doc__,
                "model_json_schema": classmethod(model_json_schema),
            },
        ),
    )


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
    return _answer(value, schema, stats, started)


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
    return _answer(value, schema, stats, started)


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


def answer_completion(
    settings: Settings,
    model: str,
    schema: type[T],
    messages: list[dict[str, str]],
    source: GroundingContext,
    completion: dict[str, Any],
    *,
    lenient: bool = False,
) -> Answer:
    """Validate a chat completion obtained elsewhere (a provider batch's output line) as
    :func:`run_sync` validates a live first answer: the same request is built, the same
    instructor parser reads the answer under strict grounding, its tokens are counted.
    There is no one to re-ask, so an answer that fails is an ``ExtractionError``; with
    ``lenient`` a structurally valid one is kept with unfound quotes marked, as the
    live path keeps it after its last re-ask."""
    from openai.types.chat import ChatCompletion

    response = ChatCompletion.model_construct(**completion)
    stats = CallStats()
    token = _STATS.set(stats)
    started = time.perf_counter()
    patched = instructor_create(
        transport_create(settings, lambda **kwargs: response),
        mode_for(settings),
        is_async=False,
        lenient_last=lenient,
    )
    try:
        with grounding(source, strict=True):
            value = patched(
                response_model=schema, max_retries=0, **_request_kwargs(settings, model, messages)
            )
    except Exception as exc:  # noqa: BLE001 - classified in _fallback
        kept = _fallback(exc, schema, source, stats, started)  # raises what is not an answer
        if lenient:
            return kept
        cause = exc.__cause__ or exc
        why = str(cause).splitlines()[0][:200]
        if isinstance(cause, ValidationError):
            why = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in cause.errors()[:3]
            )[:300]
        raise _spent(
            ExtractionError(
                f"the answer failed validation and a batch cannot re-ask: {why}",
                attempts=stats.requests,
                last_errors=str(cause)[:2000],
            ),
            stats,
        ) from None
    finally:
        _STATS.reset(token)
    return _answer(value, schema, stats, started)
