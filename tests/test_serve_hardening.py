"""``summarizer serve`` under hostile but cheap clients (issue 17, findings 2 and 8).

Slow clients: a connection that never finishes its request head, a body trickled to
a path that takes none, a body trickled to ``POST /v1/reports``, more connections
than the service will hold, more body bytes than it will buffer.  Each is run over a
raw socket against the service on uvicorn, configured as ``summarizer serve`` runs it
(:func:`server_config`), with deadlines of about a second and windows of several
seconds for them to act, so a loaded machine does not make them flaky.

Errors: a blank API key variable refuses to start; a fault of the service (a corrupt
cache, an unhandled exception, a model that cannot start) answers with a request id
and nothing of the server's paths or exception text.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from summarizer.apps.serve import ServeConfig, create_app, uvicorn_config
from summarizer.errors import ConfigError, LocalModelError
from summarizer.pipeline.summarizer import Summarizer
from summarizer.settings import EMBEDDED_MODEL_NAME
from tests.conftest import ROOT
from tests.test_serve import ARTICLE, BODY, KEY, serving

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

from fault_server import FaultServer

#: how long a test waits for a deadline of about a second to act
WINDOW_S = 10.0

Address = tuple[str, int]


def make_config(**values: Any) -> ServeConfig:
    return ServeConfig(**values)


def server_config(app: FastAPI, config: ServeConfig) -> uvicorn.Config:
    """uvicorn as ``summarizer serve`` configures it, quieter and quicker to stop."""
    return uvicorn_config(app, config, log_level="error", timeout_graceful_shutdown=5)


@pytest.fixture
def stub() -> Iterator[FaultServer]:
    with FaultServer(BODY) as srv:
        yield srv


@pytest.fixture
def serve(settings_for: Any, stub: FaultServer) -> Iterator[Callable[..., tuple[Address, Any]]]:
    """Start the service with the given :class:`ServeConfig` values: its address and
    its app."""
    stack = contextlib.ExitStack()

    def start(**values: Any) -> tuple[Address, Any]:
        settings = settings_for(base_url=stub.url, max_reasks=0, timeout=30.0)
        config = make_config(**values)
        app = create_app(settings, config)
        return stack.enter_context(serving(server_config(app, config))), app

    with stack:
        yield start


# --------------------------------------------------------------------------- raw sockets


def connect(address: Address) -> socket.socket:
    return socket.create_connection(address, timeout=WINDOW_S)


def watch(
    sock: socket.socket,
    *,
    drip: bytes = b"",
    every: float = 0.2,
    window: float = WINDOW_S,
    since: float | None = None,
) -> tuple[float | None, bytes]:
    """Send ``drip`` every ``every`` seconds (nothing when empty) and read whatever
    comes, until the server closes the connection or ``window`` passes: the seconds
    from ``since`` (default: now) to the close (``None`` if still open) and the bytes
    received.  A ``since`` taken before the server could start its deadline makes a
    lower bound on the time safe however loaded the machine is."""
    t0 = time.monotonic() if since is None else since
    got = b""
    while (elapsed := time.monotonic() - t0) < window:
        if drip:
            try:
                sock.sendall(drip)
            except OSError:  # reset or broken pipe: closed by the server
                return elapsed, got + _pending(sock)
        readable, _, _ = select.select([sock], [], [], every)
        if readable:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return time.monotonic() - t0, got
            if not chunk:
                return time.monotonic() - t0, got
            got += chunk
    return None, got


def _pending(sock: socket.socket) -> bytes:
    """What the server sent before it closed, still unread."""
    got = b""
    with contextlib.suppress(OSError):
        while select.select([sock], [], [], 0.5)[0] and (chunk := sock.recv(65536)):
            got += chunk
    return got


def read_response(sock: socket.socket, window: float = WINDOW_S) -> bytes:
    """One whole response (head and ``Content-Length`` body), or what came in ``window``."""
    deadline = time.monotonic() + window
    got = b""
    while time.monotonic() < deadline:
        head, sep, body = got.partition(b"\r\n\r\n")
        if sep:
            length = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if length and len(body) >= int(length.group(1)):
                return got
        readable, _, _ = select.select([sock], [], [], 0.1)
        if readable:
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
    return got


def head(method: str, path: str, *extra: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: t", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def guard_of(app: Any) -> Any:
    """The app's :class:`~summarizer.apps.serve.guard.Guard` (built on the first request)."""
    layer = app.middleware_stack
    while layer is not None and type(layer).__name__ != "Guard":
        layer = getattr(layer, "app", None)
    return layer


def wait_for(condition: Callable[[], bool], window: float = WINDOW_S) -> bool:
    deadline = time.monotonic() + window
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --------------------------------------------------------------------------- slow clients


def test_a_request_head_has_a_deadline(serve: Any) -> None:
    """A connection that sends nothing, one that dribbles header lines, and one that
    dribbles after a first answer are all closed about a second after their deadline
    starts; before, each stayed open for as long as the client liked."""
    address, _ = serve(header_timeout_s=1.0)
    since: dict[str, float] = {}

    def opened(name: str) -> socket.socket:
        since[name] = time.monotonic()  # before the server can start the deadline
        return connect(address)

    with opened("silent") as silent, opened("dribbling") as dribbling, opened("kept") as kept:
        dribbling.sendall(b"GET /v1/health HTTP/1.1\r\nHost: t\r\n")
        kept.sendall(head("GET", "/v1/health"))
        first = read_response(kept)
        assert first.startswith(b"HTTP/1.1 200"), first[:200]
        results: dict[str, tuple[float | None, bytes]] = {}

        def run(name: str, sock: socket.socket, drip: bytes) -> None:
            results[name] = watch(sock, drip=drip, since=since[name])

        threads = [
            threading.Thread(target=run, args=("silent", silent, b"")),
            threading.Thread(target=run, args=("dribbling", dribbling, b"X-Drip: 1\r\n")),
            threading.Thread(target=run, args=("kept", kept, b"X")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for name, (took, _) in results.items():
        assert took is not None, f"{name}: still open after {WINDOW_S} s"
        assert took >= 0.9, f"{name}: closed after {took:.2f} s, before its deadline"
    assert results["silent"][1].startswith(b"HTTP/1.1 408"), results["silent"][1][:200]
    assert results["dribbling"][1].startswith(b"HTTP/1.1 408"), results["dribbling"][1][:200]


def test_a_body_is_never_read_where_none_is_taken(serve: Any) -> None:
    """A large body declared and trickled to the open paths (or sent without the key)
    is answered at once, unread, and its connection closed at the next head deadline
    although it still trickles: it holds no buffer and, for long, no connection.
    Before, the guard read it all before anything answered."""
    address, _ = serve(api_key=KEY, header_timeout_s=1.0, body_timeout_s=30.0)
    cases = [
        ("POST", "/v1/health", b"HTTP/1.1 405"),
        ("GET", "/v1/health", b"HTTP/1.1 200"),
        ("PUT", "/v1/version", b"HTTP/1.1 405"),
        ("POST", "/v1/reports", b"HTTP/1.1 401"),  # no key: never read
    ]
    for method, path, status in cases:
        with connect(address) as s:
            s.sendall(head(method, path, "Content-Length: 2000000") + b"x" * 4096)
            answer = read_response(s)
            assert answer.startswith(status), (method, path, answer[:200])
            took, _ = watch(s, drip=b"x" * 64)
            assert took is not None, f"{method} {path}: still open after {WINDOW_S} s"


def test_a_body_has_a_deadline(serve: Any) -> None:
    """A body trickled to ``POST /v1/reports`` is cut off at the body deadline: 408 and
    closed.  Before, it held its connection and buffer for as long as it trickled."""
    address, _ = serve(body_timeout_s=1.0, header_timeout_s=30.0)
    with connect(address) as s:
        since = time.monotonic()  # before the server can start the deadline
        s.sendall(head("POST", "/v1/reports", "Content-Length: 5000") + b'{"text": "')
        took, got = watch(s, drip=b"y", every=0.2, since=since)
    assert took is not None, f"still open after {WINDOW_S} s"
    assert took >= 0.9
    assert got.startswith(b"HTTP/1.1 408"), got[:200]
    assert b'"RequestTimeout"' in got


def test_connections_are_capped(serve: Any) -> None:
    """Past ``max_connections`` a new connection is answered 503 and closed; once the
    held ones go, connections are served again."""
    address, _ = serve(max_connections=4, header_timeout_s=30.0)
    held = [connect(address) for _ in range(4)]
    try:
        time.sleep(0.5)  # let the server take them in (it accepts in order anyway)
        with connect(address) as extra:
            extra.sendall(head("GET", "/v1/health"))
            took, got = watch(extra)
        assert took is not None and got.startswith(b"HTTP/1.1 503"), got[:200]
    finally:
        for s in held:
            s.close()

    def served() -> bool:
        with connect(address) as s:
            s.sendall(head("GET", "/v1/health"))
            return read_response(s).startswith(b"HTTP/1.1 200")

    assert wait_for(served)


def test_request_bodies_held_are_bounded(serve: Any, stub: FaultServer) -> None:
    """Bodies being received share one budget of bytes: a second large body that
    would pass it is refused (503), the first still completes, and the budget is
    whole again afterwards.  Keep-alive survives a body that was read."""
    address, app = serve(
        max_body_bytes=4096, max_buffered_bytes=6000, header_timeout_s=30.0, body_timeout_s=30.0
    )
    body = json.dumps({"text": "Troops raided a village."}).encode().ljust(4000)
    post = head("POST", "/v1/reports", "Content-Type: application/json", "Content-Length: 4000")
    with connect(address) as first, connect(address) as second:
        first.sendall(post + body[:3500])
        assert wait_for(lambda: (g := guard_of(app)) is not None and g.budget.held >= 3500)
        second.sendall(post + body[:3500])
        took, got = watch(second)
        assert took is not None and got.startswith(b"HTTP/1.1 503"), got[:200]
        assert b'"ServiceBusy"' in got
        first.sendall(body[3500:])
        answer = read_response(first, window=30)
        assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
        assert b"connection: close" not in answer.lower()
        first.sendall(head("GET", "/v1/health"))  # the same connection serves again
        assert read_response(first).startswith(b"HTTP/1.1 200")
    assert wait_for(lambda: guard_of(app).budget.held == 0)
    assert stub.stats()["requests"] == 1


# --------------------------------------------------------------------------- API key


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_api_key_variable_refuses_to_start(blank: str, tmp_path: Path) -> None:
    """Set but blank is a mistake, not "no key": before, the service served openly."""
    with pytest.raises(ConfigError, match=r"SUMMARIZER_SERVE_API_KEY.*blank"):
        ServeConfig.from_env({"SUMMARIZER_SERVE_API_KEY": blank})
    assert ServeConfig.from_env({}).api_key is None  # unset: no key, as documented
    if blank != "   ":
        return  # one run of the command line is enough
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "SUMMARIZER_BASE_URL": "http://127.0.0.1:9/v1",
        "SUMMARIZER_MODEL": EMBEDDED_MODEL_NAME,
        "SUMMARIZER_CACHE_DIR": str(tmp_path / "cache"),
        "SUMMARIZER_SERVE_API_KEY": blank,
    }
    cmd = [sys.executable, "-m", "summarizer.apps.cli", "serve", "--port", "0"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "SUMMARIZER_SERVE_API_KEY" in done.stderr and "blank" in done.stderr


# --------------------------------------------------------------------------- 500s


def _request_id(response: Any) -> str:
    message = response.json()["error"]["message"]
    found = re.search(r"request id ([0-9a-f]{16})\b", message)
    assert found, message
    assert response.headers["x-request-id"] == found.group(1)
    return found.group(1)


def test_a_corrupt_cache_is_a_500_without_its_path(
    settings_for: Any, stub: FaultServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The 500 names a request id; the path and the database's error stay in the log.
    Before, the response said ``cannot open cache at /tmp/.../responses: database disk
    image is malformed``."""
    caplog.set_level(logging.INFO)
    cache = tmp_path / "cache"
    settings = settings_for(base_url=stub.url, max_reasks=0, cache_dir=cache)
    with TestClient(create_app(settings, ServeConfig())) as c:
        assert c.post("/v1/reports", json={"text": ARTICLE}).status_code == 200
    for db in cache.rglob("cache.db"):
        db.write_bytes(b"not a database " * 512)
    with TestClient(create_app(settings, ServeConfig())) as c:
        single = c.post("/v1/reports", json={"text": "Troops raided a village."})
        batch = c.post("/v1/reports", json={"items": [{"text": "Police raided a town."}]})
    assert single.status_code == 500
    error = single.json()["error"]
    assert error["type"] == "CacheError" and error["kind"] == "cache"
    rid = _request_id(single)
    item = batch.json()["results"][0]
    assert batch.status_code == 200 and item["status"] == "error"
    assert item["error"]["kind"] == "cache" and "request id" in item["error"]["message"]
    for text in (single.text, json.dumps(dict(single.headers)), batch.text):
        assert str(tmp_path) not in text and "/tmp" not in text
        assert "malformed" not in text and "database" not in text
    assert rid in caplog.text and str(cache) in caplog.text  # the details, server-side


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (RuntimeError("unexpected state in /srv/app/secret.py"), 500),
        (LocalModelError("model file not found: /srv/models/secret.gguf"), 503),
    ],
)
def test_a_fault_of_the_service_tells_only_a_request_id(
    exc: Exception,
    status: int,
    settings_for: Any,
    stub: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unhandled exception is error JSON too (before: Starlette's plain-text 500),
    and a model that cannot start does not show the server's model path."""
    caplog.set_level(logging.INFO)

    def broken(self: Summarizer, *args: Any, **kwargs: Any) -> Any:
        raise exc

    monkeypatch.setattr(Summarizer, "prepare", broken)
    settings = settings_for(base_url=stub.url, max_reasks=0)
    app = create_app(settings, ServeConfig())
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/v1/reports", json={"text": "Troops raided a village."})
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    rid = _request_id(r)
    assert "/srv" not in r.text and "secret" not in r.text and "unexpected" not in r.text
    assert rid in caplog.text and "/srv" in caplog.text
