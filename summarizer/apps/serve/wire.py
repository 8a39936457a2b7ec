"""What goes over the wire: the request bodies (with this service's limits in their
schema), the responses and the error JSON, and :func:`read_text`, the one rule for a
readable text."""

import dataclasses
import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictStr, field_validator

from summarizer.apps.serve.config import ServeConfig
from summarizer.core.schema import OperationReport
from summarizer.errors import InputError
from summarizer.pipeline.inputs import Article, load_article

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


def request_models(cfg: ServeConfig) -> tuple[type[BaseModel], type[BaseModel]]:
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
