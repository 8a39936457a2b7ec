"""The app on uvicorn, with the connection limits uvicorn does not have.

uvicorn bounds an idle keep-alive connection (``timeout_keep_alive``) and the size of
a request head (h11's ``max_incomplete_event_size``, 16 KiB), but not the time a
client may take to send that head: a connection opened and never written to, or one
sending a header line every few seconds, stays open for ever, and so does one that
keeps trickling a body the app has already answered.  Its ``limit_concurrency``
answers 503 only once a request head is complete, so those connections are not
capped either.  :class:`GuardedH11Protocol` adds both: a deadline on the request
head and a cap on open connections.  The body's deadline and the memory bodies may
hold are the ASGI guard's (:mod:`.guard`), which works under any server.
"""

import asyncio
import logging
import time
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from summarizer.apps.serve.config import ServeConfig
from summarizer.apps.serve.memory import Trimmer

log = logging.getLogger("summarizer.apps.serve")

#: seconds uvicorn keeps an idle keep-alive connection (its default)
KEEP_ALIVE_S = 5

#: what a closed connection is counted as having freed, for :class:`Trimmer`: about
#: its read buffers (asyncio reads up to 256 KiB at a time, h11 keeps what it holds)
_CONNECTION_BYTES = 64 * 1024


def _plain(status: bytes, text: bytes, *extra: bytes) -> bytes:
    head = [
        b"HTTP/1.1 " + status,
        b"content-type: text/plain; charset=utf-8",
        b"content-length: " + str(len(text)).encode(),
        b"connection: close",
        *extra,
    ]
    return b"\r\n".join(head) + b"\r\n\r\n" + text


_HEAD_TOO_SLOW = _plain(b"408 Request Timeout", b"request head not received in time")
_TOO_MANY = _plain(b"503 Service Unavailable", b"too many connections", b"retry-after: 5")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on the request head and a cap on open
    connections (set by :func:`protocol_class` from a :class:`ServeConfig`).

    The deadline starts when the connection opens and again when a response ends; it
    is met when a whole request head has arrived.  Data arriving does not reset it (it
    does reset uvicorn's keep-alive timer, which is why dribbling defeats that one).
    When it passes, a connection still waiting for a head is answered 408 and closed,
    and one that is still sending the body of a request already answered is closed.
    """

    header_timeout_s: float = 10.0
    max_connections: int = 1000
    #: gives the read buffers of closed connections back to the system (one per server)
    trimmer: Trimmer = Trimmer()
    #: monotonic time of the last "too many connections" warning (one a minute at most)
    _warned_at: float = -60.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        if len(self.connections) > self.max_connections:
            now = time.monotonic()
            if now - GuardedH11Protocol._warned_at >= 60:
                GuardedH11Protocol._warned_at = now
                log.warning("%d connections open: refusing more", self.max_connections)
            self.transport.write(_TOO_MANY)
            self.transport.close()
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
        self.trimmer.freed(_CONNECTION_BYTES)

    def on_response_complete(self) -> None:
        # body bytes that arrived before the answer and were never asked for (a path
        # that takes none): uvicorn would keep them (up to ~320 KiB) until the
        # connection's next request, and no one can read them after the answer
        if self.cycle is not None and self.cycle.response_complete:
            self.cycle.body = bytearray()
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_deadline)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_deadline(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        theirs, ours = self.conn.their_state, self.conn.our_state
        if theirs is h11.IDLE:  # no whole request head since the deadline started
            self.transport.write(_HEAD_TOO_SLOW)
            self.transport.close()
        elif ours is h11.DONE and theirs is not h11.DONE:  # answered; still sending a body
            self.transport.close()


def protocol_class(config: ServeConfig) -> type[GuardedH11Protocol]:
    """:class:`GuardedH11Protocol` with ``config``'s head deadline and connection cap
    (uvicorn makes one protocol object per connection from the class it is given)."""

    class Configured(GuardedH11Protocol):
        header_timeout_s = config.header_timeout_s
        max_connections = config.max_connections
        trimmer = Trimmer()

    return Configured


def uvicorn_config(app: Any, config: ServeConfig, **options: Any) -> uvicorn.Config:
    """How ``summarizer serve`` runs ``app``: on ``config``'s host and port, with the
    guarded h11 protocol, no ``Server`` header, uvicorn's keep-alive and head-size
    limits stated, and 30 s for in-flight requests on shutdown; ``options`` override."""
    values: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "http": protocol_class(config),
        "server_header": False,
        "timeout_keep_alive": KEEP_ALIVE_S,
        "h11_max_incomplete_event_size": 16 * 1024,
        "timeout_graceful_shutdown": 30,
    }
    values.update(options)
    return uvicorn.Config(app, **values)
