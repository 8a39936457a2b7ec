"""The ASGI middleware that checks the API key and the body size before the app reads
anything."""

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from summarizer.apps.serve.config import ServeConfig
from summarizer.apps.serve.errors import error_response

#: paths any client may read; everything else needs the key when one is set
OPEN_PATHS = frozenset({"/v1/health", "/v1/version", "/openapi.json", "/docs", "/redoc"})


class Guard:
    """API key and body size, checked before the app reads anything.

    The key is compared with :func:`secrets.compare_digest` and never echoed; a body
    is refused from its ``Content-Length`` when that is too large, and otherwise read
    only up to the limit (a chunked body is counted as it arrives), then handed to
    the app whole.
    """

    def __init__(self, app: ASGIApp, config: ServeConfig) -> None:
        self.app = app
        self.max_body = config.max_body_bytes
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
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: bytes | None = b"".join(chunks)

        async def replay() -> Message:
            nonlocal body
            if body is not None:
                message = {"type": "http.request", "body": body, "more_body": False}
                body = None
                return message
            return await receive()

        await self.app(scope, replay, send)

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

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error_response(
            413,
            "PayloadTooLarge",
            "too_large",
            f"the request body is larger than {self.max_body} bytes",
            headers={"connection": "close"},
        )(scope, receive, send)
