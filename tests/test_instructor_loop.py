"""``dialogue.instructor_create`` against ``instructor.patch``: the same requests, re-asks
and outcomes for the way the library calls it, minus instructor's per-call model
preparation.  If an instructor upgrade changes either side, these fail.

The transport is a stub that plays back answers the embedded model gave (the example
cassettes), so no network and no timing is involved.
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import instructor
import openai
import pytest
from openai.types.chat import ChatCompletion

from summarizer.core.ground import GroundingContext
from summarizer.core.schema import OperationReport, iter_evidence, request_schema, require_all
from summarizer.llm import dialogue
from summarizer.llm import transport as extract
from summarizer.pipeline.cleaning import clean_page
from summarizer.pipeline.prompts import load_prompt
from tests.conftest import EXAMPLES, recorded_answer

STEM = "sahel_border_sweep"  # its recorded answer has quotes that are not in the article
PUBLISHED = date(2025, 6, 9)


def _completion() -> ChatCompletion:
    return ChatCompletion.model_validate(json.loads(recorded_answer(STEM)))


def _grounded_answer(text: str) -> ChatCompletion:
    """The recorded completion with an answer every check passes."""
    done = _completion()
    first_line = next(line for line in text.splitlines() if len(line) > 40)
    done.choices[0].message.content = json.dumps(
        {"relevance": "not_about_operations", "summary": first_line}
    )
    return done


class Script:
    """A transport that records each request and plays the given outcomes in turn."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.requests: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.requests.append(copy.deepcopy(kwargs))
        outcome = self.outcomes[len(self.requests) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return copy.deepcopy(outcome)

    async def acall(self, **kwargs: Any) -> Any:
        return self(**kwargs)


def _run(create: Any, max_retries: int, context: Any, is_async: bool) -> Any:
    """``context`` is the validation context: instructor's ``create`` takes the grounding
    in a dict (its ``context`` is a templating context too), the lean loop takes it as is."""
    source = context if isinstance(context, GroundingContext) else context["grounding"]
    prompt = load_prompt("operation_report")
    messages = prompt.render(
        source.text, published=PUBLISHED, schema=request_schema(OperationReport)
    )
    kwargs = {"model": "m", "messages": messages, "temperature": 0.0, "max_tokens": 2048}
    kwargs |= {"response_model": OperationReport, "max_retries": max_retries, "context": context}
    try:
        if is_async:
            return asyncio.run(create(**kwargs))
        return create(**kwargs)
    except Exception as exc:  # noqa: BLE001 - compared below
        return exc


def _both(outcomes: list[Any], max_retries: int, is_async: bool) -> tuple[Any, ...]:
    page = clean_page((EXAMPLES / "articles" / f"{STEM}.txt").read_text(encoding="utf-8"))
    mode = instructor.Mode.JSON_SCHEMA
    theirs, ours = Script(outcomes), Script(outcomes)
    if is_async:
        patched = instructor.patch(create=theirs.acall, mode=mode)
        lean = dialogue.instructor_create(ours.acall, "JSON_SCHEMA", is_async=True)
    else:
        patched = instructor.patch(create=theirs, mode=mode)
        lean = dialogue.instructor_create(ours, "JSON_SCHEMA", is_async=False)
    a = _run(
        patched, max_retries, {"grounding": GroundingContext(page.main.text, PUBLISHED)}, is_async
    )
    b = _run(lean, max_retries, GroundingContext(page.main.text, PUBLISHED), is_async)
    _expect_required_keys(theirs, ours)
    return theirs, ours, a, b, page.main.text


def _expect_required_keys(theirs: Script, ours: Script) -> None:
    """The one intended difference: our request schema requires every key (see
    ``schema.require_all``); with that applied to instructor's, the requests match."""
    for req in ours.requests:
        sent = req["response_format"]["json_schema"]["schema"]
        assert sent["required"] == list(sent["properties"])
    for req in theirs.requests:
        js = req["response_format"]["json_schema"]
        assert js["schema"]["required"] != list(js["schema"]["properties"])
        js["schema"] = require_all(js["schema"])


@pytest.mark.parametrize("is_async", [False, True])
def test_a_reask_then_success_sends_the_same_requests(is_async: bool) -> None:
    page = clean_page((EXAMPLES / "articles" / f"{STEM}.txt").read_text(encoding="utf-8"))
    theirs, ours, a, b, _ = _both([_completion(), _grounded_answer(page.main.text)], 1, is_async)
    assert len(ours.requests) == 2 and ours.requests == theirs.requests
    assert "not found in the article" in json.dumps(ours.requests[1]["messages"])
    assert isinstance(a, OperationReport) and isinstance(b, OperationReport)
    assert a.model_dump() == b.model_dump()


@pytest.mark.parametrize("is_async", [False, True])
def test_exhausted_reasks_keep_what_the_lenient_fallback_kept(is_async: bool) -> None:
    """The second intended difference: the last attempt is validated leniently at
    once.  instructor raises after a strict failure and the library then validated the
    same answer again, leniently (``transport._fallback``); the lean loop returns that
    answer from one pass, with the problems noted for the warning."""
    theirs, ours, a, b, text = _both([_completion(), _completion()], 1, is_async)
    assert ours.requests == theirs.requests and len(ours.requests) == 2
    assert type(a).__name__ == "InstructorRetryException" and a.n_attempts == 2
    assert isinstance(b, OperationReport)
    lenient = GroundingContext(text, PUBLISHED, strict=False)
    content = _completion().choices[0].message.content
    kept = OperationReport.model_validate_json(content, context=lenient)
    assert b.model_dump() == kept.model_dump()
    assert any(e.status == "not_found" for e in iter_evidence(b))  # kept, marked


@pytest.mark.parametrize("is_async", [False, True])
def test_a_structurally_broken_last_answer_still_fails_alike(is_async: bool) -> None:
    """Leniency covers grounding only: an answer that breaks the schema on the last
    attempt fails as instructor fails."""
    broken = _completion()
    broken.choices[0].message.content = json.dumps({"relevance": "sometimes", "summary": 3})
    theirs, ours, a, b, _ = _both([broken, copy.deepcopy(broken)], 1, is_async)
    assert ours.requests == theirs.requests and len(ours.requests) == 2
    assert type(a) is type(b) and type(b).__name__ == "InstructorRetryException"
    assert a.args[0] == b.args[0] and str(a.__cause__) == str(b.__cause__)
    assert [str(f.exception) for f in a.failed_attempts] == [
        str(f.exception) for f in b.failed_attempts
    ]
    assert b.n_attempts == a.n_attempts == 2


@pytest.mark.parametrize("is_async", [False, True])
@pytest.mark.parametrize("max_retries", [0, 1])
def test_an_unreadable_completion_is_asked_for_again_alike(
    is_async: bool, max_retries: int
) -> None:
    page = clean_page((EXAMPLES / "articles" / f"{STEM}.txt").read_text(encoding="utf-8"))
    broken = json.JSONDecodeError("Expecting value", "<html>", 0)
    theirs, ours, a, b, _ = _both([broken, _grounded_answer(page.main.text)], max_retries, is_async)
    assert len(ours.requests) == len(theirs.requests) == max_retries + 1
    assert ours.requests == theirs.requests
    if max_retries:
        assert isinstance(a, OperationReport) and isinstance(b, OperationReport)
        assert a.model_dump() == b.model_dump()
    else:
        assert type(a) is type(b) and type(b).__name__ == "InstructorRetryException"
        assert a.__cause__ is broken and b.__cause__ is broken
        assert a.failed_attempts == b.failed_attempts == []


@pytest.mark.parametrize("is_async", [False, True])
def test_a_transport_error_is_wrapped_alike(is_async: bool) -> None:
    import httpx2

    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    error = openai.APIConnectionError(request=request)
    theirs, ours, a, b, _ = _both([error], 1, is_async)
    assert len(ours.requests) == len(theirs.requests) == 1
    assert type(a) is type(b) and type(b).__name__ == "InstructorRetryException"
    assert a.__cause__ is error and b.__cause__ is error


def test_the_prepared_model_renders_the_schema_instructor_sends() -> None:
    prepared = dialogue.prepared_model(OperationReport)
    assert prepared is dialogue.prepared_model(OperationReport)  # built once
    fresh = instructor.v2.core.response_model.prepare_response_model(OperationReport)
    assert prepared.__name__ == fresh.__name__ == "OperationReport"
    # instructor's rendering with every key required, which is the request view
    assert prepared.model_json_schema() == require_all(fresh.model_json_schema())
    assert prepared.model_json_schema() == request_schema(OperationReport)
    rendered = prepared.model_json_schema()
    rendered["title"] = "changed"  # a copy each time: callers may mutate it
    assert prepared.model_json_schema()["title"] == "OperationReport"


def test_the_lean_answer_is_a_plain_report() -> None:
    page = clean_page((EXAMPLES / "articles" / f"{STEM}.txt").read_text(encoding="utf-8"))
    ours = Script([_grounded_answer(page.main.text)])
    lean = dialogue.instructor_create(ours, "JSON_SCHEMA", is_async=False)
    source = GroundingContext(page.main.text, PUBLISHED)
    messages = load_prompt("operation_report").render(page.main.text, published=PUBLISHED)
    call = extract.Call(extract_settings(), "m", OperationReport, messages, source)
    answer = extract.run_sync(lean, call)
    assert type(answer.value) is OperationReport
    again = OperationReport.model_validate_json(answer.content, context=source.with_strict(False))
    assert answer.value == again  # what a second, lenient validation would give


def extract_settings() -> Any:
    from summarizer.settings import Settings

    return Settings(base_url="http://127.0.0.1:9/v1", model="m", cache_dir=Path("/nonexistent"))


def test_the_lean_loop_reasks_on_what_instructor_reasks_on() -> None:
    """The errors that mean "re-ask" (or "ask again" for a body that did not parse) are
    instructor's private ``_RETRYABLE_PARSE_ERRORS``, restated from public names."""
    from instructor.v2.core.retry import _RETRYABLE_PARSE_ERRORS

    assert set(dialogue.parse_errors()) == set(_RETRYABLE_PARSE_ERRORS)
