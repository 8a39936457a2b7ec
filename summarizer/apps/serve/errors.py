"""Every error as JSON (:class:`~summarizer.apps.serve.wire.ErrorResponse`): the HTTP
status for a library error, the service's own handlers, and the OpenAPI documentation
of each status."""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from summarizer.apps.serve.config import ServeConfig
from summarizer.apps.serve.wire import ErrorInfo, ErrorResponse, ValidationIssue
from summarizer.errors import (
    ExtractionError,
    InputError,
    LocalModelError,
    SummarizerError,
    TransportError,
)

#: library error kind -> class name, for batch items (which carry only the kind)
KIND_TYPES: dict[str, str] = {}


def _collect_kinds(cls: type[SummarizerError]) -> None:
    KIND_TYPES.setdefault(cls.kind, cls.__name__)
    for sub in cls.__subclasses__():
        _collect_kinds(sub)


_collect_kinds(SummarizerError)
KIND_TYPES.update({"internal": "InternalError", "cancelled": "Cancelled"})

#: HTTP status for a failed single-article request, by the library's error
_STATUS: tuple[tuple[type[SummarizerError], int], ...] = (
    (InputError, 422),
    (TransportError, 502),
    (ExtractionError, 502),
    (LocalModelError, 503),
)


_CODES = frozenset(int(c) for c in HTTPStatus)


def status_for(exc: SummarizerError) -> int:
    return next((code for cls, code in _STATUS if isinstance(exc, cls)), 500)


def error_response(
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


def error_doc(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """A body that breaks the schema: 422 with what and where, never the input (it may
    be a whole article)."""
    assert isinstance(exc, RequestValidationError)
    details = [
        ValidationIssue(
            loc=[p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            msg=str(e.get("msg", "")),
            type=str(e.get("type", "")),
        )
        for e in exc.errors()
    ]
    first = details[0].msg if details else "invalid request"
    return error_response(422, "RequestValidationError", "validation", first, details=details)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (404, 405, ...) as the service's error JSON."""
    assert isinstance(exc, StarletteHTTPException)
    reason = HTTPStatus(exc.status_code).phrase if exc.status_code in _CODES else "HTTP"
    return error_response(
        exc.status_code,
        reason.replace(" ", "").replace("-", ""),
        "http",
        str(exc.detail),
        headers=exc.headers,
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)


def report_responses(config: ServeConfig) -> dict[int | str, dict[str, Any]]:
    """The error statuses ``POST /v1/reports`` documents, with this service's limits."""
    timeout = config.request_timeout_s
    responses: dict[int | str, dict[str, Any]] = {
        400: error_doc("The body is not text (e.g. not UTF-8)."),
        413: error_doc(f"The body is larger than {config.max_body_bytes} bytes."),
        422: error_doc(
            "The body breaks the schema, or the article cannot be read (InputError: empty, binary)."
        ),
        500: error_doc("A fault in the service or its cache."),
        502: error_doc(
            "The model endpoint failed (TransportError) or gave no valid report (ExtractionError)."
        ),
        503: error_doc("The embedded model cannot be started (LocalModelError)."),
        504: error_doc(f"No report within {timeout:g} s."),
    }
    if config.api_key is not None:
        responses[401] = error_doc("Missing or wrong API key.")
    return responses
