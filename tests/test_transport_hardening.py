"""Issue 17, finding 4: every HTTP request to the endpoint has a total deadline
(``Settings.timeout``), an answer-size cap (``Settings.max_answer_bytes``) and follows
no redirect.  Loopback stub servers only."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from summarizer.errors import TransportError
from summarizer.pipeline.summarizer import Summarizer
from tests.test_transport import ARTICLE, PUBLISHED, Script, fake_server, recorded_body

__all__ = ["fake_server"]

KEY = "sk-hardening-" + "Q9w8E7r6" * 4


def _run(settings: Any, is_async: bool) -> Any:
    with Summarizer(settings) as s:
        if is_async:
            return asyncio.run(s.asummarize(ARTICLE, published=PUBLISHED))
        return s.summarize(ARTICLE, published=PUBLISHED)


class Drip:
    """A raw loopback HTTP server that reads the request, then trickles its answer one
    byte every ``gap`` seconds: either inside the headers or inside a long body."""

    def __init__(self, where: str, gap: float = 0.1, total: float = 6.0) -> None:
        self.where, self.gap, self.total = where, gap, total
        self.requests = 0
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(body) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                body += chunk
            self.requests += 1
            if self.where == "headers":
                prefix, drip = b"HTTP/1.1 200 OK\r\nx-slow: ", b"a"
            else:
                prefix = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                prefix += b"content-length: 1000000\r\n\r\n{"
                drip = b" "
            try:
                conn.sendall(prefix)
                ends = time.monotonic() + self.total
                while time.monotonic() < ends and not self.stop.is_set():
                    conn.sendall(drip)
                    time.sleep(self.gap)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def drip() -> Iterator[Any]:
    servers: list[Drip] = []

    def start(where: str) -> Drip:
        servers.append(Drip(where))
        return servers[-1]

    yield start
    for srv in servers:
        srv.close()


@pytest.mark.parametrize("is_async", [False, True])
@pytest.mark.parametrize("where", ["headers", "body"])
def test_a_trickled_answer_ends_at_the_total_deadline(
    settings_for: Any, drip: Any, where: str, is_async: bool
) -> None:
    """Each read arrives well within ``timeout`` (0.1 s apart), so only a deadline on the
    whole request stops it: about ``timeout`` seconds, not the 6 s the server trickles."""
    server = drip(where)
    settings = settings_for(
        base_url=server.url, timeout=1.0, max_transport_retries=0, use_cache=False, api_key=KEY
    )
    t0 = time.monotonic()
    with pytest.raises(TransportError, match="timed out") as info:
        _run(settings, is_async)
    elapsed = time.monotonic() - t0
    assert elapsed < 3.0, f"the request ran {elapsed:.1f} s with a 1 s deadline"
    assert server.requests == 1
    assert KEY not in str(info.value)


def _padded_answer(size: int, marker: bool = True) -> bytes:
    """The recorded completion, still valid JSON, grown to ``size`` bytes with trailing
    white space; with ``marker`` its content starts with a word that must never reach an
    error message."""
    body = json.loads(recorded_body())
    if marker:
        message = body["choices"][0]["message"]
        message["content"] = "CONTENT-MARKER " + message["content"]
    raw = json.dumps(body).encode()
    return raw + b" " * (size - len(raw))


@pytest.mark.parametrize("is_async", [False, True])
def test_an_answer_over_the_size_cap_is_a_transport_error(
    settings_for: Any, fake_server: Any, is_async: bool
) -> None:
    """A default-settings run refuses an 8 MB answer (the cap is 4 MB) instead of reading
    it and sending it back upstream; the error names the size, not the content."""
    script = Script([(200, {}, _padded_answer(8_000_000), 0.0)])
    url = fake_server(script)
    settings = settings_for(base_url=url, max_transport_retries=2, use_cache=False, api_key=KEY)
    assert settings.max_answer_bytes == 4_000_000
    with pytest.raises(TransportError, match="4000000 bytes") as info:
        _run(settings, is_async)
    message = str(info.value)
    assert "CONTENT-MARKER" not in message and KEY not in message
    assert len(script.seen) == 1  # not retried, not re-asked


def test_the_size_cap_is_a_setting(settings_for: Any, fake_server: Any) -> None:
    script = Script([(200, {}, _padded_answer(300_000, marker=False), 0.0)])
    url = fake_server(script)
    settings = settings_for(
        base_url=url, max_transport_retries=0, use_cache=False, max_answer_bytes=100_000
    )
    with pytest.raises(TransportError, match="over the 100000 bytes"):
        _run(settings, False)
    # and an answer under the cap is read as before
    settings = settings_for(base_url=url, max_reasks=0, use_cache=False, max_answer_bytes=400_000)
    report = _run(settings, False)
    assert report.extraction is not None


@pytest.mark.parametrize("is_async", [False, True])
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed(
    settings_for: Any, fake_server: Any, status: int, is_async: bool
) -> None:
    """A redirect would carry the article (and, on the same origin, the key) elsewhere:
    the first one is an error naming the status and the masked target, never retried."""
    script = Script([(status, {"location": "PLACEHOLDER"}, b"{}", 0.0)])
    url = fake_server(script)
    target = url.replace("http://", "http://someone:hunter2secret@") + "/elsewhere?x=1"
    script.steps = [(status, {"location": target}, b"{}", 0.0)]
    settings = settings_for(base_url=url, max_transport_retries=3, use_cache=False, api_key=KEY)
    with pytest.raises(TransportError, match=f"HTTP {status}") as info:
        _run(settings, is_async)
    message = str(info.value)
    assert len(script.seen) == 1, f"{len(script.seen)} requests for one article"
    assert "redirect" in message and "someone:***@127.0.0.1" in message
    assert "hunter2secret" not in message and KEY not in message
