"""Many articles' reports in, one record per operation and phase out, disagreements kept.

Outlets report the same phase of the same operation with different names, spellings,
figures and claims.  This module turns a pile of :class:`~summarizer.OperationReport`
objects into :class:`OperationTimeline` records:

1. **Identity.**  Reports are grouped by operation with deterministic rules, and every
   decision is recorded with its reason (:class:`GroupingDecision`).  Operation names
   match when they have the same words in any order, after dropping "Operation", "of",
   "the", plurals and vowel-only transliteration differences ("Operation Iron Dawn" /
   "Iron Dawn Operation" / "Dawn of Iron").  A user :class:`AliasTable` maps names the
   rules cannot ("Barq al-Jibal" = "Mountain Lightning").  Country and dates can veto a
   match (same name, another country or years apart); a report without a name joins an
   operation only when it shares places and dates with it.  Names that differ while the
   context overlaps are *hard cases*: recorded as candidates, or decided by an optional
   :data:`Matcher` (e.g. :func:`model_matcher`) whose decisions and reasons are recorded
   and cached (:class:`CachedMatcher`).  By default no model is asked.
2. **Merge.**  Per operation and phase (:class:`PhaseRecord`), each field keeps every
   source's value with its quote and offsets (:class:`Claim`) beside the agreed value.
   Forces merge by normalised name and keep each source's role.
3. **Conflicts.**  Differing values are never silently resolved: each becomes a
   :class:`Conflict` listing every source and quote.  An optional display policy
   (``most_specific``, ``most_conservative``, ``latest``) picks a value to show and
   the conflict says which policy did.
4. **Tallies.**  The same outcome reported by two outlets for one phase is one event
   with two sources, counted once; totals add events of *distinct* phases only.
   Cumulative figures ("since the campaign began", a campaign-level article) are shown
   as reported totals and never added.

Rules prefer a visible false conflict to a silent double count: outcome categories are
folded into families (arrested/captured people are "detained") before matching.
"""

from __future__ import annotations

import calendar
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from summarizer.core.names import name_key, normalize_name
from summarizer.core.schema import (
    DateFact,
    Evidence,
    Force,
    NamedFact,
    OperationReport,
    Outcome,
    Quantity,
)
from summarizer.errors import ConfigError, InputError

if TYPE_CHECKING:
    import pandas

    from summarizer.pipeline.summarizer import Summarizer

__all__ = [
    "POLICIES",
    "AliasTable",
    "CachedMatcher",
    "Claim",
    "Conflict",
    "Consolidation",
    "ForceRecord",
    "GroupingDecision",
    "LoadedReports",
    "MatchDecision",
    "Matcher",
    "MergedField",
    "NameRecord",
    "OperationSketch",
    "OperationTimeline",
    "OutcomeEvent",
    "PhaseRecord",
    "Policy",
    "Quote",
    "Rules",
    "SourceInfo",
    "SourcedReport",
    "Tally",
    "consolidate",
    "load_reports",
    "model_matcher",
    "operation_key",
    "read_results",
]

Policy = Literal["most_specific", "most_conservative", "latest"]
POLICIES: tuple[Policy, ...] = ("most_specific", "most_conservative", "latest")
ConflictField = Literal[
    "campaign_start", "start_date", "end_date", "area", "participation", "outcome", "country"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- models


class Quote(_Model):
    """Where a source states a value: its words and their offsets in that article."""

    quote: str
    start: int | None = None
    end: int | None = None
    status: str = "unchecked"
    #: False when the quote was found but does not state the value it backs
    supported: bool | None = None


class SourceInfo(_Model):
    """One report that went into a record."""

    source: str
    outlet: str | None = None
    published: date | None = None
    phase: int | None = None
    operation_name: str | None = None


class Claim(_Model):
    """One source's value for one field, with the words that state it.

    ``value`` is the normalised display form compared across sources; ``raw`` keeps
    the article's words.  Only the parsed fields of the claim's ``kind`` are set.
    """

    kind: Literal["date", "quantity", "participation", "name"]
    source: str
    outlet: str | None = None
    published: date | None = None
    value: str
    raw: str | None = None
    evidence: Quote | None = None
    qualifier: str | None = None
    low: float | None = None
    high: float | None = None
    number: float | None = None
    unit: str | None = None
    year: int | None = None
    month: int | None = None
    day: int | None = None
    precision: str | None = None
    role: str | None = None


class MergedField(_Model):
    """A field across sources: every claim, and the value shown and why."""

    field: str
    claims: list[Claim]
    agreed: bool
    value: str | None = Field(description="Agreed value, or the policy's pick; None if disputed.")
    chosen_by: str
    conflict: str | None = None


class NameRecord(_Model):
    """A place, official, adversary or operation name: every spelling with its sources."""

    name: str
    key: str
    variants: list[str]
    kind: str | None = None
    claims: list[Claim]


class ForceRecord(_Model):
    """A force in one phase; each claim keeps the role that source gave it."""

    name: str
    key: str
    variants: list[str]
    category: str | None = None
    participation: Literal["took_part", "did_not_take_part", "disputed"]
    value: str | None = Field(description="Participation shown (a policy may pick one).")
    chosen_by: str
    claims: list[Claim]
    conflict: str | None = None


class OutcomeEvent(_Model):
    """One outcome of one phase, however many sources report it.

    ``scope`` is ``phase`` for a figure that belongs to this phase (added into the
    totals once) or ``cumulative`` for a running total ("since the campaign began"),
    which is shown but never added.
    """

    key: str
    category: str
    object: str
    scope: Literal["phase", "cumulative"]
    scope_reason: str | None = None
    claims: list[Claim]
    agreed: bool
    value: str | None
    chosen_by: str
    low: float | None = Field(None, description="Least this event adds to a total.")
    high: float | None = Field(None, description="Most it adds; None when unbounded.")
    conflict: str | None = None


class Tally(_Model):
    """A total over distinct phases: each event counted once, whatever its sources."""

    key: str
    category: str
    object: str
    low: float | None = Field(description="None when no event gave a figure.")
    high: float | None
    display: str
    disputed: bool
    complete: bool = Field(description="Every counted event gave a figure.")
    phases: list[int | None]
    events: int
    sources: int
    policy_display: str | None = None
    note: str


class Conflict(_Model):
    """Sources that disagree, each with its quote; never resolved silently."""

    id: str
    operation: str
    phase: int | None
    field: ConflictField
    subject: str | None = None
    compatible: bool = Field(
        description="All claims could be true at once (e.g. 'more than 12,000' and 12,460)."
    )
    explanation: str
    claims: list[Claim]
    display: str | None = None
    policy: Policy | None = None
    chosen_source: str | None = None

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(c.source for c in self.claims))


class GroupingDecision(_Model):
    """Why reports were (or were not) put together; ``by`` is ``rules`` or a matcher."""

    decision: Literal["grouped", "new_operation", "separate", "excluded", "candidate", "phase"]
    rule: str
    sources: list[str]
    reason: str
    operation: str | None = None
    by: str = "rules"
    cached: bool = False


class PhaseRecord(_Model):
    """One phase of one operation across sources (``phase`` None: the operation as a
    whole, from reports that give no phase)."""

    operation: str
    phase: int | None
    label: str
    sources: list[SourceInfo]
    status: str | None = None
    start: MergedField | None = None
    end: MergedField | None = None
    area: MergedField | None = None
    places: list[NameRecord] = Field(default_factory=list)
    forces: list[ForceRecord] = Field(default_factory=list)
    officials: list[NameRecord] = Field(default_factory=list)
    adversaries: list[NameRecord] = Field(default_factory=list)
    outcomes: list[OutcomeEvent] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list, description="Conflict ids.")

    def span(self) -> tuple[date | None, date | None]:
        """First and last day the sources allow for the phase's start and end."""
        first = _earliest(self.start.claims) if self.start else None
        last = _latest_end(self.end.claims) if self.end else None
        return first, last


class OperationTimeline(_Model):
    """One operation: its names, its phases in date order, conflicts and totals."""

    key: str
    name: str
    names: list[NameRecord]
    country: MergedField | None = None
    sources: list[SourceInfo]
    campaign_start: MergedField | None = None
    phases: list[PhaseRecord]
    totals: list[Tally]
    reported_totals: list[OutcomeEvent] = Field(
        default_factory=list, description="Cumulative figures as reported; never added."
    )
    conflicts: list[Conflict]
    decisions: list[GroupingDecision]
    policy: Policy | None = None

    def phase(self, number: int | None) -> PhaseRecord | None:
        return next((p for p in self.phases if p.phase == number), None)

    def conflict(self, conflict_id: str) -> Conflict | None:
        return next((c for c in self.conflicts if c.id == conflict_id), None)

    def tally(self, key: str) -> Tally | None:
        return next((t for t in self.totals if t.key == key), None)

    def to_markdown(self) -> str:
        from summarizer.outputs.timeline import to_markdown

        return to_markdown(self)

    def to_svg(self) -> str:
        from summarizer.outputs.timeline import to_svg

        return to_svg(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_svg_(self) -> str:
        return self.to_svg()


class SetAside(_Model):
    """A fact left out of the merge: its quote is not in its article, or is there but
    does not state the value.  A report keeps such a fact after the last re-ask, marked;
    merged, it could make a conflict or a total out of words no outlet wrote."""

    source: str
    field: str
    value: str
    evidence: Quote | None = None
    reason: Literal["quote_not_found", "quote_does_not_state_it"]


class Consolidation(_Model):
    """Every operation found in a set of reports, plus every grouping decision."""

    operations: list[OperationTimeline]
    decisions: list[GroupingDecision]
    policy: Policy | None = None
    #: facts not merged because their quote is not grounded (``Rules.grounded_only``)
    set_aside: list[SetAside] = Field(default_factory=list)

    def operation(self, name: str) -> OperationTimeline | None:
        """By key, or by any name variant (same words rule)."""
        words = operation_key(name)
        for op in self.operations:
            if op.key == name or any(operation_key(n.name) == words for n in op.names):
                return op
            if any(operation_key(v) == words for n in op.names for v in n.variants):
                return op
        return None

    @property
    def conflicts(self) -> list[Conflict]:
        return [c for op in self.operations for c in op.conflicts]

    def to_markdown(self) -> str:
        from summarizer.outputs.timeline import to_markdown

        return to_markdown(self)

    def to_svg(self) -> str:
        from summarizer.outputs.timeline import to_svg

        return to_svg(self)

    def phases_frame(self) -> pandas.DataFrame:
        from summarizer.outputs.timeline import phases_frame

        return phases_frame(self)

    def conflicts_frame(self) -> pandas.DataFrame:
        from summarizer.outputs.timeline import conflicts_frame

        return conflicts_frame(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_svg_(self) -> str:
        return self.to_svg()


# --------------------------------------------------------------------------- names


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: words that name no operation on their own ("Operation X", "the X campaign")
_OP_STOP = _set(
    "the of a an operation operations op campaign offensive named called dubbed known "
    "as codenamed code military security"
)
#: a "name" made only of these (and stop words) is a description, not a name
_GENERIC_OP = _set(
    "joint search clearance sweep sweeps raid raids army police counter terrorism "
    "counterterrorism counter-terrorism large scale new wide major ground air strike "
    "strikes mission phase first second third fourth fifth cordon combing crackdown"
)
_FORCE_GENERIC = _set(
    "forces force units unit troops brigades brigade battalions battalion personnel "
    "fighters soldiers members elements aircraft jets helicopters the of"
)
_FORCE_MODIFIERS = _set(
    "iraqi kurdish kurdistan syrian nigerian nigerien malian national international "
    "government allied regional region from"
)
_PLACE_GENERIC = _set(
    "province governorate district city town village region area areas subdistrict "
    "mountains mountain range desert valley hills western eastern northern southern "
    "west east north south the of lga local government"
)


def _stem(word: str) -> str:
    """Crude plural folding, applied to both sides of every comparison."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _plain_words(name: str) -> list[str]:
    folded = normalize_name(name).casefold()
    return re.findall(r"[a-z0-9]+", folded)


def _key_of(words: Iterable[str]) -> str:
    joined = " ".join(_stem(w) for w in words)
    return name_key(joined) if joined else ""


def operation_key(name: str) -> tuple[str, ...]:
    """Words of an operation name, in any order, for matching across outlets.

    "Operation Iron Dawn", "Iron Dawn Operation" and "Dawn of Iron" share one key; so
    do transliterations that differ only in vowels.  Empty for a description such as
    "a security operation"."""
    words = [w for w in _plain_words(name) if w not in _OP_STOP]
    if not words or all(w in _GENERIC_OP for w in words):
        return ()
    return tuple(sorted(_key_of([w]) for w in words))


def _entity_key(name: str, generic: frozenset[str], modifiers: frozenset[str] = frozenset()) -> str:
    words = _plain_words(name)
    kept = [w for w in words if w not in generic] or words
    core = [w for w in kept if w not in modifiers] or kept
    return _key_of(core)


class AliasTable:
    """User-supplied names that mean the same thing (translations, transliterations).

    Built from ``{canonical: [alias, ...]}``, ``{alias: canonical}`` or
    ``[[canonical, alias, ...], ...]``; names are compared by :func:`operation_key`
    words, so "Operation Barq al-Jibal" matches an entry "Barq al-Jibal".  Applies to
    operation names and to places, forces and officials.
    """

    def __init__(self, groups: Mapping[str, Iterable[str]] | None = None) -> None:
        self._canonical: dict[tuple[str, ...], str] = {}
        for canonical, aliases in (groups or {}).items():
            for name in (canonical, *aliases):
                key = operation_key(name) or (_key_of(_plain_words(name)),)
                self._canonical[key] = canonical

    @classmethod
    def from_data(cls, data: Any) -> AliasTable:
        groups: dict[str, list[str]] = defaultdict(list)
        if isinstance(data, Mapping):
            for k, v in data.items():
                if isinstance(v, str):
                    groups[v].append(str(k))
                elif isinstance(v, list) and all(isinstance(x, str) for x in v):
                    groups[str(k)].extend(v)
                else:
                    raise ConfigError(f"alias table: {k!r} must map to a name or a list of names")
        elif isinstance(data, list):
            for row in data:
                if not (isinstance(row, list) and row and all(isinstance(x, str) for x in row)):
                    raise ConfigError("alias table: each row must be a list of names")
                groups[row[0]].extend(row[1:])
        else:
            raise ConfigError("alias table: expected a JSON object or a list of name lists")
        return cls(groups)

    @classmethod
    def from_file(cls, path: str | Path) -> AliasTable:
        return cls.from_data(_read_json(path, "alias table"))

    def canonical(self, name: str) -> str | None:
        key = operation_key(name) or (_key_of(_plain_words(name)),)
        return self._canonical.get(key)

    def __len__(self) -> int:
        return len(self._canonical)


# --------------------------------------------------------------------------- matcher


class OperationSketch(_Model):
    """What a matcher sees of a group of reports: names and context, no article text."""

    names: list[str]
    country: str | None = None
    places: list[str] = Field(default_factory=list)
    phases: list[int] = Field(default_factory=list)
    first: date | None = None
    last: date | None = None


class MatchDecision(_Model):
    same: bool
    reason: str


#: decides a hard case: two groups whose names differ while places and dates overlap
Matcher = Callable[[OperationSketch, OperationSketch], MatchDecision]


def _matcher_id(matcher: Any) -> str:
    return str(getattr(matcher, "matcher_id", getattr(matcher, "__name__", type(matcher).__name__)))


class CachedMatcher:
    """Wraps a matcher so each pair is decided once: decisions are JSON in a diskcache
    directory (same layout rules as the response cache), keyed by the matcher's id and
    both sketches, in either order."""

    def __init__(self, matcher: Matcher, directory: str | Path, *, matcher_id: str | None = None):
        from summarizer.cache.store import ResponseCache

        self.matcher = matcher
        self.matcher_id = matcher_id or _matcher_id(matcher)
        self._cache = ResponseCache(Path(directory))
        self._cache.directory = Path(directory) / "match_decisions"

    def _key(self, a: OperationSketch, b: OperationSketch) -> str:
        from summarizer.cache.store import cache_key

        pair = sorted(json.dumps(s.model_dump(mode="json"), sort_keys=True) for s in (a, b))
        return cache_key({"kind": "operation_match", "matcher": self.matcher_id, "pair": pair})

    def decide(self, a: OperationSketch, b: OperationSketch) -> tuple[MatchDecision, bool]:
        """The decision and whether it came from the cache."""
        key = self._key(a, b)
        hit = self._cache.get(key)
        if hit is not None:
            try:
                return MatchDecision.model_validate(hit), True
            except ValueError:
                pass  # stale entry: ask again
        decision = self.matcher(a, b)
        self._cache.set(key, decision.model_dump(mode="json"))
        return decision, False

    def __call__(self, a: OperationSketch, b: OperationSketch) -> MatchDecision:
        return self.decide(a, b)[0]

    def close(self) -> None:
        self._cache.close()


class SameOperationAnswer(BaseModel):
    """Whether operations A and B are one operation, and why."""

    same_operation: bool = Field(
        description="true if A and B are the same operation (one name may translate or "
        "transliterate the other); false if they are different operations."
    )
    #: bounded for the grammar only, so a small model cannot loop inside the string
    reason: Annotated[str, WithJsonSchema({"type": "string", "maxLength": 240})] = Field(
        description="One short sentence: why."
    )


def _describe(label: str, s: OperationSketch) -> str:
    dates = f"{s.first or '?'} to {s.last or '?'}"
    return (
        f"Operation {label}: called {', '.join(repr(n) for n in s.names)}; "
        f"country {s.country or 'not stated'}; places {', '.join(s.places) or 'not stated'}; "
        f"phases {', '.join(map(str, s.phases)) or 'not stated'}; reported {dates}."
    )


def model_matcher(summarizer: Summarizer) -> Matcher:
    """A matcher that asks the summarizer's model (its response cache applies).

    Use only for hard cases, and wrap it in :class:`CachedMatcher` so each decision is
    kept with its reason.  The model sees names, places, phases and dates, never an
    article."""
    from summarizer.pipeline.inputs import Article

    def match(a: OperationSketch, b: OperationSketch) -> MatchDecision:
        text = (
            "Two groups of news reports each name a military or security operation.\n\n"
            f"{_describe('A', a)}\n\n{_describe('B', b)}\n\n"
            "Are A and B the same operation? Outlets may translate or transliterate an "
            "operation's name differently.\n"
        )
        answer = summarizer.summarize(
            Article(text=text, source="operation-match"), schema=SameOperationAnswer
        )
        return MatchDecision(same=answer.same_operation, reason=answer.reason.strip())

    match.matcher_id = f"model:{summarizer.model_name}"  # type: ignore[attr-defined]
    return match


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class SourcedReport:
    """A report and where it came from (``source`` names the article)."""

    source: str
    report: OperationReport
    published: date | None = None
    outlet: str | None = None

    @property
    def stem(self) -> str:
        return Path(self.source).stem


@dataclass(frozen=True)
class LoadedReports:
    reports: list[SourcedReport]
    #: sources whose record was an error, and why
    skipped: list[str] = field(default_factory=list)


def _read_json(path: str | Path, what: str) -> Any:
    """A user-supplied JSON file; a missing file is an input error, bad JSON a config one."""
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{what} not found: {p}") from None
    except ValueError as exc:
        raise ConfigError(f"{what} {p} is not valid JSON: {exc}") from None


def _manifest(path: str | Path | None) -> dict[str, dict[str, Any]]:
    """Stem -> {published, outlet} from an examples-style manifest (list or mapping)."""
    if path is None:
        return {}
    data = _read_json(path, "manifest")
    rows: list[dict[str, Any]] = []
    if isinstance(data, list):
        rows = [r for r in data if isinstance(r, dict) and "file" in r]
    elif isinstance(data, dict):
        rows = [{"file": k, "published": v} for k, v in data.items()]
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        pub = r.get("published")
        out[Path(str(r["file"])).stem] = {
            "published": date.fromisoformat(pub) if isinstance(pub, str) and pub else None,
            "outlet": r.get("outlet"),
        }
    return out


def read_results(path: str | Path, *, manifest: str | Path | None = None) -> LoadedReports:
    """Reports from a ``summarizer summarize`` JSONL file, a JSON list of records, or a
    directory of ``<stem>.json`` reports.  Error records are skipped (and listed); a later
    record for the same source replaces an earlier one (a rerun appended to the file).
    ``manifest`` supplies publication dates and outlet names the reports lack."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"results not found: {p}")
    entries: list[tuple[str, Any]] = []
    if p.is_dir():
        for file in sorted(p.glob("*.json")):
            entries.append((str(file), _json(file.read_text(encoding="utf-8"), str(file))))
    else:
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".json":
            data = _json(text, str(p))
            entries = [(str(p), r) for r in (data if isinstance(data, list) else [data])]
        else:
            for n, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    entries.append((f"{p}:{n}", _json(line, f"{p}:{n}")))
    meta = _manifest(manifest)
    found: dict[str, SourcedReport] = {}
    skipped: list[str] = []
    for where, data in entries:
        source, report = _from_entry(data, where, p.is_dir())
        if report is None:
            found.pop(source, None)
            skipped.append(source)
            continue
        extra = meta.get(Path(source).stem, {})
        published = (report.extraction.published if report.extraction else None) or extra.get(
            "published"
        )
        found[source] = SourcedReport(source, report, published, extra.get("outlet"))
    return LoadedReports(list(found.values()), skipped)


def load_reports(path: str | Path, *, manifest: str | Path | None = None) -> list[SourcedReport]:
    """:func:`read_results` without the list of skipped error records."""
    return read_results(path, manifest=manifest).reports


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{where}: not JSON: {exc}") from None


def _from_entry(data: Any, where: str, from_dir: bool) -> tuple[str, OperationReport | None]:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a record or a report object")
    is_record = "status" in data and "source" in data
    source = str(data.get("source") or "") if is_record else ""
    if is_record and data["status"] != "ok":
        return source, None
    body = data.get("report") if is_record else data
    if not source:
        extraction = body.get("extraction") if isinstance(body, dict) else None
        source = str((extraction or {}).get("source") or "") or (
            where if from_dir else f"{where} (no source)"
        )
    try:
        return source, OperationReport.model_validate(body)
    except ValueError as exc:
        raise InputError(f"{where}: not an OperationReport: {exc}") from None


# --------------------------------------------------------------------------- claims


def _quote(e: Evidence | None) -> Quote | None:
    if e is None:
        return None
    return Quote(quote=e.quote, start=e.start, end=e.end, status=e.status, supported=e.supported)


def _base(sr: SourcedReport) -> dict[str, Any]:
    return {"source": sr.stem, "outlet": sr.outlet, "published": sr.published}


def _date_claim(sr: SourcedReport, d: DateFact) -> Claim:
    return Claim(
        kind="date",
        value=_date_text(d.year, d.month, d.day, d.precision, d.raw),
        raw=d.raw,
        evidence=_quote(d.evidence),
        year=d.year,
        month=d.month,
        day=d.day,
        precision=d.precision,
        **_base(sr),
    )


def _date_text(year: int | None, month: int | None, day: int | None, prec: str, raw: str) -> str:
    if prec == "day" and year and month and day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if prec == "month" and year and month:
        return f"{year:04d}-{month:02d}"
    if prec == "year" and year:
        return f"{year:04d}"
    return f"unresolved ({raw!r})"


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


def _qty_text(q: str | None, low: float | None, high: float | None, num: float | None) -> str:
    if q == "exact" and num is not None:
        return _fmt(num)
    if q == "approximate" and num is not None:
        return f"about {_fmt(num)}"
    if q == "at_least" and low is not None:
        return f"≥{_fmt(low)}"
    if q == "at_most" and high is not None:
        return f"≤{_fmt(high)}"
    if q == "range" and low is not None and high is not None:
        return f"{_fmt(low)}–{_fmt(high)}"
    return "no figure"


def _qty_claim(sr: SourcedReport, q: Quantity | None, e: Evidence | None, unit: str = "") -> Claim:
    if q is None:
        return Claim(kind="quantity", value="no figure", evidence=_quote(e), **_base(sr))
    text = _qty_text(q.qualifier, q.low, q.high, q.value)
    return Claim(
        kind="quantity",
        value=f"{text} {unit}".strip() if text != "no figure" else text,
        raw=q.raw,
        evidence=_quote(e),
        qualifier=q.qualifier,
        low=q.low,
        high=q.high,
        number=q.value,
        unit=q.unit,
        **_base(sr),
    )


_TOOK_PART = "took part"
_NOT_PART = "did not take part"


def _part_claim(sr: SourcedReport, name: str, role: str, e: Evidence | None) -> Claim:
    value = _NOT_PART if role == "not_participating" else _TOOK_PART
    return Claim(
        kind="participation", value=value, raw=name, role=role, evidence=_quote(e), **_base(sr)
    )


def _name_claim(sr: SourcedReport, n: NamedFact | str, e: Evidence | None = None) -> Claim:
    if isinstance(n, str):
        return Claim(kind="name", value=n, raw=n, evidence=_quote(e), **_base(sr))
    return Claim(kind="name", value=n.name, raw=n.name, evidence=_quote(n.evidence), **_base(sr))


# --------------------------------------------------------------------------- comparing

_INF = float("inf")


def _cmp(c: Claim) -> tuple[Any, ...] | None:
    """What must be equal for two claims to agree (None: nothing to compare)."""
    if c.kind == "date":
        if c.precision not in ("day", "month", "year") or not c.year:
            return None
        depth = {"year": 1, "month": 2, "day": 3}[c.precision]
        return (c.year, c.month, c.day)[:depth]
    if c.kind == "quantity":
        if c.qualifier in ("exact", "approximate") and c.number is not None:
            return ("point", c.number)
        if c.qualifier == "at_least" and c.low is not None:
            return ("min", c.low)
        if c.qualifier == "at_most" and c.high is not None:
            return ("max", c.high)
        if c.qualifier == "range" and c.low is not None and c.high is not None:
            return ("range", c.low, c.high)
        return None
    return (c.value,)


def _date_interval(c: Claim) -> tuple[date, date] | None:
    if not c.year or c.precision not in ("day", "month", "year"):
        return None
    if c.precision == "day" and c.month and c.day:
        d = date(c.year, c.month, c.day)
        return d, d
    if c.precision in ("day", "month") and c.month:
        last = calendar.monthrange(c.year, c.month)[1]
        return date(c.year, c.month, 1), date(c.year, c.month, last)
    return date(c.year, 1, 1), date(c.year, 12, 31)


def _qty_interval(c: Claim) -> tuple[float, float] | None:
    """Values the claim allows (an approximate figure allows ±10 %)."""
    key = _cmp(c)
    if key is None:
        return None
    if key[0] == "point":
        v = float(key[1])
        return (v * 0.9, v * 1.1) if c.qualifier == "approximate" else (v, v)
    if key[0] == "min":
        return float(key[1]), _INF
    if key[0] == "max":
        return 0.0, float(key[1])
    return float(key[1]), float(key[2])


def _sum_bounds(c: Claim) -> tuple[float | None, float | None]:
    """What a claim adds to a total: (least, most); most None when unbounded."""
    key = _cmp(c)
    if key is None:
        return None, None
    if key[0] == "point":
        return float(key[1]), float(key[1])
    if key[0] == "min":
        return float(key[1]), None
    if key[0] == "max":
        return 0.0, float(key[1])
    return float(key[1]), float(key[2])


def _compatible(claims: Sequence[Claim]) -> bool:
    """Could every claim be true at once?"""
    kind = claims[0].kind
    if kind == "date":
        spans = [s for s in (_date_interval(c) for c in claims) if s is not None]
        return max(s[0] for s in spans) <= min(s[1] for s in spans)
    if kind == "quantity":
        ranges = [r for r in (_qty_interval(c) for c in claims) if r is not None]
        return max(r[0] for r in ranges) <= min(r[1] for r in ranges)
    return len({c.value for c in claims}) == 1


def _specificity(c: Claim) -> tuple[float, ...]:
    if c.kind == "date":
        return ({"day": 3, "month": 2, "year": 1}.get(c.precision or "", 0),)
    if c.kind == "quantity":
        rank = {"exact": 5, "approximate": 4, "range": 3, "at_least": 2, "at_most": 2}
        width = (c.high - c.low) if c.qualifier == "range" and c.high and c.low else 0.0
        return (rank.get(c.qualifier or "", 0), -width)
    return (0,)


def _when(c: Claim) -> date:
    return c.published or date.min


def _pick(claims: Sequence[Claim], policy: Policy) -> tuple[Claim | None, str]:
    """The claim a policy shows for a disputed field, and in words why.

    ``most_specific``: exact before approximate before ranges before open bounds; a day
    before a month before a year.  ``most_conservative``: the lowest figure; the least
    precise date, then the earliest; no participation while a source denies it.
    ``latest``: the most recently published report.  Ties go to the later report."""
    comparable = [c for c in claims if _cmp(c) is not None]
    if not comparable:
        return None, "no comparable values"
    kind = comparable[0].kind
    if policy == "latest":
        best = max(comparable, key=lambda c: (_when(c), _specificity(c)))
        when = best.published.isoformat() if best.published else "undated"
        return best, f"latest report ({best.source}, {when})"
    if policy == "most_specific":
        if kind == "participation":
            return None, "most_specific does not rank participation claims"
        top = max(_specificity(c) for c in comparable)
        tied = [c for c in comparable if _specificity(c) == top]
        best = max(tied, key=_when)
        tie = "; equally specific values, the later report's" if len(tied) > 1 else ""
        return best, f"most specific value ({best.source}){tie}"
    # most_conservative: claim the least
    if kind == "participation":
        denial = [c for c in comparable if c.value == _NOT_PART]
        best = denial[-1] if denial else comparable[-1]
        return best, "participation is not asserted while a source denies it"
    if kind == "quantity":
        best = min(comparable, key=lambda c: (_sum_bounds(c)[0] or 0.0, -_when(c).toordinal()))
        return best, f"lowest figure ({best.source})"
    best = min(
        comparable,
        key=lambda c: (_specificity(c), (_date_interval(c) or (date.max, date.max))[0]),
    )
    return best, f"least precise, then earliest date ({best.source})"


def _explain(field_name: str, claims: Sequence[Claim], compatible: bool) -> str:
    values = " vs ".join(dict.fromkeys(c.value for c in claims if _cmp(c) is not None))
    kind = claims[0].kind
    same_source = len({c.source for c in claims}) == 1
    if kind == "participation":
        text = "one source says the force took part, another that it did not"
    elif compatible and kind == "quantity":
        text = f"the figures differ but could all be true ({values}); they are not one claim"
    elif compatible and kind == "date":
        text = f"the dates differ in precision ({values})"
    else:
        text = f"the values cannot all be true: {values}"
    if same_source:
        text += "; one article gives several values (they may be separate incidents)"
    if kind == "quantity":
        dated = sorted(
            (c for c in claims if c.published and _cmp(c) is not None),
            key=lambda c: c.published or date.min,
        )
        first, last = (dated[0], dated[-1]) if dated else (None, None)
        if (
            first is not None
            and last is not None
            and first.published != last.published
            and (_sum_bounds(last)[0] or 0) > (_sum_bounds(first)[0] or 0)
        ):
            text += "; the later report gives the larger figure (possibly an update)"
    return f"{field_name}: {text}"


@dataclass
class _Builder:
    """Collects the conflicts of one operation while its records are merged."""

    operation: str
    policy: Policy | None
    conflicts: list[Conflict] = field(default_factory=list)

    def conflict_id(self, phase: int | None, field_name: str, subject: str | None) -> str:
        scope = "campaign" if phase is None else f"phase-{phase}"
        parts = [self.operation, scope, field_name] + ([_slug(subject)] if subject else [])
        return "/".join(parts)

    def merge(
        self,
        field_name: ConflictField,
        claims: list[Claim],
        phase: int | None,
        subject: str | None = None,
        *,
        raise_conflict: bool = True,
    ) -> tuple[bool, str | None, str, Claim | None, str | None]:
        """(agreed, shown value, chosen_by, shown claim, conflict id)."""
        comparable = sorted(
            (c for c in claims if _cmp(c) is not None), key=lambda c: (_when(c), c.source)
        )
        distinct = list(dict.fromkeys(_cmp(c) for c in comparable))
        n_sources = len({c.source for c in comparable})
        if len(distinct) <= 1:
            pool = comparable or claims
            best = max(pool, key=lambda c: (_specificity(c), _when(c))) if pool else None
            if n_sources > 1:
                why = f"{n_sources} sources agree"
            else:
                why = "one source" if comparable else "no figure given"
            return True, best.value if best else None, why, best, None
        compatible = _compatible(comparable)
        chosen, why = (None, "disputed; no policy chosen")
        if self.policy is not None:
            chosen, reason = _pick(comparable, self.policy)
            why = f"policy {self.policy}: {reason}" if chosen else f"disputed; {reason}"
        cid = self.conflict_id(phase, field_name, subject) if raise_conflict else None
        if cid is not None:
            self.conflicts.append(
                Conflict(
                    id=cid,
                    operation=self.operation,
                    phase=phase,
                    field=field_name,
                    subject=subject,
                    compatible=compatible,
                    explanation=_explain(subject or field_name, comparable, compatible),
                    claims=comparable,
                    display=chosen.value if chosen else None,
                    policy=self.policy if chosen else None,
                    chosen_source=chosen.source if chosen else None,
                )
            )
        return False, chosen.value if chosen else None, why, chosen, cid

    def field(
        self, name: ConflictField, claims: list[Claim], phase: int | None, **kw: Any
    ) -> MergedField | None:
        if not claims:
            return None
        agreed, value, why, _, cid = self.merge(name, claims, phase, **kw)
        return MergedField(
            field=name, claims=claims, agreed=agreed, value=value, chosen_by=why, conflict=cid
        )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "x"


def _earliest(claims: Iterable[Claim]) -> date | None:
    starts = [s[0] for s in (_date_interval(c) for c in claims) if s is not None]
    return min(starts) if starts else None


def _latest_end(claims: Iterable[Claim]) -> date | None:
    ends = [s[1] for s in (_date_interval(c) for c in claims) if s is not None]
    return max(ends) if ends else None


# --------------------------------------------------------------------------- outcomes


def _list(words: str) -> list[str]:
    return words.split()


_OBJECTS: dict[str, list[str]] = {
    "militants": _list(
        "militant terrorist insurgent fighter gunman gunmen extremist jihadist member "
        "element attacker combatant remnant jihadi rebel bandit"
    ),
    "suspects": _list("suspect person people individual detainee wanted men"),
    "soldiers": _list("soldier troop personnel serviceman servicemen officer policeman"),
    "civilians": _list("civilian resident villager shepherd farmer"),
    "hideouts": _list("hideout den shelter lair hideaway haven safehouse"),
    "explosive devices": _list("ied explosive device bomb mine"),
    "tunnels": _list("tunnel"),
    "caves": _list("cave"),
    "weapons": _list("weapon arm rifle gun launcher"),
    "ammunition": _list("ammunition ammo round"),
    "vehicles": _list("vehicle car truck pickup"),
    "motorcycles": _list("motorcycle motorbike"),
}
_OBJECT_OF: dict[str, str] = {w: canon for canon, words in _OBJECTS.items() for w in words}
_PERSONS = frozenset(["militants", "suspects", "soldiers", "civilians"])


def _object(obj: str) -> str:
    words = [_stem(w) for w in re.findall(r"[a-z]+", obj.casefold())]
    for w in words:
        if w in _OBJECT_OF:
            return _OBJECT_OF[w]
        if w.endswith("e") and w[:-1] in _OBJECT_OF:  # "explosives" -> "explosive"
            return _OBJECT_OF[w[:-1]]
    content = [w for w in words if w not in {"the", "of", "and", "by", "used", "in", "a"}]
    return content[-1] if content else obj.strip().casefold() or "unspecified"


def _category(category: str, obj: str) -> str:
    """Families that outlets (and models) use interchangeably for one outcome."""
    person = obj in _PERSONS
    if category in ("arrested", "captured") and person:
        return "detained"
    if category in ("captured", "seized") and not person:
        return "seized"
    if obj == "explosive devices" and category in ("defused", "destroyed", "cleared"):
        return "defused"
    return category


_CUMULATIVE = re.compile(
    r"\bsince the (?:start|beginning|launch|outset) of (?!(?:this|the|that) (?:phase|stage))"
    r"|\bsince the (?:campaign|operation|offensive) (?:began|started|was launched)"
    r"|\bsince (?:it|they) (?:began|started)"
    r"|\b(?:throughout|over the course of) the (?:campaign|operation)"
    r"|\bcumulative(?:ly)?\b",
    re.IGNORECASE,
)


def _cumulative(quote: str | None) -> str | None:
    m = _CUMULATIVE.search(quote or "")
    return f"the quote says {m.group(0).strip()!r}: a running total" if m else None


# --------------------------------------------------------------------------- grouping


@dataclass(frozen=True)
class Rules:
    """Thresholds of the identity rules (all deterministic)."""

    #: same name, reports further apart than this: different operations
    max_gap_days: int = 365
    #: an unnamed report joins an operation sharing at least this many places ...
    unnamed_min_shared_places: int = 2
    #: ... and dated within this many days of it
    unnamed_window_days: int = 31
    #: merge only facts whose quote is grounded; the rest are listed as set aside
    grounded_only: bool = True


@dataclass
class _Mention:
    index: int
    item: SourcedReport
    name: str | None
    words: tuple[str, ...]
    alias: str | None
    country: str | None
    places: frozenset[str]
    when: date | None


@dataclass
class _Cluster:
    members: list[_Mention]
    words: tuple[str, ...]

    @property
    def places(self) -> frozenset[str]:
        return frozenset().union(*(m.places for m in self.members))

    @property
    def countries(self) -> set[str]:
        return {m.country for m in self.members if m.country}

    def span(self) -> tuple[date | None, date | None]:
        days = [m.when for m in self.members if m.when]
        return (min(days), max(days)) if days else (None, None)

    def label(self) -> str:
        names = [m.name for m in self.members if m.name]
        return Counter(names).most_common(1)[0][0] if names else "unnamed"


def _place_key(name: str, aliases: AliasTable) -> str:
    return _entity_key(aliases.canonical(name) or name, _PLACE_GENERIC)


def _mention(i: int, sr: SourcedReport, aliases: AliasTable) -> _Mention:
    r = sr.report
    name = (r.operation_name or "").strip() or None
    words = operation_key(name) if name else ()
    canonical = aliases.canonical(name) if name else None
    alias = None
    if canonical is not None and words:
        new_words = operation_key(canonical)
        if new_words != words:
            alias = f"alias table: {name!r} is {canonical!r}"
        words = new_words
    country = _entity_key(r.country.name, _PLACE_GENERIC) if r.country else None
    places = frozenset(_place_key(loc.name, aliases) for loc in r.locations)
    when = None
    if r.start_date is not None:
        span = _date_interval(_date_claim(sr, r.start_date))
        when = span[0] if span else None
    return _Mention(i, sr, name, words, alias, country, places, when or sr.published)


def _days_apart(a: date | None, lo: date | None, hi: date | None) -> int:
    if a is None or lo is None or hi is None:
        return 0
    if a < lo:
        return (lo - a).days
    if a > hi:
        return (a - hi).days
    return 0


def _veto(m: _Mention, c: _Cluster, rules: Rules) -> str | None:
    """Why a report with the same name cannot be this cluster's operation, if it cannot."""
    if m.country and c.countries and m.country not in c.countries and not (m.places & c.places):
        return f"same name but another country ({m.country} vs {', '.join(sorted(c.countries))})"
    gap = _days_apart(m.when, *c.span())
    if gap > rules.max_gap_days:
        return f"same name but {gap} days from the other reports (limit {rules.max_gap_days})"
    return None


def _group(
    mentions: list[_Mention],
    rules: Rules,
    matcher: Matcher | None,
    decisions: list[GroupingDecision],
) -> list[_Cluster]:
    order = sorted(mentions, key=lambda m: (m.when or date.max, m.item.stem))
    named: list[_Cluster] = []
    unnamed: list[_Mention] = []
    for m in order:
        if not m.words:
            unnamed.append(m)
            continue
        same = [c for c in named if c.words == m.words]
        fits = [c for c in same if _veto(m, c, rules) is None]
        if fits:
            best = max(fits, key=lambda c: len(m.places & c.places))
            first = best.members[0]
            why = m.alias or (
                "same name"
                if first.name and _plain_words(first.name) == _plain_words(m.name or "")
                else f"same words in any order: {m.name!r} and {first.name!r}"
            )
            best.members.append(m)
            decisions.append(
                GroupingDecision(
                    decision="grouped",
                    rule="alias" if m.alias else "same_name",
                    sources=[m.item.stem, first.item.stem],
                    reason=why,
                )
            )
            continue
        for c in same:
            decisions.append(
                GroupingDecision(
                    decision="separate",
                    rule="veto",
                    sources=[m.item.stem, c.members[0].item.stem],
                    reason=_veto(m, c, rules) or "",
                )
            )
        named.append(_Cluster([m], m.words))
        decisions.append(
            GroupingDecision(
                decision="new_operation",
                rule="alias" if m.alias else "first_report",
                sources=[m.item.stem],
                reason=m.alias or f"first report naming {m.name!r}",
            )
        )
    named = _hard_cases(named, rules, matcher, decisions)
    return named + _place_unnamed(unnamed, named, rules, decisions)


def _sketch(c: _Cluster) -> OperationSketch:
    first, last = c.span()
    return OperationSketch(
        names=sorted({m.name for m in c.members if m.name}),
        country=next(
            (m.item.report.country.name for m in c.members if m.item.report.country), None
        ),
        places=sorted({loc.name for m in c.members for loc in m.item.report.locations}),
        phases=sorted({p for m in c.members if (p := _phase_of(m.item.report)[0]) is not None}),
        first=first,
        last=last,
    )


def _hard_case(a: _Cluster, b: _Cluster, rules: Rules) -> bool:
    """Differently named clusters that could still be one operation: a shared place,
    no conflicting country, dates within the gap."""
    if a.countries and b.countries and not (a.countries & b.countries):
        return False
    if not a.places & b.places:
        return False
    a0, a1 = a.span()
    b0, b1 = b.span()
    if a0 and a1 and b0 and b1:
        return max((b0 - a1).days, (a0 - b1).days) <= rules.max_gap_days
    return True


def _hard_cases(
    clusters: list[_Cluster],
    rules: Rules,
    matcher: Matcher | None,
    decisions: list[GroupingDecision],
) -> list[_Cluster]:
    parent = list(range(len(clusters)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(clusters)):
        for j in range(i + 1, len(clusters)):
            a, b = clusters[i], clusters[j]
            if not _hard_case(a, b, rules):
                continue
            sources = [a.members[0].item.stem, b.members[0].item.stem]
            if matcher is None:
                decisions.append(
                    GroupingDecision(
                        decision="candidate",
                        rule="names_differ",
                        sources=sources,
                        reason=f"names differ ({a.label()!r} vs {b.label()!r}) but they share "
                        f"places and dates; not merged: add an alias or use a matcher",
                    )
                )
                continue
            if isinstance(matcher, CachedMatcher):
                verdict, cached = matcher.decide(_sketch(a), _sketch(b))
            else:
                verdict, cached = matcher(_sketch(a), _sketch(b)), False
            decisions.append(
                GroupingDecision(
                    decision="grouped" if verdict.same else "separate",
                    rule="matcher",
                    sources=sources,
                    reason=f"{a.label()!r} vs {b.label()!r}: {verdict.reason}",
                    by=f"matcher:{_matcher_id(matcher)}",
                    cached=cached,
                )
            )
            if verdict.same:
                parent[root(j)] = root(i)
    merged: dict[int, _Cluster] = {}
    for i, c in enumerate(clusters):
        r = root(i)
        if r in merged:
            merged[r].members.extend(c.members)
        else:
            merged[r] = _Cluster(list(c.members), c.words)
    return list(merged.values())


def _place_unnamed(
    unnamed: list[_Mention],
    named: list[_Cluster],
    rules: Rules,
    decisions: list[GroupingDecision],
) -> list[_Cluster]:
    """A report without an operation name joins an operation only on shared places and
    dates (and a compatible country); otherwise it is its own unnamed operation."""
    own: list[_Cluster] = []
    for m in unnamed:
        best: tuple[int, _Cluster] | None = None
        for c in [*named, *own]:
            shared = len(m.places & c.places)
            if shared < rules.unnamed_min_shared_places:
                continue
            if m.country and c.countries and m.country not in c.countries:
                continue
            if _days_apart(m.when, *c.span()) > rules.unnamed_window_days:
                continue
            if best is None or shared > best[0]:
                best = (shared, c)
        if best is None:
            own.append(_Cluster([m], ()))
            decisions.append(
                GroupingDecision(
                    decision="new_operation",
                    rule="unnamed",
                    sources=[m.item.stem],
                    reason="no operation name, and no operation shares "
                    f"{rules.unnamed_min_shared_places}+ places and dates with it",
                )
            )
            continue
        shared, c = best
        c.members.append(m)
        decisions.append(
            GroupingDecision(
                decision="grouped",
                rule="unnamed_context",
                sources=[m.item.stem, c.members[0].item.stem],
                reason=f"no operation name; shares {shared} places and dates "
                f"within {rules.unnamed_window_days} days with {c.label()!r}",
            )
        )
    return own


# --------------------------------------------------------------------------- phases

_ORDINALS = {
    w: n
    for n, words in enumerate(
        _list(
            "first/one second/two third/three fourth/four fifth/five sixth/six seventh/seven "
            "eighth/eight ninth/nine tenth/ten"
        ),
        start=1,
    )
    for w in words.split("/")
}
_PHASE_RE = re.compile(r"\b(?:(\w+)\s+(?:phase|stage)|(?:phase|stage)\s+(\w+))\b", re.IGNORECASE)


def _phase_of(r: OperationReport) -> tuple[int | None, str | None]:
    """The phase number and, when not the report's own field, where it came from."""
    if r.phase is not None:
        return r.phase, None
    for text in (r.phase_label, r.operation_name):
        if not text:
            continue
        for m in _PHASE_RE.finditer(text):
            word = re.sub(r"^(\d+)(?:st|nd|rd|th)$", r"\1", (m.group(1) or m.group(2)).casefold())
            n = int(word) if word.isdigit() else _ORDINALS.get(word)
            if n:
                return n, f"phase {n} read from {text!r}"
    return None, None


@dataclass
class _Ctx:
    aliases: AliasTable
    policy: Policy | None
    rules: Rules


def _source_info(sr: SourcedReport, phase: int | None) -> SourceInfo:
    return SourceInfo(
        source=sr.stem,
        outlet=sr.outlet,
        published=sr.published,
        phase=phase,
        operation_name=sr.report.operation_name,
    )


def _name_records(
    items: Sequence[tuple[SourcedReport, NamedFact, str | None]],
    key: Callable[[str], str],
    *,
    subset_match: bool = False,
) -> list[NameRecord]:
    """Spellings of one entity put together (``subset_match``: "Qasim al-Jubouri" is
    "Qasim Jawad al-Jubouri" when the surname agrees)."""
    groups: dict[str, list[tuple[SourcedReport, NamedFact, str | None]]] = {}
    for sr, fact, kind in items:
        k = key(fact.name)
        if not k:
            continue
        target = k
        if subset_match and k not in groups:
            words = k.split()
            for other in groups:
                ow = other.split()
                if words[-1:] == ow[-1:] and (set(words) <= set(ow) or set(ow) <= set(words)):
                    target = other
                    break
        groups.setdefault(target, []).append((sr, fact, kind))
    out: list[NameRecord] = []
    for k, members in groups.items():
        spellings = Counter(f.name for _, f, _ in members)
        shown = spellings.most_common(1)[0][0]
        kinds = Counter(kd for _, _, kd in members if kd)
        out.append(
            NameRecord(
                name=shown,
                key=k,
                variants=list(dict.fromkeys(f.name for _, f, _ in members)),
                kind=kinds.most_common(1)[0][0] if kinds else None,
                claims=[_name_claim(sr, f) for sr, f, _ in members],
            )
        )
    return out


def _forces(
    b: _Builder, phase: int | None, items: list[SourcedReport], ctx: _Ctx
) -> list[ForceRecord]:
    groups: dict[str, list[tuple[SourcedReport, Force]]] = {}
    for sr in items:
        for f in sr.report.forces:
            k = _entity_key(
                ctx.aliases.canonical(f.name) or f.name, _FORCE_GENERIC, _FORCE_MODIFIERS
            )
            groups.setdefault(k, []).append((sr, f))
    out: list[ForceRecord] = []
    for k, members in groups.items():
        claims: list[Claim] = []
        for sr, f in members:
            claim = _part_claim(sr, f.name, f.role, f.evidence)
            # one claim per source and value: a force listed twice alike is one claim
            if not any((c.source, c.value) == (claim.source, claim.value) for c in claims):
                claims.append(claim)
        shown = Counter(f.name for _, f in members).most_common(1)[0][0]
        agreed, value, why, _, cid = b.merge("participation", claims, phase, subject=shown)
        values = {c.value for c in claims}
        state: Literal["took_part", "did_not_take_part", "disputed"] = (
            "disputed"
            if not agreed
            else ("did_not_take_part" if values == {_NOT_PART} else "took_part")
        )
        cats = Counter(f.category for _, f in members)
        out.append(
            ForceRecord(
                name=shown,
                key=k,
                variants=list(dict.fromkeys(f.name for _, f in members)),
                category=cats.most_common(1)[0][0],
                participation=state,
                value=value,
                chosen_by=why,
                claims=claims,
                conflict=cid,
            )
        )
    return out


def _outcomes(
    b: _Builder, phase: int | None, items: list[SourcedReport], whole_campaign: bool
) -> list[OutcomeEvent]:
    """Outcomes of one record as events: one per (category family, object), each with
    every source's claim; cumulative figures kept apart per source."""
    events: dict[tuple[str, str, str], list[Claim]] = {}
    reasons: dict[tuple[str, str, str], str] = {}
    for sr in items:
        for o in sr.report.outcomes:
            obj = _object(o.object)
            cat = _category(o.category, obj)
            cumulative = _cumulative(o.evidence.quote)
            if whole_campaign and cumulative is None:
                cumulative = "a campaign-level report (no phase): a running total"
            scope = "cumulative" if cumulative else "phase"
            # running totals from different reports are different moments, not one claim
            key = (scope, cat, obj if scope == "phase" else f"{obj}@{sr.stem}")
            unit = "km²" if o.quantity is not None and o.quantity.unit == "km2" else ""
            claim = _qty_claim(sr, o.quantity, o.evidence, unit)
            claims = events.setdefault(key, [])
            if not any(c.source == claim.source and _cmp(c) == _cmp(claim) for c in claims):
                claims.append(claim)
            if cumulative:
                reasons[key] = cumulative
    out: list[OutcomeEvent] = []
    for (scope, cat, obj_key), claims in events.items():
        obj = obj_key.split("@")[0]
        subject = obj if cat == "other" else f"{cat} {obj}"
        agreed, value, why, best, cid = b.merge(
            "outcome", claims, phase, subject=subject, raise_conflict=scope == "phase"
        )
        comparable = [c for c in claims if _cmp(c) is not None]
        if agreed and best is not None and comparable:
            low, high = _sum_bounds(best)
        elif comparable:
            bounds = [_sum_bounds(c) for c in comparable]
            low = min(lo for lo, _ in bounds if lo is not None)
            highs = [hi for _, hi in bounds]
            high = None if any(h is None for h in highs) else max(h for h in highs if h is not None)
        else:
            low, high = None, None
        out.append(
            OutcomeEvent(
                key=subject,
                category=cat,
                object=obj,
                scope="cumulative" if scope == "cumulative" else "phase",
                scope_reason=reasons.get((scope, cat, obj_key)),
                claims=claims,
                agreed=agreed,
                value=value,
                chosen_by=why,
                low=low,
                high=high,
                conflict=cid,
            )
        )
    return out


def _latest_status(items: list[SourcedReport]) -> str | None:
    known = [sr for sr in items if sr.report.status != "unknown"]
    if not known:
        return None
    return max(known, key=lambda sr: sr.published or date.min).report.status


def _record(
    b: _Builder,
    op_key: str,
    phase: int | None,
    items: list[SourcedReport],
    ctx: _Ctx,
    *,
    phased_operation: bool,
) -> PhaseRecord:
    starts = [_date_claim(sr, sr.report.start_date) for sr in items if sr.report.start_date]
    ends = [_date_claim(sr, sr.report.end_date) for sr in items if sr.report.end_date]
    areas = [
        _qty_claim(sr, sr.report.area, sr.report.area.evidence, "km²")
        for sr in items
        if sr.report.area
    ]
    # a campaign-level start is checked with phase one's as the campaign start
    start = b.field("start_date", starts, phase, raise_conflict=phase is not None)
    places = [(sr, loc, loc.kind) for sr in items for loc in sr.report.locations]
    officials = [(sr, o, o.role) for sr in items for o in sr.report.officials]
    adversaries = [(sr, a, None) for sr in items for a in sr.report.adversaries]
    label = (
        f"Phase {phase}"
        if phase is not None
        else ("Campaign (no phase stated)" if phased_operation else "Operation")
    )
    return PhaseRecord(
        operation=op_key,
        phase=phase,
        label=label,
        sources=[_source_info(sr, phase) for sr in items],
        status=_latest_status(items),
        start=start,
        end=b.field("end_date", ends, phase),
        area=b.field("area", areas, phase),
        places=_name_records(places, lambda n: _place_key(n, ctx.aliases)),
        forces=_forces(b, phase, items, ctx),
        officials=_name_records(
            officials, lambda n: name_key(ctx.aliases.canonical(n) or n), subset_match=True
        ),
        adversaries=_name_records(
            adversaries, lambda n: _entity_key(ctx.aliases.canonical(n) or n, _FORCE_GENERIC)
        ),
        outcomes=_outcomes(b, phase, items, whole_campaign=phase is None and phased_operation),
    )


def _assign_phases(
    items: list[SourcedReport], decisions: list[GroupingDecision], op_key: str
) -> dict[int | None, list[SourcedReport]]:
    by_phase: dict[int | None, list[SourcedReport]] = defaultdict(list)
    unphased: list[SourcedReport] = []
    for sr in items:
        n, note = _phase_of(sr.report)
        if n is None:
            unphased.append(sr)
            continue
        by_phase[n].append(sr)
        if note:
            decisions.append(
                GroupingDecision(
                    decision="phase",
                    rule="phase_words",
                    sources=[sr.stem],
                    reason=note,
                    operation=op_key,
                )
            )
    # a report without a phase whose start day is a phase's start day belongs to it
    for sr in unphased:
        d = sr.report.start_date
        target = None
        if d is not None and d.value is not None:
            hits = [
                n
                for n, rs in by_phase.items()
                if n is not None
                and any(r.report.start_date and r.report.start_date.value == d.value for r in rs)
            ]
            target = hits[0] if len(hits) == 1 else None
        if target is not None:
            by_phase[target].append(sr)
            decisions.append(
                GroupingDecision(
                    decision="phase",
                    rule="same_start_day",
                    sources=[sr.stem],
                    reason=f"no phase stated; starts {d.value if d else ''}, the start day of "
                    f"phase {target}",
                    operation=op_key,
                )
            )
        else:
            by_phase[None].append(sr)
    return by_phase


def _operation_names(members: list[_Mention], aliases: AliasTable) -> list[NameRecord]:
    """Every way the sources name the operation, grouped by the words that match."""
    groups: dict[str, list[_Mention]] = {}
    for m in members:
        if m.name:
            groups.setdefault(" ".join(operation_key(m.name)), []).append(m)
    out: list[NameRecord] = []
    for k, ms in groups.items():
        names = [m.name or "" for m in ms]
        canonical = aliases.canonical(names[0])
        out.append(
            NameRecord(
                name=Counter(names).most_common(1)[0][0],
                key=k,
                variants=list(dict.fromkeys(names)),
                kind=f"alias of {canonical!r}" if ms[0].alias and canonical else None,
                claims=[
                    _name_claim(m.item, m.name or "", m.item.report.operation_evidence) for m in ms
                ],
            )
        )
    return out


def _display_name(members: list[_Mention], aliases: AliasTable) -> str:
    if not any(m.words for m in members):
        return f"Unnamed operation ({members[0].item.stem})"
    for m in members:
        if m.name and (canonical := aliases.canonical(m.name)):
            return canonical
    trimmed = [
        re.sub(r"^(?:the\s+)?operation\s+|\s+operation$", "", m.name.strip(" \"'“”"), flags=re.I)
        for m in members
        if m.name
    ]
    if not trimmed:
        return "Unnamed operation"
    return Counter(trimmed).most_common(1)[0][0]


def _totals(records: list[PhaseRecord], policy: Policy | None) -> list[Tally]:
    per_key: dict[str, list[tuple[PhaseRecord, OutcomeEvent]]] = defaultdict(list)
    for rec in records:
        for ev in rec.outcomes:
            if ev.scope == "phase":
                per_key[ev.key].append((rec, ev))
    out: list[Tally] = []
    for key, pairs in per_key.items():
        with_figure = [(r, e) for r, e in pairs if e.low is not None]
        highs = [e.high for _, e in with_figure]
        low = sum(e.low or 0.0 for _, e in with_figure) if with_figure else None
        high = (
            None if any(h is None for h in highs) or low is None else sum(h or 0.0 for h in highs)
        )
        disputed = any(not e.agreed for _, e in pairs)
        complete = len(with_figure) == len(pairs)
        display = "no figure" if low is None else _range_text(low, high)
        display += " (disputed)" if disputed else ""
        policy_display = _policy_total(with_figure, policy) if policy and disputed else None
        sources = {c.source for _, e in pairs for c in e.claims}
        parts = []
        for r, e in pairs:
            figures = [c for c in e.claims if _cmp(c) is not None]
            n = len({c.source for c in figures})
            shown = (
                (e.value or "no figure")
                if e.agreed
                else "disputed " + " / ".join(dict.fromkeys(c.value for c in figures))
            )
            parts.append(
                f"{r.label.lower()}: {shown}" + (f" ({n} sources, counted once)" if n > 1 else "")
            )
        note = "; ".join(parts)
        if not complete:
            note += "; some reports give no figure"
        first = pairs[0][1]
        out.append(
            Tally(
                key=key,
                category=first.category,
                object=first.object,
                low=low,
                high=high,
                display=display,
                disputed=disputed,
                complete=complete,
                phases=[r.phase for r, _ in pairs],
                events=len(pairs),
                sources=len(sources),
                policy_display=policy_display,
                note=note,
            )
        )
    return sorted(out, key=lambda t: t.key)


def _policy_total(pairs: list[tuple[PhaseRecord, OutcomeEvent]], policy: Policy) -> str | None:
    """The total of the values a policy shows (a disputed event adds its pick)."""
    lows: list[float] = []
    highs: list[float | None] = []
    for _, e in pairs:
        lo, hi = e.low, e.high
        if not e.agreed:
            chosen, _ = _pick(e.claims, policy)
            if chosen is None:
                return None
            lo, hi = _sum_bounds(chosen)
        if lo is None:
            return None
        lows.append(lo)
        highs.append(hi)
    high = None if any(h is None for h in highs) else sum(h or 0.0 for h in highs)
    return _range_text(sum(lows), high)


def _range_text(low: float, high: float | None) -> str:
    if high is None:
        return f"≥{_fmt(low)}"
    if high == low:
        return _fmt(low)
    return f"{_fmt(low)}–{_fmt(high)}"


def _phase_sort_key(rec: PhaseRecord) -> tuple[int, date, int]:
    if rec.phase is None:
        return (0, date.min, 0)
    first = rec.span()[0]
    if first is None:
        published = [s.published for s in rec.sources if s.published]
        first = min(published) if published else date.max
    return (1, first, rec.phase)


def _timeline(
    key: str,
    cluster: _Cluster,
    ctx: _Ctx,
    decisions: list[GroupingDecision],
) -> OperationTimeline:
    items = sorted(
        (m.item for m in cluster.members), key=lambda sr: (sr.published or date.max, sr.stem)
    )
    op_decisions = [
        d.model_copy(update={"operation": key})
        for d in decisions
        if d.operation is None and set(d.sources) & {sr.stem for sr in items}
    ]
    b = _Builder(key, ctx.policy)
    phase_decisions: list[GroupingDecision] = []
    by_phase = _assign_phases(items, phase_decisions, key)
    op_decisions += phase_decisions
    decisions.extend(phase_decisions)
    phased = any(n is not None for n in by_phase)
    records = [_record(b, key, n, rs, ctx, phased_operation=phased) for n, rs in by_phase.items()]
    records.sort(key=_phase_sort_key)
    # campaign start: the campaign-level reports' start, checked against phase one's
    campaign = [
        _date_claim(sr, sr.report.start_date)
        for sr in by_phase.get(None, [])
        if sr.report.start_date
    ]
    first_phase = [
        _date_claim(sr, sr.report.start_date) for sr in by_phase.get(1, []) if sr.report.start_date
    ]
    campaign_start = None
    if campaign or first_phase:
        disputed = len({_cmp(c) for c in campaign if _cmp(c)}) > 1 or any(
            _cmp(a) != _cmp(p) for a in campaign for p in first_phase if _cmp(a) and _cmp(p)
        )
        claims = sorted(campaign + first_phase, key=lambda c: (_when(c), c.source))
        campaign_start = b.field("campaign_start", claims, None, raise_conflict=disputed)
        if (
            campaign_start is not None
            and not disputed
            and len({_cmp(c) for c in campaign_start.claims if _cmp(c)}) > 1
        ):
            # only phase-one sources disagree: that conflict is phase one's start
            campaign_start.conflict = b.conflict_id(1, "start_date", None)
    for rec in records:
        if rec.phase is None and rec.start is not None and campaign_start is not None:
            rec.start.conflict = campaign_start.conflict
    country_claims = [
        _name_claim(sr, sr.report.country) for sr in items if sr.report.country is not None
    ]
    for c in country_claims:
        c.value = normalize_name(c.raw or c.value).title()
    country = b.field("country", country_claims, None)
    for rec in records:
        rec.conflicts = [
            c.id for c in b.conflicts if c.phase == rec.phase and c.field != "campaign_start"
        ]
    names = _operation_names(cluster.members, ctx.aliases)
    phase_records = [r for r in records if r.phase is not None]
    counted = phase_records if phase_records else records
    reported = [e for r in records for e in r.outcomes if e.scope == "cumulative"]
    return OperationTimeline(
        key=key,
        name=_display_name(cluster.members, ctx.aliases),
        names=names,
        country=country,
        sources=[_source_info(sr, _phase_of(sr.report)[0]) for sr in items],
        campaign_start=campaign_start,
        phases=records,
        totals=_totals(counted, ctx.policy),
        reported_totals=reported,
        conflicts=b.conflicts,
        decisions=op_decisions,
        policy=ctx.policy,
    )


def _as_sourced(items: Iterable[SourcedReport | OperationReport]) -> list[SourcedReport]:
    out: list[SourcedReport] = []
    for i, item in enumerate(items):
        if isinstance(item, SourcedReport):
            out.append(item)
            continue
        meta = item.extraction
        source = (meta.source if meta else None) or f"report-{i + 1}"
        out.append(SourcedReport(source, item, meta.published if meta else None))
    stems = Counter(sr.stem for sr in out)
    if any(n > 1 for n in stems.values()):
        dup = sorted(s for s, n in stems.items() if n > 1)
        raise InputError(f"several reports share a source name: {', '.join(dup)}")
    return out


def _fact_value(fact: Any) -> str:
    if isinstance(fact, Outcome):
        figure = fact.quantity.raw if fact.quantity is not None else ""
        if figure and figure.casefold() in fact.object.casefold():
            figure = ""  # the object already carries it ("27 terrorists")
        obj = "" if fact.object.casefold() in figure.casefold() else fact.object
        return " ".join(w for w in (fact.category, figure, obj) if w)
    for attr in ("name", "raw", "text"):
        if isinstance(getattr(fact, attr, None), str):
            return str(getattr(fact, attr))
    return ""


def _ungrounded(e: Evidence | None) -> Literal["quote_not_found", "quote_does_not_state_it"] | None:
    """Why a fact's quote cannot back it, or None when it can (or was never checked)."""
    if e is None:
        return None
    if e.status == "not_found":
        return "quote_not_found"
    return "quote_does_not_state_it" if e.supported is False else None


def _grounded_view(sr: SourcedReport) -> tuple[SourcedReport, list[SetAside]]:
    """The report with its ungrounded facts taken out (a copy), and those facts."""
    r = sr.report
    out: list[SetAside] = []
    update: dict[str, Any] = {}

    def keep(name: str, fact: Any) -> bool:
        why = _ungrounded(fact.evidence)
        if why is not None:
            quote = _quote(fact.evidence)
            value = _fact_value(fact)
            out.append(
                SetAside(source=sr.stem, field=name, value=value, evidence=quote, reason=why)
            )
        return why is None

    for name in ("start_date", "end_date", "country", "area"):
        fact = getattr(r, name)
        if fact is not None and not keep(name, fact):
            update[name] = None
    for name in ("locations", "forces", "adversaries", "officials", "outcomes"):
        facts = getattr(r, name)
        kept = [f for f in facts if keep(name, f)]
        if len(kept) != len(facts):
            update[name] = kept
    if not update:
        return sr, out
    return replace(sr, report=r.model_copy(update=update)), out


def consolidate(
    reports: Iterable[SourcedReport | OperationReport],
    *,
    aliases: AliasTable | Mapping[str, Any] | None = None,
    policy: Policy | None = None,
    matcher: Matcher | None = None,
    rules: Rules | None = None,
) -> Consolidation:
    """Group reports by operation, merge them per phase, list every disagreement.

    ``aliases`` maps names the rules cannot match; ``policy`` picks a display value
    for disputed fields (the conflict stays listed); ``matcher`` decides hard cases
    (names differ, places and dates overlap) and is never asked otherwise; wrap it in
    :class:`CachedMatcher` to keep its decisions.
    """
    if policy is not None and policy not in POLICIES:
        raise ConfigError(f"unknown policy {policy!r}; use one of {', '.join(POLICIES)}")
    table = (
        aliases
        if isinstance(aliases, AliasTable)
        else AliasTable.from_data(aliases)
        if aliases is not None
        else AliasTable()
    )
    ctx = _Ctx(table, policy, rules or Rules())
    items = _as_sourced(reports)
    set_aside: list[SetAside] = []
    if ctx.rules.grounded_only:
        views = [_grounded_view(sr) for sr in items]
        items = [v for v, _ in views]
        set_aside = [a for _, left in views for a in left]
    decisions: list[GroupingDecision] = []
    mentions: list[_Mention] = []
    for i, sr in enumerate(items):
        if sr.report.relevance == "not_about_operations":
            decisions.append(
                GroupingDecision(
                    decision="excluded",
                    rule="not_about_operations",
                    sources=[sr.stem],
                    reason="the report says the article is not about an operation",
                )
            )
            continue
        mentions.append(_mention(i, sr, table))
    clusters = _group(mentions, ctx.rules, matcher, decisions)
    operations: list[OperationTimeline] = []
    used: set[str] = set()
    for cluster in clusters:
        base = _slug(_display_name(cluster.members, table))
        if not cluster.words:
            base = f"unnamed-{_slug(cluster.members[0].item.stem)}"
        key, n = base, 2
        while key in used:
            key, n = f"{base}-{n}", n + 1
        used.add(key)
        operations.append(_timeline(key, cluster, ctx, decisions))
    for d in decisions:
        if d.operation is None:
            d.operation = next(
                (op.key for op in operations if {s.source for s in op.sources} & set(d.sources)),
                None,
            )
    operations.sort(key=lambda op: (min(s.published or date.max for s in op.sources), op.key))
    return Consolidation(
        operations=operations, decisions=decisions, policy=policy, set_aside=set_aside
    )
