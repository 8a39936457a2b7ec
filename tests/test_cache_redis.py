"""The Redis cache backend against a real ``redis-server`` (started here on a free
loopback port, no persistence): round trip, namespacing, TTL, sharing between
Summarizers and processes, and failure: a wrong password or a dead server is a miss
with one warning, never a failed extraction, and the password shows up nowhere.

Answers come from the loopback stub (``bench/loopback.py``'s server), which replays
the embedded model's recorded answers; a Summarizer pointed at a closed port can only
be answered by the cache."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.apps.cli import app
from summarizer.cache.store import RedisBackend, ResponseCache
from summarizer.errors import CacheError, ConfigError, TransportError
from summarizer.pipeline.summarizer import Summarizer
from summarizer.settings import Settings, mask_url
from tests.conftest import ROOT

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))  # bench scripts import their siblings by name

from scale import DEAD_URL, RedisServer, redis_binary, replay_stub, stub_settings

PASSWORD = "s3cret-Pa55word"


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    if redis_binary() is None:
        pytest.skip(
            "redis-server is not installed (apt-get install redis-server); the Redis "
            "tests need the real server"
        )
    with RedisServer(password=PASSWORD) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The server's URL, with an empty database before and after the test."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield redis_server.url
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def stub() -> Iterator[tuple[str, list[tuple[Path, date]]]]:
    with replay_stub() as served:
        yield served


def raw_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, decode_responses=True)


def test_mask_url_hides_every_password_form() -> None:
    assert mask_url("redis://:pw-1234@h:6379/0") == "redis://:***@h:6379/0"
    assert mask_url("redis://user:pw-1234@h/1") == "redis://user:***@h/1"
    assert mask_url("rediss://pw-1234@h/0") == "rediss://***@h/0"  # a password in user place
    masked = mask_url("unix:///run/redis.sock?db=2&password=pw-1234")
    assert "pw-1234" not in masked and "db=2" in masked
    assert mask_url("redis://h:6379/0") == "redis://h:6379/0"
    s = Settings(cache_url="redis://:pw-1234@h:6379/0", api_key="sk-key-1234")
    shown = [repr(s), str(s), s.model_dump_json(), repr(s.cache_url), str(s.cache_url)]
    assert not any("pw-1234" in x or "sk-key-1234" in x for x in shown), shown
    assert s.cache_url is not None and s.cache_url.get_secret_value().endswith("@h:6379/0")
    # a copy with the URL as an override (Summarizer(settings, cache_url=...)) masks it too
    copied = Settings().model_copy(update={"cache_url": "redis://:pw-1234@h/0"})
    assert "pw-1234" not in repr(copied) and copied.cache_url is not None
    assert copied.cache_url.get_secret_value() == "redis://:pw-1234@h/0"
    with pytest.raises(ValueError):
        Settings().model_copy(update={"cache_ulr": "redis://h/0"})  # a misspelt field


def test_cache_ttl_reaches_diskcache_too(tmp_path: Path) -> None:
    settings = Settings.from_env({"SUMMARIZER_CACHE_TTL": "0.2"}, cache_dir=tmp_path)
    cache = ResponseCache.for_settings(settings)
    try:
        assert cache.stats().backend == "diskcache"
        entry = {"content": "{}", "usage": {}, "attempts": 1, "warnings": []}  # an answer's shape
        cache.set("k", entry)
        assert cache.get("k") == entry
        time.sleep(0.3)
        assert cache.get("k") is None  # expired
    finally:
        cache.close()


def test_round_trip_namespace_ttl_stats_and_clear(redis_url: str) -> None:
    r = raw_client(redis_url)
    r.set("someone-else:key", "theirs")
    cache = ResponseCache(Path("/nonexistent"), backend=RedisBackend(redis_url), ttl=30)
    try:
        cache.set("k1", {"content": '{"a": 1}', "usage": {"requests": 1}})
        cache.set("k2", {"content": "x"})
        assert cache.get("k1") == {"content": '{"a": 1}', "usage": {"requests": 1}}
        assert cache.get("missing") is None
        raw = r.get("summarizer:v1:responses:k1")
        assert json.loads(raw) == {"content": '{"a": 1}', "usage": {"requests": 1}}
        assert 0 < r.pttl("summarizer:v1:responses:k1") <= 30_000  # the TTL is set
        r.set("summarizer:v1:responses:bad", "not json {")
        assert cache.get("bad") is None  # garbage is a miss
        stats = cache.stats()
        assert (stats.backend, stats.entries, stats.directory) == ("redis", 3, None)
        assert stats.size_bytes == sum(
            r.strlen(f"summarizer:v1:responses:{k}") for k in ("k1", "k2", "bad")
        )
        assert PASSWORD not in stats.location and "***" in stats.location
        cache.delete("k2")
        assert cache.get("k2") is None
        assert cache.clear() == 2
        assert cache.stats().entries == 0
        assert r.get("someone-else:key") == "theirs"  # only our namespace is cleared
    finally:
        cache.close()
        r.close()


def test_a_shared_redis_with_a_signing_key_serves_only_signed_answers(
    redis_url: str, tmp_path: Path
) -> None:
    """Another writer to the shared server (no key) cannot plant an answer: neither a
    well-formed one nor one of another shape; a reader without the key refuses the
    malformed one too."""
    answer = {"content": '{"relevance": "unrelated"}', "usage": {}, "attempts": 1, "warnings": []}
    keyed = Settings(cache_dir=tmp_path, cache_url=redis_url, cache_signing_key="k" * 32)
    cache = ResponseCache.for_settings(keyed)
    plain = ResponseCache.for_settings(keyed.model_copy(update={"cache_signing_key": None}))
    r = raw_client(redis_url)
    try:
        cache.set("ours", answer)
        assert cache.get("ours") == answer
        assert r.get("summarizer:v1:responses:ours").startswith("hmac-sha256:")
        r.set("summarizer:v1:responses:planted", json.dumps(answer))
        r.set("summarizer:v1:responses:odd", json.dumps({**answer, "attempts": "x"}))
        assert cache.get("planted") is None and cache.get("odd") is None
        assert plain.get("odd") is None  # the shape is checked with or without a key
        assert PASSWORD not in repr(keyed) and "k" * 32 not in repr(keyed)
    finally:
        cache.close()
        plain.close()
        r.close()


def _extract(settings: Settings, article: tuple[Path, date]) -> Any:
    with Summarizer(settings) as s:
        return s.extract(article[0], published=article[1])


def test_two_summarizers_share_answers(
    redis_url: str, stub: tuple[str, list[tuple[Path, date]]], tmp_path: Path
) -> None:
    url, articles = stub
    first = _extract(stub_settings(url, tmp_path / "a", cache_url=redis_url), articles[0])
    assert not first.meta.cache_hit
    # another machine: its own empty disk, no endpoint; only Redis can answer
    second = _extract(stub_settings(DEAD_URL, tmp_path / "b", cache_url=redis_url), articles[0])
    assert second.meta.cache_hit
    assert second.value.model_dump(exclude={"extraction"}) == first.value.model_dump(
        exclude={"extraction"}
    )
    with pytest.raises(TransportError):  # the control: without Redis nothing answers
        _extract(stub_settings(DEAD_URL, tmp_path / "c"), articles[0])


WRITER = """
import sys
from datetime import date
from pathlib import Path
from summarizer import Summarizer
with Summarizer() as s:  # everything from the environment, as a worker would
    ex = s.extract(Path(sys.argv[1]), published=date.fromisoformat(sys.argv[2]))
print("hit" if ex.meta.cache_hit else "miss")
"""


def test_two_processes_share_answers(
    redis_url: str, stub: tuple[str, list[tuple[Path, date]]], tmp_path: Path
) -> None:
    url, articles = stub
    path, published = articles[1]

    def run(base_url: str, cache_dir: Path) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
        env.update(
            SUMMARIZER_BASE_URL=base_url,
            SUMMARIZER_MODEL="qwen2.5-coder-1.5b-instruct",
            SUMMARIZER_ENDPOINT_KIND="llamacpp",
            SUMMARIZER_CACHE_DIR=str(cache_dir),
            SUMMARIZER_CACHE_URL=redis_url,
        )
        done = subprocess.run(
            [sys.executable, "-c", WRITER, str(path), published.isoformat()],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip()

    assert run(url, tmp_path / "p1") == "miss"
    assert run(DEAD_URL, tmp_path / "p2") == "hit"  # the other process's answer


@pytest.mark.parametrize("failure", ["wrong_password", "dead_server"])
def test_unreachable_cache_is_a_miss_with_one_masked_warning(
    failure: str,
    redis_server: RedisServer,
    stub: tuple[str, list[tuple[Path, date]]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, articles = stub
    bad_password = "Wr0ng-Passw0rd-xyz"
    port = redis_server.port if failure == "wrong_password" else _closed_port()
    cache_url = f"redis://:{bad_password}@127.0.0.1:{port}/0"
    caplog.set_level(logging.DEBUG, logger="summarizer.cache.store")
    started = time.monotonic()
    with Summarizer(stub_settings(url, tmp_path, cache_url=cache_url)) as s:
        metas = [s.extract(p, published=d).meta for p, d in articles[:3]]
        shown = repr(s.settings) + repr(s._cache.backend if s._cache else None)
    took = time.monotonic() - started
    assert [m.cache_hit for m in metas] == [False, False, False]  # extraction went on
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # one per outage
    message = warnings[0].getMessage()
    assert "***" in message and str(port) in message
    everything = caplog.text + shown + "".join(m.model_dump_json() for m in metas)
    assert bad_password not in everything
    assert took < 20  # no redis-py retry storm per item
    with pytest.raises(CacheError) as err:  # stats is not silent: `cache info` reports it
        ResponseCache(tmp_path, backend=RedisBackend(cache_url)).stats()
    assert bad_password not in str(err.value) and err.value.__cause__ is None


def _closed_port() -> int:
    from scale import free_port

    return free_port()  # bound and released: nothing listens there


def test_cache_comes_back_after_an_outage(redis_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="summarizer.cache.store")
    backend = RedisBackend(redis_url, cooldown=0.2)
    cache = ResponseCache(Path("/nonexistent"), backend=backend)
    real = backend._client
    try:
        backend._client = raw_client(f"redis://127.0.0.1:{_closed_port()}/0")
        cache.set("k", {"v": 1})  # dropped, with a warning
        assert cache.get("k") is None
        backend._client = real
        assert cache.get("k") is None  # still backing off: no call at all
        time.sleep(0.25)
        cache.set("k", {"v": 2})
        assert cache.get("k") == {"v": 2}
    finally:
        cache.close()
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and "answers again" in messages[1], messages


def test_bad_cache_url_is_a_config_error_without_the_password(tmp_path: Path) -> None:
    for url in ("http://:pw-12345@h/0", "redis://:pw-12345@h:notaport/0"):
        with pytest.raises(ConfigError) as err:
            Summarizer(stub_settings(DEAD_URL, tmp_path, cache_url=url))
        assert "pw-12345" not in str(err.value) and "***" in str(err.value)


def test_cli_cache_info_and_clear_on_redis(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache = ResponseCache(tmp_path, backend=RedisBackend(redis_url))
    for i in range(3):
        cache.set(f"k{i}", {"n": i})
    cache.close()
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("SUMMARIZER_CACHE_URL", redis_url)
    runner = CliRunner()
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0, info.output
    data = json.loads(info.stdout)
    assert (data["backend"], data["entries"], data["directory"]) == ("redis", 3, None)
    assert PASSWORD not in info.output
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 3 entries" in cleared.stdout
    assert json.loads(runner.invoke(app, ["cache", "info"]).stdout)["entries"] == 0
    # a dead server: exit 1 with a masked message, not a traceback
    monkeypatch.setenv("SUMMARIZER_CACHE_URL", f"redis://:{PASSWORD}@127.0.0.1:{_closed_port()}/0")
    dead = runner.invoke(app, ["cache", "info"])
    assert dead.exit_code == 1 and "***" in dead.output and PASSWORD not in dead.output
