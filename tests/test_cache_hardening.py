"""Issue #17, the cache's part: an entry can never run code, a cache directory is ours
and private or refused, a URL's password never shows, a damaged store can be cleared,
and an entry the library did not write is a miss.

Entries are planted the way an attacker with write access to the directory (or the
shared server) would: a plain ``diskcache.Cache`` on the same directory, or SQL on its
database.  Ownership tests need root (``os.chown`` to another uid), as the suite runs.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from summarizer.cache.store import DiskBackend, InputIndex, RedisBackend, ResponseCache
from summarizer.errors import CacheError, ConfigError
from summarizer.pipeline.summarizer import Summarizer
from summarizer.settings import Settings, mask_url
from tests.conftest import EXAMPLES, load_manifest

#: what Summarizer stores for an answer (the shape ``for_settings`` checks)
ANSWER = {
    "content": '{"relevance": "unrelated"}',
    "usage": {"requests": 1, "prompt_tokens": 10, "completion_tokens": 5},
    "attempts": 1,
    "warnings": [],
    "model": "m",
    "prompt": "p",
}
OTHER_UID = 12345
needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown to another uid needs root"
)


class Touch:
    """Unpickling this creates ``path``: proof that a read ran code."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self) -> Any:
        return (open, (self.path, "w"))


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------- 1. no code from the cache


def test_a_planted_pickle_never_runs_and_reads_as_a_miss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import diskcache

    marker = tmp_path / "ran"
    cache = ResponseCache(tmp_path / "cache")
    cache.set("mine", ANSWER)
    with diskcache.Cache(str(cache.directory)) as plain:
        plain.set("inline", Touch(marker))  # a pickle in the database row
        plain.set("file", [Touch(marker), "x" * 100_000])  # a pickle in a value file
        plain.set("bytes", b"{}")  # binary mode: not JSON text either
    index = InputIndex(tmp_path / "cache" / "inputs")
    index.set("mine", {"key": "k"})
    index.close()
    with diskcache.Cache(str(index.directory)) as plain:
        plain.set("inline", Touch(marker))
    with caplog.at_level(logging.WARNING, "summarizer.cache.store"):
        assert cache.get("inline") is None
        assert cache.get("file") is None
        assert cache.get("bytes") is None
        assert InputIndex(tmp_path / "cache" / "inputs").get("inline") is None
    assert not marker.exists(), "reading the cache ran code"
    assert cache.get("mine") == ANSWER  # the rest of the cache still answers
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "pickle" in messages and str(marker) not in messages and "xxxx" not in messages
    cache.close()


def test_a_row_naming_a_file_outside_the_cache_is_neither_read_nor_deleted(
    tmp_path: Path,
) -> None:
    import diskcache

    victim = tmp_path / "victim.json"
    victim.write_text(json.dumps(ANSWER))
    cache = ResponseCache(tmp_path / "cache")
    cache.set("mine", ANSWER)
    with diskcache.Cache(str(cache.directory)) as plain:
        plain.set("k", "x" * 100_000)  # a value file
    db = sqlite3.connect(cache.directory / "cache.db")
    with db:
        db.execute("UPDATE Cache SET filename = '../../victim.json' WHERE key = 'k'")
    db.close()
    assert cache.get("k") is None  # not the victim's (answer-shaped) text
    cache.clear()
    assert victim.exists()
    cache.close()


def test_the_library_writes_text_only(tmp_path: Path) -> None:
    backend = DiskBackend(tmp_path / "d")
    with pytest.raises(TypeError):
        backend.open().set("k", {"not": "text"})
    with pytest.raises(TypeError):
        backend.open().set(("a", "tuple", "key"), "{}")
    backend.close()


# ------------------------------------------------------------ 2. directory ownership, modes


def test_every_missing_level_is_made_0700(tmp_path: Path, umask_022: None) -> None:
    cache = ResponseCache(tmp_path / "a" / "b" / "cache")
    cache.set("k", ANSWER)
    cache.index.set("i", {"key": "k"})
    cache.close()
    for level in ("a", "a/b", "a/b/cache", "a/b/cache/responses", "a/b/cache/inputs"):
        assert mode(tmp_path / level) == 0o700, level


def test_the_default_user_cache_is_made_0700(
    tmp_path: Path, umask_022: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / ".cache"))
    (tmp_path / "home").mkdir(mode=0o755)
    cache = ResponseCache.for_settings(Settings())
    cache.set("k", ANSWER)
    cache.close()
    for level in (".cache", ".cache/summarizer", ".cache/summarizer/responses"):
        assert mode(tmp_path / "home" / level) == 0o700, level
    assert mode(tmp_path / "home") == 0o755  # it existed: not ours to change


@needs_root
@pytest.mark.parametrize("level", ["cache", "cache/responses"])
def test_a_cache_directory_of_another_user_is_refused_and_left_alone(
    tmp_path: Path, level: str
) -> None:
    (tmp_path / "cache" / "responses").mkdir(parents=True, mode=0o755)
    foreign = tmp_path / level
    os.chmod(foreign, 0o755)
    os.chown(foreign, OTHER_UID, OTHER_UID)
    cache = ResponseCache(tmp_path / "cache")
    for attempt in (lambda: cache.get("k"), lambda: cache.set("k", ANSWER), cache.clear):
        with pytest.raises(CacheError) as err:
            attempt()
        assert str(foreign) in str(err.value) and "another user" in str(err.value)
    st = foreign.stat()
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (OTHER_UID, 0o755)  # never chmod-ed
    assert list((tmp_path / "cache" / "responses").iterdir()) == []  # nothing written
    cache.close()


@pytest.mark.parametrize(("level", "bits"), [("cache/responses", 0o775), ("cache", 0o777)])
def test_a_cache_directory_others_may_write_is_refused(
    tmp_path: Path, level: str, bits: int
) -> None:
    (tmp_path / "cache" / "responses").mkdir(parents=True, mode=0o700)
    os.chmod(tmp_path / level, bits)
    with pytest.raises(CacheError) as err:
        ResponseCache(tmp_path / "cache").get("k")
    assert str(tmp_path / level) in str(err.value) and "write" in str(err.value)
    assert mode(tmp_path / level) == bits


@needs_root
def test_an_input_index_of_another_user_is_not_used(tmp_path: Path) -> None:
    inputs = tmp_path / "cache" / "inputs"
    inputs.mkdir(parents=True, mode=0o700)
    os.chown(inputs, OTHER_UID, OTHER_UID)
    index = ResponseCache(tmp_path / "cache").index
    index.set("k", {"key": "v"})
    assert index.get("k") is None
    index.clear()
    assert list(inputs.iterdir()) == []
    assert inputs.stat().st_uid == OTHER_UID


def test_our_own_leaf_directory_is_tightened(tmp_path: Path) -> None:
    (tmp_path / "cache" / "responses").mkdir(parents=True, mode=0o755)
    os.chmod(tmp_path / "cache" / "responses", 0o755)
    cache = ResponseCache(tmp_path / "cache")
    assert cache.get("k") is None
    assert mode(cache.directory) == 0o700
    cache.close()


# ------------------------------------------------------------------- 3. secrets in URLs

UNENCODED = [
    "redis://:pa/ss-Word1@cache.example:6379/0",
    "redis://:pa#ss-Word1@cache.example:6379/0",
    "redis://:pa?ss-Word1@cache.example:6379/0",
    "redis://:pa@ss-Word1@cache.example:6379/0",
    "redis://admin:pa/ss?x#y@ss-Word1@cache.example/0",
    "rediss://pa/ss-Word1@cache.example/0",
]


def _leaks(shown: str) -> bool:
    return any(piece in shown for piece in ("ss-Word1", "pa/ss", "pa#", "pa?", "pa@", "x#y"))


@pytest.mark.parametrize("url", UNENCODED)
def test_a_password_that_is_not_percent_encoded_is_masked_whole(url: str) -> None:
    shown = mask_url(url)
    assert not _leaks(shown) and "***@cache.example" in shown, shown
    settings = Settings(cache_url=url)
    assert settings.cache_url is not None
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert not _leaks(text), text
    assert not _leaks(repr(settings.cache_url)) and not _leaks(str(settings.cache_url))


@pytest.mark.parametrize("url", UNENCODED)
def test_a_bad_cache_url_error_never_shows_the_password(url: str) -> None:
    if "pa@ss" in url:  # '@' alone is not ambiguous: the host follows the last one
        pytest.importorskip("redis")
        backend = RedisBackend(url)
        assert not _leaks(repr(backend)) and not _leaks(backend.location)
        assert backend._client.connection_pool.connection_kwargs["password"] == "pa@ss-Word1"
        backend.close()
        return
    with pytest.raises(ConfigError) as err:
        RedisBackend(url)
    assert not _leaks(str(err.value)) and "percent-encode" in str(err.value), err.value


def test_something_that_is_not_a_url_is_not_echoed() -> None:
    for text in ("hunter2-Secret", "pa/ss@host:6379"):
        assert "hunter2" not in mask_url(text) and "pa/ss" not in mask_url(text)
        with pytest.raises(ConfigError) as err:
            RedisBackend(text)
        assert "hunter2" not in str(err.value) and "pa/ss" not in str(err.value)


# ----------------------------------------------------- 3. a damaged store can be cleared


def _damage(directory: Path) -> None:
    (directory / "cache.db").write_bytes(os.urandom(8192))


def test_clear_recovers_a_corrupt_database(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "cache")
    cache.set("k", ANSWER)
    cache.index.set("i", {"key": "k"})
    cache.close()
    _damage(tmp_path / "cache" / "responses")
    _damage(tmp_path / "cache" / "inputs")
    broken = ResponseCache(tmp_path / "cache")
    with pytest.raises(CacheError) as err:
        broken.get("k")
    assert "cache clear" in str(err.value)  # says how to recover
    assert broken.clear() == 0
    broken.set("k2", ANSWER)
    broken.index.set("i2", {"key": "k2"})
    assert broken.get("k2") == ANSWER and broken.stats().entries == 1
    assert broken.index.get("i2") == {"key": "k2"}
    assert mode(tmp_path / "cache" / "responses") == 0o700
    broken.close()


def test_cli_cache_clear_recovers_a_corrupt_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from summarizer.apps.cli import app

    cache = ResponseCache(tmp_path / "cache")
    cache.set("k", ANSWER)
    cache.close()
    _damage(tmp_path / "cache" / "responses")
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))
    runner = CliRunner()
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.output
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0 and json.loads(info.stdout)["entries"] == 0, info.output


@needs_root
def test_clear_never_removes_a_directory_that_is_not_ours(tmp_path: Path) -> None:
    responses = tmp_path / "cache" / "responses"
    responses.mkdir(parents=True, mode=0o700)
    _damage(responses)
    os.chown(responses, OTHER_UID, OTHER_UID)
    with pytest.raises(CacheError):
        ResponseCache(tmp_path / "cache").clear()
    assert (responses / "cache.db").exists()


# ------------------------------------------------- 3. entries the library did not write


@pytest.mark.parametrize(
    "poison",
    [
        {"content": 42, "usage": {}, "attempts": 1, "warnings": []},
        {"content": "{}", "usage": {}, "attempts": "many", "warnings": []},
        {"content": "{}", "usage": {}, "attempts": 1, "warnings": "xyz"},
        {"content": "{}", "usage": {}, "attempts": 1, "warnings": [1, 2]},
        {"content": "{}", "usage": {"requests": "1"}, "attempts": 1, "warnings": []},
        {"content": "{}", "usage": [], "attempts": 1, "warnings": []},
        {"content": "{}", "usage": {}, "attempts": 0, "warnings": []},
        {"content": "{}", "usage": {}, "attempts": True, "warnings": []},
        {**ANSWER, "alignments": "xyz"},
        {**ANSWER, "model": None},
        {"usage": {}, "attempts": 1, "warnings": []},
        {"n": 1},
    ],
)
def test_an_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path, poison: dict[str, Any]) -> None:
    settings = Settings(cache_dir=tmp_path / "cache")
    writer = ResponseCache(tmp_path / "cache")  # another writer: no checks
    writer.set("k", poison)
    writer.set("ok", ANSWER)
    writer.close()
    reader = ResponseCache.for_settings(settings)
    assert reader.get("k") is None
    assert reader.get("ok") == ANSWER
    reader.close()


KEY = "a-shared-secret-key-0123"


def test_signed_entries_round_trip_and_anything_else_is_a_miss(tmp_path: Path) -> None:
    signed = ResponseCache(tmp_path / "cache", signing_key=KEY.encode())
    signed.set("k", ANSWER)
    assert signed.get("k") == ANSWER
    raw = signed.backend.get("k")
    assert raw is not None and raw.startswith("hmac-sha256:")
    backend = signed.backend
    backend.set("moved", raw)  # a genuine entry copied under another key
    backend.set("tampered", raw.replace("unrelated", "relevant"))
    assert signed.get("moved") is None and signed.get("tampered") is None
    unsigned = ResponseCache(tmp_path / "cache")
    unsigned.set("plain", ANSWER)  # another writer without the key
    assert signed.get("plain") is None
    assert unsigned.get("k") is None  # and a signed value is not JSON without the key
    other = ResponseCache(tmp_path / "cache", signing_key=b"another-key-of-16-chars")
    assert other.get("k") is None
    for c in (signed, unsigned, other):
        c.close()


def test_the_signing_key_comes_from_the_environment_and_is_never_shown(tmp_path: Path) -> None:
    settings = Settings.from_env({"SUMMARIZER_CACHE_KEY": KEY}, cache_dir=tmp_path)
    assert settings.cache_signing_key is not None
    assert settings.cache_signing_key.get_secret_value() == KEY
    assert KEY not in repr(settings) and KEY not in settings.model_dump_json()
    with pytest.raises(ValidationError) as err:
        Settings(cache_signing_key="short")
    assert "short" not in str(err.value)
    cache = ResponseCache.for_settings(settings)
    cache.set("k", ANSWER)
    assert cache.get("k") == ANSWER
    cache.close()
    assert ResponseCache.for_settings(Settings(cache_dir=tmp_path)).get("k") is None


def test_a_poisoned_answer_is_not_served_when_the_cache_is_signed(
    settings_for: Any, cassette: Any
) -> None:
    """The issue's probe: another writer replaces a cached answer with valid JSON of the
    right shape; with a signing key the reader asks the model again instead."""
    entry = load_manifest()[0]
    path = EXAMPLES / entry["file"]
    published = date.fromisoformat(entry["published"])
    settings = settings_for(cache_signing_key=KEY)
    with cassette(f"example_{Path(entry['file']).stem}"), Summarizer(settings) as s:
        first = s.summarize(path, published=published)
        key = s._job(path, published, None, None).key
        assert s._cache is not None
        stored = s._cache.get(key)
        assert stored is not None
        poisoned = {**stored, "content": '{"relevance": "unrelated"}', "warnings": []}
        writer = ResponseCache(settings.resolved_cache_dir)  # no key: what an attacker has
        writer.set(key, poisoned)
        writer.close()
        again = s.summarize(path, published=published)
    assert first.extraction is not None and again.extraction is not None
    assert not again.extraction.cache_hit
    assert again.model_dump(exclude={"extraction"}) == first.model_dump(exclude={"extraction"})
