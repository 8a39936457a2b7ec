"""The response cache: JSON text only, private directory, shared by processes."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from summarizer.cache.store import ResponseCache, cache_key
from tests.conftest import ROOT

WRITER = """
import sys
from pathlib import Path
from summarizer.cache.store import ResponseCache
c = ResponseCache(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    c.set(f"{sys.argv[2]}-{i}", {"content": "x" * (i % 50), "n": i})
c.close()
"""


def test_key_is_stable_and_sensitive() -> None:
    a = cache_key({"model": "m", "messages": [{"role": "user", "content": "x"}]})
    b = cache_key({"messages": [{"role": "user", "content": "x"}], "model": "m"})
    c = cache_key({"model": "m", "messages": [{"role": "user", "content": "y"}]})
    assert a == b != c and len(a) == 64


def test_round_trip_private_and_no_pickles(tmp_path: Path) -> None:
    c = ResponseCache(tmp_path)
    c.set("k", {"content": '{"a": 1}', "usage": {"requests": 1}})
    assert c.get("k") == {"content": '{"a": 1}', "usage": {"requests": 1}}
    assert c.get("missing") is None
    assert stat.S_IMODE(c.directory.stat().st_mode) == 0o700
    c.close()
    db = sqlite3.connect(c.directory / "cache.db")
    modes = {row[0] for row in db.execute("SELECT mode FROM Cache")}
    assert modes <= {1, 3}, modes  # raw or text; 4 would be a pickle


def test_garbage_entry_is_a_miss(tmp_path: Path) -> None:
    import diskcache

    c = ResponseCache(tmp_path)
    c._open().set("k", "not json {")
    assert c.get("k") is None
    with diskcache.Cache(str(c.directory)) as plain:  # the library itself stores only text
        plain.set("k2", 42)
    assert c.get("k2") is None


def test_two_processes_share_one_directory(tmp_path: Path) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), tag, "300"], cwd=ROOT)
        for tag in ("a", "b")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    c = ResponseCache(tmp_path)
    assert c.stats().entries == 600
    assert all(
        c.get(f"{t}-{i}") == {"content": "x" * (i % 50), "n": i} for t in "ab" for i in range(300)
    )
    assert c.clear() == 600
