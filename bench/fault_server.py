"""A loopback OpenAI-compatible server that injects faults (stdlib only).

Used by the soak benchmark (``bench/soak.py``) and by the failure tests.  Every POST
gets either the recorded completion body it was given (``ok``) or one fault:

=================  ==========================================================
``rate_limit``     HTTP 429 with ``Retry-After``
``server_error``   HTTP 500
``unavailable``    HTTP 503
``hang``           holds the request past the client's timeout, then answers ok
``drop``           closes the connection without a response
``not_json``       HTTP 200 whose body is not JSON (a proxy's error page)
``invalid_json``   a completion whose content is broken JSON
``bad_schema``     a completion whose content is JSON that breaks the schema
``truncated``      the body stops short of its ``Content-Length``
``empty_choices``  a completion with no choices
=================  ==========================================================

Which answer a request gets is decided by a *plan*: :func:`mix` (a seeded fault rate
that depends only on the request, not on arrival order, so a concurrent run injects
the same faults every time) or :func:`script` (a fixed sequence).  Requests are told
apart by a *tag*: the first match of ``tag_pattern`` in the request body (e.g. a
marker written into each article), else a hash of the body.  ``GET /_stats`` returns
what was injected, per kind and per tag, as JSON.

Run it on its own (the soak does, so the server's threads and sockets are not
counted against the library)::

    python bench/fault_server.py --body completion.json --rate 0.1 --seed 1

prints its base URL on the first line of stdout and serves until stdin closes.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.request import urlopen

__all__ = [
    "FAULTS",
    "OK",
    "FaultServer",
    "Plan",
    "Request",
    "mix",
    "script",
    "spawn",
]

OK = "ok"
FAULTS: tuple[str, ...] = (
    "rate_limit",
    "server_error",
    "unavailable",
    "hang",
    "drop",
    "not_json",
    "invalid_json",
    "bad_schema",
    "truncated",
    "empty_choices",
)
_ERROR = b'{"error": {"message": "injected fault", "type": "server_error"}}'


@dataclass(frozen=True)
class Request:
    """What a plan sees of one request."""

    n: int  # 0-based arrival number over the server's life
    tag: str  # which item it belongs to
    attempt: int  # 0-based: how many earlier requests carried the same tag
    body: dict[str, Any]


#: picks ``"ok"`` or a fault kind for a request
Plan = Callable[[Request], str]


def _unit(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts``: reproducible, independent of timing."""
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def mix(rate: float, seed: int = 0, kinds: Sequence[str] = FAULTS) -> Plan:
    """Each request is a fault with probability ``rate``, of a kind drawn evenly from
    ``kinds``; the draw depends on (seed, tag, attempt), so the same run against the
    same inputs meets the same faults whatever the order requests arrive in."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate must be in [0, 1], got {rate}")
    unknown = set(kinds) - set(FAULTS)
    if unknown or not kinds:
        raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
    chosen = tuple(kinds)

    def plan(req: Request) -> str:
        if _unit(seed, req.tag, req.attempt, "fault?") >= rate:
            return OK
        return chosen[int(_unit(seed, req.tag, req.attempt, "kind") * len(chosen))]

    return plan


def script(steps: Sequence[str]) -> Plan:
    """Answer requests in arrival order with ``steps``; the last step repeats."""
    if not steps or set(steps) - {OK, *FAULTS}:
        raise ValueError(f"bad script: {list(steps)}")
    frozen = tuple(steps)
    return lambda req: frozen[min(req.n, len(frozen) - 1)]


class _Stats:
    """What the server did, shared by its handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.kinds: Counter[str] = Counter()
        self.per_tag: dict[str, list[str]] = {}

    def record(self, tag: str, body: dict[str, Any], plan: Plan) -> str:
        """Count the request and return what the plan says it gets."""
        with self._lock:
            seen = self.per_tag.setdefault(tag, [])
            kind = plan(Request(self.requests, tag, len(seen), body))
            self.requests += 1
            seen.append(kind)
            self.kinds[kind] += 1
        return kind

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "kinds": dict(self.kinds),
                "per_tag": {tag: list(kinds) for tag, kinds in self.per_tag.items()},
            }


class LoopbackHTTP:
    """A threaded HTTP server in this process on a free loopback port, usable as a
    context manager; subclasses give the handler (``BatchFront`` shares this)."""

    thread_name = "loopback-http"
    poll_interval = 0.5

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def configure(self, httpd: ThreadingHTTPServer) -> None:
        """Adjust the server before it serves (queue size and such)."""

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def start(self) -> str:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        httpd.daemon_threads = True
        self.configure(httpd)
        self._httpd = httpd
        threading.Thread(
            target=httpd.serve_forever,
            args=(self.poll_interval,),
            name=self.thread_name,
            daemon=True,
        ).start()
        return self.url

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class FaultServer(LoopbackHTTP):
    """The server, in this process, on a free loopback port.

    ``delay`` holds every request that long before answering (so a run can be
    interrupted mid-way); ``hang_s`` is how long a ``hang`` holds it.  :meth:`stop`
    releases held requests at once.  HTTP/1.0: one request per connection, so no
    handler thread outlives its request.
    """

    def __init__(
        self,
        ok_body: bytes,
        plan: Plan | None = None,
        *,
        delay: float = 0.0,
        hang_s: float = 5.0,
        retry_after: float = 0.05,
        tag_pattern: str | None = None,
    ) -> None:
        self.ok_body = ok_body
        self.plan: Plan = plan or (lambda req: OK)
        self.delay = delay
        self.hang_s = hang_s
        self.retry_after = retry_after
        self._tag_re = re.compile(tag_pattern) if tag_pattern else None
        super().__init__()
        self._stats = _Stats()
        self._bodies = _fault_bodies(ok_body)

    # ------------------------------------------------------------------ lifecycle
    thread_name = "fault-server"

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    def configure(self, httpd: ThreadingHTTPServer) -> None:
        httpd.request_queue_size = 256  # a burst of concurrency-32 retries must not be refused

    # ------------------------------------------------------------------ figures
    def stats(self) -> dict[str, Any]:
        """``{"requests": n, "kinds": {kind: n}, "per_tag": {tag: [kind, ...]}}``."""
        return self._stats.snapshot()

    # ------------------------------------------------------------------ one request
    def _tag(self, raw: bytes) -> str:
        if self._tag_re is not None:
            m = self._tag_re.search(raw.decode("utf-8", "replace"))
            if m:
                return m.group(0)
        return hashlib.sha256(raw).hexdigest()[:16]

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        raw = h.rfile.read(int(h.headers.get("content-length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            _send(h, 400, b'{"error": {"message": "request is not JSON"}}')
            return
        kind = self._stats.record(self._tag(raw), body, self.plan)
        if self.delay and self._stopping.wait(self.delay):
            return
        if kind == "hang":
            if self._stopping.wait(self.hang_s):
                return
            kind = OK
        if kind == "drop":
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return
        if kind == "rate_limit":
            _send(h, 429, _ERROR, {"retry-after": f"{self.retry_after:g}"})
        elif kind in ("server_error", "unavailable"):
            _send(h, 500 if kind == "server_error" else 503, _ERROR)
        elif kind == "truncated":
            _send(h, 200, self.ok_body, cut=max(1, len(self.ok_body) // 3))
        else:
            _send(h, 200, self._bodies.get(kind, self.ok_body))


def _fault_bodies(ok_body: bytes) -> dict[str, bytes]:
    """Faulty 200 bodies made from the recorded completion, so only one thing is wrong."""

    def with_content(content: str | None, choices: bool = True) -> bytes:
        completion = json.loads(ok_body)
        if not choices:
            completion["choices"] = []
        else:
            completion["choices"][0]["message"]["content"] = content
        return json.dumps(completion).encode()

    return {
        "not_json": b"<html><body>502 Bad Gateway</body></html>",
        "invalid_json": with_content('{"relevance": "operation_report", "summary": "cut'),
        "bad_schema": with_content('{"relevance": "maybe", "summary": 42}'),
        "empty_choices": with_content(None, choices=False),
    }


def _send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: dict[str, str] | None = None,
    *,
    cut: int | None = None,
) -> None:
    try:
        h.send_response(status)
        h.send_header("content-type", "application/json")
        h.send_header("content-length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body if cut is None else body[:cut])
        h.wfile.flush()
        if cut is not None:
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the client gave up first (its timeout, or it was interrupted)


def _handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            server._answer(self)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/_stats":
                _send(self, 200, json.dumps(server.stats()).encode())
            else:
                _send(self, 404, b'{"error": {"message": "not found"}}')

    return Handler


# --------------------------------------------------------------------------- subprocess


@contextlib.contextmanager
def spawn(
    body_file: Path,
    *,
    rate: float = 0.0,
    seed: int = 0,
    kinds: Sequence[str] = FAULTS,
    delay: float = 0.0,
    hang_s: float = 5.0,
    retry_after: float = 0.05,
    tag_pattern: str | None = None,
) -> Iterator[tuple[str, Callable[[], dict[str, Any]]]]:
    """Run a :func:`mix` server in a child process; yields ``(base_url, stats)``.

    Keeps the server's threads, sockets and memory out of the measuring process.
    """
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--body",
        str(body_file),
        "--rate",
        str(rate),
        "--seed",
        str(seed),
        "--kinds",
        ",".join(kinds),
        "--delay",
        str(delay),
        "--hang",
        str(hang_s),
        "--retry-after",
        str(retry_after),
    ]
    if tag_pattern:
        cmd += ["--tag-pattern", tag_pattern]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"fault server did not start (exit {proc.poll()})")

        def stats() -> dict[str, Any]:
            with urlopen(url.removesuffix("/v1") + "/_stats", timeout=10) as r:
                data: dict[str, Any] = json.load(r)
                return data

        yield url, stats
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # the child's cue to stop
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--body", type=Path, required=True, help="the ok completion body (JSON)")
    ap.add_argument("--rate", type=float, default=0.0, help="share of requests that fail")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kinds", default=",".join(FAULTS), help="comma-separated fault kinds")
    ap.add_argument("--delay", type=float, default=0.0, help="seconds to hold every request")
    ap.add_argument("--hang", type=float, default=5.0, help="seconds a hang holds a request")
    ap.add_argument("--retry-after", type=float, default=0.05)
    ap.add_argument("--tag-pattern", default=None, help="regex naming a request's item")
    args = ap.parse_args(argv)
    server = FaultServer(
        args.body.read_bytes(),
        mix(args.rate, args.seed, [k for k in args.kinds.split(",") if k]),
        delay=args.delay,
        hang_s=args.hang,
        retry_after=args.retry_after,
        tag_pattern=args.tag_pattern,
    )
    print(server.start(), flush=True)
    try:
        sys.stdin.read()  # returns when the parent closes our stdin (or dies)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
