"""``summarizer serve``: the library behind an HTTP API (FastAPI; the ``serve`` extra).

One :class:`~summarizer.Summarizer` per app, opened in the lifespan handler and
closed on shutdown, so one process holds one model server, one cache and one HTTP
client pool however many requests arrive.  Nothing is module-global: two apps in one
process (tests) share nothing.

Guards run before FastAPI sees a request, in an ASGI middleware: the API key (so an
unauthenticated client cannot make the service buffer a body) and the body (read only
for ``POST /v1/reports``: the ``Content-Length`` is checked first, a body without one
is counted while it streams, never read past the limit, within a deadline and a
budget of bytes held over all requests).  Below it, :mod:`.server` runs the app on
uvicorn with what uvicorn lacks: a deadline on the request head and a cap on
connections.  Every error is JSON (:class:`ErrorResponse`) and documented in the
OpenAPI schema, which ``tests/test_serve.py`` checks with schemathesis against a
running server; a fault of the service tells the client only a request id.

The modules, in the order a request meets them: :mod:`.config` (:class:`ServeConfig`),
:mod:`.server` (head deadline, connection cap), :mod:`.guard` (key and body),
:mod:`.wire` (request and response bodies, :func:`read_text`), :mod:`.routes` (the
endpoints), :mod:`.errors` (error JSON and statuses); :mod:`.app` puts them together
in :func:`create_app`, :func:`uvicorn_config` runs it as ``summarizer serve`` does.
"""

from summarizer.apps.serve.app import create_app
from summarizer.apps.serve.config import API_KEY_ENV, ServeConfig, validation_summary
from summarizer.apps.serve.server import uvicorn_config
from summarizer.apps.serve.wire import TEXT_PATTERN, ErrorResponse, read_text

__all__ = [
    "API_KEY_ENV",
    "TEXT_PATTERN",
    "ErrorResponse",
    "ServeConfig",
    "create_app",
    "read_text",
    "uvicorn_config",
    "validation_summary",
]
