"""The structured dialogue with the model: instructor's request building, validation
and re-asks around a transport function (:func:`instructor_create`).

Nothing travels on the side: the grounding context reaches the validators as pydantic's
validation context, handed to instructor's parser with each attempt, and what a call
spent comes back in a :class:`CallStats` its caller creates and passes down.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from summarizer.core.ground import GroundingContext
from summarizer.errors import ConfigError

T = TypeVar("T", bound=BaseModel)


@dataclass
class CallStats:
    """One structured call's account, created by its caller and filled in by the loop
    (:func:`instructor_create`'s ``stats=``): no ambient state, so concurrent calls
    never mix."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: the last attempt's answer was kept with problems: (attempts, problems, first)
    kept: tuple[int, int, str] | None = None
    #: the completion whose answer was returned (its exact JSON is what the cache keeps)
    completion: Any = field(default=None, repr=False)

    def add_usage(self, response: Any) -> None:
        """Count one completion the endpoint answered, and its tokens."""
        self.requests += 1
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)


def parse_errors() -> tuple[type[Exception], ...]:
    """What instructor's retry loop re-asks about (and asks again for, when the body did
    not parse at all): its ``retry._RETRYABLE_PARSE_ERRORS``, which is private, restated
    from public names.  tests/test_instructor_loop.py checks that the two agree."""
    from instructor.v2.core.errors import AsyncValidationError, ResponseParsingError

    return (ValidationError, json.JSONDecodeError, AsyncValidationError, ResponseParsingError)


@dataclass
class _Dialogue:
    """One structured call's attempts, written once for the sync and the async loop.

    :meth:`run` is a generator: it yields each request to send and is sent each
    completion (or has the transport's error thrown in), and returns the validated
    value.  Like instructor's ``retry_sync_v2`` for the way this library calls it: an
    invalid answer is re-asked up to ``attempts - 1`` times, a completion that does not
    parse at all is asked for again unchanged within the same attempts; then
    ``InstructorRetryException`` with every failed attempt; any other error is raised as
    that exception too, from the error; an answer cut off at ``max_tokens`` raises
    ``IncompleteOutputException``.  Each attempt is validated against ``context``,
    handed to instructor's parser as pydantic's validation context.  One deliberate
    difference: with ``lenient_last`` the last attempt gets a lenient copy of it, since
    no re-ask can follow: an answer whose quotes are not all grounded is kept with them
    marked (the problems noted in ``stats.kept``) instead of failing a strict pass and
    being validated a second time.
    """

    handlers: Any
    prepared: type[BaseModel]
    request: dict[str, Any]
    attempts: int
    context: GroundingContext | None
    stats: CallStats
    lenient_last: bool
    is_async: bool
    number: int = 0
    failed: list[Any] = field(default_factory=list)

    def run(self) -> Generator[dict[str, Any], Any, BaseModel]:
        from instructor.v2.core.errors import IncompleteOutputException

        retryable = parse_errors()
        try:
            while True:
                self.number += 1
                try:
                    response = yield self.request
                except retryable:
                    if self.number >= self.attempts:
                        raise
                    continue  # a body that did not parse: asked again as it was
                self.stats.add_usage(response)
                value = self._parse(response, retryable)
                if value is not None:
                    return value
        except IncompleteOutputException:
            raise
        except Exception as exc:  # reported as instructor reports it
            raise self._give_up(exc) from exc

    def _parse(self, response: Any, retryable: tuple[type[Exception], ...]) -> BaseModel | None:
        """The validated value, or ``None`` after preparing a re-ask."""
        from instructor.v2.core.errors import FailedAttempt, IncompleteOutputException

        last = self.number >= self.attempts
        ctx = self.context
        if last and self.lenient_last and ctx is not None and ctx.strict:
            ctx = ctx.with_strict(False)
        try:
            parsed = self.handlers.response_parser(
                response=response,
                response_model=self.prepared,
                validation_context=ctx,
                strict=True,
                stream=False,
                is_async=self.is_async,
            )
        except IncompleteOutputException:
            raise
        except retryable as exc:
            self.failed.append(FailedAttempt(self.number, exc, response))
            if last:
                raise
            self.request = self.handlers.reask_handler(
                kwargs=self.request, response=response, exception=exc
            )
            return None
        if ctx is not None and ctx is not self.context and ctx.notes:
            self.stats.kept = (self.number, len(ctx.notes), ctx.notes[0])
        self.stats.completion = response
        return cast(BaseModel, parsed)

    def _give_up(self, exc: Exception) -> Exception:
        # like retry_sync_v2, except that no re-ask is written after the last attempt
        # (instructor builds one it never sends; nothing here reads it)
        from instructor.v2.core.errors import InstructorRetryException
        from instructor.v2.core.messages import extract_messages

        return cast(
            Exception,
            InstructorRetryException(
                str(exc),
                last_completion=self.failed[-1].completion if self.failed else None,
                n_attempts=self.number,
                total_usage=None,
                messages=extract_messages(self.request),
                create_kwargs=self.request,
                failed_attempts=self.failed,
            ),
        )


Dialogue = Generator[dict[str, Any], Any, BaseModel]


class _Turns:
    """A dialogue driven one request at a time: the generator protocol, shared by the
    sync and async drivers, which only make the calls."""

    def __init__(self, dialogue: Dialogue) -> None:
        self._dialogue = dialogue
        #: what to send next; None once the dialogue has its value
        self.request: dict[str, Any] | None = next(dialogue)
        self.value: BaseModel | None = None

    def answer(self, response: Any) -> None:
        self._next(self._dialogue.send, response)

    def fail(self, exc: Exception) -> None:
        """The call failed: the dialogue decides, again or give up (raising)."""
        self._next(self._dialogue.throw, exc)

    def _next(self, step: Callable[[Any], dict[str, Any]], arg: Any) -> None:
        try:
            self.request = step(arg)
        except StopIteration as done:
            self.request, self.value = None, cast(BaseModel, done.value)


def _drive(dialogue: Dialogue, create: Callable[..., Any]) -> BaseModel:
    """Run a dialogue over a sync transport."""
    turns = _Turns(dialogue)
    while turns.request is not None:
        try:
            response = create(**turns.request)
        except Exception as exc:  # noqa: BLE001 - the dialogue decides: again, or give up
            turns.fail(exc)
        else:
            turns.answer(response)
    return cast(BaseModel, turns.value)


async def _adrive(dialogue: Dialogue, create: Callable[..., Awaitable[Any]]) -> BaseModel:
    """Async twin of :func:`_drive`."""
    turns = _Turns(dialogue)
    while turns.request is not None:
        try:
            response = await create(**turns.request)
        except Exception as exc:  # noqa: BLE001 - the dialogue decides: again, or give up
            turns.fail(exc)
        else:
            turns.answer(response)
    return cast(BaseModel, turns.value)


def _mode_handlers(mode_name: str) -> Any:
    """instructor's registered handlers for ``mode_name`` on the OpenAI wire."""
    from instructor.v2.core.mode import Mode
    from instructor.v2.core.providers import Provider
    from instructor.v2.core.registry import mode_registry

    mode = Mode[mode_name]
    if mode in Mode.parallel_modes():
        raise ConfigError(f"mode {mode_name} answers a list of calls; use a single-answer mode")
    return mode_registry.get_handlers(Provider.OPENAI, mode)


def instructor_create(
    create: Callable[..., Any], mode_name: str, *, is_async: bool, lenient_last: bool = True
) -> Callable[..., Any]:
    """``create(response_model=..., max_retries=..., context=..., stats=..., **request)``:
    instructor's request building, parsing and re-asks over the transport ``create``.

    ``context`` is the :class:`GroundingContext` the validators read (pydantic's
    validation context; a strict one is re-asked about, see :class:`_Dialogue` for the
    last attempt); ``stats`` the caller's :class:`CallStats`, filled in here.

    Not ``instructor.patch(create=..., mode=...)``, for two reasons.  Its ``context=``
    is also a Jinja templating context: the messages (the article) would be rendered as
    templates, dedented and stripped of a trailing newline.  And each call there
    re-prepares the response model (a new subclass, its JSON Schema rendered again) and
    walks its nested models for async validators four times, about 5 ms for
    :class:`OperationReport`, all of it a function of the class; here the model is
    prepared once per class (:func:`prepared_model`) and each call goes straight to
    instructor's mode handlers from its registry (``mode_registry.get_handlers``):
    ``request_handler`` builds the request, ``response_parser`` validates the answer,
    ``reask_handler`` writes the re-ask.  tests/test_instructor_loop.py holds the two
    to the same requests, re-asks and outcomes.
    """
    from instructor.v2.core.messages import isolate_retry_kwargs

    handlers = _mode_handlers(mode_name)

    def start(
        schema: type[BaseModel],
        max_retries: int,
        context: GroundingContext | None,
        stats: CallStats | None,
        kwargs: dict[str, Any],
    ) -> Dialogue:
        prepared, request = handlers.request_handler(
            response_model=prepared_model(schema), kwargs=kwargs
        )
        if handlers.message_converter and "messages" in request:
            request["messages"] = handlers.message_converter(
                request["messages"], autodetect_images=False
            )
        return _Dialogue(
            handlers,
            prepared,
            isolate_retry_kwargs(request),
            max(max_retries, 0) + 1,
            context,
            stats if stats is not None else CallStats(),
            lenient_last,
            is_async,
        ).run()

    if is_async:

        async def acall(
            *,
            response_model: type[BaseModel],
            max_retries: int,
            context: GroundingContext | None = None,
            stats: CallStats | None = None,
            **kwargs: Any,
        ) -> Any:
            return await _adrive(start(response_model, max_retries, context, stats, kwargs), create)

        return acall

    def call(
        *,
        response_model: type[BaseModel],
        max_retries: int,
        context: GroundingContext | None = None,
        stats: CallStats | None = None,
        **kwargs: Any,
    ) -> Any:
        return _drive(start(response_model, max_retries, context, stats, kwargs), create)

    return call


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
