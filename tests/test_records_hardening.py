"""Issue #17, finding 5: no record is lost and no answer is paid for twice.

* Sources whose cleaned text is identical (a copy, a copy differing by a share line)
  share one answer (one request) and each still gets its own record in the JSONL file.
* ``-f json --out FILE`` never truncates FILE before the run is over: it is written to a
  temporary file beside it and renamed, so a SIGTERM leaves the old FILE until then,
  and the finished items (as the run says) after.
* Runs sharing an output file and a cache claim an item before asking the model, so
  two runs over the same folder ask once per item; a claim left by a dead run expires.

The model is the loopback fault server (``bench/fault_server.py``) answering with the
embedded model's recorded completion for the lake-region example.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.apps.cli import app
from summarizer.cache.claims import Claims
from summarizer.pipeline.summarizer import Summarizer
from summarizer.runs.many import JsonlSink, summarize_many
from summarizer.settings import Settings
from tests.conftest import EXAMPLES, ROOT

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))  # bench scripts import their siblings by name

from fault_server import OK, FaultServer
from loopback import recorded_answers

STEM = "lake_region_raids"
PUBLISHED = "2025-07-22"
MODEL = "qwen2.5-coder-1.5b-instruct"
ARTICLE = (EXAMPLES / "articles" / f"{STEM}.txt").read_text(encoding="utf-8")


def tag(i: int) -> str:
    return f"ITEM-{i:04d}"


def env_for(srv: FaultServer) -> dict[str, str]:
    return {
        "SUMMARIZER_BASE_URL": srv.url,
        "SUMMARIZER_MODEL": MODEL,
        "SUMMARIZER_ENDPOINT_KIND": "llamacpp",
        # the recorded answer leaves quotes ungrounded: one answer is final, so requests
        # count items
        "SUMMARIZER_MAX_REASKS": "0",
    }


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(recorded_answers()[STEM], delay=0.3, tag_pattern=r"ITEM-\d{4}") as srv:
        yield srv


@pytest.fixture
def cli_env(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> FaultServer:
    for k, v in env_for(server).items():
        monkeypatch.setenv(k, v)
    return server


def copies(folder: Path) -> list[Path]:
    """The article, a byte copy, and a copy with a share line the cleaner removes."""
    folder.mkdir()
    files = [folder / "a.txt", folder / "b.txt", folder / "c.txt"]
    files[0].write_text(ARTICLE, encoding="utf-8")
    files[1].write_text(ARTICLE, encoding="utf-8")
    files[2].write_text(ARTICLE.rstrip() + "\n\nShare this article:\n", encoding="utf-8")
    return files


def lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


# --------------------------------------------------------------------------- same text


def test_identical_cleaned_text_gives_every_source_a_record_for_one_request(
    cli_env: FaultServer, tmp_path: Path
) -> None:
    files = copies(tmp_path / "articles")
    out = tmp_path / "out.jsonl"
    args = ["summarize", str(tmp_path / "articles"), "-f", "jsonl", "--out", str(out)]
    args += ["--published", PUBLISHED, "--concurrency", "4", "--cache-dir", str(tmp_path / "c")]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    recs = lines(out)
    assert sorted(rec["source"] for rec in recs) == sorted(map(str, files))
    assert all(rec["status"] == "ok" for rec in recs)
    assert len({rec["key"] for rec in recs}) == 1  # one answer ...
    assert cli_env.stats()["requests"] == 1  # ... asked for once

    # a rerun has every source in the file: nothing asked, nothing written again
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "3 skipped" in again.stderr
    assert cli_env.stats()["requests"] == 1
    assert len(lines(out)) == 3


def test_a_source_missing_from_the_file_is_done_on_rerun(
    cli_env: FaultServer, tmp_path: Path
) -> None:
    """The file has a's record only (a run killed before b's line): b's content is done
    under the same key, but b itself has no record, so the rerun writes one (from the
    cache, no request)."""
    files = copies(tmp_path / "articles")
    out = tmp_path / "out.jsonl"
    common = ["-f", "jsonl", "--out", str(out), "--published", PUBLISHED]
    common += ["--cache-dir", str(tmp_path / "c")]
    first = CliRunner().invoke(app, ["summarize", str(files[0]), *common])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(app, ["summarize", str(files[0]), str(files[1]), *common])
    assert second.exit_code == 0, second.output
    assert sorted(rec["source"] for rec in lines(out)) == [str(files[0]), str(files[1])]
    assert cli_env.stats()["requests"] == 1


def _settings(server: FaultServer, tmp_path: Path, **overrides: Any) -> Settings:
    """The library against the fault server, no re-asks, caching under ``tmp_path``."""
    return Settings(
        base_url=server.url,
        model=MODEL,
        endpoint_kind="llamacpp",
        max_reasks=0,
        cache_dir=tmp_path / "cache",
        **overrides,
    )


def test_library_run_asks_once_for_identical_text(server: FaultServer, tmp_path: Path) -> None:
    settings = _settings(server, tmp_path, max_transport_retries=0)
    files = copies(tmp_path / "articles")
    with Summarizer(settings) as s:
        results = list(summarize_many(files, summarizer=s, concurrency=3))
    assert sorted(r.source or "" for r in results) == sorted(map(str, files))
    assert all(r.ok for r in results)
    assert server.stats()["requests"] == 1
    assert sum(1 for r in results if r.meta is not None and r.meta.cache_hit) == 2


# --------------------------------------------------------------------------- subprocesses


def start(srv: FaultServer, inputs: list[str], *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **env_for(srv)}
    cmd = [sys.executable, "-m", "summarizer.apps.cli", "summarize", *inputs]
    cmd += ["--concurrency", "4", "--published", PUBLISHED, *extra]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes], timeout: float = 60) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err.decode("utf-8", "replace")


def tagged_folder(folder: Path, n: int) -> Path:
    folder.mkdir()
    for i in range(n):
        (folder / f"item{i:04d}.txt").write_text(f"Case file {tag(i)}.\n\n{ARTICLE}", "utf-8")
    return folder


def test_sigterm_with_json_out_keeps_the_file_whole(server: FaultServer, tmp_path: Path) -> None:
    folder = tagged_folder(tmp_path / "articles", 8)
    out = tmp_path / "reports.json"
    out.write_text('"the previous run"\n', encoding="utf-8")
    server.plan = lambda req: OK if int(req.tag.removeprefix("ITEM-")) < 4 else "hang"
    server.hang_s = 60.0
    proc = start(server, [str(folder)], "-f", "json", "--out", str(out), "--no-cache")
    deadline = time.monotonic() + 30
    while server.stats()["requests"] < 8:  # four answered, four more now held
        assert proc.poll() is None, finish(proc)
        assert time.monotonic() < deadline, "no progress"
        time.sleep(0.01)
    time.sleep(0.5)
    # mid-run the old file is untouched: nothing is truncated before there is a result
    assert out.read_text(encoding="utf-8") == '"the previous run"\n'
    proc.send_signal(signal.SIGTERM)
    code, err = finish(proc, timeout=30)
    assert code == 130, err
    assert "Traceback" not in err and "interrupted" in err
    recs = json.loads(out.read_text(encoding="utf-8"))  # one whole JSON document
    assert [Path(r["source"]).name for r in recs] == [f"item{i:04d}.txt" for i in range(4)]
    assert all(r["status"] == "ok" for r in recs)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".reports.json")]


def test_two_runs_sharing_output_and_cache_ask_once_per_item(
    server: FaultServer, tmp_path: Path
) -> None:
    n = 12
    folder = tagged_folder(tmp_path / "articles", n)
    out = tmp_path / "shared.jsonl"
    extra = ("-f", "jsonl", "--out", str(out), "--cache-dir", str(tmp_path / "cache"))
    procs = [start(server, [str(folder)], *extra) for _ in range(2)]
    results = [finish(p) for p in procs]
    assert [code for code, _ in results] == [0, 0], results
    recs = lines(out)
    assert sorted(Path(r["source"]).name for r in recs) == [f"item{i:04d}.txt" for i in range(n)]
    per_tag = server.stats()["per_tag"]
    assert {t: len(k) for t, k in per_tag.items()} == {tag(i): 1 for i in range(n)}
    with JsonlSink(out) as sink:
        assert len(sink.done_keys()) == n


# --------------------------------------------------------------------------- claims


def test_claims_are_exclusive_expire_and_are_renewed(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path / "cache", base_url="http://127.0.0.1:9/v1", model="m")
    a, b = Claims.for_settings(settings, ttl=1.0), Claims.for_settings(settings, ttl=1.0)
    assert a is not None and b is not None
    try:
        token = a.acquire("k1")
        assert token is not None
        assert b.acquire("k1") is None  # held by a
        time.sleep(2.5)  # two and a half lifetimes: a's renewals keep it
        assert b.acquire("k1") is None
        a.release("k1", token)
        again = b.acquire("k1")
        assert again is not None
        b.release("k1", again)

        # a holder that dies (no renewal) loses its claim when it expires
        a._backend.add("k2", "a dead run", 0.3)
        assert b.acquire("k2") is None
        time.sleep(0.4)
        late = b.acquire("k2")
        assert late is not None
        b.release("k2", late)
    finally:
        a.close()
        b.close()
    assert not [t for t in threading.enumerate() if t.name == "summarizer-claims"]


def test_claims_on_a_shared_redis(tmp_path: Path) -> None:
    from scale import RedisServer, redis_binary

    if redis_binary() is None:
        pytest.skip("redis-server is not installed")
    with RedisServer(password="claims-Pa55word") as server:
        settings = Settings(cache_url=server.url, base_url="http://127.0.0.1:9/v1", model="m")
        a, b = Claims.for_settings(settings, ttl=1.0), Claims.for_settings(settings, ttl=1.0)
        assert a is not None and b is not None
        try:
            token = a.acquire("k")
            assert token and b.acquire("k") is None
            time.sleep(2.0)  # renewed past its lifetime
            assert b.acquire("k") is None
            a.release("k", token)
            assert b.acquire("k")
            a._backend.add("dead", "a dead run", 0.3)
            assert b.acquire("dead") is None
            time.sleep(0.4)
            assert b.acquire("dead")
        finally:
            a.close()
            b.close()


def test_a_dead_runs_claim_delays_but_does_not_block(server: FaultServer, tmp_path: Path) -> None:
    settings = _settings(server, tmp_path)
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    with Summarizer(settings) as s:
        key = s.item_key(path=article)
        planted = Claims.for_settings(settings)
        assert planted is not None
        planted._backend.add(key, "a run that was killed", 1.0)
        planted.close()
        t0 = time.monotonic()
        (result,) = summarize_many([article], summarizer=s)
    assert result.ok, result.error
    assert 0.9 <= time.monotonic() - t0 < 10
    assert server.stats()["requests"] == 1
