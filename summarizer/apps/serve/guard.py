"""The ASGI middleware that checks the API key and the body before the app reads
anything, and turns a crash into error JSON that tells the client nothing of it."""

import asyncio
import logging
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from summarizer.apps.serve.config import ServeConfig
from summarizer.apps.serve.errors import error_response, fault_response, new_request_id
from summarizer.apps.serve.memory import Trimmer

log = logging.getLogger("summarizer.apps.serve")

#: paths any client may read; everything else needs the key when one is set
OPEN_PATHS = frozenset({"/v1/health", "/v1/version", "/openapi.json", "/docs", "/redoc"})

#: the only requests whose body is read; any other body is never read: it is answered
#: at once, the server drops the rest as it arrives, and the head deadline of
#: :mod:`.server` closes a connection that is still sending it
BODY_ROUTES = frozenset({("POST", "/v1/reports")})

#: why a body is not read whole (the error's kind) -> status, error type, message; the
#: connection is closed after the answer (and a busy client told to retry in 5 s)
UNREAD: dict[str, tuple[int, str, str]] = {
    "too_large": (413, "PayloadTooLarge", "the request body is larger than {max_body} bytes"),
    "busy": (503, "ServiceBusy", "the service holds as many request bodies as it may; retry later"),
    "timeout": (408, "RequestTimeout", "the request body did not arrive within {timeout:g} s"),
}


class BodyBudget:
    """Bytes of request bodies held at once over all of one app's requests.

    Counted as the bytes arrive, not from ``Content-Length``, so a client that
    declares a large body and trickles it holds only what it has really sent.  One
    event loop runs the app, so no lock is needed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0

    def hold(self) -> "BodyHold":
        return BodyHold(self)


class BodyHold:
    """One request's share of the :class:`BodyBudget`, given back by :meth:`release`
    when the request is over (however it ends)."""

    def __init__(self, budget: BodyBudget) -> None:
        self.budget = budget
        self.size = 0

    def take(self, n: int) -> bool:
        if self.budget.held + n > self.budget.limit:
            return False
        self.budget.held += n
        self.size += n
        return True

    def release(self) -> None:
        self.budget.held -= self.size
        self.size = 0


class Guard:
    """API key and body, checked before the app reads anything.

    The key is compared with :func:`secrets.compare_digest` and never echoed.  Only
    ``POST /v1/reports`` has its body read: refused from its ``Content-Length`` when
    that is too large, otherwise read only up to the limit (a chunked body is counted
    as it arrives), within ``body_timeout_s`` (408 after it) and within the app's
    :class:`BodyBudget` (503 past it), then handed to the app whole (its pages are
    given back to the system when the request is over: :mod:`.memory`).  Any other body
    (and one sent without the key) is left unread and answered at once; uvicorn drops
    the rest as it arrives and the head deadline (:mod:`.server`) closes a connection
    still sending it, so a slow body sent to an open path holds no memory and the
    connection not for long.  (Closing at once instead could reset the connection under
    the unread bytes and lose the answer of a client that sends its body promptly.)  An
    exception the app lets through is answered with a 500 that holds only a request id;
    the details go to the log under that id.
    """

    def __init__(self, app: ASGIApp, config: ServeConfig) -> None:
        self.app = app
        self.max_body = config.max_body_bytes
        self.body_timeout = config.body_timeout_s
        self.budget = BodyBudget(config.body_budget)
        self.trimmer = Trimmer()
        key = config.api_key.get_secret_value().strip() if config.api_key else None
        self.key = key.encode() if key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.key is not None and scope["path"] not in OPEN_PATHS and not self._authorized(scope):
            await error_response(
                401,
                "Unauthorized",
                "auth",
                "missing or wrong API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
                headers={"www-authenticate": "Bearer"},
            )(scope, receive, send)
            return
        if (scope["method"], scope["path"]) not in BODY_ROUTES:
            await self._run(scope, _no_body(receive), send)
            return
        hold = self.budget.hold()
        try:
            body = await self._read_body(scope, receive, send, hold)
            if body is not None:
                await self._run(scope, _replay(body, receive), send)
        finally:
            self.trimmer.freed(hold.size)  # give the pages back once the body is gone
            hold.release()

    async def _read_body(
        self, scope: Scope, receive: Receive, send: Send, hold: BodyHold
    ) -> bytes | None:
        """The whole body, or ``None`` when the request has been answered (too large,
        too slow, over the budget) or the client went away."""
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._refuse("too_large", scope, receive, send)
            return None
        chunks: list[bytes] = []
        refuse: str
        try:
            async with asyncio.timeout(self.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        return None  # the client went away before sending its body
                    chunk = message.get("body", b"")
                    if hold.size + len(chunk) > self.max_body:
                        refuse = "too_large"
                        break
                    if not hold.take(len(chunk)):
                        refuse = "busy"
                        break
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            refuse = "timeout"
        chunks.clear()
        # outside the deadline: the answer is sent whole
        await self._refuse(refuse, scope, receive, send)
        return None

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app; an exception it lets through becomes a 500 that tells only a
        request id (the traceback is logged under it)."""
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:  # too late for an error response: the server drops the connection
                raise
            rid = new_request_id()
            log.exception("request %s failed: unhandled error", rid)
            await fault_response(500, "InternalError", "internal", rid)(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        assert self.key is not None
        offered: list[bytes] = []
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                offered.append(value.strip())
            elif name == b"authorization":
                scheme, _, token = value.partition(b" ")
                if scheme.lower() == b"bearer":
                    offered.append(token.strip())
        # compare every offered value, so timing does not tell which header matched
        matched = False
        for value in offered:
            matched |= secrets.compare_digest(value, self.key)
        return matched

    async def _refuse(self, kind: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a request whose body is not read whole (:data:`UNREAD`)."""
        status, type_, message = UNREAD[kind]
        headers = {"connection": "close", **({"retry-after": "5"} if kind == "busy" else {})}
        text = message.format(max_body=self.max_body, timeout=self.body_timeout)
        await error_response(status, type_, kind, text, headers=headers)(scope, receive, send)


def _no_body(receive: Receive) -> Receive:
    """A ``receive`` for a request whose body is not read: an empty body, then only
    the client's going away (body bytes the server hands over are dropped)."""
    first = True

    async def no_body() -> Message:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"", "more_body": False}
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message

    return no_body


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app the body read by the guard, in one message."""
    pending: bytes | None = body

    async def replay() -> Message:
        nonlocal pending
        if pending is not None:
            message = {"type": "http.request", "body": pending, "more_body": False}
            pending = None
            return message
        return await receive()

    return replay
