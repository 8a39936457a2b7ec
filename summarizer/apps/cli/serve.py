"""``summarizer serve``: the HTTP service (the ``serve`` extra) on uvicorn."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer

from summarizer.apps.cli.common import fail, load_settings

#: hosts where serving without an API key draws no warning
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind (loopback).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    api_key_env: Annotated[
        str | None,
        typer.Option(
            "--api-key-env",
            help="Require the API key held in this environment variable (never pass a key "
            "on the command line). Default: SUMMARIZER_SERVE_API_KEY, if set (set but blank "
            "refuses to start).",
        ),
    ] = None,
    max_body_bytes: Annotated[
        int | None, typer.Option(min=1024, help="Largest request body (413 above it).")
    ] = None,
    max_batch_items: Annotated[
        int | None, typer.Option(min=1, help="Most articles in one batch request.")
    ] = None,
    timeout: Annotated[
        float | None, typer.Option(min=0.001, help="Seconds per request (504 after it).")
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help="Articles in flight over all requests (1 embedded, 4 remote)."),
    ] = None,
    header_timeout: Annotated[
        float | None,
        typer.Option(min=0.001, help="Seconds to send a request head (408 and closed after)."),
    ] = None,
    body_timeout: Annotated[
        float | None,
        typer.Option(min=0.001, help="Seconds to send a request body (408 after it)."),
    ] = None,
    max_connections: Annotated[
        int | None, typer.Option(min=1, help="Open connections (one more: 503, closed).")
    ] = None,
    max_buffered_bytes: Annotated[
        int | None,
        typer.Option(min=1024, help="Request body bytes held at once (503 past it)."),
    ] = None,
) -> None:
    """Serve POST /v1/reports, GET /v1/health and GET /v1/version (the 'serve' extra)."""
    try:
        import uvicorn

        from summarizer.apps import serve as service
        from summarizer.apps.serve.server import uvicorn_config
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] == "summarizer":
            raise  # our own code is broken: not a missing extra
        fail(f'{exc.name} is missing: pip install "operation-summarizer[serve]"', 2)
    options = {
        "host": host,
        "port": port,
        "max_body_bytes": max_body_bytes,
        "max_batch_items": max_batch_items,
        "request_timeout_s": timeout,
        "concurrency": concurrency,
        "header_timeout_s": header_timeout,
        "body_timeout_s": body_timeout,
        "max_connections": max_connections,
        "max_buffered_bytes": max_buffered_bytes,
    }
    web_app, config = _web_app(service, api_key_env, options)
    if config.api_key is None and host not in LOOPBACK:
        typer.echo(f"warning: serving on {host} without an API key (--api-key-env)", err=True)
    server = uvicorn.Server(uvicorn_config(web_app, config))
    # uvicorn stops on SIGINT/SIGTERM, then re-raises the signal: a requested stop
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        raise typer.Exit(1)


def _web_app(service: Any, api_key_env: str | None, options: dict[str, Any]) -> tuple[Any, Any]:
    """The app and its :class:`~summarizer.apps.serve.ServeConfig`; a bad setting exits 2
    without echoing its value."""
    from pydantic import ValidationError

    from summarizer.errors import ConfigError

    try:
        config = service.ServeConfig.from_env(
            api_key_env=api_key_env or service.API_KEY_ENV,
            require_key=api_key_env is not None,
            **options,
        )
        return service.create_app(load_settings(), config), config
    except ValidationError as exc:  # its text would echo the values
        fail(service.validation_summary(exc), 2)
    except (ConfigError, ValueError) as exc:
        fail(exc, 2)
