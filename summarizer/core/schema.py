"""The ``OperationReport`` contract: plain Pydantic types, no provider imports.

Two views of one schema:

* **request view** (JSON Schema ``mode="validation"``) is what the model is asked to
  fill.  It omits every field the library computes (offsets, parsed numbers and
  dates, metadata), and an ``Evidence`` or ``Quantity`` is a bare string there, so
  the model spends its slow output tokens only on words it must copy.
* **output view** (``mode="serialization"``) is what callers receive and what
  ``schemas/operation_report.schema.json`` documents.

The library fills computed fields in validators, from the article held by
:func:`summarizer.core.ground.grounding`; values the model sends for them are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, ClassVar, Literal, cast

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PrivateAttr,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticOmit

from summarizer.core import claims, dates, quantities
from summarizer.core.ground import (
    AlignmentStatus,
    GroundingContext,
    figures_supported,
    name_supported,
)
from summarizer.core.names import normalize_name

SCHEMA_VERSION = "1.0"

#: list bound for the grammar only (like the string bounds below): a small model
#: cannot loop until max_tokens, and a longer list from another model still validates
MAX_ITEMS = 6


def _text(max_chars: int) -> WithJsonSchema:
    """A length bound the grammar enforces while the model writes (a 1.5B model can
    loop inside a string until max_tokens); not a validation rule, so a verbose remote
    model is never re-asked for it."""
    return WithJsonSchema({"type": "string", "maxLength": max_chars})


Name = Annotated[str, _text(120)]
Phrase = Annotated[str, _text(200)]
Figure = Annotated[str, _text(80)]


@dataclass(frozen=True)
class _LibrarySet:
    """Marks a field the library computes: hidden from the request view."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if handler.mode == "validation":
            raise PydanticOmit
        return handler(core_schema)


LIBRARY_SET = _LibrarySet()


def _context(info: ValidationInfo) -> GroundingContext | None:
    """The grounding context of this validation: pydantic's validation context
    (``model_validate(..., context=ctx)``, which instructor's parsers pass on), either
    the :class:`GroundingContext` itself or ``{"grounding": ctx}``.  None: no grounding."""
    ctx = info.context
    if isinstance(ctx, GroundingContext):
        return ctx
    if isinstance(ctx, dict):
        inner = ctx.get("grounding")
        if isinstance(inner, GroundingContext):
            return inner
    return None


def _remember(ctx: GroundingContext | None, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` for a pure ``fn``, remembered for the article being grounded: an
    answer is validated strictly, then often leniently, and repeats names."""
    if ctx is None or ctx.memo is None:
        return fn(*args)
    return ctx.memo.remember(fn, *args)


class _Model(BaseModel):
    # extra keys from a chatty model are dropped, but grammars are told "no extras"
    model_config = ConfigDict(extra="ignore", json_schema_extra={"additionalProperties": False})


# --------------------------------------------------------------------------- evidence


def _string_view(max_length: int, description: str) -> dict[str, Any]:
    """The request view of a model sent as one string (:class:`_StringInRequest`)."""
    return {"type": "string", "maxLength": max_length, "description": description}


class _StringInRequest(_Model):
    """A model the request view shows as one string (``_request_view``) and that
    accepts one: the model spends output tokens only on the words it must copy, and
    the library fills the rest.  A number is taken as its text ("27")."""

    _request_field: ClassVar[str]
    _request_view: ClassVar[dict[str, Any] | None] = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if cls._request_view is None:
            return data
        if isinstance(data, (str, int, float)) and not isinstance(data, bool):
            return {cls._request_field: str(data)}
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if handler.mode == "validation" and cls._request_view is not None:
            return dict(cls._request_view)
        return handler(core_schema)


class Evidence(_StringInRequest):
    """A verbatim quote from the article, located by the library.

    ``start``/``end`` are character offsets into the original text (before cleaning):
    ``text[start:end]`` is the located quote.  ``status`` says how it was found.
    """

    quote: str
    start: Annotated[int | None, LIBRARY_SET] = None
    end: Annotated[int | None, LIBRARY_SET] = None
    status: Annotated[AlignmentStatus, LIBRARY_SET] = "unchecked"
    score: Annotated[float | None, LIBRARY_SET] = None
    supported: Annotated[bool | None, LIBRARY_SET] = Field(
        None,
        description="Whether the quote states the fact: its name, figure or date, and "
        "for outcomes, forces and officials its category, role or title (None: not checked).",
    )
    support_reason: Annotated[str | None, LIBRARY_SET] = Field(
        None, description="Why the claim check passed or failed, in words."
    )

    @property
    def grounded(self) -> bool:
        """Located in the article and not contradicted by the fact it backs."""
        return self.status in ("exact", "normalized", "fuzzy") and self.supported is not False

    _request_field = "quote"
    _request_view = _string_view(200, "Exact words copied from the article that state this fact.")

    @model_validator(mode="after")
    def _ground(self, info: ValidationInfo) -> Evidence:
        ctx = _context(info)
        if ctx is None:
            return self
        a = ctx.locate(self.quote)
        if a.status == "not_found":
            ctx.fail(
                f"evidence quote not found in the article: {self.quote[:120]!r}; "
                "copy the exact words from the article"
            )
        self.start, self.end, self.status, self.score = a.start, a.end, a.status, a.score
        return self


def _support(
    info: ValidationInfo,
    evidence: Evidence | None,
    check: Callable[[str, str], bool],
    value: str,
    what: str,
    claim: Claim | None = None,
) -> None:
    """Record whether ``evidence`` states the fact: ``check(value, quote)`` (the name or
    figure is there), then the fact type's claim check on the quote (``claim``: category,
    role, title, unit).  The strict pass re-asks when the value is missing or the
    quote states something else; a claim the checks cannot confirm is only marked.
    Checked only when grounding, once per article and quote."""
    ctx = _context(info)
    if ctx is None or evidence is None or evidence.status == "not_found":
        return
    if not _remember(ctx, check, value, evidence.quote):
        evidence.supported = False
        evidence.support_reason = f"the quote does not mention {what}"
        ctx.fail(
            f"the evidence {evidence.quote[:100]!r} does not mention {what}; "
            "quote the words of the article that state it"
        )
        return
    if claim is None:
        evidence.supported, evidence.support_reason = True, f"the quote mentions {what}"
        return
    fn, args = claim
    verdict = _remember(ctx, fn, *args, evidence.quote)
    evidence.supported, evidence.support_reason = verdict.ok, verdict.reason
    if verdict.contradicted:
        ctx.fail(
            f"the evidence {evidence.quote[:100]!r} does not state {what}: {verdict.reason}; "
            "give the fact the article states, with the words that state it"
        )


def _always(value: str, quote: str) -> bool:
    return True


#: a fact type's claim check and the fact's own arguments before the quote:
#: ``(claims.outcome, ("killed", "militants", (27.0,)))``; plain values, so the
#: article's memo (keyed by function and arguments) checks each fact once
Claim = tuple[Callable[..., claims.Verdict], tuple[Any, ...]]


# --------------------------------------------------------------------------- quantities

Qualifier = quantities.Qualifier


class Quantity(_StringInRequest):
    """A figure as the article states it; ``raw`` is parsed by the library.

    ``qualifier`` keeps "more than 12,000" (at_least) apart from "12,460" (exact).
    """

    raw: Figure = Field(description="The figure exactly as written, e.g. 'more than 900'.")
    value: Annotated[float | None, LIBRARY_SET] = None
    low: Annotated[float | None, LIBRARY_SET] = None
    high: Annotated[float | None, LIBRARY_SET] = None
    qualifier: Annotated[Qualifier, LIBRARY_SET] = "unknown"
    unit: Annotated[str | None, LIBRARY_SET] = None

    _area: ClassVar[bool] = False  # subclasses parse into km²

    _request_field = "raw"
    # typed as the base declares it: Area, a subclass, has no string view
    _request_view: ClassVar[dict[str, Any] | None] = _string_view(
        80, "The figure with its qualifier as written, e.g. 'more than 40'."
    )

    @model_validator(mode="after")
    def _parse(self, info: ValidationInfo) -> Quantity:
        ctx = _context(info)
        recompute = ctx is not None or (
            self.qualifier == "unknown" and self.value is None and self.low is None
        )
        if recompute:
            parse = quantities.parse_area_km2 if self._area else quantities.parse_quantity
            p = _remember(ctx, parse, self.raw)
            self.value, self.low, self.high = p.value, p.low, p.high
            self.qualifier, self.unit = p.qualifier, p.unit
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"quantity low {self.low} is greater than high {self.high}")
        return self


class Area(Quantity):
    """An area, always normalised to square kilometres (``unit == "km2"``)."""

    _area: ClassVar[bool] = True
    evidence: Evidence

    @model_validator(mode="after")
    def _supported(self, info: ValidationInfo) -> Area:
        km2 = self.value if self.value is not None else self.low
        claim: Claim | None = None if km2 is None else (claims.area, (km2,))
        _support(info, self.evidence, figures_supported, self.raw, self.raw, claim)
        return self

    #: an Area needs its own quote: an object in the request view, never a bare string
    _request_view: ClassVar[dict[str, Any] | None] = None


# --------------------------------------------------------------------------- dates

Precision = dates.Precision


class DateFact(_Model):
    """A date as written; the library resolves it, relative words only against ``published``."""

    raw: Figure = Field(
        description="The date words as written, e.g. 'Thursday' or '9 November 2024'."
    )
    evidence: Evidence
    year: Annotated[int | None, LIBRARY_SET] = None
    month: Annotated[int | None, LIBRARY_SET] = None
    day: Annotated[int | None, LIBRARY_SET] = None
    precision: Annotated[Precision, LIBRARY_SET] = "unknown"
    relative: Annotated[bool, LIBRARY_SET] = False

    @model_validator(mode="after")
    def _resolve(self, info: ValidationInfo) -> DateFact:
        ctx = _context(info)
        if ctx is not None or (self.precision == "unknown" and self.year is None):
            p = _remember(ctx, dates.parse_date, self.raw, ctx.published if ctx else None)
            self.year, self.month, self.day = p.year, p.month, p.day
            self.precision, self.relative = p.precision, p.relative
        return self

    @model_validator(mode="after")
    def _supported(self, info: ValidationInfo) -> DateFact:
        _support(info, self.evidence, figures_supported, self.raw, self.raw)
        return self

    @property
    def value(self) -> date | None:
        """The calendar day, when known to the day."""
        if self.precision == "day" and self.year and self.month and self.day:
            return date(self.year, self.month, self.day)
        return None

    def sort_key(self) -> tuple[int, int, int]:
        return (self.year or 0, self.month or 0, self.day or 0)


# --------------------------------------------------------------------------- facts

LocationKind = Literal[
    "province",
    "district",
    "town",
    "village",
    "border_area",
    "crossing",
    "region",
    "other",
]
ForceCategory = Literal[
    "army",
    "police",
    "paramilitary",
    "counter_terrorism",
    "special_forces",
    "air",
    "coalition",
    "militia",
    "other",
]
ForceRole = Literal["lead", "participating", "supporting", "air_support", "not_participating"]
OfficialRole = Literal["commander", "spokesperson", "announcer", "politician", "analyst", "other"]
OutcomeCategory = Literal[
    "killed",
    "wounded",
    "arrested",
    "captured",
    "destroyed",
    "seized",
    "cleared",
    "searched",
    "defused",
    "other",
]


class NamedFact(_Model):
    name: Name = Field(description="As written in the article.")
    evidence: Evidence
    normalized: Annotated[str | None, LIBRARY_SET] = Field(
        None, description="Canonical form (transliteration variants, al-, titles); name unchanged."
    )

    @model_validator(mode="after")
    def _normalize(self, info: ValidationInfo) -> NamedFact:
        self.normalized = _remember(_context(info), normalize_name, self.name)
        return self

    @model_validator(mode="after")
    def _supported(self, info: ValidationInfo) -> NamedFact:
        _support(info, self.evidence, name_supported, self.name, self.name, self._claim())
        return self

    def _claim(self) -> Claim | None:
        """The fact type's claim check beyond the name (a force's role, a title)."""
        return None


class Location(NamedFact):
    kind: LocationKind = Field(description="province also covers governorate.")
    parent: Name | None = Field(None, description="Enclosing place if the article states it.")


class Force(NamedFact):
    category: ForceCategory
    role: ForceRole = Field(
        description="not_participating when the article says the force did not take part."
    )

    def _claim(self) -> Claim | None:
        return (claims.force_role, (self.name, self.role))


class Official(NamedFact):
    title: Name | None = None
    organization: Name | None = None
    role: OfficialRole

    def _claim(self) -> Claim | None:
        return (claims.official, (self.name, self.role))


class Outcome(_Model):
    category: OutcomeCategory
    object: Name = Field(description="What was affected, e.g. 'militants', 'hideouts'.")
    quantity: Quantity | None = None
    location: Name | None = None
    attribution: Name | None = Field(None, description="Who claimed the figure, if stated.")
    evidence: Evidence

    @model_validator(mode="after")
    def _supported(self, info: ValidationInfo) -> Outcome:
        q = self.quantity
        values = claims.values_of(q.low, q.value, q.high) if q is not None else ()
        claim: Claim = (claims.outcome, (self.category, self.object, values))
        if q is not None:
            _support(info, self.evidence, figures_supported, q.raw, repr(q.raw), claim)
        else:
            _support(info, self.evidence, _always, self.object, repr(self.object), claim)
        return self


class Objective(_Model):
    text: Phrase
    evidence: Evidence


class ExtractionUsage(_Model):
    """Tokens over every attempt, re-asks included."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class CleaningMeta(_Model):
    """What the cleaning stage took out before the model read the page."""

    chars_removed: int = 0
    tokens_removed_estimate: int = 0
    set_aside: list[str] = Field(
        default_factory=list, description="Titles of further stories on the page, not reported."
    )


class ExtractionMeta(_Model):
    """How a report was produced; kept apart from the facts it describes."""

    model: str
    endpoint_kind: str
    mode: str
    prompt_version: str
    schema_name: str
    schema_version: str
    cache_hit: bool = False
    usage: ExtractionUsage = Field(default_factory=ExtractionUsage)
    attempts: int = 1
    latency_s: float = 0.0
    grounded_share: float | None = None
    published: date | None = None
    source: str | None = None
    content_sha256: str | None = None
    cleaning: CleaningMeta | None = None
    warnings: list[str] = Field(default_factory=list)
    library_version: str = ""


#: the report's own verdicts: what the page is, and where the operation stands
Relevance = Literal["operation_report", "mentions_operation", "not_about_operations"]
Status = Literal["announced", "launched", "ongoing", "concluded", "planned", "unknown"]


class OperationReport(_Model):
    """One article's account of a military or security operation."""

    relevance: Relevance = Field(
        description="operation_report if the article is mainly about an operation; "
        "mentions_operation if it only mentions one; else not_about_operations."
    )
    operation_name: Name | None = Field(None, description="As written, in English.")
    phase: int | None = Field(None, description="Phase number if stated, e.g. 2.")
    phase_label: Figure | None = Field(None, description="Phase words as written.")
    status: Status = "unknown"
    operation_evidence: Evidence | None = Field(
        None, description="Exact words naming the operation (and its phase/status)."
    )
    start_date: DateFact | None = None
    end_date: DateFact | None = None
    country: NamedFact | None = None
    locations: list[Location] = Field(
        default_factory=list, json_schema_extra={"maxItems": MAX_ITEMS}
    )
    area: Area | None = Field(None, description="Area covered, with its exact figure words.")
    forces: list[Force] = Field(default_factory=list, json_schema_extra={"maxItems": MAX_ITEMS})
    adversaries: list[NamedFact] = Field(
        default_factory=list, json_schema_extra={"maxItems": MAX_ITEMS}
    )
    officials: list[Official] = Field(
        default_factory=list, json_schema_extra={"maxItems": MAX_ITEMS}
    )
    outcomes: list[Outcome] = Field(
        default_factory=list, json_schema_extra={"maxItems": 2 * MAX_ITEMS}
    )
    objectives: list[Objective] = Field(default_factory=list, json_schema_extra={"maxItems": 3})
    sources: list[NamedFact] = Field(
        default_factory=list,
        json_schema_extra={"maxItems": MAX_ITEMS},
        description="Who the article attributes its information to.",
    )
    summary: Annotated[str, _text(600)] = Field(description="At most 3 sentences.")
    extraction: Annotated[ExtractionMeta | None, LIBRARY_SET] = None
    #: the page the report was extracted from, kept off the wire for the review view
    _article: str | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _drop_repeats(cls, data: Any) -> Any:
        """A small model sometimes repeats list items verbatim; a repeat is the same fact."""
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for key, items in data.items():
            if isinstance(items, list) and len(items) > 1:
                seen: set[str] = set()
                unique = []
                for item in items:
                    sig = json.dumps(item, sort_keys=True, default=str)
                    if sig not in seen:
                        seen.add(sig)
                        unique.append(item)
                out[key] = unique
        return out

    @field_validator("phase")
    @classmethod
    def _phase_positive(cls, v: int | None) -> int | None:
        if v is not None and v < 1:
            raise ValueError("phase must be 1 or more, or null when no phase is stated")
        return v

    @field_validator("summary")
    @classmethod
    def _three_sentences(cls, v: str) -> str:
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", v.strip())
        return " ".join(sentences[:3])

    @model_validator(mode="after")
    def _operation_named_in_quote(self, info: ValidationInfo) -> OperationReport:
        if self.operation_name and self.operation_evidence is not None:
            name = self.operation_name
            _support(info, self.operation_evidence, name_supported, name, repr(name))
        return self

    @model_validator(mode="after")
    def _an_operation_report_states_facts(self, info: ValidationInfo) -> OperationReport:
        """A small model sometimes answers "operation_report" and leaves every fact empty
        (6 of 20 re3d press releases); the strict pass re-asks it.  After the last
        re-ask the lenient pass keeps what came back, so nothing is invented."""
        ctx = _context(info)
        if ctx is None or self.relevance != "operation_report":
            return self
        if not any(getattr(self, name) for name in _STATED_FACTS):
            ctx.fail(
                'relevance is "operation_report" but no fact is listed: copy the '
                "operation's name, places, forces and outcomes from the article with their "
                'quotes, or set relevance to "mentions_operation" or "not_about_operations"'
            )
        return self

    @model_validator(mode="after")
    def _nothing_reported_when_off_topic(self) -> OperationReport:
        """A page about something else carries no operation facts, whatever the model added."""
        if self.relevance == "not_about_operations":
            for name in _FACT_FIELDS:
                field = type(self).model_fields[name]
                default = field.get_default(call_default_factory=True)
                setattr(self, name, default)
        return self

    @model_validator(mode="after")
    def _dates_in_order(self) -> OperationReport:
        s, e = self.start_date, self.end_date
        if s and e and s.year and e.year:
            # compare only to the precision both dates share
            depth = min(_depth(s), _depth(e))
            if e.sort_key()[:depth] < s.sort_key()[:depth]:
                raise ValueError(f"end_date {e.raw!r} is before start_date {s.raw!r}")
        return self

    @property
    def article(self) -> str | None:
        """The text this report was extracted from, when it was extracted here (the
        review page and the notebook view highlight quotes in it); None otherwise."""
        return self._article

    def evidence_items(self) -> list[Evidence]:
        """Every Evidence in the report, in document order of the fields."""
        return list(iter_evidence(self))

    @property
    def grounded_share(self) -> float | None:
        return grounded_share(self)

    def __repr__(self) -> str:
        """One line a notebook or a log can show (pydantic's repr is thousands of
        characters); the full dump is ``model_dump()``/``model_dump_json()``."""
        phase = f", phase={self.phase}" if self.phase is not None else ""
        n = len(self.evidence_items())
        share = self.grounded_share
        grounded = f", {share:.0%} grounded" if share is not None else ""
        return (
            f"{type(self).__name__}(relevance={self.relevance!r}, "
            f"operation={self.operation_name!r}{phase}, {n} fact{'' if n == 1 else 's'}{grounded})"
        )


#: the places, forces, people and outcomes a report lists (and the area)
_LISTED_FACTS = ("locations", "area", "forces", "adversaries", "officials", "outcomes")
#: the facts an operation report should state at least one of
_STATED_FACTS = ("operation_name", "start_date", "country", *_LISTED_FACTS)
#: every fact field: emptied when the page is not about operations
_FACT_FIELDS = (
    "operation_name",
    "status",
    "phase",
    "phase_label",
    "operation_evidence",
    "start_date",
    "end_date",
    "country",
    *_LISTED_FACTS,
    "objectives",
    "sources",
)


def _depth(d: DateFact) -> int:
    return {"year": 1, "month": 2, "day": 3}.get(d.precision, 1)


def iter_evidence(obj: Any) -> Any:
    """Walk any Pydantic value and yield its Evidence objects (works for user schemas)."""
    found: list[Evidence] = []
    _collect_evidence(obj, found)
    yield from found


#: leaves that cannot hold Evidence (most fields are these), skipped without a walk
_LEAVES = (str, int, float, bool, type(None), date)


def _collect_evidence(obj: Any, out: list[Evidence]) -> None:
    if isinstance(obj, _LEAVES):
        return
    if isinstance(obj, Evidence):
        out.append(obj)
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            _collect_evidence(getattr(obj, name), out)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _collect_evidence(item, out)
    elif isinstance(obj, dict):
        for item in obj.values():
            _collect_evidence(item, out)


def grounded_share(value: BaseModel) -> float | None:
    """Share of evidence quotes located in the article (None when there are none)."""
    items = list(iter_evidence(value))
    if not items:
        return None
    found = sum(1 for e in items if e.grounded)
    return round(found / len(items), 4)


def require_all(schema: Any) -> Any:
    """The same JSON Schema with every property of every object required.

    A grammar-constrained model (llama.cpp) may skip any optional key, and a small
    one skips straight from ``relevance`` to ``summary``, leaving every fact out.
    Required keys make it write ``"forces": [`` before it may move on; an empty list
    or ``null`` is still a valid answer.  OpenAI's strict mode asks the same of a
    schema.  Validation is unchanged: a missing key still takes its default.
    """
    if isinstance(schema, dict):
        out = {k: require_all(v) for k, v in schema.items()}
        props = schema.get("properties")
        if isinstance(props, dict) and schema.get("type", "object") == "object":
            out["required"] = list(props)
        return out
    if isinstance(schema, list):
        return [require_all(v) for v in schema]
    return schema


@lru_cache(maxsize=64)
def request_schema(model: type[BaseModel]) -> dict[str, Any]:
    """What the model is asked to produce (library-computed fields hidden, every key
    required: see :func:`require_all`).

    Built once per schema class (it costs milliseconds and every article needs it);
    the dict is shared, so callers must not mutate it."""
    return cast(dict[str, Any], require_all(model.model_json_schema(mode="validation")))


def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    """What callers receive, with offsets, parsed values and metadata."""
    return model.model_json_schema(mode="serialization")


SCHEMA_FILES: dict[str, Callable[[], dict[str, Any]]] = {
    "operation_report.schema.json": lambda: output_schema(OperationReport),
    "operation_report.request.schema.json": lambda: request_schema(OperationReport),
}


def render_schema_files() -> dict[str, str]:
    """File name -> JSON text of the exported schemas (compared by the drift test)."""
    return {
        name: json.dumps(make(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, make in SCHEMA_FILES.items()
    }
