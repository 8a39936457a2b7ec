"""Batch runs through the real stack against a scripted loopback server whose success
body is the one recorded from the embedded model (taken from an example cassette,
never written by hand).  Items are copies of one example article with distinct
publication dates, so each has its own key and the server can tell them apart."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from summarizer.core.schema import OperationReport
from summarizer.errors import ConfigError
from summarizer.pipeline.summarizer import Summarizer
from summarizer.runs.budget import Budget
from summarizer.runs.many import (
    THREAD_PREFIX,
    ItemResult,
    JsonlSink,
    Tally,
    asummarize_many,
    summarize_many,
    totals,
)
from tests.conftest import EXAMPLES, ROOT, Posted, Reply, load_manifest, recorded_answer

ENTRY = load_manifest()[0]
ARTICLE = EXAMPLES / ENTRY["file"]
PUBLISHED = date.fromisoformat(ENTRY["published"])
ERR = b'{"error": {"message": "bad request", "type": "invalid_request_error"}}'


BODY = recorded_answer(Path(ENTRY["file"]).stem)
USAGE = json.loads(BODY)["usage"]


def day(i: int) -> date:
    return PUBLISHED + timedelta(days=i)


@dataclass
class Script:
    """Answers every request with the recorded body, except dates listed in ``fail``
    (HTTP 400); ``delay(date)`` says how long to hold each request.  Counts requests
    and the most that were in flight at once."""

    fail: set[date] = field(default_factory=set)
    delay: Callable[[date | None], float] = lambda d: 0.0
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def enter(self) -> None:
        with self.lock:
            self.requests += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def answer(self, request: Posted) -> Reply:
        self.enter()
        try:
            pub = _published_in(request.body)
            time.sleep(self.delay(pub))
            return (400, {}, ERR) if pub in self.fail else (200, {}, BODY)
        finally:
            self.leave()


def _published_in(body: dict[str, Any]) -> date | None:
    m = re.search(r"Publication date: (\d{4}-\d{2}-\d{2})", json.dumps(body["messages"]))
    return date.fromisoformat(m.group(1)) if m else None


@pytest.fixture
def fake_server(loopback: Any) -> Callable[[Script], str]:
    """The loopback stub, answering as ``script`` says."""
    return lambda script: loopback(script.answer)


@pytest.fixture
def items(tmp_path: Path) -> Callable[[int], list[tuple[Path, date]]]:
    """``n`` copies of the article, each with its own file and publication date."""

    def make(n: int, start: int = 0) -> list[tuple[Path, date]]:
        out = []
        for i in range(start, start + n):
            p = tmp_path / "articles" / f"item{i}.txt"
            p.parent.mkdir(exist_ok=True)
            shutil.copyfile(ARTICLE, p)
            out.append((p, day(i)))
        return out

    return make


def _summarizer(settings_for: Any, url: str, **kw: Any) -> Summarizer:
    """No cache (it would hide HTTP) and no re-asks, so one item is one request whether
    or not the recorded answer passes strict grounding for these copies."""
    return Summarizer(settings_for(base_url=url, **{"use_cache": False, "max_reasks": 0, **kw}))


def _pool_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


# --------------------------------------------------------------------------- sync runs


def test_all_ok_yielded_as_finished(settings_for: Any, fake_server: Any, items: Any) -> None:
    script = Script(delay=lambda d: 0.4 if d == day(0) else 0.02)
    url = fake_server(script)
    tally = Tally({"qwen2.5-coder-1.5b-instruct": (1.0, 2.0)})
    batch = items(6)
    with _summarizer(settings_for, url) as s:
        results = []
        for r in summarize_many(batch, summarizer=s, concurrency=3):
            tally.add(r)
            results.append(r)
    assert [r.ok for r in results] == [True] * 6
    assert sorted(r.index for r in results) == list(range(6))
    assert results[0].index != 0  # the slow first item did not hold the others back
    assert len({r.key for r in results}) == 6 and script.requests == 6
    first = next(r for r in results if r.index == 0)
    assert isinstance(first.value, OperationReport) and first.meta is not None
    assert first.meta.published == day(0) and first.source == str(batch[0][0])
    record = first.to_record()
    assert record["status"] == "ok" and record["key"] == first.key and "error" not in record
    assert record["report"]["relevance"] == "operation_report"
    t = tally.totals()
    assert (t.items, t.ok, t.failed, t.skipped, t.requests) == (6, 6, 0, 0, 6)
    assert t.prompt_tokens == 6 * USAGE["prompt_tokens"]
    expected = 6 * (USAGE["prompt_tokens"] * 1.0 + USAGE["completion_tokens"] * 2.0) / 1e6
    assert t.cost == pytest.approx(expected) and t.wall_s > 0


def test_bad_items_are_values_and_the_rest_finish(
    settings_for: Any, fake_server: Any, items: Any, tmp_path: Path
) -> None:
    good = items(3)
    script = Script(fail={day(1)})
    url = fake_server(script)
    missing = tmp_path / "missing.txt"
    batch: list[Any] = [good[0], "   \n", good[1], missing, good[2]]
    with _summarizer(settings_for, url) as s:
        results = {r.index: r for r in summarize_many(batch, summarizer=s, concurrency=3)}
    assert sorted(results) == list(range(5))
    assert results[0].ok and results[4].ok
    empty, rejected, gone = results[1], results[2], results[3]
    assert empty.error is not None and empty.error.kind == "input" and empty.key is None
    assert gone.error is not None and gone.error.kind == "input" and gone.key is None
    assert gone.source == str(missing) and "no such file" in gone.error.message
    assert rejected.error is not None and rejected.error.kind == "transport"
    assert "HTTP 400" in rejected.error.message and rejected.key is not None
    assert rejected.to_record() == {
        "source": str(good[1][0]),
        "key": rejected.key,
        "status": "error",
        "error": {"kind": "transport", "message": rejected.error.message},
    }
    assert script.requests == 3
    t = totals(results.values())
    assert (t.ok, t.failed, t.cost) == (2, 3, None)


def test_concurrency_bound_and_lazy_input(settings_for: Any, fake_server: Any, items: Any) -> None:
    script = Script(delay=lambda d: 0.15)
    url = fake_server(script)
    pulled = 0

    def source() -> Iterator[tuple[Path, date]]:
        nonlocal pulled
        for it in items(8):
            pulled += 1
            yield it

    with _summarizer(settings_for, url) as s:
        gen = summarize_many(source(), summarizer=s, concurrency=3)
        first = next(gen)
        assert pulled <= 2 * 3  # the input is not materialised
        rest = list(gen)
    assert first.ok and all(r.ok for r in rest) and len(rest) == 7
    assert 2 <= script.max_in_flight <= 3


def test_close_mid_run_stops_threads_keeps_results(
    settings_for: Any, fake_server: Any, items: Any
) -> None:
    script = Script(delay=lambda d: 0.3)
    url = fake_server(script)
    with _summarizer(settings_for, url) as s:
        gen = summarize_many(items(10), summarizer=s, concurrency=2)
        first = next(gen)
        gen.close()
        deadline = time.monotonic() + 5
        for t in _pool_threads():
            t.join(max(0.0, deadline - time.monotonic()))
        assert _pool_threads() == []
    assert first.ok and isinstance(first.value, OperationReport)
    assert first.value.model_dump(mode="json")["relevance"] == "operation_report"
    assert script.requests < 10  # queued items were cancelled, not sent


def test_interrupt_from_input_cleans_up(settings_for: Any, fake_server: Any, items: Any) -> None:
    script = Script(delay=lambda d: 0.1)
    url = fake_server(script)

    def source() -> Iterator[tuple[Path, date]]:
        yield from items(2)
        raise KeyboardInterrupt

    with _summarizer(settings_for, url) as s, pytest.raises(KeyboardInterrupt):
        list(summarize_many(source(), summarizer=s, concurrency=2))
    for t in _pool_threads():
        t.join(5)
    assert _pool_threads() == []


def test_bad_arguments_fail_at_the_call(settings_for: Any) -> None:
    with Summarizer(settings_for(use_cache=False)) as s:
        with pytest.raises(ValueError, match="concurrency"):
            summarize_many([], summarizer=s, concurrency=0)
        with pytest.raises(ConfigError, match="prices"):
            summarize_many([], summarizer=s, budget=Budget(max_cost=1.0))


# --------------------------------------------------------------------------- resume


def test_resume_skips_done_items_without_http(
    settings_for: Any, fake_server: Any, items: Any, tmp_path: Path
) -> None:
    script = Script()
    url = fake_server(script)
    out = tmp_path / "out.jsonl"
    batch = items(3)
    with _summarizer(settings_for, url) as s, JsonlSink(out) as sink:
        for r in summarize_many(batch, summarizer=s, concurrency=3):
            sink.write(r)
    assert script.requests == 3

    with _summarizer(settings_for, url) as s, JsonlSink(out) as sink:
        done = sink.done_keys()
        assert len(done) == 3
        again = list(summarize_many(batch, summarizer=s, skip_keys=done))
    assert script.requests == 3  # no HTTP on the second run
    assert all(r.skipped and r.error is None and r.key in done for r in again)
    assert {r.to_record()["status"] for r in again} == {"skipped"}
    assert totals(again).skipped == 3


class Tiny(BaseModel):
    """A stand-in report for sink tests (no model involved)."""

    text: str


def _ok(key: str, text: str = "x") -> ItemResult:
    return ItemResult(0, f"src-{key}", key, Tiny(text=text), None, None)


def test_torn_last_line_is_ignored(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with JsonlSink(out) as sink:
        sink.write(_ok("a"))
        sink.write(_ok("b"))
    with out.open("ab") as fh:
        fh.write(b'{"source": "src-c", "key": "c", "status": "o')  # writer killed mid-line
    with JsonlSink(out) as sink:
        assert sink.done_keys() == {"a", "b"}
        sink.write(_ok("d"))  # starts on a fresh line, not glued to the torn one
        assert sink.done_keys() == {"a", "b", "d"}
    lines = out.read_bytes().splitlines()
    assert len(lines) == 4 and json.loads(lines[-1])["key"] == "d"


_WRITER = """
import sys
from pathlib import Path
from pydantic import BaseModel
from summarizer.runs.many import ItemResult, JsonlSink

class Tiny(BaseModel):
    text: str

tag = sys.argv[2]
with JsonlSink(Path(sys.argv[1])) as sink:
    for i in range(100):
        key = f"{tag}-{i}"
        sink.write(ItemResult(i, tag, key, Tiny(text=tag * 3000), None, None))
"""


def test_two_processes_never_interleave(tmp_path: Path) -> None:
    out = tmp_path / "shared.jsonl"
    env = {"PYTHONPATH": str(ROOT), "PATH": ""}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(out), tag], env=env)
        for tag in ("p", "q")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    lines = out.read_bytes().splitlines()
    records = [json.loads(line) for line in lines]  # every line parses
    assert len(records) == 200
    assert {r["key"] for r in records} == {f"{t}-{i}" for t in "pq" for i in range(100)}
    assert all(r["report"]["text"] == r["source"] * 3000 for r in records)
    with JsonlSink(out) as sink:
        assert len(sink.done_keys()) == 200


# --------------------------------------------------------------------------- budget


def test_budget_skips_later_items(settings_for: Any, fake_server: Any, items: Any) -> None:
    script = Script()
    url = fake_server(script)
    budget = Budget(max_tokens_total=100)
    with _summarizer(settings_for, url) as s:
        results = list(summarize_many(items(4), summarizer=s, concurrency=1, budget=budget))
    assert sorted(r.index for r in results) == [0, 1, 2, 3]
    ran = [r for r in results if r.ok]
    skipped = [r for r in results if r.skipped]
    assert len(ran) == 1 and len(skipped) == 3 and script.requests == 1
    assert all(r.error is not None and r.error.kind == "budget" for r in skipped)
    assert skipped[0].to_record()["error"]["kind"] == "budget"
    assert budget.tokens_used == USAGE["total_tokens"] and budget.exceeded()


def test_cache_hits_are_free(settings_for: Any, fake_server: Any, items: Any) -> None:
    script = Script()
    url = fake_server(script)
    batch = items(2)
    with _summarizer(settings_for, url, use_cache=True) as s:
        assert all(r.ok for r in summarize_many(batch, summarizer=s))
    assert script.requests == 2
    model = "qwen2.5-coder-1.5b-instruct"
    budget = Budget(max_tokens_total=1, max_cost=1e-9, prices={model: (5.0, 5.0)})
    with _summarizer(settings_for, url, use_cache=True) as s:
        t = totals(summarize_many(batch, summarizer=s, budget=budget), budget.prices)
    assert script.requests == 2
    assert (t.ok, t.cache_hits, t.requests, t.prompt_tokens, t.cost) == (2, 2, 0, 0, 0.0)
    assert budget.tokens_used == 0 and not budget.exceeded()


# --------------------------------------------------------------------------- async


async def test_async_variant(settings_for: Any, fake_server: Any, items: Any) -> None:
    script = Script(fail={day(2)}, delay=lambda d: 0.05)
    url = fake_server(script)
    with _summarizer(settings_for, url) as s:
        results = [r async for r in asummarize_many(items(4), summarizer=s, concurrency=2)]
    by_index = {r.index: r for r in results}
    assert sorted(by_index) == [0, 1, 2, 3]
    assert [by_index[i].ok for i in range(4)] == [True, True, False, True]
    err = by_index[2].error
    assert err is not None and err.kind == "transport"
    assert script.max_in_flight <= 2 and script.requests == 4


async def test_async_aclose_cancels_pending(
    settings_for: Any, fake_server: Any, items: Any
) -> None:
    script = Script(delay=lambda d: 0.3 if d != day(0) else 0.0)
    url = fake_server(script)
    with _summarizer(settings_for, url) as s:
        gen = asummarize_many(items(6), summarizer=s, concurrency=2)
        first = await gen.__anext__()
        await gen.aclose()
    assert first.ok and first.index == 0
    assert script.requests < 6
