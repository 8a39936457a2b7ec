"""Broken answers through the real stack: each ends in a typed error, bounded in time."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from summarizer.errors import ExtractionError, TransportError
from summarizer.pipeline.summarizer import Summarizer
from tests.conftest import CASSETTES
from tests.test_transport import ARTICLE, PUBLISHED, Script, fake_server, recorded_body

__all__ = ["fake_server"]


def completion(content: str | None, finish: str = "stop", choices: bool = True) -> bytes:
    """A completion envelope copied from the recorded one, with the content replaced."""
    body = json.loads(recorded_body())
    if not choices:
        body["choices"] = []
    else:
        body["choices"][0]["message"]["content"] = content
        body["choices"][0]["finish_reason"] = finish
    return json.dumps(body).encode()


def _settings(settings_for: Any, url: str, **kw: Any) -> Any:
    return settings_for(
        base_url=url,
        use_cache=False,
        max_reasks=1,
        retry_max_wait=0.05,
        max_transport_retries=1,
        **kw,
    )


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("{not json at all", "no valid answer after 2 attempts"),
        ('{"relevance": "maybe", "summary": "x"}', "no valid answer after 2 attempts"),
        ('{"relevance": "operation_report"}', "no valid answer after 2 attempts"),
    ],
)
def test_broken_json_is_reasked_then_an_extraction_error(
    settings_for: Any, fake_server: Any, content: str, match: str
) -> None:
    script = Script([(200, {}, completion(content), 0.0)])
    url = fake_server(script)
    with Summarizer(_settings(settings_for, url)) as s, pytest.raises(ExtractionError, match=match):
        s.summarize(ARTICLE, published=PUBLISHED)
    assert len(script.seen) == 2  # the first answer plus one re-ask, no more
    reask = json.dumps(script.bodies[1]["messages"][-1])
    assert "Correct your JSON" in reask


def test_cut_off_answer(settings_for: Any, fake_server: Any) -> None:
    script = Script([(200, {}, completion('{"relevance": "operation_re', "length"), 0.0)])
    url = fake_server(script)
    with (
        Summarizer(_settings(settings_for, url)) as s,
        pytest.raises(ExtractionError, match="max_tokens"),
    ):
        s.summarize(ARTICLE, published=PUBLISHED)
    assert len(script.seen) == 1


def test_empty_choices(settings_for: Any, fake_server: Any) -> None:
    script = Script([(200, {}, completion(None, choices=False), 0.0)])
    url = fake_server(script)
    with Summarizer(_settings(settings_for, url)) as s, pytest.raises(ExtractionError):
        s.summarize(ARTICLE, published=PUBLISHED)


@pytest.fixture
def raw_server() -> Iterator[Any]:
    """A TCP server that misbehaves below HTTP: drops or truncates."""
    stops: list[threading.Event] = []

    def start(mode: str) -> tuple[str, list[float]]:
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        srv.settimeout(0.2)
        seen: list[float] = []
        stop = threading.Event()
        stops.append(stop)

        def loop() -> None:
            while not stop.is_set():
                try:
                    conn, _ = srv.accept()
                except TimeoutError:
                    continue
                seen.append(time.monotonic())
                conn.recv(65536)
                if mode == "truncate":
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                        b"content-length: 5000\r\n\r\n" + recorded_body()[:100]
                    )
                conn.close()
            srv.close()

        threading.Thread(target=loop, daemon=True).start()
        return f"http://127.0.0.1:{srv.getsockname()[1]}/v1", seen

    yield start
    for stop in stops:
        stop.set()


@pytest.mark.parametrize("mode", ["drop", "truncate"])
def test_dropped_and_truncated_responses_are_retried_then_reported(
    settings_for: Any, raw_server: Any, mode: str
) -> None:
    url, seen = raw_server(mode)
    t0 = time.monotonic()
    with Summarizer(_settings(settings_for, url)) as s, pytest.raises(TransportError):
        s.summarize(ARTICLE, published=PUBLISHED)
    assert len(seen) == 2  # one try plus one transport retry
    assert time.monotonic() - t0 < 10


KEY_LIKE = re.compile(r"sk-[A-Za-z0-9_-]{16,}|Bearer\s+[A-Za-z0-9._-]{16,}", re.I)


def test_no_secret_in_cassettes() -> None:
    tapes = sorted(CASSETTES.glob("*.yaml"))
    assert tapes
    for tape in tapes:
        text = tape.read_text(encoding="utf-8")
        assert not KEY_LIKE.search(text), tape.name
        assert "authorization" not in text.lower(), tape.name


def test_no_secret_in_cache_or_errors(settings_for: Any, fake_server: Any, tmp_path: Path) -> None:
    key = "sk-proj-" + "Q7w8E9r0" * 4
    script = Script([(200, {}, recorded_body(), 0.0), (401, {}, b'{"error": {}}', 0.0)])
    url = fake_server(script)
    settings = settings_for(base_url=url, api_key=key, max_reasks=0)
    with Summarizer(settings) as s:
        s.summarize(ARTICLE, published=PUBLISHED)
        with pytest.raises(TransportError) as info:
            s.summarize("Another article about a raid.", published=PUBLISHED)
    assert key not in str(info.value) and key not in repr(info.value)
    assert script.bodies and all(key not in json.dumps(b) for b in script.bodies)
    cache_dir = Path(settings.cache_dir)
    blobs = [p.read_bytes() for p in cache_dir.rglob("*") if p.is_file()]
    assert blobs and not any(key.encode() in b for b in blobs)


def test_a_failed_item_still_counts_what_it_spent(settings_for: Any, fake_server: Any) -> None:
    """Two bad answers cost tokens: budgets and run totals must see them."""
    from summarizer.runs.budget import Budget
    from summarizer.runs.many import summarize_many, totals

    script = Script([(200, {}, completion('{"relevance": "maybe", "summary": "x"}'), 0.0)])
    url = fake_server(script)
    budget = Budget(max_tokens_total=10**9)
    with Summarizer(_settings(settings_for, url)) as s:
        results = list(summarize_many([(ARTICLE, PUBLISHED)], summarizer=s, budget=budget))
        model = s.model_name
    (r,) = results
    assert r.error is not None and r.error.kind == "extraction"
    usage = json.loads(completion("x"))["usage"]
    assert r.error.usage == (2, 2 * usage["prompt_tokens"], 2 * usage["completion_tokens"])
    assert budget.tokens_used == 2 * (usage["prompt_tokens"] + usage["completion_tokens"])
    t = totals(results, prices={model: (1.0, 2.0)}, model=model)
    assert (t.failed, t.requests, t.completion_tokens) == (1, 2, 2 * usage["completion_tokens"])
    expected = 2 * (usage["prompt_tokens"] * 1.0 + usage["completion_tokens"] * 2.0) / 1e6
    assert t.cost is not None and abs(t.cost - expected) < 1e-12
