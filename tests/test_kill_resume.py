"""Killed and concurrent CLI runs over a folder: nothing lost, nothing twice, no torn
output, and a cache that survives a killed writer.

Real ``python -m summarizer.apps.cli summarize DIR -f jsonl --out FILE --concurrency 4``
processes against the loopback fault server (``bench/fault_server.py``) running in
this process.  It answers every request, after a delay so a run can be stopped
mid-way, with the completion the embedded model gave for the lake-region example
(the body recorded in its cassette, never written by hand).  Each article is that
example under its own first line ``Case file ITEM-nnnn``; the server counts requests
per item by that tag, so "the rerun asked only for the missing items" is checked
request by request.

Decisions these tests pin down:

* Ctrl-C (SIGINT) ends the run at once with exit code 130 (128 + SIGINT, what shells
  report) and no traceback; items finished so far are in the file, each line whole.
  Requests still in flight are abandoned, not waited for (``summarizer.apps.cli.main``).
* SIGKILL can at worst cut the last line short; that line is ignored on resume and its
  item done again (simulated here by cutting the last line, as a kill mid-write would).
* Two runs sharing one output file never record an item twice: ``JsonlSink`` re-reads
  the file under its lock and drops a record whose key already has an ``ok`` line.
  They may both *work* on an item they started together; that costs a request, never
  a duplicate line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from summarizer.cache.store import ResponseCache
from summarizer.core.schema import OperationReport
from summarizer.runs.many import ItemError, ItemResult, JsonlSink
from tests.conftest import EXAMPLES, ROOT

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))  # bench scripts import their siblings by name

from fault_server import OK, FaultServer
from loopback import recorded_answers

N = 12
DELAY = 0.25  # seconds the server holds each request: 12 items at concurrency 4, ~0.75 s
STEM = "lake_region_raids"
PUBLISHED = "2025-07-22"
MODEL = "qwen2.5-coder-1.5b-instruct"


def tag(i: int) -> str:
    return f"ITEM-{i:04d}"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    article = (EXAMPLES / "articles" / f"{STEM}.txt").read_text(encoding="utf-8")
    d = tmp_path / "articles"
    d.mkdir()
    for i in range(N):
        (d / f"item{i:04d}.txt").write_text(f"Case file {tag(i)}.\n\n{article}", encoding="utf-8")
    return d


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(recorded_answers()[STEM], delay=DELAY, tag_pattern=r"ITEM-\d{4}") as srv:
        yield srv


def start(srv: FaultServer, folder: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SUMMARIZER_BASE_URL": srv.url,
        "SUMMARIZER_MODEL": MODEL,
        "SUMMARIZER_ENDPOINT_KIND": "llamacpp",
        # the recorded answer leaves some quotes ungrounded, which would cost a re-ask
        # per item; these tests count requests per item, so one answer is final
        "SUMMARIZER_MAX_REASKS": "0",
    }
    cmd = [sys.executable, "-m", "summarizer.apps.cli", "summarize", str(folder), "-f", "jsonl"]
    cmd += ["--out", str(out), "--concurrency", "4", "--published", PUBLISHED, *extra]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes], timeout: float = 60) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err.decode("utf-8", "replace")


def wait_lines(proc: subprocess.Popen[bytes], out: Path, n: int) -> None:
    """Until ``out`` holds ``n`` complete lines; the run must still be going."""
    deadline = time.monotonic() + 60
    while not (out.exists() and out.read_bytes().count(b"\n") >= n):
        assert proc.poll() is None, finish(proc)
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.01)


def records(out: Path, *, torn_tail: bool = False) -> list[dict[str, Any]]:
    """Every line must be whole JSON; ``torn_tail`` tolerates one unterminated last
    line (what a kill mid-write leaves), which is then not counted."""
    data = out.read_bytes()
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    assert torn_tail or tail == b"", tail[:80]
    return [json.loads(line) for line in lines]


def item_of(record: dict[str, Any]) -> str:
    return tag(int(Path(record["source"]).stem.removeprefix("item")))


def ok_items(recs: list[dict[str, Any]]) -> Counter[str]:
    return Counter(item_of(r) for r in recs if r["status"] == "ok")


def new_requests(before: dict[str, list[str]], after: dict[str, list[str]]) -> Counter[str]:
    return Counter({t: len(after.get(t, [])) - len(before.get(t, [])) for t in after})


def assert_complete(out: Path) -> None:
    """Each of the N items exactly once, as a valid report; no error lines."""
    recs = records(out)
    assert all(r["status"] == "ok" for r in recs), [r for r in recs if r["status"] != "ok"]
    assert ok_items(recs) == Counter({tag(i): 1 for i in range(N)})
    assert len({r["key"] for r in recs}) == N
    for r in recs:
        OperationReport.model_validate(r["report"])


# --------------------------------------------------------------------------- SIGINT


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_sigint_exits_130_keeps_finished_items_and_resume_does_only_the_rest(
    server: FaultServer, folder: Path, tmp_path: Path, signum: int
) -> None:
    out = tmp_path / "results.jsonl"
    # the first four items answer; the rest hang for a minute, as a slow model would
    server.plan = lambda req: OK if int(req.tag.removeprefix("ITEM-")) < 4 else "hang"
    server.hang_s = 60.0
    proc = start(server, folder, out, "--no-cache")
    wait_lines(proc, out, 4)
    deadline = time.monotonic() + 30
    while server.stats()["requests"] < 8:  # four more requests are now held
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signum)
    t0 = time.monotonic()
    code, err = finish(proc, timeout=30)
    stopped_in = time.monotonic() - t0
    assert code == 130, err
    assert stopped_in < 5.0  # the four requests in flight are abandoned, not waited for
    assert "Traceback" not in err and "interrupted" in err

    first = records(out)  # every line whole
    done = ok_items(first)
    assert all(r["status"] == "ok" for r in first)
    assert done == Counter({tag(i): 1 for i in range(4)})
    before = server.stats()["per_tag"]
    assert all(len(before[tag(i)]) == 1 for i in range(4, 8))  # were in flight, dropped

    server.plan = lambda req: OK
    code, err = finish(start(server, folder, out, "--no-cache"))
    assert code == 0, err
    asked = new_requests(before, server.stats()["per_tag"])
    assert all(asked[t] == 0 for t in done), asked  # finished items: no request
    assert all(asked[tag(i)] == 1 for i in range(N) if tag(i) not in done), asked
    assert_complete(out)


# --------------------------------------------------------------------------- SIGKILL


def test_sigkill_then_resume_loses_nothing_and_duplicates_nothing(
    server: FaultServer, folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results.jsonl"
    proc = start(server, folder, out, "--no-cache")
    wait_lines(proc, out, 5)
    proc.kill()
    assert proc.wait(timeout=10) == -signal.SIGKILL
    proc.communicate()

    recs = records(out, torn_tail=True)
    assert 5 <= len(recs) < N
    # cut the last line short, as a kill in the middle of its write would have left it
    data = out.read_bytes()
    data = data[: data.rfind(b"\n") + 1]  # (a tail the kill itself tore, if any, goes too)
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    out.write_bytes(data[: last_start + (len(data) - last_start) // 2])
    torn = item_of(recs[-1])
    kept = records(out, torn_tail=True)
    done = ok_items(kept)
    assert torn not in done and len(done) == len(recs) - 1
    before = server.stats()["per_tag"]

    code, err = finish(start(server, folder, out, "--no-cache"))
    assert code == 0, err
    asked = new_requests(before, server.stats()["per_tag"])
    assert all(asked[t] == 0 for t in done), asked
    assert asked[torn] == 1  # the torn item is done again
    assert all(asked[tag(i)] == 1 for i in range(N) if tag(i) not in done), asked
    # the torn fragment stays as one unreadable line of its own; every other line is whole
    lines = out.read_bytes().split(b"\n")
    assert lines.pop() == b""
    broken = [line for line in lines if not line.startswith(b"{") or not line.endswith(b"}")]
    assert len(broken) == 1
    good = [json.loads(line) for line in lines if line not in broken]
    assert ok_items(good) == Counter({tag(i): 1 for i in range(N)})
    with JsonlSink(out) as sink:
        assert len(sink.done_keys()) == N


# --------------------------------------------------------------------------- cache


def test_cache_survives_a_killed_writer(server: FaultServer, folder: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first_out = tmp_path / "first.jsonl"
    proc = start(server, folder, first_out, "--cache-dir", str(cache))
    wait_lines(proc, first_out, 5)
    proc.kill()  # possibly in the middle of a cache write on a worker thread
    proc.wait(timeout=10)
    proc.communicate()
    done = ok_items(records(first_out, torn_tail=True))
    assert len(done) >= 5
    before = server.stats()["per_tag"]

    # a fresh output file, so nothing is skipped: every finished item must come from
    # the cache, which must open and answer after its writer was killed
    second_out = tmp_path / "second.jsonl"
    code, err = finish(start(server, folder, second_out, "--cache-dir", str(cache)))
    assert code == 0, err
    asked = new_requests(before, server.stats()["per_tag"])
    assert all(asked[t] == 0 for t in done), asked
    assert all(asked[tag(i)] <= 1 for i in range(N)), asked  # at most once, never retried
    assert_complete(second_out)
    hits = {item_of(r) for r in records(second_out) if r["report"]["extraction"]["cache_hit"]}
    assert set(done) <= hits
    stored = ResponseCache(cache)
    try:
        assert stored.stats().entries == N
    finally:
        stored.close()


# --------------------------------------------------------------------------- two writers


def test_two_runs_sharing_output_and_cache(
    server: FaultServer, folder: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    out = tmp_path / "shared.jsonl"
    procs = [start(server, folder, out, "--cache-dir", str(cache)) for _ in range(2)]
    results = [finish(p) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    assert_complete(out)  # one line per item, none torn, none twice
    requests = server.stats()["requests"]
    assert N <= requests <= 2 * N  # shared work may be done twice, never written twice
    with JsonlSink(out) as sink:
        assert len(sink.done_keys()) == N


class _Tiny(BaseModel):
    """A stand-in value (no model involved)."""

    text: str


def _ok(key: str) -> ItemResult:
    return ItemResult(0, f"src-{key}", key, _Tiny(text=key), None, None)


def test_sink_drops_a_record_another_writer_already_made(tmp_path: Path) -> None:
    """Two sinks on one file stand for two processes (separate descriptors, so separate
    flocks): whichever writes second is told, and writes nothing."""
    out = tmp_path / "out.jsonl"
    with JsonlSink(out) as a, JsonlSink(out) as b:
        assert "k1" not in b
        assert a.write(_ok("k1")) is True
        assert "k1" in b  # b sees a's line before starting the item
        assert b.write(_ok("k1")) is False
        failed = ItemResult(1, "src-k1", "k1", None, None, ItemError("transport", "late"))
        assert b.write(failed) is False  # an item with a result takes no error line
        assert b.write(_ok("k2")) is True
        assert a.done_keys() == {"k1", "k2"}
    assert [json.loads(line)["key"] for line in out.read_bytes().splitlines()] == ["k1", "k2"]
