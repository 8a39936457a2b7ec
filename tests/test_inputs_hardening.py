"""Input hardening (issue #17 findings 3 and 6, issue #16 point 5): bounded reads from
any source, no blocking on special files, no guessing a path-like string into text, and
no following a directory's symlinks out of it."""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import summarizer
from summarizer.apps.cli import app, expand_inputs
from summarizer.errors import InputError
from summarizer.pipeline import inputs
from summarizer.pipeline.inputs import load_article
from summarizer.pipeline.summarizer import Summarizer

# ---------------------------------------------------------------- #17.3 bounded reads


class _EndlessStream:
    """stdin that never ends; fails the test if asked for everything at once."""

    def __init__(self) -> None:
        self.handed = 0

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            raise AssertionError("unbounded read of an endless stream")
        self.handed += n
        return b"a" * n

    readinto = None  # only read() is offered


def _offline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUMMARIZER_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SUMMARIZER_MODEL", "m")
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "c"))


def test_stdin_read_is_bounded_by_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.apps.cli.common import read_items

    monkeypatch.setattr(inputs, "MAX_BYTES", 1000)
    stream = _EndlessStream()
    monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": stream})())
    (item,) = read_items(["-"])
    assert stream.handed <= 1001
    with pytest.raises(InputError, match="limit"):
        load_article(item)


def test_stdin_over_the_limit_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _offline_env(monkeypatch, tmp_path)
    monkeypatch.setattr(inputs, "MAX_BYTES", 1000)
    r = CliRunner().invoke(app, ["summarize", "-", "-f", "jsonl"], input="Troops advanced. " * 100)
    assert r.exit_code == 1
    (record,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert record["error"]["kind"] == "input"
    assert "limit" in record["error"]["message"]


def test_bytes_and_text_over_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "MAX_BYTES", 100)
    with pytest.raises(InputError, match="limit"):
        load_article(b"x" * 101)
    with pytest.raises(InputError, match="limit"):
        load_article(text="x" * 101)


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    done = threading.Event()

    def unblock() -> None:  # before the fix the reader waits for a writer: give it one
        done.wait(3)
        with contextlib.suppress(OSError):  # no reader waiting: nothing to unblock
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    helper = threading.Thread(target=unblock, daemon=True)
    helper.start()
    t0 = time.monotonic()
    with pytest.raises(InputError, match="not a regular file") as err:
        load_article(fifo)
    assert time.monotonic() - t0 < 2
    done.set()
    assert str(fifo) in str(err.value) and "FIFO" in str(err.value)
    helper.join()
    with pytest.raises(InputError, match="not a regular file"):
        load_article(path=str(fifo))


def _cli_subprocess(args: list[str], tmp_path: Path, stdin: Any = None) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")}
    env |= {
        "SUMMARIZER_BASE_URL": "http://127.0.0.1:9/v1",
        "SUMMARIZER_MODEL": "m",
        "SUMMARIZER_CACHE_DIR": str(tmp_path / "c"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg"),
    }

    def cap_memory() -> None:  # before the fix these runs grow until MemoryError
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    return subprocess.run(
        [sys.executable, "-m", "summarizer.apps.cli", *args],
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=cap_memory,
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_path_is_refused_by_name(tmp_path: Path) -> None:
    r = _cli_subprocess(["summarize", "/dev/zero", "-f", "jsonl"], tmp_path)
    assert r.returncode == 1, r.stderr[-2000:]
    (record,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert record["error"]["kind"] == "input"
    assert "/dev/zero" in record["error"]["message"]
    assert "not a regular file" in record["error"]["message"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_on_stdin_stops_at_the_limit(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        r = _cli_subprocess(["summarize", "-", "-f", "jsonl"], tmp_path, stdin=zero)
    assert r.returncode == 1, r.stderr[-2000:]
    (record,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert record["error"]["kind"] == "input"
    assert "limit" in record["error"]["message"]


# ---------------------------------------------------------------- #17.6 / #16.5 str inputs


def test_path_like_string_naming_no_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for s in ["nope.txt", "articles/nope.md", "./nope", str(tmp_path / "gone" / "x.html")]:
        with pytest.raises(InputError, match="no such file"):
            load_article(s)
    # ordinary one-line texts are still texts
    assert load_article("Troops advanced 2/3 of the way.").text == "Troops advanced 2/3 of the way."
    assert load_article("Troops advanced.").source is None


def test_summarize_of_a_missing_path_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer.settings import Settings

    monkeypatch.chdir(tmp_path)
    s = Settings(base_url="http://127.0.0.1:9/v1", model="m", cache_dir=tmp_path / "c")
    with pytest.raises(InputError, match=r"no such file: nope\.txt"):
        summarizer.summarize("nope.txt", settings=s)


def test_string_naming_a_secret_file_is_never_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secrets").write_text("API_KEY=hunter2\n")
    (tmp_path / ".env").write_text("API_KEY=hunter2\n")
    # a bare word is text, even when a file of that name is in the working directory
    assert load_article("secrets").text == "secrets"
    # a path to a file that is not a text article is neither read nor sent as text
    for s in [str(tmp_path / ".env"), "./secrets"]:
        with pytest.raises(InputError, match="path=") as err:
            load_article(s)
        assert "hunter2" not in str(err.value)
    # the caller can still ask for it explicitly
    assert "hunter2" in load_article(path=str(tmp_path / ".env")).text
    assert "hunter2" in load_article(Path(".env")).text


def test_existing_text_file_string_is_still_read(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("Troops advanced.\n")
    assert load_article(str(f)).text == "Troops advanced.\n"
    assert load_article(text=str(f)).text == str(f)  # text= never reads


def test_explicit_path_and_text_keywords(tmp_path: Path) -> None:
    from summarizer.settings import Settings

    f = tmp_path / "a.txt"
    f.write_text("Troops advanced on the bridge.\n")
    s = Settings(base_url="http://127.0.0.1:9/v1", model="m", cache_dir=tmp_path / "c")
    with Summarizer(s) as sm:
        assert sm.prepare(path=f).article.text == "Troops advanced on the bridge.\n"
        assert sm.prepare(path=str(f)).article.source == str(f)
        assert sm.prepare(text="nope.txt").article.text == "nope.txt"
        with pytest.raises(InputError, match="no such file"):
            sm.prepare(path=tmp_path / "nope.txt")
        with pytest.raises(TypeError, match="exactly one"):
            sm.prepare("x", text="y")
        with pytest.raises(TypeError, match="exactly one"):
            sm.prepare()
    for fn in [
        Summarizer.prepare,
        Summarizer.extract,
        Summarizer.aextract,
        Summarizer.summarize,
        Summarizer.asummarize,
        Summarizer.item_key,
        summarizer.summarize,
        summarizer.asummarize,
    ]:
        params = inspect.signature(fn).parameters
        for name in ("path", "text"):
            assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, (fn, name)


# ---------------------------------------------------------------- #17.6 symlinks out of a dir


def test_directory_symlinks_out_of_it_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "hostname.txt"
    outside.write_text("secret-host\n")
    d = tmp_path / "pages"
    d.mkdir()
    (d / "a.txt").write_text("Troops advanced.\n")
    (d / "leak.txt").symlink_to(outside)
    (d / "alias.txt").symlink_to(d / "a.txt")  # stays inside: kept
    files = list(expand_inputs([str(d)]))
    assert sorted(Path(f).name for f in files) == ["a.txt", "alias.txt"]
    err = capsys.readouterr().err
    assert "leak.txt" in err and "outside" in err
    # naming the link itself is the caller's explicit choice
    assert list(expand_inputs([str(d / "leak.txt")])) == [str(d / "leak.txt")]


def test_cli_does_not_send_a_file_linked_from_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _offline_env(monkeypatch, tmp_path)
    d = tmp_path / "pages"
    d.mkdir()
    (d / "leak.txt").symlink_to("/etc/hostname" if Path("/etc/hostname").exists() else tmp_path)
    r = CliRunner().invoke(app, ["summarize", str(d), "-f", "jsonl"])
    assert r.exit_code == 2, r.output  # nothing left to summarize: a usage error
    assert "leak.txt" in r.stderr
