"""The endpoints: ``POST /v1/reports`` (one article or a batch), ``GET /v1/health``,
``GET /v1/version``, and the per-app state they share (:class:`Service`)."""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any, cast

from fastapi import Body, FastAPI, Request, Security
from fastapi.responses import Response
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import BaseModel

from summarizer._version import __version__
from summarizer.apps.serve.config import ServeConfig
from summarizer.apps.serve.errors import (
    KIND_TYPES,
    PRIVATE_STATUSES,
    PUBLIC_KINDS,
    error_response,
    fault_message,
    fault_response,
    new_request_id,
    report_responses,
    status_for,
)
from summarizer.apps.serve.wire import (
    BatchResponse,
    ErrorInfo,
    Health,
    ItemRecord,
    Limits,
    ReportResponse,
    VersionInfo,
    read_text,
    request_models,
)
from summarizer.core.results import Extraction
from summarizer.core.schema import SCHEMA_VERSION, OperationReport
from summarizer.errors import InputError, SummarizerError
from summarizer.pipeline.inputs import Article
from summarizer.pipeline.prompts import load_prompt
from summarizer.pipeline.summarizer import PreparedJob, Summarizer
from summarizer.runs.many import ItemResult, asummarize_many

log = logging.getLogger("summarizer.apps.serve")

# --------------------------------------------------------------------------- per-app state


class Service:
    """Per-app state: the Summarizer, the in-flight gate, counters."""

    def __init__(self, summarizer: Summarizer, config: ServeConfig) -> None:
        self.summarizer = summarizer
        self.config = config
        self.concurrency = config.resolved_concurrency(summarizer.settings)
        self.gate = asyncio.Semaphore(self.concurrency)
        self.in_flight = 0
        self.started = time.monotonic()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self.gate:
            self.in_flight += 1
            try:
                yield
            finally:
                self.in_flight -= 1


class _Gated:
    """The shared Summarizer seen through the service-wide limit on articles in
    flight: batches run through :func:`asummarize_many`, which calls
    ``aextract_prepared``."""

    def __init__(self, inner: Summarizer, service: Service) -> None:
        self._inner = inner
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def aextract(self, *args: Any, **kwargs: Any) -> Extraction[Any]:
        async with self._service.slot():
            return await self._inner.aextract(*args, **kwargs)

    async def aextract_prepared(self, job: PreparedJob) -> Extraction[Any]:
        async with self._service.slot():
            return await self._inner.aextract_prepared(job)


def service(request: Request) -> Service:
    return cast(Service, request.app.state.service)


def _json_bytes(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


# --------------------------------------------------------------------------- POST /v1/reports


def add_report_route(app: FastAPI, config: ServeConfig) -> None:
    """``POST /v1/reports``, its body typed with this service's limits."""
    ArticleRequest, BatchRequest = request_models(config)
    auth_docs = (
        [
            Security(HTTPBearer(auto_error=False, description="The service's API key.")),
            Security(APIKeyHeader(name="X-API-Key", auto_error=False)),
        ]
        if config.api_key is not None
        else []
    )

    @app.post(
        "/v1/reports",
        response_model=ReportResponse | BatchResponse,
        responses=report_responses(config),
        dependencies=auth_docs,
        summary="Summarize one article, or a batch",
        description='`{"text": ...}` returns one report (or an error status); '
        '`{"items": [...]}` returns every item\'s result with status 200, failures as '
        "values. A batch not finished within the timeout returns what finished and "
        "marks the rest `timeout`.",
    )
    async def reports(
        request: Request,
        body: Annotated[ArticleRequest | BatchRequest, Body()],  # type: ignore[valid-type]
    ) -> Response:
        svc = service(request)
        started = time.monotonic()
        if isinstance(body, BatchRequest):
            result = await _batch(svc, body, started)
            return Response(_json_bytes(result), media_type="application/json")
        return await _single(svc, body, started)


async def _single(svc: Service, body: Any, started: float) -> Response:
    """One article: its report, or an error status."""
    s = svc.summarizer
    timeout = svc.config.request_timeout_s
    try:
        article = await asyncio.to_thread(read_text, body.text, body.source)
        async with asyncio.timeout(timeout), svc.slot():
            job = await asyncio.to_thread(s.prepare, article, published=body.published)
            key = job.key
            ex: Extraction[Any] = await s.aextract_prepared(job)
    except TimeoutError:
        log.warning("request timed out after %g s", timeout)
        return error_response(504, "RequestTimeout", "timeout", f"no report within {timeout:g} s")
    except SummarizerError as exc:
        status = status_for(exc)
        if status in PRIVATE_STATUSES:  # the details (paths, log tails) stay in the log
            rid = new_request_id()
            log.error("request %s failed: %s (%s): %s", rid, type(exc).__name__, exc.kind, exc)
            return fault_response(status, type(exc).__name__, exc.kind, rid)
        level = logging.INFO if status < 500 else logging.WARNING
        log.log(level, "request failed: %s (%s): %s", type(exc).__name__, exc.kind, exc)
        return error_response(status, type(exc).__name__, exc.kind, str(exc))
    result = ReportResponse(
        source=body.source,
        key=key,
        report=cast(OperationReport, ex.value),
        elapsed_s=round(time.monotonic() - started, 4),
    )
    return Response(_json_bytes(result), media_type="application/json")


async def _batch(svc: Service, body: Any, started: float) -> BatchResponse:
    """Every item's result in request order; an unreadable or unfinished item is that
    item's error, not the batch's."""
    records, articles, positions = await _read_items(body)
    finished = await _run_batch(svc, articles, len(body.items)) if articles else {}
    for j, i in enumerate(positions):
        records[i] = _record(i, body.items[i].source, finished.get(j))
    for rec in records.values():
        err = rec.error
        if err is None or err.kind == "input":
            continue
        if err.kind in PUBLIC_KINDS:
            log.warning("batch item %d failed: %s: %s", rec.index, err.type, err.message)
            continue
        rid = new_request_id()  # a fault of the service: the client sees only the id
        log.error("batch item %d failed, request %s: %s: %s", rec.index, rid, err.type, err.message)
        rec.error = err.model_copy(update={"message": fault_message(500, rid)})
    ordered = [records[i] for i in range(len(body.items))]
    ok = sum(r.status == "ok" for r in ordered)
    return BatchResponse(
        results=ordered,
        ok=ok,
        failed=len(ordered) - ok,
        elapsed_s=round(time.monotonic() - started, 4),
    )


async def _read_items(
    body: Any,
) -> tuple[dict[int, ItemRecord], list[tuple[Article, date | None]], list[int]]:
    """Error records of the unreadable items by position; the readable ones (with their
    publication date) and their positions in the request."""
    records: dict[int, ItemRecord] = {}
    articles: list[tuple[Article, date | None]] = []
    positions: list[int] = []
    for i, item in enumerate(body.items):
        try:
            article = await asyncio.to_thread(read_text, item.text, item.source)
        except InputError as exc:
            error = ErrorInfo(type="InputError", kind=exc.kind, message=str(exc))
            records[i] = ItemRecord(
                index=i, source=item.source, key=None, status="error", error=error
            )
            continue
        articles.append((article, item.published or body.published))
        positions.append(i)
    return records, articles, positions


async def _run_batch(
    svc: Service, articles: list[tuple[Article, date | None]], n_items: int
) -> dict[int, ItemResult]:
    """Results by index into ``articles``, as many as finish within the timeout."""
    timeout = svc.config.request_timeout_s
    finished: dict[int, ItemResult] = {}
    gated = cast(Summarizer, _Gated(svc.summarizer, svc))
    run = asummarize_many(
        articles, summarizer=gated, concurrency=min(svc.concurrency, len(articles))
    )
    try:
        async with contextlib.aclosing(run), asyncio.timeout(timeout):
            async for result in run:
                finished[result.index] = result
    except TimeoutError:
        log.warning(
            "batch timed out after %g s: %d of %d items unfinished",
            timeout,
            len(articles) - len(finished),
            n_items,
        )
    return finished


def _record(index: int, source: str | None, result: ItemResult | None) -> ItemRecord:
    if result is None:
        return ItemRecord(
            index=index,
            source=source,
            key=None,
            status="error",
            error=ErrorInfo(type="RequestTimeout", kind="timeout", message="not finished in time"),
        )
    if result.ok:
        return ItemRecord(
            index=index,
            source=source,
            key=result.key,
            status="ok",
            report=cast(OperationReport, result.value),
        )
    err = result.error
    kind = err.kind if err is not None else "internal"
    return ItemRecord(
        index=index,
        source=source,
        key=result.key,
        status="error",
        error=ErrorInfo(
            type=KIND_TYPES.get(kind, "Error"),
            kind=kind,
            message=err.message if err is not None else "no result",
        ),
    )


# --------------------------------------------------------------------------- GET routes


def add_info_routes(app: FastAPI, config: ServeConfig) -> None:
    """``GET /v1/health`` and ``GET /v1/version``: open to any client, no model call."""

    @app.get("/v1/health", response_model=Health, summary="Liveness and settings, no secrets")
    async def health(request: Request) -> Health:
        svc = service(request)
        s = svc.summarizer.settings
        return Health(
            model=svc.summarizer.model_name,
            endpoint="embedded" if s.embedded else "remote",
            endpoint_kind=s.resolved_endpoint_kind,
            cache=s.use_cache,
            auth=config.api_key is not None,
            limits=Limits(
                max_body_bytes=config.max_body_bytes,
                max_text_chars=config.max_text_chars,
                max_batch_items=config.max_batch_items,
                request_timeout_s=config.request_timeout_s,
                concurrency=svc.concurrency,
            ),
            in_flight=svc.in_flight,
            uptime_s=round(time.monotonic() - svc.started, 3),
        )

    @app.get("/v1/version", response_model=VersionInfo, summary="Library, schema and prompt")
    async def version(request: Request) -> VersionInfo:
        return VersionInfo(
            library=__version__,
            schema_version=SCHEMA_VERSION,
            prompt=load_prompt("operation_report").id,
            model=service(request).summarizer.model_name,
        )
