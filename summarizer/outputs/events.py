"""ACLED-style event fields of a reported outcome (the rows of ``events_frame``).

Events (:func:`summarizer.outputs.tables.events_frame`) are ACLED-style rows, one per
reported outcome, with
ACLED's own column names and vocabulary where one applies (``event_date``, ``year``,
``time_precision``, ``disorder_type``, ``event_type``, ``sub_event_type``, ``actor1``,
``assoc_actor_1``, ``actor2``, ``assoc_actor_2``, ``civilian_targeting``, ``country``,
``admin1``, ``admin2``, ``location``, ``fatalities``, ``notes``).  The mapping from an
outcome to ACLED's event types is :data:`EVENT_TYPES`, refined by the outcome's object
(:func:`acled_type`); it is an approximation for triage, not ACLED coding:

========================  ==========================================================
outcome category          event_type / sub_event_type
========================  ==========================================================
killed, wounded           Battles / Armed clash; of civilians: Violence against
                          civilians / Attack (actor1 left empty: the report does not
                          say who)
arrested                  Strategic developments / Arrests
captured                  Arrests (people); Battles / Government regains territory
                          (places); Disrupted weapons use (weapons)
cleared                   Battles / Government regains territory (weapons: Disrupted
                          weapons use)
seized, defused           Strategic developments / Disrupted weapons use (seized
                          goods that are not weapons: Other)
destroyed                 Strategic developments / Looting/property destruction
                          (weapons and explosives: Disrupted weapons use)
searched, other           Strategic developments / Other
========================  ==========================================================

``actor1`` is the first force that took part (a lead force first), the others are
``assoc_actor_1``; ``actor2`` the first adversary, the others ``assoc_actor_2``.
``fatalities`` is set only for ``killed`` outcomes with a figure whose quote is located
and states it (``grounded``: the claim check found a killing of that many, not an
arrest): the lowest figure stated (ACLED's conservative reading: "between 30 and 40"
is 30, "more than 27" is 27); empty, never 0, where the article gives none.  A killed
figure whose quote does not state it goes to ``fatalities_unsupported`` instead, with
``supported``/``support_reason`` saying why: shown, never counted.  Actors are the
grounded forces and adversaries only.  The date is the operation's start as
reported (``event_date_raw`` keeps the words); ``time_precision`` is ACLED's code (1 day,
3 month; empty for a year or an unresolved date).  Rows are not aggregated the ACLED
way (same day, place and actors): group by ``report_id``, ``event_type`` and
``location`` for that.
"""

from __future__ import annotations

import re
from typing import Any

from summarizer.core.schema import OperationReport, Outcome

#: outcome category -> (ACLED event_type, sub_event_type) before the object refines it
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "killed": ("Battles", "Armed clash"),
    "wounded": ("Battles", "Armed clash"),
    "arrested": ("Strategic developments", "Arrests"),
    "captured": ("Strategic developments", "Arrests"),
    "cleared": ("Battles", "Government regains territory"),
    "seized": ("Strategic developments", "Disrupted weapons use"),
    "defused": ("Strategic developments", "Disrupted weapons use"),
    "destroyed": ("Strategic developments", "Looting/property destruction"),
    "searched": ("Strategic developments", "Other"),
    "other": ("Strategic developments", "Other"),
}

DISORDER = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Strategic developments": "Strategic developments",
}

_CIVILIANS = re.compile(
    r"\b(civilians?|residents?|villagers?|children|child|women|farmers?|shepherds?|"
    r"worshippers?|passers-?by|bystanders?|non-?combatants?)\b",
    re.I,
)
_WEAPONS = re.compile(
    r"\b(weapons?|arms|rifles?|guns?|ammunition|rounds|explosives?|ieds?|bombs?|"
    r"(?:land)?mines?|devices?|rockets?|launchers?|mortars?|grenades?|missiles?|"
    r"detonators?|suicide (?:belts?|vests?)|caches?|munitions?)\b",
    re.I,
)
_PLACES = re.compile(
    r"\b(villages?|towns?|areas?|territory|territories|positions?|hills?|districts?|"
    r"bases?|checkpoints?|neighbourhoods?|neighborhoods?|square kilometres|km)\b",
    re.I,
)


def acled_type(category: str, obj: str) -> tuple[str, str]:
    """ACLED ``(event_type, sub_event_type)`` for an outcome (see the module docstring)."""
    event_type, sub = EVENT_TYPES.get(category, EVENT_TYPES["other"])
    if category in ("killed", "wounded") and _CIVILIANS.search(obj):
        return "Violence against civilians", "Attack"
    weapons = bool(_WEAPONS.search(obj))
    if category in ("captured", "cleared", "destroyed", "seized", "defused") and weapons:
        return "Strategic developments", "Disrupted weapons use"
    if category == "captured" and _PLACES.search(obj):
        return "Battles", "Government regains territory"
    if category == "seized" and not weapons:
        return "Strategic developments", "Other"
    return event_type, sub


def killed_figure(o: Outcome) -> int | None:
    """The lowest figure stated for a killing (ACLED's conservative reading)."""
    q = o.quantity
    if o.category != "killed" or q is None:
        return None
    figure = q.low if q.low is not None else q.value
    return None if figure is None else int(figure)


def fatalities(o: Outcome) -> int | None:
    """Counted only when the article's words state the killing (grounded)."""
    return killed_figure(o) if o.evidence.grounded else None


def fatalities_unsupported(o: Outcome) -> int | None:
    """A killed figure whose quote is missing or states something else: kept visible."""
    return None if o.evidence.grounded else killed_figure(o)


TIME_PRECISION = {"day": 1, "month": 3}

#: location kinds that name the place itself rather than an administrative area
_PLACE_KINDS = ("village", "town", "crossing", "border_area", "other", "region")


def geography(r: OperationReport, o: Outcome) -> dict[str, Any]:
    by_kind: dict[str, list[str]] = {}
    for loc in r.locations:
        by_kind.setdefault(loc.kind, []).append(loc.name)
    admin1 = next(iter(by_kind.get("province", [])), None)
    admin2 = next(iter(by_kind.get("district", [])), None)
    place = o.location or next((by_kind[k][0] for k in _PLACE_KINDS if by_kind.get(k)), None)
    return {
        "country": r.country.name if r.country else None,
        "admin1": admin1,
        "admin2": admin2,
        "location": place or admin2 or admin1,
    }


def notes(r: OperationReport, o: Outcome) -> str:
    what = " ".join(x for x in (o.category, o.quantity.raw if o.quantity else "", o.object) if x)
    parts = [what]
    if r.operation_name:
        parts.append(f"during {r.operation_name}" + (f" (phase {r.phase})" if r.phase else ""))
    if o.attribution:
        parts.append(f"according to {o.attribution}")
    return " ".join(parts) + "."
