"""``summarizer serve``: the library behind an HTTP API (FastAPI; the ``serve`` extra).

One :class:`~summarizer.Summarizer` per app, opened in the lifespan handler and
closed on shutdown, so one process holds one model server, one cache and one HTTP
client pool however many requests arrive.  Nothing is module-global: two apps in one
process (tests) share nothing.

Guards run before FastAPI sees a request, in an ASGI middleware: the API key (so an
unauthenticated client cannot make the service buffer a body) and the body size (the
``Content-Length`` is checked first, and a body without one is counted while it
streams, never read past the limit).  Every error is JSON (:class:`ErrorResponse`) and
documented in the OpenAPI schema, which ``tests/test_serve.py`` checks with
schemathesis against a running server.

The modules, in the order a request meets them: :mod:`.config` (:class:`ServeConfig`),
:mod:`.guard` (key and body size), :mod:`.wire` (request and response bodies,
:func:`read_text`), :mod:`.routes` (the endpoints), :mod:`.errors` (error JSON and
statuses); :mod:`.app` puts them together in :func:`create_app`.
"""

from summarizer.apps.serve.app import create_app
from summarizer.apps.serve.config import API_KEY_ENV, ServeConfig, validation_summary
from summarizer.apps.serve.wire import TEXT_PATTERN, ErrorResponse, read_text

__all__ = [
    "API_KEY_ENV",
    "TEXT_PATTERN",
    "ErrorResponse",
    "ServeConfig",
    "create_app",
    "read_text",
    "validation_summary",
]
