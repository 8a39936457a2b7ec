"""Issue #17, finding 9, and the missing-input item of #16: the output is checked
before any request, I/O errors are one line on stderr with their own exit code
(:data:`~summarizer.apps.cli.common.EXIT_IO`), and a missing input is named on stderr.

The model is the loopback fault server (``bench/fault_server.py``); each test counts
its requests to show that nothing was asked when the destination was bad.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.apps.cli import app
from tests.conftest import EXAMPLES, ROOT

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))  # bench scripts import their siblings by name

from fault_server import FaultServer
from loopback import recorded_answers

#: the exit code for an output (or stdin) that cannot be written (read): EX_IOERR
EXIT_IO = 74
STEM = "lake_region_raids"
ARTICLE = EXAMPLES / "articles" / f"{STEM}.txt"
PUBLISHED = "2025-07-22"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(recorded_answers()[STEM]) as srv:
        yield srv


def env_for(srv: FaultServer, cache: Path) -> dict[str, str]:
    return {
        "SUMMARIZER_BASE_URL": srv.url,
        "SUMMARIZER_MODEL": "qwen2.5-coder-1.5b-instruct",
        "SUMMARIZER_ENDPOINT_KIND": "llamacpp",
        "SUMMARIZER_MAX_REASKS": "0",
        "SUMMARIZER_CACHE_DIR": str(cache),
    }


@pytest.fixture
def cli_env(server: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FaultServer:
    for k, v in env_for(server, tmp_path / "cache").items():
        monkeypatch.setenv(k, v)
    return server


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["summarize", *args, "--published", PUBLISHED])


def one_line_error(r: Any, *words: str) -> None:
    """Exit :data:`EXIT_IO`, no traceback, one ``error:`` line naming ``words``."""
    assert r.exit_code == EXIT_IO, (r.exit_code, r.output, r.exception)
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, r.stderr
    assert all(w in errors[0] for w in words), errors[0]
    assert "Traceback" not in r.stderr


# --------------------------------------------------------------------------- destinations


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["json", "jsonl", "markdown"])
def test_a_full_device_is_an_io_error(cli_env: FaultServer, fmt: str) -> None:
    one_line_error(run(str(ARTICLE), "-f", fmt, "--out", "/dev/full"), "/dev/full", "space")


def test_out_that_is_a_directory_fails_before_any_request(
    cli_env: FaultServer, tmp_path: Path
) -> None:
    for fmt in ("json", "jsonl", "markdown"):
        one_line_error(run(str(ARTICLE), "-f", fmt, "--out", str(tmp_path)), str(tmp_path))
    assert cli_env.stats()["requests"] == 0


def test_out_in_a_missing_directory_fails_before_any_request(
    cli_env: FaultServer, tmp_path: Path
) -> None:
    out = tmp_path / "nowhere" / "out.json"
    one_line_error(run(str(ARTICLE), "--out", str(out)), str(out.parent))
    assert cli_env.stats()["requests"] == 0


def test_parquet_to_a_bad_destination_fails_before_any_request(
    cli_env: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parquet is written at the end; its destination is still checked first.  (pandas is
    stood in for: only the destination matters here.)"""
    import summarizer.outputs.tables as tables

    written: list[Any] = []
    monkeypatch.setattr(tables, "require_pandas", lambda: None)
    monkeypatch.setattr(tables, "frame", lambda records, name: records)
    monkeypatch.setattr(tables, "write_table", lambda df, path, fmt: written.append(path))
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    out = a_file / "out.parquet"  # its "directory" is a file: unwritable even for root
    one_line_error(run(str(ARTICLE), "-f", "parquet", "--out", str(out)), str(a_file))
    assert cli_env.stats()["requests"] == 0 and written == []


def test_parquet_is_written_beside_then_renamed(
    cli_env: FaultServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import summarizer.outputs.tables as tables

    def write(df: Any, path: Any, fmt: str) -> None:
        assert Path(path).parent == tmp_path and Path(path) != out
        Path(path).write_bytes(b"PAR1")

    monkeypatch.setattr(tables, "require_pandas", lambda: None)
    monkeypatch.setattr(tables, "frame", lambda records, name: records)
    monkeypatch.setattr(tables, "write_table", write)
    out = tmp_path / "out.parquet"
    r = run(str(ARTICLE), "-f", "parquet", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == b"PAR1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "out.parquet"]


def test_output_file_modes(cli_env: FaultServer, tmp_path: Path) -> None:
    """Written beside and renamed, the result still has the mode a plain ``open`` would
    have given it, or the mode of the file it replaced."""
    fresh = tmp_path / "fresh.json"
    assert run(str(ARTICLE), "--out", str(fresh)).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    kept.chmod(0o640)
    assert run(str(ARTICLE), "--out", str(kept)).exit_code == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert json.loads(kept.read_text())["summary"]


# --------------------------------------------------------------------------- read-only


@contextlib.contextmanager
def read_only_dir(path: Path) -> Iterator[Path]:
    """A directory this process cannot create files in: mode 0555, and for root (who
    writes anywhere) the immutable attribute too, or the test is skipped."""
    path.mkdir(mode=0o555)
    path.chmod(0o555)
    immutable = False
    try:
        if os.geteuid() == 0:
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
            if done.returncode != 0 or (os.access(path, os.W_OK) and _writable(path)):
                pytest.skip("root, and no immutable attribute here: nothing is read-only")
            immutable = True
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)
        path.chmod(0o755)


def _writable(path: Path) -> bool:
    try:
        (path / ".probe").touch()
    except OSError:
        return False
    (path / ".probe").unlink()
    return True


@pytest.mark.skipif(shutil.which("chattr") is None and os.geteuid() == 0, reason="no chattr")
@pytest.mark.parametrize("fmt", ["json", "jsonl", "markdown"])
def test_read_only_directory_fails_before_any_request(
    cli_env: FaultServer, tmp_path: Path, fmt: str
) -> None:
    with read_only_dir(tmp_path / "read-only") as ro:
        one_line_error(run(str(ARTICLE), "-f", fmt, "--out", str(ro / f"out.{fmt}")), str(ro))
    assert cli_env.stats()["requests"] == 0


# --------------------------------------------------------------------------- stdio


def _shell(server: FaultServer, tmp_path: Path, redirect: str, *args: str) -> Any:
    env = {**os.environ, **env_for(server, tmp_path / "cache")}
    cli = f'"{sys.executable}" -m summarizer.apps.cli summarize {" ".join(args)} {redirect}'
    return subprocess.run(
        ["sh", "-c", f"exec {cli}"], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_closed_stdin_is_an_io_error(server: FaultServer, tmp_path: Path) -> None:
    p = _shell(server, tmp_path, "<&-", "-", "--published", PUBLISHED)
    assert p.returncode == EXIT_IO, p.stderr
    assert "Traceback" not in p.stderr and "stdin" in p.stderr.splitlines()[-1]
    assert server.stats()["requests"] == 0


def test_closed_stdout_fails_before_any_request(server: FaultServer, tmp_path: Path) -> None:
    p = _shell(server, tmp_path, ">&-", str(ARTICLE), "--published", PUBLISHED)
    assert p.returncode == EXIT_IO, p.stderr
    assert "Traceback" not in p.stderr and "stdout" in p.stderr.splitlines()[-1]
    assert server.stats()["requests"] == 0


# --------------------------------------------------------------------------- inputs (#16)


def test_missing_file_and_empty_glob_are_named_on_stderr(
    cli_env: FaultServer, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.txt"
    dead_glob = str(tmp_path / "none-*.txt")
    r = run(str(ARTICLE), str(missing), dead_glob, "-f", "jsonl")
    assert r.exit_code == 2, r.output  # a usage error, once every source has its record
    # every source keeps its record on stdout
    recs = {rec["source"]: rec for rec in map(json.loads, r.stdout.splitlines())}
    assert recs[str(missing)]["status"] == recs[dead_glob]["status"] == "error"
    assert recs[str(ARTICLE)]["status"] == "ok"
    # and the terminal names them
    assert f"no such file: {missing}" in r.stderr
    assert f"no file matches {dead_glob}" in r.stderr
    # the end-of-run line names the first failure: where, what kind, what happened
    first = r.stderr.splitlines()[-1].split("; first failure: ")[1]
    assert first.split(": input: ")[0] in (str(missing), dead_glob)


# --------------------------------------------------------------------------- batch collect


def test_batch_collect_checks_its_output_before_collecting(
    cli_env: FaultServer, tmp_path: Path
) -> None:
    from summarizer.runs.provider_batch import MANIFEST_FORMAT

    manifest = tmp_path / "job.json"
    manifest.write_text(
        json.dumps(
            {
                "format": MANIFEST_FORMAT,
                "batch_id": "batch_test",
                "input_file_id": "file_test",
                "base_url": cli_env.url,
                "model": "qwen2.5-coder-1.5b-instruct",
                "settings": {},
                "settings_digest": "",
                "created_at": "2025-07-22T00:00:00Z",
                "items": [],
            }
        )
    )
    for out in (tmp_path, tmp_path / "nowhere" / "out.jsonl"):
        r = CliRunner().invoke(app, ["batch", "collect", str(manifest), "--out", str(out)])
        one_line_error(r, str(out))
    assert cli_env.stats()["requests"] == 0
