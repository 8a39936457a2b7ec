"""Deciding hard cases: differently named groups whose places and dates overlap.

Rules alone leave these apart (a candidate decision).  A :data:`Matcher`, e.g.
:func:`model_matcher`, may decide them; :class:`CachedMatcher` keeps each decision
with its reason so a rerun asks nothing and the grouping can be audited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from summarizer.consolidate.models import StrictModel

if TYPE_CHECKING:
    from summarizer.pipeline.summarizer import Summarizer


class OperationSketch(StrictModel):
    """What a matcher sees of a group of reports: names and context, no article text."""

    names: list[str]
    country: str | None = None
    places: list[str] = Field(default_factory=list)
    phases: list[int] = Field(default_factory=list)
    first: date | None = None
    last: date | None = None


class MatchDecision(StrictModel):
    """A verdict on a hard case, with the reason recorded in the grouping decisions."""

    same: bool
    reason: str


#: decides a hard case: two groups whose names differ while places and dates overlap
Matcher = Callable[[OperationSketch, OperationSketch], MatchDecision]


def matcher_name(matcher: Any) -> str:
    return str(getattr(matcher, "matcher_id", getattr(matcher, "__name__", type(matcher).__name__)))


class CachedMatcher:
    """Wraps a matcher so each pair is decided once: decisions are JSON in a diskcache
    directory (same layout rules as the response cache), keyed by the matcher's id and
    both sketches, in either order."""

    def __init__(self, matcher: Matcher, directory: str | Path, *, matcher_id: str | None = None):
        from summarizer.cache.store import ResponseCache

        self.matcher = matcher
        self.matcher_id = matcher_id or matcher_name(matcher)
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
