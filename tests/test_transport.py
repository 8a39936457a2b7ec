"""Transport retries through the real stack (openai + instructor + tenacity) against a
scripted loopback server whose successful answers are bodies recorded from the
embedded model (taken from an example cassette, never written by hand)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from summarizer.errors import TransportError
from summarizer.pipeline.summarizer import Summarizer
from tests.conftest import EXAMPLES, Posted, Reply, load_manifest, recorded_answer

ENTRY = load_manifest()[0]
ARTICLE = EXAMPLES / ENTRY["file"]
PUBLISHED = date.fromisoformat(ENTRY["published"])


def recorded_body() -> bytes:
    return recorded_answer(Path(ENTRY["file"]).stem)


class Script:
    """Answers requests in order: (status, headers, body, delay_s)."""

    def __init__(self, steps: list[tuple[int, dict[str, str], bytes, float]]) -> None:
        self.steps = steps
        self.seen: list[float] = []
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []

    def answer(self, request: Posted) -> Reply:
        n = len(self.seen)
        self.seen.append(time.monotonic())
        self.bodies.append(request.body)
        self.headers.append(request.headers)
        self.paths.append(request.path)
        status, headers, body, delay = self.steps[min(n, len(self.steps) - 1)]
        time.sleep(delay)
        return status, headers, body


@pytest.fixture
def fake_server(loopback: Any) -> Callable[[Script], str]:
    """The loopback stub, answering as ``script`` says."""
    return lambda script: loopback(script.answer)


ERR = b'{"error": {"message": "busy", "type": "server_error"}}'


def test_retries_5xx_and_429_then_succeeds(settings_for: Any, fake_server: Any) -> None:
    script = Script(
        [
            (503, {}, ERR, 0.0),
            (429, {"retry-after": "0.4"}, ERR, 0.0),
            (200, {}, recorded_body(), 0.0),
        ]
    )
    url = fake_server(script)
    with Summarizer(
        settings_for(base_url=url, max_reasks=0, max_transport_retries=3, use_cache=False)
    ) as s:
        report = s.summarize(ARTICLE, published=PUBLISHED)
    assert len(script.seen) == 3
    assert script.seen[2] - script.seen[1] >= 0.4  # Retry-After honoured
    assert report.extraction is not None and report.extraction.usage.requests == 1
    # the wire form llama.cpp needs: json_object with the schema, not json_schema
    rf = script.bodies[0]["response_format"]
    assert rf["type"] == "json_object" and "schema" in rf


def test_retry_after_is_capped(settings_for: Any, fake_server: Any) -> None:
    script = Script([(429, {"retry-after": "3600"}, ERR, 0.0), (200, {}, recorded_body(), 0.0)])
    url = fake_server(script)
    settings = settings_for(base_url=url, max_reasks=0, max_transport_retries=2, retry_max_wait=0.2)
    t0 = time.monotonic()
    with Summarizer(settings, use_cache=False) as s:
        s.summarize(ARTICLE, published=PUBLISHED)
    assert time.monotonic() - t0 < 5
    assert len(script.seen) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried(settings_for: Any, fake_server: Any, status: int) -> None:
    script = Script([(status, {}, ERR, 0.0)])
    url = fake_server(script)
    with (
        Summarizer(
            settings_for(base_url=url, max_reasks=0, max_transport_retries=4, use_cache=False)
        ) as s,
        pytest.raises(TransportError, match=f"HTTP {status}"),
    ):
        s.summarize(ARTICLE, published=PUBLISHED)
    assert len(script.seen) == 1


def test_persistent_5xx_gives_up_after_bounded_retries(settings_for: Any, fake_server: Any) -> None:
    script = Script([(500, {}, ERR, 0.0)])
    url = fake_server(script)
    settings = settings_for(
        base_url=url, max_reasks=0, max_transport_retries=2, retry_max_wait=0.05
    )
    with Summarizer(settings, use_cache=False) as s, pytest.raises(TransportError):
        s.summarize(ARTICLE, published=PUBLISHED)
    assert len(script.seen) == 3


def test_timeout_is_retried_then_reported(settings_for: Any, fake_server: Any) -> None:
    script = Script([(200, {}, recorded_body(), 2.0)])
    url = fake_server(script)
    settings = settings_for(
        base_url=url, max_reasks=0, max_transport_retries=1, timeout=0.3, retry_max_wait=0.05
    )
    t0 = time.monotonic()
    with (
        Summarizer(settings, use_cache=False) as s,
        pytest.raises(TransportError, match="timed out"),
    ):
        s.summarize(ARTICLE, published=PUBLISHED)
    assert len(script.seen) == 2
    assert time.monotonic() - t0 < 3


def test_connection_refused(settings_for: Any) -> None:
    settings = settings_for(
        base_url="http://127.0.0.1:9/v1", max_transport_retries=1, retry_max_wait=0.05
    )
    with Summarizer(settings, use_cache=False) as s, pytest.raises(TransportError, match="connect"):
        s.summarize(ARTICLE, published=PUBLISHED)


def test_secret_never_in_error_message(settings_for: Any, fake_server: Any) -> None:
    script = Script([(401, {}, ERR, 0.0)])
    url = fake_server(script)
    key = "sk-test-" + "A1b2C3d4" * 4
    with Summarizer(settings_for(base_url=url, max_reasks=0, api_key=key, use_cache=False)) as s:
        with pytest.raises(TransportError) as info:
            s.summarize(ARTICLE, published=PUBLISHED)
        assert key not in str(info.value) and key not in repr(s.settings)


@pytest.mark.parametrize("is_async", [False, True])
def test_the_request_carries_the_key_and_only_the_chat_parameters(
    settings_for: Any, fake_server: Any, is_async: bool
) -> None:
    """``extract.chat_completions`` posts without the SDK's parameter transform: the
    key must still go out as a bearer token, to the chat path, with the plain body."""
    import asyncio

    script = Script([(200, {}, recorded_body(), 0.0)])
    url = fake_server(script)
    key = "sk-transport-test-0123456789abcdef"
    settings = settings_for(base_url=url, api_key=key, max_reasks=0, use_cache=False)
    with Summarizer(settings) as s:
        if is_async:
            report = asyncio.run(s.asummarize(ARTICLE, published=PUBLISHED))
        else:
            report = s.summarize(ARTICLE, published=PUBLISHED)
    assert report.extraction is not None and report.extraction.usage.requests == 1
    assert script.paths == ["/v1/chat/completions"]
    assert script.headers[0]["authorization"] == f"Bearer {key}"
    assert script.headers[0]["content-type"] == "application/json"
    body = script.bodies[0]
    assert set(body) == {
        "model",
        "messages",
        "temperature",
        "max_tokens",
        "seed",
        "response_format",
    }
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
