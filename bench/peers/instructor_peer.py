"""The plain instructor loop, as a user writes it without this library.

What a user writes: a Pydantic model of the facts with field descriptions
(:class:`UserReport`, mirroring the facts of an ``OperationReport`` but none of the
library's request schema: no quotes, no offsets, no grammar bounds),
``instructor.from_openai(OpenAI(base_url=...))`` with instructor's default mode, a
two-line system prompt and the raw page as the user message.  instructor 1.17's
``from_openai`` defaults to ``Mode.TOOLS`` whatever the base URL; llama-cpp-python's
server honours a forced ``tool_choice`` by turning the tool's parameters into a
grammar, so that is what a llama.cpp server gets (``--instructor-mode`` picks another
instructor mode).  ``max_retries`` is instructor's default; sampling (temperature,
seed, max tokens) is the library's, so the two differ in method, not in luck.

:func:`to_operation_report` maps the answer onto ``OperationReport`` fields for the
library's scorer.  The user model has no quotes, so each fact's evidence is its own
value, never grounded: a peer report's grounded share is not measured.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import muc4
from pydantic import BaseModel, Field, ValidationError

from peers.cache import JsonCache, install
from summarizer.core.schema import ForceRole, OperationReport, OutcomeCategory, Relevance

SYSTEM_PROMPT = (
    "You extract facts about military and security operations from news articles.\n"
    "Use only what the article states; leave a field empty or null when it does not say."
)
MUC4_SYSTEM_PROMPT = (
    "You extract violent incidents (attacks, bombings, kidnappings, arson, robberies) "
    "from news reports.\n"
    "Use only what the text states; leave a list empty when it does not say."
)


# --------------------------------------------------------------------------- the user's models


class UserForce(BaseModel):
    name: str = Field(description="The unit, service or force as named in the article")
    role: ForceRole = Field(description="What the force did in the operation")


class UserLocation(BaseModel):
    name: str = Field(description="A town, district, province or area where it took place")


class UserOfficial(BaseModel):
    name: str = Field(description="The person's name")
    title: str | None = Field(None, description="Their title or position, if given")


class UserOutcome(BaseModel):
    category: OutcomeCategory
    count: str | None = Field(
        None, description="The number as written, e.g. '27' or 'more than 40'; null if none"
    )
    object: str = Field(description="What was affected, e.g. 'militants', 'hideouts'")


class UserReport(BaseModel):
    """A news article's account of a military or security operation."""

    relevance: Relevance = Field(
        description="operation_report if the article is mainly about a military or security "
        "operation; mentions_operation if it only mentions one; else not_about_operations"
    )
    operation_name: str | None = Field(None, description="The operation's name, if stated")
    phase: int | None = Field(None, description="The phase number, if stated")
    country: str | None = Field(None, description="The country where the operation takes place")
    start_date: str | None = Field(
        None, description="When the operation started, as written, e.g. 'March 15, 2025'"
    )
    area: str | None = Field(
        None, description="The area the operation covers, as written, e.g. '500 square km'"
    )
    forces: list[UserForce] = Field(
        default_factory=list, description="Government or allied forces taking part"
    )
    locations: list[UserLocation] = Field(
        default_factory=list, description="Places where the operation took place"
    )
    adversaries: list[str] = Field(
        default_factory=list, description="Groups the operation is against, e.g. 'ISIS'"
    )
    officials: list[UserOfficial] = Field(
        default_factory=list, description="Commanders, spokespeople or ministers named or quoted"
    )
    outcomes: list[UserOutcome] = Field(
        default_factory=list,
        description="Results: people killed, wounded or arrested, things destroyed or seized, "
        "areas cleared",
    )
    summary: str = Field(description="Two or three sentences")


class UserIncident(BaseModel):
    """One violent incident the text reports."""

    incident_type: Literal[
        "attack", "bombing", "kidnapping", "arson", "robbery", "forced work stoppage"
    ]
    perpetrators: list[str] = Field(
        default_factory=list, description="Who did it: people named or described"
    )
    perpetrator_organizations: list[str] = Field(
        default_factory=list, description="The group blamed or claiming it"
    )
    victims: list[str] = Field(
        default_factory=list, description="People killed, wounded, kidnapped or attacked"
    )
    damaged_targets: list[str] = Field(
        default_factory=list, description="Buildings, vehicles or other things attacked"
    )
    weapons: list[str] = Field(default_factory=list, description="Weapons or explosives used")


class UserIncidents(BaseModel):
    """Violent incidents in a news report."""

    incidents: list[UserIncident] = Field(default_factory=list)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class PeerSettings:
    """What both peers are asked with; recorded in bench/out/quality.json."""

    model: str
    temperature: float
    max_tokens: int
    seed: int | None
    #: seconds one request may take: the library's, so a slow machine cuts neither short
    timeout: float = 600.0

    def record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PeerRun:
    """One article: the answer (None on failure), its cost and wall seconds."""

    value: Any
    requests: int
    cache_hits: int
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    error: str | None = None


def user_message(text: str, published: date | None) -> str:
    """The raw page; a known publication date goes on a first line, as a user adds it."""
    return f"Published: {published.isoformat()}\n\n{text}" if published else text


class InstructorPeer:
    """``instructor.from_openai`` over the shared server, through the response cache."""

    def __init__(
        self,
        base_url: str,
        settings: PeerSettings,
        cache_dir: Path,
        namespace: str,
        mode: str | None = None,
    ) -> None:
        import instructor
        import openai

        self.settings = settings
        client = openai.OpenAI(base_url=base_url, api_key="not-needed", timeout=settings.timeout)
        self._cache = JsonCache(cache_dir)
        # before from_openai, which takes client.chat.completions.create as it finds it
        self._cached = install(client, self._cache, f"instructor:{namespace}")
        self.client = (
            instructor.from_openai(client)
            if mode is None
            else instructor.from_openai(client, mode=instructor.Mode[mode])
        )
        self.mode = str(self.client.mode.name)

    def record(self) -> dict[str, Any]:
        """The settings a reader needs to redo this peer."""
        return {
            **self.settings.record(),
            "mode": self.mode,
            "max_retries": "instructor default (3 attempts)",
            "system_prompt": SYSTEM_PROMPT,
            "muc4_system_prompt": MUC4_SYSTEM_PROMPT,
            "user_message": "the raw page ('Published: YYYY-MM-DD' first when known)",
            "response_model": UserReport.model_json_schema(),
            "muc4_response_model": UserIncidents.model_json_schema(),
        }

    def report(self, text: str, published: date | None = None) -> PeerRun:
        return self._ask(UserReport, SYSTEM_PROMPT, user_message(text, published))

    def incidents(self, text: str) -> PeerRun:
        return self._ask(UserIncidents, MUC4_SYSTEM_PROMPT, text)

    def _ask(self, model: type[BaseModel], system: str, user: str) -> PeerRun:
        s = self.settings
        self._cached.reset()
        value: Any = None
        error: str | None = None
        started = time.perf_counter()
        try:
            value = self.client.chat.completions.create(
                model=s.model,
                response_model=model,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                temperature=s.temperature,
                max_tokens=s.max_tokens,
                seed=s.seed,
            )
        except Exception as exc:  # noqa: BLE001 - a failed article is a figure, not a crash
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
        seconds = time.perf_counter() - started
        u = self._cached.reset()
        return PeerRun(
            value, u.requests, u.cache_hits, u.prompt_tokens, u.completion_tokens, seconds, error
        )

    def close(self) -> None:
        self._cache.close()


# --------------------------------------------------------------------------- mapping


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else None
    return value or None


def to_operation_report(u: UserReport) -> OperationReport | None:
    """The user's answer as an ``OperationReport`` (no grounding: it has no quotes).

    Each fact's evidence is its own value; categories the user model does not ask for
    (force category, location kind, official role) take the catch-all value.  An answer
    the report type refuses (a phase below 1 is dropped first) is None: a missing report.
    """
    forces = [
        {"name": n, "category": "other", "role": f.role, "evidence": n}
        for f in u.forces
        if (n := _clean(f.name))
    ]
    locations = [
        {"name": n, "kind": "other", "evidence": n}
        for loc in u.locations
        if (n := _clean(loc.name))
    ]
    adversaries = [{"name": n, "evidence": n} for a in u.adversaries if (n := _clean(a))]
    officials = [
        {"name": n, "title": _clean(o.title), "role": "other", "evidence": n}
        for o in u.officials
        if (n := _clean(o.name))
    ]
    outcomes = []
    for o in u.outcomes:
        obj, count = _clean(o.object), _clean(o.count)
        if obj:
            words = f"{count} {obj}" if count else obj
            outcomes.append(
                {"category": o.category, "object": obj, "quantity": count, "evidence": words}
            )
    country, start, area = _clean(u.country), _clean(u.start_date), _clean(u.area)
    data: dict[str, Any] = {
        "relevance": u.relevance,
        "operation_name": _clean(u.operation_name),
        "phase": u.phase if u.phase is not None and u.phase >= 1 else None,
        "country": {"name": country, "evidence": country} if country else None,
        "start_date": {"raw": start, "evidence": start} if start else None,
        "area": {"raw": area, "evidence": area} if area else None,
        "forces": forces,
        "locations": locations,
        "adversaries": adversaries,
        "officials": officials,
        "outcomes": outcomes,
        "summary": u.summary,
    }
    try:
        return OperationReport.model_validate(data)
    except ValidationError:
        return None


def incident_roles(value: UserIncidents | None) -> dict[str, list[str]]:
    """Role fillers pooled over the incidents, as ``bench/muc4.py`` pools the library's."""
    return muc4.predicted_roles(value)
