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
"""

import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import secrets
import time
from collections.abc import AsyncIterator, Mapping
from datetime import date
from http import HTTPStatus
from typing import Annotated, Any, Literal, cast

from fastapi import Body, FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SecretStr,
    StrictStr,
    ValidationError,
    field_validator,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from summarizer._version import __version__
from summarizer.core.schema import SCHEMA_VERSION, OperationReport, output_schema
from summarizer.errors import (
    ConfigError,
    ExtractionError,
    InputError,
    LocalModelError,
    SummarizerError,
    TransportError,
)
from summarizer.pipeline.inputs import Article, load_article
from summarizer.pipeline.prompts import load_prompt
from summarizer.pipeline.summarizer import Extraction, Summarizer
from summarizer.runs.many import ItemResult, asummarize_many
from summarizer.settings import Settings

__all__ = [
    "API_KEY_ENV",
    "TEXT_PATTERN",
    "ErrorResponse",
    "ServeConfig",
    "create_app",
    "read_text",
    "validation_summary",
]

log = logging.getLogger("summarizer.apps.serve")

#: where :meth:`ServeConfig.from_env` reads the API key by default
API_KEY_ENV = "SUMMARIZER_SERVE_API_KEY"

#: paths any client may read; everything else needs the key when one is set
OPEN_PATHS = frozenset({"/v1/health", "/v1/version", "/openapi.json", "/docs", "/redoc"})

#: characters that do not make a text non-empty: what ``str.isspace`` calls white
#: space (Python's rule, which the library's empty check uses), NUL and the byte-order
#: mark; spelled out so the OpenAPI pattern and the check below are one rule
_INVISIBLE = (
    "\x00\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_INVISIBLE_SET = frozenset(_INVISIBLE)
_INVISIBLE_CLASS = (
    r"\x00\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
#: a text the service reads: no NUL anywhere, and at least one visible character
TEXT_PATTERN = rf"^[^\x00]*[^{_INVISIBLE_CLASS}][^\x00]*$"


# --------------------------------------------------------------------------- configuration


class ServeConfig(BaseModel):
    """How the service listens and what it accepts (the model side is :class:`Settings`).

    ``api_key`` is a ``SecretStr``: it never appears in ``repr``, logs or responses.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", description="Interface to bind; loopback by default.")
    port: int = Field(8000, ge=0, le=65535)
    max_body_bytes: int = Field(
        2_097_152,
        ge=1024,
        description="Largest request body; a larger one is refused with 413 before it is read.",
    )
    max_batch_items: int = Field(32, ge=1, le=10_000)
    request_timeout_s: float = Field(
        600.0,
        gt=0,
        description="Wall-clock limit per request (504); the embedded model needs about two "
        "minutes an article, more while other requests queue for it.",
    )
    api_key: SecretStr | None = Field(
        None, description="Required from clients when set (Bearer or X-API-Key)."
    )
    concurrency: int | None = Field(
        None,
        ge=1,
        description="Articles in flight across all requests; None = 1 on the embedded model "
        "(it serialises requests anyway), 4 on a remote endpoint.",
    )

    @field_validator("api_key")
    @classmethod
    def _no_blank_key(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().strip():
            raise ValueError("the API key is blank")
        return v

    @property
    def max_text_chars(self) -> int:
        """Longest article text, in characters: a sixteenth of the body limit, so a
        text that long fits the body even when every character is sent as a JSON
        escape (12 bytes for one outside the BMP).  The limit is on characters, not
        bytes, so a client can check it without encoding; a batch of long texts can
        still exceed the body limit (413)."""
        return self.max_body_bytes // 16

    def resolved_concurrency(self, settings: Settings) -> int:
        if self.concurrency is not None:
            return self.concurrency
        return 1 if settings.embedded else 4

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        api_key_env: str = API_KEY_ENV,
        require_key: bool = False,
        **overrides: Any,
    ) -> "ServeConfig":
        """Read the API key from ``api_key_env``; explicit overrides win.  With
        ``require_key`` a missing key is a :class:`ConfigError`, not an open service."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        if "api_key" not in values and env.get(api_key_env, "").strip():
            values["api_key"] = env[api_key_env]
        if require_key and "api_key" not in values:
            raise ConfigError(f"no API key: the environment variable {api_key_env} is unset")
        return cls(**values)


# --------------------------------------------------------------------------- wire models


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("published", mode="before", check_fields=False)
    @classmethod
    def _iso_date(cls, v: Any) -> Any:
        """Only ``YYYY-MM-DD`` (JSON Schema's ``date``): pydantic would also take a
        number of seconds or a datetime, which the schema does not promise."""
        if v is None or isinstance(v, date):
            return v
        if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            raise ValueError("a date is YYYY-MM-DD")
        return v


_EXAMPLE: dict[str, JsonValue] = {
    "text": "Niger's army said on Sunday it had ended Operation Sand Wall, a week-long sweep "
    "of the Tillaberi region that began on June 1, and detained between 30 and 40 suspects.",
    "published": "2025-06-09",
    "source": "example",
}
_TEXT_DESCRIPTION = (
    "The article: plain text, or an HTML page whose visible text is used. Evidence "
    "offsets in the report index this text (for a page, its visible text)."
)
_SOURCE = Field(
    None,
    max_length=500,
    description="Your label for the article (a URL, a file name); echoed back as `source`.",
)
_PUBLISHED = Field(
    None, description="Publication date; relative dates ('on Saturday') resolve against it."
)


def _request_models(cfg: ServeConfig) -> tuple[type[BaseModel], type[BaseModel]]:
    """The request bodies, with this service's limits in their schema."""

    class ArticleRequest(_In):
        """One article; the answer is a report or an error status."""

        model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

        text: StrictStr = Field(
            max_length=cfg.max_text_chars,
            description=_TEXT_DESCRIPTION + " It must contain a visible character and no NUL; "
            "an HTML page must have visible text.",
            json_schema_extra={"pattern": TEXT_PATTERN},
        )
        published: date | None = _PUBLISHED
        source: StrictStr | None = _SOURCE

    class BatchItem(_In):
        """One article of a batch; an unreadable text is that item's error, not the batch's."""

        text: StrictStr = Field(max_length=cfg.max_text_chars, description=_TEXT_DESCRIPTION)
        published: date | None = Field(
            None, description="Publication date; overrides the batch's `published`."
        )
        source: StrictStr | None = _SOURCE

    class BatchRequest(_In):
        """Several articles; each comes back as its own result, failures included."""

        model_config = ConfigDict(
            json_schema_extra={
                "examples": [{"items": [_EXAMPLE, {"text": " "}], "published": "2025-06-09"}]
            }
        )

        items: list[BatchItem] = Field(min_length=1, max_length=cfg.max_batch_items)
        published: date | None = Field(
            None, description="Publication date for items that do not give their own."
        )

    return ArticleRequest, BatchRequest


class ErrorInfo(BaseModel):
    """Why there is no report; ``message`` never holds a secret."""

    type: str = Field(
        description="The library's exception class (InputError, TransportError, "
        "ExtractionError, ...) or the service's reason (RequestTimeout, Unauthorized, ...)."
    )
    kind: str = Field(description="Machine-readable tag, as in the CLI's JSONL error records.")
    message: str


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    error: ErrorInfo
    details: list[ValidationIssue] | None = Field(
        None, description="For a request that breaks the schema: what and where."
    )


class ReportResponse(BaseModel):
    """One article's report."""

    status: Literal["ok"] = "ok"
    source: str | None = Field(description="The request's `source` label.")
    key: str = Field(description="The article's cache key (content and settings).")
    report: OperationReport
    elapsed_s: float


class ItemRecord(BaseModel):
    """One batch item: a report, or why not (as the CLI's JSONL records)."""

    index: int = Field(description="Position in the request's `items`.")
    source: str | None
    key: str | None = Field(description="Cache key; null when the text was unreadable.")
    status: Literal["ok", "error"]
    report: OperationReport | None = None
    error: ErrorInfo | None = None


class BatchResponse(BaseModel):
    """Every item's result, in request order."""

    results: list[ItemRecord]
    ok: int
    failed: int
    elapsed_s: float


class Limits(BaseModel):
    max_body_bytes: int
    max_text_chars: int
    max_batch_items: int
    request_timeout_s: float
    concurrency: int


class Health(BaseModel):
    """Liveness and configuration, without secrets; does not call the model."""

    status: Literal["ok"] = "ok"
    model: str
    endpoint: Literal["embedded", "remote"]
    endpoint_kind: str
    cache: bool
    auth: bool = Field(description="Whether /v1/reports needs the API key.")
    limits: Limits
    in_flight: int = Field(description="Articles being extracted now.")
    uptime_s: float


class VersionInfo(BaseModel):
    library: str
    schema_version: str
    prompt: str = Field(description="Prompt template in use, e.g. operation_report.v1.")
    model: str


# --------------------------------------------------------------------------- errors

#: library error kind -> class name, for batch items (which carry only the kind)
_KIND_TYPES: dict[str, str] = {}


def _collect_kinds(cls: type[SummarizerError]) -> None:
    _KIND_TYPES.setdefault(cls.kind, cls.__name__)
    for sub in cls.__subclasses__():
        _collect_kinds(sub)


_collect_kinds(SummarizerError)
_KIND_TYPES.update({"internal": "InternalError", "cancelled": "Cancelled"})

#: HTTP status for a failed single-article request, by the library's error
_STATUS: tuple[tuple[type[SummarizerError], int], ...] = (
    (InputError, 422),
    (TransportError, 502),
    (ExtractionError, 502),
    (LocalModelError, 503),
)


_CODES = frozenset(int(c) for c in HTTPStatus)


def _status_for(exc: SummarizerError) -> int:
    return next((code for cls, code in _STATUS if isinstance(exc, cls)), 500)


def _error(
    status: int,
    type_: str,
    kind: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    details: list[ValidationIssue] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=ErrorInfo(type=type_, kind=kind, message=message), details=details)
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _error_doc(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


# --------------------------------------------------------------------------- guards


class _Guard:
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
            await _error(
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
        await _error(
            413,
            "PayloadTooLarge",
            "too_large",
            f"the request body is larger than {self.max_body} bytes",
            headers={"connection": "close"},
        )(scope, receive, send)


# --------------------------------------------------------------------------- the service


class _Gated:
    """The shared Summarizer seen through the service-wide limit on articles in
    flight: batches run through :func:`asummarize_many`, which calls ``aextract``."""

    def __init__(self, inner: Summarizer, service: "_Service") -> None:
        self._inner = inner
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def aextract(self, *args: Any, **kwargs: Any) -> Extraction[Any]:
        async with self._service.slot():
            return await self._inner.aextract(*args, **kwargs)


class _Service:
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


def read_text(text: str, source: str | None = None) -> Article:
    """The article in ``text`` as the library reads it, or an :class:`InputError`.

    Decoded as UTF-8 bytes (a lone surrogate is refused; no byte-order mark is
    stripped, so offsets index ``text``) and never taken as a file path.  Beyond the
    library's own checks, a NUL anywhere (it looks only at the first 8 KiB) and a text
    of only invisible characters are refused: :data:`TEXT_PATTERN` states the same rule.
    """
    article = load_article(text.encode("utf-8", "surrogatepass"), encoding="utf-8")
    if "\x00" in text:
        raise InputError("input looks binary, not text (it contains NUL characters)")
    if all(c in _INVISIBLE_SET for c in article.text):
        raise InputError("input is empty")
    return dataclasses.replace(article, source=source)


def _json_bytes(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


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
            type=_KIND_TYPES.get(kind, "Error"),
            kind=kind,
            message=err.message if err is not None else "no result",
        ),
    )


def create_app(settings: Settings | None = None, config: ServeConfig | None = None) -> FastAPI:
    """The service.  ``settings`` (the model side) and ``config`` (the HTTP side) are
    read from the environment when not given; the Summarizer is opened when the app
    starts and closed when it stops."""
    settings = settings if settings is not None else Settings.from_env()
    config = config if config is not None else ServeConfig.from_env()
    if not settings.embedded and not settings.model:
        raise ConfigError("a remote endpoint needs a model name (SUMMARIZER_MODEL)")
    ArticleRequest, BatchRequest = _request_models(config)
    timeout = config.request_timeout_s

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        summarizer = Summarizer(settings)
        app.state.service = _Service(summarizer, config)
        try:
            yield
        finally:
            await summarizer.aclose()

    app = FastAPI(
        title="summarizer",
        version=__version__,
        description="News articles about military and security operations in; validated, "
        "evidence-backed OperationReport objects out.",
        lifespan=lifespan,
    )
    app.add_middleware(_Guard, config=config)
    auth_docs = (
        [
            Security(HTTPBearer(auto_error=False, description="The service's API key.")),
            Security(APIKeyHeader(name="X-API-Key", auto_error=False)),
        ]
        if config.api_key is not None
        else []
    )
    responses: dict[int | str, dict[str, Any]] = {
        400: _error_doc("The body is not text (e.g. not UTF-8)."),
        413: _error_doc(f"The body is larger than {config.max_body_bytes} bytes."),
        422: _error_doc(
            "The body breaks the schema, or the article cannot be read (InputError: empty, binary)."
        ),
        500: _error_doc("A fault in the service or its cache."),
        502: _error_doc(
            "The model endpoint failed (TransportError) or gave no valid report (ExtractionError)."
        ),
        503: _error_doc("The embedded model cannot be started (LocalModelError)."),
        504: _error_doc(f"No report within {timeout:g} s."),
    }
    if config.api_key is not None:
        responses[401] = _error_doc("Missing or wrong API key.")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # no "input" echo: it may be a whole article
        details = [
            ValidationIssue(
                loc=[p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
                msg=str(e.get("msg", "")),
                type=str(e.get("type", "")),
            )
            for e in exc.errors()
        ]
        first = details[0].msg if details else "invalid request"
        return _error(422, "RequestValidationError", "validation", first, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = HTTPStatus(exc.status_code).phrase if exc.status_code in _CODES else "HTTP"
        return _error(
            exc.status_code,
            reason.replace(" ", "").replace("-", ""),
            "http",
            str(exc.detail),
            headers=exc.headers,
        )

    def service(request: Request) -> _Service:
        return cast(_Service, request.app.state.service)

    @app.post(
        "/v1/reports",
        response_model=ReportResponse | BatchResponse,
        responses=responses,
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
            batch = await _batch(svc, body, started)
            return Response(_json_bytes(batch), media_type="application/json")
        return await _single(svc, body, started)

    async def _single(svc: _Service, body: Any, started: float) -> Response:
        s = svc.summarizer
        try:
            article = await asyncio.to_thread(read_text, body.text, body.source)
            async with asyncio.timeout(timeout), svc.slot():
                key = await asyncio.to_thread(s.item_key, article, published=body.published)
                ex: Extraction[Any] = await s.aextract(article, published=body.published)
        except TimeoutError:
            log.warning("request timed out after %g s", timeout)
            return _error(504, "RequestTimeout", "timeout", f"no report within {timeout:g} s")
        except SummarizerError as exc:
            status = _status_for(exc)
            level = logging.INFO if status < 500 else logging.WARNING
            log.log(level, "request failed: %s (%s): %s", type(exc).__name__, exc.kind, exc)
            return _error(status, type(exc).__name__, exc.kind, str(exc))
        result = ReportResponse(
            source=body.source,
            key=key,
            report=cast(OperationReport, ex.value),
            elapsed_s=round(time.monotonic() - started, 4),
        )
        return Response(_json_bytes(result), media_type="application/json")

    async def _batch(svc: _Service, body: Any, started: float) -> BatchResponse:
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
        finished: dict[int, ItemResult] = {}
        if articles:
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
                    len(body.items),
                )
        for j, i in enumerate(positions):
            records[i] = _record(i, body.items[i].source, finished.get(j))
        for rec in records.values():
            if rec.error is not None and rec.error.kind != "input":
                log.warning(
                    "batch item %d failed: %s: %s", rec.index, rec.error.type, rec.error.message
                )
        ordered = [records[i] for i in range(len(body.items))]
        ok = sum(r.status == "ok" for r in ordered)
        return BatchResponse(
            results=ordered,
            ok=ok,
            failed=len(ordered) - ok,
            elapsed_s=round(time.monotonic() - started, 4),
        )

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
                request_timeout_s=timeout,
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

    app.openapi = openapi  # type: ignore[method-assign]
    return app


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


def validation_summary(exc: ValidationError) -> str:
    """A one-line, input-free description of a configuration error (for the CLI)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors()
    )
