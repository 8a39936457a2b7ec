"""Outcome families: which reported outcomes are the same event.

Outlets say "arrested" or "captured", "terrorists" or "militants" for one event; folded
into families here so that two outlets' reports of it are counted once.  A visible
false conflict is preferred to a silent double count.  Running totals ("since the
campaign began") are recognised so they are shown, never added.
"""

from __future__ import annotations

import re

from summarizer.consolidate.names import fold_plural


def _words(words: str) -> list[str]:
    return words.split()


#: canonical object -> the words outlets use for it (singular; plurals are folded)
_OBJECTS: dict[str, list[str]] = {
    "militants": _words(
        "militant terrorist insurgent fighter gunman gunmen extremist jihadist member "
        "element attacker combatant remnant jihadi rebel bandit"
    ),
    "suspects": _words("suspect person people individual detainee wanted men"),
    "soldiers": _words("soldier troop personnel serviceman servicemen officer policeman"),
    "civilians": _words("civilian resident villager shepherd farmer"),
    "hideouts": _words("hideout den shelter lair hideaway haven safehouse"),
    "explosive devices": _words("ied explosive device bomb mine"),
    "tunnels": _words("tunnel"),
    "caves": _words("cave"),
    "weapons": _words("weapon arm rifle gun launcher"),
    "ammunition": _words("ammunition ammo round"),
    "vehicles": _words("vehicle car truck pickup"),
    "motorcycles": _words("motorcycle motorbike"),
}
_OBJECT_OF: dict[str, str] = {w: canon for canon, words in _OBJECTS.items() for w in words}
_PERSONS = frozenset(["militants", "suspects", "soldiers", "civilians"])


def object_family(obj: str) -> str:
    words = [fold_plural(w) for w in re.findall(r"[a-z]+", obj.casefold())]
    for w in words:
        if w in _OBJECT_OF:
            return _OBJECT_OF[w]
        if w.endswith("e") and w[:-1] in _OBJECT_OF:  # "explosives" -> "explosive"
            return _OBJECT_OF[w[:-1]]
    content = [w for w in words if w not in {"the", "of", "and", "by", "used", "in", "a"}]
    return content[-1] if content else obj.strip().casefold() or "unspecified"


def category_family(category: str, obj: str) -> str:
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


def cumulative_reason(quote: str | None) -> str | None:
    m = _CUMULATIVE.search(quote or "")
    return f"the quote says {m.group(0).strip()!r}: a running total" if m else None
