"""The app: :func:`create_app` puts the guard, the error handlers and the routes together,
with one :class:`~summarizer.Summarizer` per app, opened when the app starts."""

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from summarizer._version import __version__
from summarizer.apps.serve.config import ServeConfig
from summarizer.apps.serve.errors import install_handlers
from summarizer.apps.serve.guard import Guard
from summarizer.apps.serve.routes import Service, add_info_routes, add_report_route
from summarizer.core.schema import OperationReport, output_schema
from summarizer.errors import ConfigError
from summarizer.pipeline.summarizer import Summarizer
from summarizer.settings import Settings


def create_app(settings: Settings | None = None, config: ServeConfig | None = None) -> FastAPI:
    """The service.  ``settings`` (the model side) and ``config`` (the HTTP side) are
    read from the environment when not given; the Summarizer is opened when the app
    starts and closed when it stops."""
    settings = settings if settings is not None else Settings.from_env()
    config = config if config is not None else ServeConfig.from_env()
    if not settings.embedded and not settings.model:
        raise ConfigError("a remote endpoint needs a model name (SUMMARIZER_MODEL)")
    app = FastAPI(
        title="summarizer",
        version=__version__,
        description="News articles about military and security operations in; validated, "
        "evidence-backed OperationReport objects out.",
        lifespan=_lifespan(settings, config),
    )
    app.add_middleware(Guard, config=config)
    install_handlers(app)
    add_report_route(app, config)
    add_info_routes(app, config)
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    return app


def _lifespan(
    settings: Settings, config: ServeConfig
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        summarizer = Summarizer(settings)
        app.state.service = Service(summarizer, config)
        try:
            yield
        finally:
            await summarizer.aclose()

    return lifespan


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The app's OpenAPI schema, built once, without the report's grammar bounds."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _drop_grammar_bounds(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi


def _drop_grammar_bounds(openapi: dict[str, Any]) -> None:
    """The report's ``maxLength``/``maxItems`` bound what a grammar-constrained model
    may write (``summarizer.core.schema``), not what a report may hold: a remote model's
    longer list still validates.  The service documents what it can return."""
    names = {"OperationReport", *output_schema(OperationReport).get("$defs", {})}
    components = openapi.get("components", {}).get("schemas", {})
    for name in names:
        if name in components:
            components[name] = _without_bounds(components[name])


def _without_bounds(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _without_bounds(v) for k, v in node.items() if k not in ("maxLength", "maxItems")
        }
    if isinstance(node, list):
        return [_without_bounds(v) for v in node]
    return node
