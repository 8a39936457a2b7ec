"""The labelling mode: the text proposes, the model decides (#18).

A 1.5B model on two CPU cores writes about ten tokens a second, and in the quote mode
most of what it writes is quotes it copies, often wrongly.  Here the library reads
what text analysis reads reliably (names with their offsets, outcome tallies with
their verbs, the operation's name, phase and area) and asks the model only for
judgement, in one small typed request:

* one label per named candidate (:mod:`summarizer.pipeline.entities`), its choices
  restricted by the candidate's kind (a person cannot become a place);
* the country (a place by name), the status, the relevance and a one-sentence summary.

:func:`plan` builds the request (prompt, answer schema); :func:`assemble` turns the
answer into the fields of an :class:`~summarizer.core.schema.OperationReport` whose
every quote is a sentence of the text, so grounding and the claim checks run on it
exactly as they run on a quote-mode answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from summarizer.core import claims, dates
from summarizer.core.countries import is_country
from summarizer.core.ground import strip_quote
from summarizer.core.nlp import analyse
from summarizer.core.schema import Relevance, Status
from summarizer.pipeline import overrules, relevance
from summarizer.pipeline.candidates import Tally, tallies
from summarizer.pipeline.entities import Candidate, Kind, candidates
from summarizer.pipeline.prompts import Prompt, load_prompt

PROMPT_NAME = "operation_labels"

#: the choices per kind of candidate: small, so a 1.5B model neither cycles through a
#: long enum nor calls a person a place; roles and titles are read from the text
LABELS: dict[Kind, tuple[str, ...]] = {
    "person": ("official", "not_official"),
    "group": ("operation_force", "enemy", "neither"),
    "place": ("operation_place", "operation_force", "enemy", "neither"),
}
#: a force's role, first whose claim check a sentence of the text passes
_ROLES = ("lead", "air_support")
_SUPPORTING = re.compile(
    r"\b(?:advis|assist|train|support|equip|back(?:ed|ing)\b|partner)", re.IGNORECASE
)
#: an official's role, first whose title words stand near the name
_OFFICIAL_ROLES = ("commander", "spokesperson", "politician", "analyst")
#: first keyword found in a force's name gives its category
_CATEGORY = (
    ("special", "special_forces"),
    ("counter-terror", "counter_terrorism"),
    ("counter terror", "counter_terrorism"),
    ("coalition", "coalition"),
    ("air", "air"),
    ("jet", "air"),
    ("drone", "air"),
    ("navy", "other"),
    ("police", "police"),
    ("militia", "militia"),
    ("mobili", "militia"),
    ("tribal", "militia"),
    ("paramilitary", "paramilitary"),
    ("army", "army"),
    ("troop", "army"),
    ("soldier", "army"),
)
_PLACE_KIND = (
    ("province", "province"),
    ("governorate", "province"),
    ("district", "district"),
    ("village", "village"),
    ("town", "town"),
    ("city", "town"),
    ("border", "border_area"),
    ("crossing", "crossing"),
    ("region", "region"),
)
_WORD = r"[A-Z][\w’'-]*"
#: "Operation Inherent Resolve", "Operation 'Iron Harvest'"
_OPERATION_NAMED = re.compile(rf"\b[Oo]peration\s+[\"“‘']?({_WORD}(?:\s+{_WORD}){{0,3}})")
#: "the 'Iron Harvest' operation", "the “Desert Shield” offensive"
_OPERATION_QUOTED = re.compile(
    r"[\"“‘']([A-Z][^\"”’'\n]{2,40}?)[\"”’']\s+(?:military\s+|security\s+)?"
    r"(?:operation|offensive|campaign)\b"
)
_AREA_UNIT = re.compile(r"\b(?:square|sq|km2|km²|kilomet|hectare|dunam|acre)", re.IGNORECASE)
_SUMMARY = Annotated[str, WithJsonSchema({"type": "string", "maxLength": 200})]


@dataclass(frozen=True)
class LabelPlan:
    """What the library read from one text, and the request that asks the rest."""

    text: str
    #: every name the text gives (the assembly and the country read them all)
    candidates: tuple[Candidate, ...]
    #: per candidate id, each label that lists the name and the list it goes to (the
    #: label itself, or the kind the text shows); a label the text overrules is absent
    listing: dict[str, dict[str, str]]
    tallies: tuple[Tally, ...]
    answer_model: type[BaseModel]
    prompt: Prompt
    evidence: relevance.Evidence

    @property
    def asked(self) -> tuple[Candidate, ...]:
        """The names whose label can change the report: the prompt lists only these."""
        return tuple(c for c in self.candidates if self.listing.get(c.id))

    def candidate_lines(self) -> str:
        """The list the prompt shows: one line per kind, ids with names."""
        heads: dict[Kind, str] = {"person": "People", "group": "Groups", "place": "Places"}
        lines = []
        for kind, head in heads.items():
            names = [f"{c.id} {c.name}" for c in self.asked if c.kind == kind]
            lines.append(f"{head}: " + ("; ".join(names) if names else "(none)"))
        return "\n".join(lines)

    def messages(self, published: date | None) -> list[dict[str, str]]:
        return self.prompt.render(
            self.text, published=published, extra={"candidates": self.candidate_lines()}
        )


def _plain(name: str) -> str:
    """A name as a JSON key or enum value shows it: short, no quotes or breaks."""
    return re.sub(r"[\"\\\n]", "", name)[:40]


def key_of(c: Candidate) -> str:
    """The answer's key for a candidate: its id and name ("G3 Kurdish YPG")."""
    return f"{c.id} {_plain(c.name)}"


def _country_choice(c: Candidate) -> str:
    """A place as the country field offers it: by name (a small model picks a name
    it has just read far more reliably than an id)."""
    return _plain(c.name)


class _Answer(BaseModel):
    """The labels answer's base: llama-cpp-python's grammar lets a raw line break into a
    string (the summary, where the model reaches its length bound), which strict JSON
    refuses; such an answer is otherwise complete, so it is read as lenient JSON."""

    model_config = ConfigDict(extra="ignore")

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Any:
        try:
            data = json.loads(json_data, strict=False)
        except ValueError:
            return super().model_validate_json(json_data, **kwargs)  # its own error
        return cls.model_validate(data, **kwargs)


def answer_model(asked: tuple[Candidate, ...], cands: tuple[Candidate, ...]) -> type[BaseModel]:
    """The answer's schema: the summary first (it costs a few tokens and sets what
    "the operation" is before any label), one enum field per asked id, then country
    (any place of ``cands``), status and relevance (asked last: a small model that
    decides "not about operations" first labels everything "neither")."""
    places = tuple(dict.fromkeys(_country_choice(c) for c in cands if c.kind == "place"))
    fields: dict[str, Any] = {"summary": (_SUMMARY, Field(description="One sentence."))}
    for c in asked:
        # the key carries the name: a small model that writes "G3 Kurdish YPG" before
        # the label decides about that name, instead of repeating the previous label
        fields[c.id] = (Literal[c.labels], Field(alias=key_of(c)))
    fields["country"] = (Literal[(*places, "none")], ...)
    fields["status"] = (Status, ...)
    fields["relevance"] = (Relevance, ...)
    return create_model("OperationLabels", __base__=_Answer, **fields)


def plan(text: str, prompt: Prompt | None = None) -> LabelPlan:
    """Read ``text`` (the cleaned text the model sees) and build the request; a name
    whose every label the assembly would overrule is not asked about (each costs the
    model about ten tokens, a second on the embedded model)."""
    cands = tuple(candidates(text, LABELS))
    counted = tuple(tallies(text))
    operation = (_operation_name(text) or "").lower()
    listing = {c.id: _listing(text, c, cands, operation) for c in cands}
    asked = tuple(c for c in cands if listing[c.id])
    return LabelPlan(
        text=text,
        candidates=cands,
        listing=listing,
        tallies=counted,
        answer_model=answer_model(asked, cands),
        prompt=prompt or load_prompt(PROMPT_NAME),
        evidence=relevance.read(text, len(counted)),
    )


# --------------------------------------------------------------------------- assembly


def _keyword(name: str, table: tuple[tuple[str, str], ...]) -> str:
    low = name.lower()
    return next((value for word, value in table if word in low), "other")


def _best(
    text: str, cand: Candidate, check: Callable[..., claims.Verdict] | None, args: tuple[Any, ...]
) -> tuple[str, dict[str, str]]:
    """(name, evidence) from the mention whose sentence best states the fact: the
    first sentence the claim check accepts, else the one with the fullest spelling."""
    options = []
    for name, (s, e) in zip(cand.forms, cand.sentences, strict=True):
        quote = strip_quote(text[s:e])  # the sentence as alignment locates it
        ok = check is not None and check(name, *args, quote).ok
        options.append((not ok, -len(name), s, name, quote))
    _, _, _, name, quote = min(options)
    return name, {"quote": quote}


def _sentence(text: str, start: int) -> str:
    """The sentence of the analysed text around offset ``start``."""
    doc = analyse(text)
    for sent in doc.sents:
        if sent.start_char <= start < sent.end_char:
            return strip_quote(sent.text)
    return text[start : start + 200]


_STARTS = re.compile(r"\b(?:launch|began|begun|begin|start|commenc|kick(?:ed)? off)", re.I)
_OPERATION_WORDS = re.compile(r"\b(?:operation|offensive|phase|stage|campaign)\b", re.I)


def _start_date(text: str, published: date | None) -> dict[str, Any] | None:
    """The first date, in a sentence that has the operation (or a phase) begin, that
    resolves to a year (a bare "Monday" without a publication date says none)."""
    for sent in analyse(text).sents:
        if not (_STARTS.search(sent.text) and _OPERATION_WORDS.search(sent.text)):
            continue
        for ent in sent.ents:
            if ent.label_ == "DATE" and dates.parse_date(ent.text, published).year is not None:
                return {"raw": ent.text, "evidence": {"quote": strip_quote(sent.text)}}
    return None


def _operation_match(text: str) -> re.Match[str] | None:
    return _OPERATION_QUOTED.search(text) or _OPERATION_NAMED.search(text)


def _operation_name(text: str) -> str | None:
    m = _operation_match(text)
    return m.group(1).strip() if m is not None else None


def _header(text: str, published: date | None) -> dict[str, Any]:
    """Operation name, phase, area and start date, where the text states them."""
    out: dict[str, Any] = {}
    start = _start_date(text, published)
    if start is not None:
        out["start_date"] = start
    m = _operation_match(text)
    if m is not None:
        out["operation_name"] = m.group(1).strip()
        out["operation_evidence"] = {"quote": _sentence(text, m.start(1))}
    for m in re.finditer(r"\b(?:phase|stage)s?\b", text, re.IGNORECASE):
        quote = _sentence(text, m.start())
        numbers = claims.phase_numbers(quote)
        if numbers:
            out["phase"] = numbers[0]
            break
    area = claims.AREA_PATTERN.search(text)
    if area is not None:
        out["area"] = {"raw": area.group(0), "evidence": {"quote": _sentence(text, area.start())}}
    return out


def _country(text: str, cands: tuple[Candidate, ...], answered: Any) -> Candidate | None:
    """The country where the operation happens: the model's, when it is a country the
    text names as a scene (not a speaker, a partner or a meeting's venue); else the
    country the text uses most to place other places ("near Tabqa Dam, Syria") or as
    a scene ("killed in northern Iraq"); failing both, a country the headline places
    the story in."""
    scenes = [
        (c, n)
        for c in cands
        if c.kind == "place" and c.mentions and is_country(c.name)
        if (n := overrules.scene_count(text, c)) > 0
    ]
    chosen = next((c for c, _ in scenes if _country_choice(c) == answered), None)
    if chosen is not None and not overrules.speaks_only(text, chosen):
        return chosen
    scored = [
        (overrules.container_score(text, c), n, -c.mentions[0][0], c)
        for c, n in scenes
        if not overrules.speaks_only(text, c)
    ]
    best = max(scored, key=lambda t: t[:3], default=None)
    if best is not None:
        return best[3]
    headlined = (
        c
        for c in cands
        if c.kind == "place" and is_country(c.name) and overrules.headline_scene(text, c)
    )
    return next(headlined, None)


def _quotes(text: str, c: Candidate) -> list[str]:
    return [text[s:e].strip() for s, e in dict.fromkeys(c.sentences)]


def _first_role(
    check: Callable[..., claims.Verdict], text: str, c: Candidate, roles: tuple[str, ...]
) -> str | None:
    """The first of ``roles`` that the claim check accepts in a sentence naming ``c``."""
    quotes = _quotes(text, c)
    return next((r for r in roles if any(check(c.name, r, q).ok for q in quotes)), None)


def _force(text: str, c: Candidate) -> dict[str, Any]:
    """A force on the operation's side; its role is the first the text states (leads,
    in the air), else supporting where a sentence about it advises or assists, else
    participating."""
    role = _first_role(claims.force_role, text, c, _ROLES)
    if role is None:
        supports = any(_SUPPORTING.search(q) for q in _quotes(text, c))
        role = "supporting" if supports else "participating"
    name, ev = _best(text, c, claims.force_role, (role,))
    name = overrules.plain_name(name)
    category = _keyword(name, _CATEGORY)
    if role == "air_support" and category == "other":
        category = "air"
    return {"name": name, "evidence": ev, "category": category, "role": role}


def _official(text: str, c: Candidate) -> dict[str, Any] | None:
    """An official, with the role the title words near the name say; a person no
    title word near the name makes an official (a soldier who died, a resident, a
    reporter) is not listed, whatever the label."""
    role = _first_role(claims.official, text, c, _OFFICIAL_ROLES)
    if role is None:
        return None
    name, ev = _best(text, c, claims.official, (role,))
    return {"name": name, "evidence": ev, "role": role}


def _outcome(text: str, t: Tally) -> dict[str, Any]:
    return {
        "category": t.category,
        "object": t.object,
        "quantity": {"raw": t.figure},
        "evidence": {"quote": strip_quote(text[t.start : t.end])},
    }


def _overruled(text: str, c: Candidate, label: str | None) -> str | None:
    """The label, where the text's structure shows another kind: a "force" the text
    only places things in is a place ("near Tiyas Military Airfield"); a "place" named
    as an ally is a supporting force ("our ally Turkey")."""
    if label == "operation_force" and c.kind == "group" and overrules.stands_as_place(text, c):
        return "operation_place"
    if label == "operation_place" and c.kind == "place" and overrules.an_ally(text, c):
        return "operation_force"
    return label


def _admitted(
    text: str, c: Candidate, label: str | None, cands: tuple[Candidate, ...]
) -> str | None:
    """The label as the report lists the name under it, or None where the text
    overrules it (a masthead as a force, a partner country as a foe, a speaker's
    country as a place, a person no title word makes an official)."""
    label = _overruled(text, c, label)
    if label == "operation_force":
        keep = not overrules.not_a_force(text, c, cands)
    elif label == "enemy":
        keep = not overrules.not_a_foe(text, c)
    elif label == "operation_place":
        keep = not overrules.not_a_place(text, c)
    elif label == "official":
        keep = _first_role(claims.official, text, c, _OFFICIAL_ROLES) is not None
    else:
        keep = False
    return label if keep else None


def _listing(
    text: str, c: Candidate, cands: tuple[Candidate, ...], operation: str
) -> dict[str, str]:
    """Each label of ``c`` that would list it, with the list it goes to; empty when the
    model's answer cannot change the report, and the name is not asked about."""
    if operation and c.name.lower() in (operation, f"operation {operation}"):
        return {}  # the operation's own name is not an actor or a place
    admitted = {label: _admitted(text, c, label, cands) for label in c.labels}
    return {label: kept for label, kept in admitted.items() if kept is not None}


def assemble(lp: LabelPlan, answer: BaseModel, published: date | None = None) -> dict[str, Any]:
    """The report's fields from the model's labels and the library's readings (plain
    data: the caller validates it against the article, which locates every quote and
    runs the claim checks)."""
    got = answer.model_dump()
    verdict = relevance.decide(got["relevance"], lp.evidence)
    report: dict[str, Any] = {
        "relevance": verdict,
        "status": got["status"],
        "summary": got["summary"],
    }
    if verdict == "not_about_operations":
        return report
    text = lp.text
    lists: dict[str, list[dict[str, Any]]] = {
        "forces": [],
        "adversaries": [],
        "locations": [],
        "officials": [],
    }
    header = _header(text, published)
    for c in lp.asked:
        label = lp.listing[c.id].get(got.get(c.id) or "")
        if label == "operation_force":
            lists["forces"].append(_force(text, c))
        elif label == "enemy":
            name, ev = _best(text, c, None, ())
            lists["adversaries"].append({"name": name, "evidence": ev})
        elif label == "operation_place":
            name, ev = _best(text, c, None, ())
            lists["locations"].append(
                {"name": name, "evidence": ev, "kind": _keyword(name, _PLACE_KIND)}
            )
        elif label == "official" and (official := _official(text, c)) is not None:
            lists["officials"].append(official)
    lists["forces"] = overrules.distinct(lists["forces"])
    lists["adversaries"] = overrules.distinct(lists["adversaries"])
    country = _country(text, lp.candidates, got.get("country"))
    if country is not None:
        name, ev = _best(text, country, None, ())
        report["country"] = {"name": name, "evidence": ev}
    report.update(lists)
    # a counted area ("searched 12,000 square kilometres") is the area field's
    report["outcomes"] = [
        _outcome(text, t)
        for t in lp.tallies
        if not (
            _AREA_UNIT.search(t.object)
            or overrules.by_foe(text, t)
            or overrules.running_total(text, t)
        )
    ]
    report.update(header)
    return report
