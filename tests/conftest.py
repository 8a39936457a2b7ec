"""Shared test plumbing: cassettes, per-test caches, a loopback endpoint stub, and a
network guard.

Offline by default: cassettes replay in record mode ``none`` and any socket to a
non-loopback address fails the test.  ``pytest --record`` re-records cassettes
against a real embedded model server (started for the session) and rewrites the
expected reports in ``examples/expected/``.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes"
EXAMPLES = ROOT / "examples"
#: cassettes are matched on method, path and JSON body, so this host is never contacted
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"


def _user_cache_dir() -> Path:
    from summarizer.settings import default_cache_dir

    return default_cache_dir()


#: captured before any test isolates the environment: where the assembled GGUF lives
USER_CACHE = _user_cache_dir()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record",
        action="store_true",
        help="re-record cassettes against the embedded model and rewrite expected reports",
    )
    parser.addoption(
        "--update-expected",
        action="store_true",
        help="replay cassettes and rewrite examples/expected (after an output-only change)",
    )


@pytest.fixture(scope="session")
def update_expected(request: pytest.FixtureRequest) -> bool:
    return bool(
        request.config.getoption("--record") or request.config.getoption("--update-expected")
    )


@pytest.fixture(scope="session")
def recording(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--record"))


@pytest.fixture(scope="session")
def model_base_url(recording: bool) -> Iterator[str]:
    """A real embedded server when recording (reused if one is running), else a dummy."""
    if not recording:
        yield REPLAY_BASE_URL
        return
    from summarizer.llm import local
    from summarizer.settings import Settings

    settings = Settings(cache_dir=USER_CACHE)
    url = local.find_running_server(settings)
    if url is not None:
        yield url
        return
    with local.LocalServer(settings) as server:
        assert server.base_url is not None
        yield server.base_url


def replay_settings(**overrides: Any) -> Any:
    """Settings for the recorded llama.cpp server (at ``REPLAY_BASE_URL`` unless
    ``base_url`` says otherwise); pass ``cache_dir``."""
    from summarizer.settings import EMBEDDED_MODEL_NAME, Settings

    values: dict[str, Any] = {
        "base_url": REPLAY_BASE_URL,
        "model": EMBEDDED_MODEL_NAME,
        "endpoint_kind": "llamacpp",
        "max_transport_retries": 0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings_for(tmp_path: Path, model_base_url: str) -> Any:
    """Settings pointing at the recorded llama.cpp server, with a private cache."""

    def make(**overrides: Any) -> Any:
        return replay_settings(
            **{"base_url": model_base_url, "cache_dir": tmp_path / "cache", **overrides}
        )

    return make


def _json_body(r1: Any, r2: Any) -> None:
    def load(r: Any) -> Any:
        body = r.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        return json.loads(body) if body else None

    assert load(r1) == load(r2), "request JSON bodies differ"


SECRET_HEADERS = ["authorization", "api-key", "x-api-key", "openai-organization", "cookie"]


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in {"set-cookie", "date", "server"}:
            headers.pop(name)
    return response


def use_cassette(
    name: str, *, record: bool = False, body: Callable[[Any, Any], None] = _json_body
) -> Any:
    """``cassettes/name.yaml`` as a context manager: replayed, or recorded afresh with
    ``record``.  Requests match on method, path and ``body`` (a vcr matcher: JSON bodies
    by default); secrets and volatile headers are never written."""
    import vcr

    my_vcr = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all" if record else "none",
        match_on=["method", "path", "json_body"],
        filter_headers=SECRET_HEADERS,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )
    my_vcr.register_matcher("json_body", body)  # the name the notebook's replay uses too
    if record:  # vcr appends to an existing file: start from an empty one
        (CASSETTES / f"{name}.yaml").unlink(missing_ok=True)
    # the same request may be replayed (tests re-run an item after a cache miss)
    return my_vcr.use_cassette(f"{name}.yaml", allow_playback_repeats=True)


@pytest.fixture
def cassette(recording: bool) -> Any:
    """``with cassette("name"):`` replays ``cassettes/name.yaml`` (records with --record)."""

    def use(name: str) -> Any:
        return use_cassette(name, record=recording)

    return use


def recorded_answer(stem: str) -> bytes:
    """The embedded model's last recorded answer (a completion body) in the cassette of
    the example ``stem``: what a scripted endpoint sends back, never written by hand."""
    import yaml

    tape = yaml.safe_load((CASSETTES / f"example_{stem}.yaml").read_text(encoding="utf-8"))
    body = tape["interactions"][-1]["response"]["body"]["string"]
    return body.encode() if isinstance(body, str) else bytes(body)


# --------------------------------------------------------------------------- loopback stub


@dataclass(frozen=True)
class Posted:
    """A request the loopback stub received."""

    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any  # the JSON body


#: what the stub answers a request: (status, extra headers, body)
Reply = tuple[int, dict[str, str], bytes]


@pytest.fixture
def loopback() -> Iterator[Callable[[Callable[[Posted], Reply]], str]]:
    """``loopback(answer)`` starts an OpenAI-compatible stub on 127.0.0.1 whose every
    POST gets ``answer(request)`` (which may sleep, count or fail), and gives its base
    URL; every stub is stopped after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Callable[[Posted], Reply]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                heads = {k.lower(): v for k, v in self.headers.items()}
                body = json.loads(self.rfile.read(length))
                status, headers, content = answer(Posted(self.path, heads, body))
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(content)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}/v1"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


@pytest.fixture(autouse=True)
def _block_remote_network(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline tests may only reach loopback (the fault servers the tests start)."""
    if request.node.get_closest_marker("live") or request.config.getoption("--record"):
        return
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in {"localhost", "::1"} or host.startswith("/")
        ):
            raise RuntimeError(f"test tried to reach the network: {host}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may read the developer's keys or write to the user cache."""
    for var in list(os.environ):
        if var.startswith("SUMMARIZER_") or var == "OPENAI_API_KEY":
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def load_manifest() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((EXAMPLES / "manifest.json").read_text())
    return data
