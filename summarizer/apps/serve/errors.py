"""Every error as JSON (:class:`~summarizer.apps.serve.wire.ErrorResponse`): the HTTP
status for a library error, the service's own handlers, and the OpenAPI documentation
of each status."""

import secrets
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


#: statuses whose library message stays on the server: a fault of the service or of
#: its machine (a cache or model path, a log tail), not something the client can fix
PRIVATE_STATUSES = frozenset({500, 503})

#: batch item error kinds whose message the client sees (the others are told as
#: :func:`fault_message`): what was wrong with the item, or with the model's answer
PUBLIC_KINDS = frozenset({"input", "transport", "extraction", "timeout", "budget", "cancelled"})

_FAULTS = {503: "the embedded model is not available"}


def new_request_id() -> str:
    """An id for one failure, in the response and in the log line that has the details."""
    return secrets.token_hex(8)


def fault_message(status: int, request_id: str) -> str:
    """What a client is told of a fault of the service: no path, secret or exception
    text (those go to the log, under ``request_id``)."""
    what = _FAULTS.get(status, "internal error in the service")
    return f"{what}; the service log has the details under request id {request_id}"


def fault_response(status: int, type_: str, kind: str, request_id: str) -> JSONResponse:
    """A fault of the service as error JSON, with its request id (also ``X-Request-ID``)."""
    return error_response(
        status,
        type_,
        kind,
        fault_message(status, request_id),
        headers={"x-request-id": request_id},
    )


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
        408: error_doc(f"The body did not arrive within {config.body_timeout_s:g} s."),
        413: error_doc(f"The body is larger than {config.max_body_bytes} bytes."),
        422: error_doc(
            "The body breaks the schema, or the article cannot be read (InputError: empty, binary)."
        ),
        500: error_doc(
            "A fault in the service or its cache; the message holds only a request id "
            "(the details are in the service's log)."
        ),
        502: error_doc(
            "The model endpoint failed (TransportError) or gave no valid report (ExtractionError)."
        ),
        503: error_doc(
            "The embedded model cannot be started (LocalModelError; details in the service's "
            "log), or the service holds as many request bodies as it may (retry later)."
        ),
        504: error_doc(f"No report within {timeout:g} s."),
    }
    if config.api_key is not None:
        responses[401] = error_doc("Missing or wrong API key.")
    return responses
