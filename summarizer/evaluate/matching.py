"""How a predicted name, object, number or date is matched to a gold fact.

Matching rules
--------------
* **Names** (forces, locations, officials, adversaries, country) match when their
  :func:`summarizer.core.names.name_key` keys are equal, or when one key's words occur as
  a contiguous run of whole words in the other's ("Federal Police" in "federal police
  brigades"), provided the shorter one holds a non-generic word ("security forces" is
  contained in everything and matches nothing that way).  Keys are also built word by
  word, so an alias inside a longer name still counts ("remnants of Daesh" holds
  "Islamic State").  Case, "the", "al-"/"Al-", titles, hyphens, diacritics and vowel
  spelling (Thamer/Thamir, Kubaisi/Kobaisi) never matter.  The country, a scalar, needs
  equal keys.
* **Operation name**: the same key after dropping a leading "Operation" and a
  trailing "(military) operation"/"campaign"; equality only, no containment.
* **Numbers** compare as numbers, on the parsed ``Quantity`` (``"17,685"`` is 17685).
  A gold number matches the predicted ``value`` (exact, about, at least, at most) or a
  predicted range whose low equals its high; a gold ``[low, high]`` matches only a
  range with those bounds.  Counts must be equal; areas (km², maybe converted from
  another unit) may differ by 0.1 %.
* **Outcomes** match on category (one of the gold alternatives) and number and object:
  the object's words, singular and keyed like names, equal or contained as whole
  words in either direction ("militants" vs "Daesh militants").
* **One-to-one**: each gold fact is matched at most once and each predicted item at
  most once (maximum matching, equal keys preferred over containment); repeats in the
  prediction are false positives.  Required facts are matched before optional ones.
* **Dates** compare to the gold's precision: gold "2025-03" accepts any day of March
  2025, but a prediction less precise than the gold is wrong.  A predicted date that
  did not resolve (no year) counts as no date.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence

from summarizer.core.names import name_key
from summarizer.core.schema import DateFact, Quantity
from summarizer.evaluate.gold import GoldNumber, parse_gold_date

_GENERIC_WORDS = (
    "forces",
    "force",
    "units",
    "unit",
    "troops",
    "personnel",
    "security",
    "military",
    "operation",
    "operations",
    "group",
    "groups",
    "province",
    "region",
    "district",
    "area",
    "state",
    "national",
    "government",
    "of",
    "and",
)
_GENERIC_KEYS = frozenset(name_key(w) for w in _GENERIC_WORDS)
_OBJECT_STOPWORDS = frozenset({"a", "an", "the", "of", "and"})
#: relative tolerance for counts (equal up to float noise)
COUNT_TOLERANCE = 1e-9
#: relative tolerance for areas (km², maybe converted from another unit)
AREA_TOLERANCE = 1e-3


def _contains(long: Sequence[str], short: Sequence[str]) -> bool:
    """Whole-word, contiguous containment: "police" is in "federal police", not "policemen"."""
    n = len(short)
    return any(tuple(long[i : i + n]) == tuple(short) for i in range(len(long) - n + 1))


def _name_keys(name: str) -> list[tuple[str, ...]]:
    """The whole-name key and a word-by-word key (aliases inside longer names)."""
    whole = tuple(name_key(name).split())
    per_word = tuple(k for w in name.split() for k in name_key(w).split())
    return [k for k in {whole, per_word} if k]


def _keys_tier(a: Sequence[tuple[str, ...]], b: Sequence[tuple[str, ...]], generic: bool) -> int:
    """2 for equal keys, 1 when one is contained in the other as whole words, else 0."""
    if any(x == y for x in a for y in b):
        return 2
    for x in a:
        for y in b:
            long, short = (x, y) if len(x) >= len(y) else (y, x)
            if generic and all(w in _GENERIC_KEYS for w in short):
                continue
            if _contains(long, short):
                return 1
    return 0


def name_tier(pred: str, alternatives: Iterable[str]) -> int:
    """How well a predicted name matches any gold alternative: 2 same, 1 contained, 0 no."""
    keys = _name_keys(pred)
    return max((_keys_tier(keys, _name_keys(alt), True) for alt in alternatives), default=0)


def _singular(word: str) -> str:
    """Crude English singular: enough that "hideout"/"hideouts" compare equal."""
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 2 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _object_key(text: str) -> tuple[str, ...]:
    """Object words singular and keyed, so "liters"/"litres" and "IEDs"/"IED" agree."""
    words = re.findall(r"[^\W_]+", text.casefold())
    return tuple(
        k for w in words if w not in _OBJECT_STOPWORDS for k in name_key(_singular(w)).split()
    )


def object_tier(pred: str, alternatives: Iterable[str]) -> int:
    """Outcome objects: singular, keyed words; 2 equal, 1 contained either way, 0 no."""
    key = _object_key(pred)
    if not key:
        return 0
    return max((_keys_tier([key], [_object_key(a)], False) for a in alternatives), default=0)


def _close(a: float, b: float, rel: float) -> bool:
    """Float-safe equality; ``rel`` is 0.1 % for converted areas, ~0 for counts."""
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


def number_matches(gold: GoldNumber, q: Quantity | None, rel: float = COUNT_TOLERANCE) -> bool:
    """Gold number vs a parsed quantity, following the module's number rule."""
    if gold is None:
        return q is None or (q.value is None and q.low is None and q.high is None)
    if q is None:
        return False
    if isinstance(gold, tuple):
        lo, hi = gold
        return (
            q.low is not None
            and q.high is not None
            and _close(q.low, lo, rel)
            and _close(q.high, hi, rel)
        )
    if q.value is not None:
        return _close(q.value, gold, rel)
    return q.low is not None and q.high is not None and q.low == q.high and _close(q.low, gold, rel)


def quantity_has(q: Quantity | None, value: float | tuple[float, float], rel: float) -> bool:
    """Whether a trap number shows up anywhere in a predicted quantity."""
    if q is None:
        return False
    if isinstance(value, tuple):
        return number_matches(value, q, rel)
    return any(x is not None and _close(x, value, rel) for x in (q.value, q.low, q.high))


def _augment(p: int, edges: list[list[int]], owner: dict[int, int], seen: set[int]) -> bool:
    for g in edges[p]:
        if g in seen:
            continue
        seen.add(g)
        if g not in owner or _augment(owner[g], edges, owner, seen):
            owner[g] = p
            return True
    return False


def one_to_one(n_gold: int, n_pred: int, tier: Callable[[int, int], int]) -> dict[int, int]:
    """Maximum one-to-one matching (augmenting paths), equal-key pairs seeded first.

    Returns gold index -> pred index.  Sizes are a handful, so the simple O(V·E)
    algorithm is plenty; it still never loses a pair to a greedy early choice.
    """
    tiers = [[tier(g, p) for g in range(n_gold)] for p in range(n_pred)]
    owner: dict[int, int] = {}
    for level in (2, 1):
        edges = [[g for g in range(n_gold) if tiers[p][g] >= level] for p in range(n_pred)]
        for p in range(n_pred):
            if p not in owner.values():
                _augment(p, edges, owner, set())
    return owner


def op_name_key(name: str) -> str:
    """Operation-name key: name_key without the word "Operation" around the name."""
    words = name_key(name).split()
    op = name_key("operation")
    if words and words[0] in (op, "op"):
        words = words[1:]
    while words and words[-1] in (op, name_key("campaign")):
        words = words[:-1]
        if words and words[-1] == name_key("military"):
            words = words[:-1]
    return " ".join(words)


def _date_parts(d: DateFact | None) -> tuple[int, ...] | None:
    """Resolved date as (y, m, d) as far as known; None when it did not resolve."""
    if d is None or d.year is None:
        return None
    parts: list[int] = [d.year]
    if d.month is not None:
        parts.append(d.month)
        if d.day is not None:
            parts.append(d.day)
    return tuple(parts)


def date_matches(gold: str | None, pred: DateFact | None) -> bool:
    """Compare to the gold's precision; a less precise prediction is wrong."""
    parts = _date_parts(pred)
    if gold is None:
        return parts is None
    want = parse_gold_date(gold)
    return parts is not None and parts[: len(want)] == want
