"""Score extracted ``OperationReport`` objects against hand-written gold facts.

Pure functions, no model calls: the same predictions and gold always give the same
numbers, so a change to prompts, parsing or grounding shows up as a change in score.

Gold format
-----------
One JSON file per example, ``examples/gold/<article stem>.json``, validated by
:class:`Gold` (unknown keys are errors, so a typo cannot silently drop a fact)::

    {
      "article": "articles/iron_harvest_phase2_outlet_a.txt",   # relative to the gold dir's parent
      "relevance": "operation_report",
      "operation_name": ["Iron Harvest"],          # alternatives; [] or null: no name stated
      "phase": 2,                                  # or null
      "area": {"value": 12000, "qualifier": "at_least"},   # or null; value may be [low, high]
      "start_date": "2025-03-15",                  # "2025-03", "2025", null, or a list of those
      "forces": [{"name": ["Federal Police"], "role": "participating"}],
      "locations": [{"name": ["Rutba"]}],
      "officials": [{"name": ["Thamer al-Kubaisi"]}],
      "adversaries": [{"name": ["Islamic State", "Daesh"]}],
      "outcomes": [{"category": "killed", "object": ["militants", "terrorists"], "value": 27}],
      "traps": [{"field": "outcomes", "value": 3, "note": "football score"}],
      "notes": "free text"
    }

* Any string-list key also takes a single string.  ``role`` and ``category`` take
  alternatives too (``["air_support", "supporting"]``).
* A list item with ``"optional": true`` is a fact a careful analyst may or may not
  list (an umbrella term, a break-down of a total): predicting it is neither a true
  nor a false positive, omitting it is no false negative.
* An outcome ``value`` is a number, ``[low, high]`` for a stated range, or null for
  an uncounted item ("several mobile phones").
* ``start_date`` alternatives allow an article whose date is only implied (a list
  with ``null`` accepts no date as well).
* A trap names something that must NOT appear: ``field`` plus ``name`` (list fields,
  ``operation_name``), ``value`` (``outcomes``, ``area``, ``phase``) or ``date``
  (``start_date``); a forces trap may add ``except_role`` ("not_participating"): the
  force may appear, but only with that role.

Matching rules
--------------
* **Names** (forces, locations, officials, adversaries) match when their
  :func:`summarizer.core.names.name_key` keys are equal, or when one key's words occur as
  a contiguous run of whole words in the other's ("Federal Police" in "federal police
  brigades"), provided the shorter one holds a non-generic word ("security forces" is
  contained in everything and matches nothing that way).  Keys are also built word by
  word, so an alias inside a longer name still counts ("remnants of Daesh" holds
  "Islamic State").  Case, "the", "al-"/"Al-", titles, hyphens, diacritics and vowel
  spelling (Thamer/Thamir, Kubaisi/Kobaisi) never matter.
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
* **Traps** fire at most once each per report.  Name and number traps look only at
  predicted items that matched no gold fact (so "3 caves" can be right while a "3"
  from a football score is a trap); a trap with ``except_role`` looks at every force.

Scores
------
Per list field: TP/FP/FN and P/R/F1, where an empty denominator gives 1.0 (nothing
claimed is nothing wrong) and F1 is 0 when P+R is 0.  Micro sums counts over reports;
macro averages per-report values over the reports where the field has a gold fact or a
prediction.  Overall micro pools all list fields; overall macro is the mean over
reports of each report's pooled F1 (a report with nothing to find and nothing found
scores 1).  Scalars are right/wrong per report (``area_qualifier`` only when the gold
states one).  Force role accuracy counts matched required forces whose gold gives a
role.  The grounded share is the mean of ``pred.grounded_share`` where it exists.  A
missing prediction is all-FN, every scalar wrong, no traps.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from summarizer.core.names import name_key
from summarizer.core.schema import (
    DateFact,
    ForceRole,
    OperationReport,
    OutcomeCategory,
    Qualifier,
    Quantity,
    Relevance,
)

LIST_FIELDS: tuple[str, ...] = ("forces", "locations", "officials", "adversaries", "outcomes")
SCALAR_FIELDS: tuple[str, ...] = (
    "relevance",
    "operation_name",
    "phase",
    "area_value",
    "area_qualifier",
    "start_date",
)
TrapField = Literal[
    "operation_name",
    "phase",
    "area",
    "start_date",
    "forces",
    "locations",
    "officials",
    "adversaries",
    "outcomes",
]

#: words too general to identify a name on their own (compared as keys)
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
_COUNT_TOLERANCE = 1e-9
_AREA_TOLERANCE = 1e-3

# --------------------------------------------------------------------------- gold model


def _as_list(value: Any) -> Any:
    """Hand-written gold may give one string where a list of alternatives is expected."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


def _as_date_alternatives(value: Any) -> Any:
    """``null`` means "no date stated", so it becomes the one alternative ``[None]``."""
    if value is None or isinstance(value, str):
        return [value]
    return value


Names = Annotated[list[str], BeforeValidator(_as_list)]
GoldNumber = float | tuple[float, float] | None
_DATE_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")


def _no_date() -> list[str | None]:
    return [None]


class _GoldModel(BaseModel):
    # gold is typed by hand: an unknown key is a typo, not something to ignore
    model_config = ConfigDict(extra="forbid")


class GoldName(_GoldModel):
    """A named fact; any alternative spelling counts as the fact."""

    name: Names = Field(min_length=1)
    optional: bool = False
    note: str = ""


class GoldForce(GoldName):
    """A force; ``role`` (alternatives) is scored separately as role accuracy."""

    role: Annotated[list[ForceRole], BeforeValidator(_as_list)] = Field(default_factory=list)


class GoldOutcome(_GoldModel):
    """A result: category and object alternatives, and the figure as a number."""

    category: Annotated[list[OutcomeCategory], BeforeValidator(_as_list)] = Field(min_length=1)
    object: Names = Field(min_length=1)
    value: GoldNumber = None
    optional: bool = False
    note: str = ""


class GoldArea(_GoldModel):
    """The area in km²; ``qualifier`` None leaves the qualifier unscored."""

    value: float | tuple[float, float]
    qualifier: Qualifier | None = None


class Trap(_GoldModel):
    """Something the article contains that a correct report must not state."""

    field: TrapField
    name: Names = Field(default_factory=list)
    value: GoldNumber = None
    date: str | None = None
    except_role: ForceRole | None = None
    note: str = ""

    @model_validator(mode="after")
    def _has_criterion(self) -> Trap:
        needs = {
            "operation_name": "name",
            "phase": "value",
            "area": "value",
            "start_date": "date",
            "outcomes": "value",
        }.get(self.field, "name")
        if not getattr(self, needs):
            raise ValueError(f"a {self.field} trap needs {needs!r}")
        if self.date is not None:
            _parse_gold_date(self.date)
        if self.except_role is not None and self.field != "forces":
            raise ValueError("except_role is only for forces traps")
        return self


class Gold(_GoldModel):
    """The facts a correct report of one article holds, and the traps it avoids."""

    article: str
    relevance: Relevance
    operation_name: Names = Field(default_factory=list)
    phase: int | None = None
    area: GoldArea | None = None
    start_date: Annotated[list[str | None], BeforeValidator(_as_date_alternatives)] = Field(
        default_factory=_no_date, min_length=1
    )
    forces: list[GoldForce] = Field(default_factory=list)
    locations: list[GoldName] = Field(default_factory=list)
    officials: list[GoldName] = Field(default_factory=list)
    adversaries: list[GoldName] = Field(default_factory=list)
    outcomes: list[GoldOutcome] = Field(default_factory=list)
    traps: list[Trap] = Field(default_factory=list)
    notes: str = ""

    @field_validator("start_date")
    @classmethod
    def _dates_readable(cls, v: list[str | None]) -> list[str | None]:
        for d in v:
            if d is not None:
                _parse_gold_date(d)
        return v

    @property
    def stem(self) -> str:
        return Path(self.article).stem


def _parse_gold_date(text: str) -> tuple[int, ...]:
    """ "2025", "2025-03" or "2025-03-15" as a tuple as long as its precision."""
    m = _DATE_RE.match(text)
    if m is None:
        raise ValueError(f"gold date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return tuple(int(g) for g in m.groups() if g is not None)


# --------------------------------------------------------------------------- scores


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """P/R/F1 with empty denominators read as "nothing wrong" (1.0)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


class FieldScore(BaseModel):
    """Counts for one list field of one report, with what was missed or invented."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    missed: list[str] = Field(default_factory=list)
    spurious: list[str] = Field(default_factory=list)

    @property
    def applicable(self) -> bool:
        return self.tp + self.fp + self.fn > 0

    @property
    def precision(self) -> float:
        return _prf(self.tp, self.fp, self.fn)[0]

    @property
    def recall(self) -> float:
        return _prf(self.tp, self.fp, self.fn)[1]

    @property
    def f1(self) -> float:
        return _prf(self.tp, self.fp, self.fn)[2]


class ReportScore(BaseModel):
    """One article: list-field counts, scalar verdicts (None: not scored), traps hit."""

    article: str
    missing: bool = False
    fields: dict[str, FieldScore]
    scalars: dict[str, bool | None]
    role_correct: int = 0
    role_total: int = 0
    traps: list[str] = Field(default_factory=list)
    grounded_share: float | None = None

    @property
    def trap_violations(self) -> int:
        return len(self.traps)

    @property
    def f1(self) -> float:
        """F1 over all list fields pooled; a report with nothing to find and nothing found is 1."""
        tp = sum(f.tp for f in self.fields.values())
        fp = sum(f.fp for f in self.fields.values())
        fn = sum(f.fn for f in self.fields.values())
        return _prf(tp, fp, fn)[2]


class FieldSummary(BaseModel):
    """Micro and macro scores of one list field (None where no report applies)."""

    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    macro_precision: float | None
    macro_recall: float | None
    macro_f1: float | None
    support: int = Field(description="Gold facts (TP + FN).")
    reports: int = Field(description="Reports with a gold fact or a prediction for the field.")


class RateSummary(BaseModel):
    """Share of right answers for a scalar (None when nothing was scored)."""

    correct: int
    total: int
    accuracy: float | None


class Summary(BaseModel):
    """Aggregate over a set of reports; ``to_json`` gives its tracking form."""

    reports: int
    missing: int
    fields: dict[str, FieldSummary]
    overall: FieldSummary
    overall_macro_f1: float | None = Field(description="Mean of per-report pooled F1.")
    scalars: dict[str, RateSummary]
    force_role: RateSummary
    trap_violations: int
    traps: dict[str, list[str]]
    grounded_share: float | None
    per_report_f1: dict[str, float]


# --------------------------------------------------------------------------- matching


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


def number_matches(gold: GoldNumber, q: Quantity | None, rel: float = _COUNT_TOLERANCE) -> bool:
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


def _quantity_has(q: Quantity | None, value: float | tuple[float, float], rel: float) -> bool:
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


def _score_list(
    gold: Sequence[GoldName | GoldOutcome],
    pred: Sequence[Any],
    tier: Callable[[Any, Any], int],
    describe_gold: Callable[[Any], str],
    describe_pred: Callable[[Any], str],
) -> tuple[FieldScore, dict[int, int], set[int]]:
    """Counts, required gold index -> pred index, and the pred indices matched to anything."""
    required = [i for i, g in enumerate(gold) if not g.optional]
    optional = [i for i, g in enumerate(gold) if g.optional]
    req = one_to_one(len(required), len(pred), lambda g, p: tier(gold[required[g]], pred[p]))
    pairs = {required[g]: p for g, p in req.items()}
    rest = [p for p in range(len(pred)) if p not in req.values()]
    opt = one_to_one(len(optional), len(rest), lambda g, p: tier(gold[optional[g]], pred[rest[p]]))
    used = set(pairs.values()) | {rest[p] for p in opt.values()}
    score = FieldScore(
        tp=len(pairs),
        fp=len(pred) - len(used),
        fn=len(required) - len(pairs),
        missed=[describe_gold(gold[i]) for i in required if i not in pairs],
        spurious=[describe_pred(pred[p]) for p in range(len(pred)) if p not in used],
    )
    return score, pairs, used


def _describe_number(value: GoldNumber) -> str:
    if value is None:
        return "?"
    if isinstance(value, tuple):
        return f"{value[0]:g}-{value[1]:g}"
    return f"{value:g}"


def _describe_outcome_gold(g: GoldOutcome) -> str:
    return f"{g.category[0]} {_describe_number(g.value)} {g.object[0]}"


def _describe_outcome(o: Any) -> str:
    raw = o.quantity.raw if o.quantity is not None else "?"
    return f"{o.category} {raw} {o.object}"


def _outcome_tier(g: GoldOutcome, o: Any) -> int:
    if o.category not in g.category or not number_matches(g.value, o.quantity):
        return 0
    return object_tier(o.object, g.object)


# --------------------------------------------------------------------------- scalars


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
    want = _parse_gold_date(gold)
    return parts is not None and parts[: len(want)] == want


# --------------------------------------------------------------------------- traps


def _check_traps(pred: OperationReport, gold: Gold, used: Mapping[str, set[int]]) -> list[str]:
    """Notes (or a description) of every trap the prediction walks into."""
    fired: list[str] = []
    for trap in gold.traps:
        if _trap_fires(trap, pred, used):
            what = trap.name or trap.date or _describe_number(trap.value)
            fired.append(f"{trap.field}: {trap.note or what}")
    return fired


def _trap_fires(trap: Trap, pred: OperationReport, used: Mapping[str, set[int]]) -> bool:
    if trap.field == "operation_name":
        return pred.operation_name is not None and op_name_key(pred.operation_name) in {
            op_name_key(n) for n in trap.name
        }
    if trap.field == "phase":
        return pred.phase is not None and pred.phase == trap.value
    if trap.field == "area":
        return trap.value is not None and _quantity_has(pred.area, trap.value, _AREA_TOLERANCE)
    if trap.field == "start_date":
        return trap.date is not None and date_matches(trap.date, pred.start_date)
    items: list[Any] = getattr(pred, trap.field)
    if trap.field == "outcomes":
        assert trap.value is not None
        value = trap.value
        return any(
            _quantity_has(o.quantity, value, _COUNT_TOLERANCE)
            for i, o in enumerate(items)
            if i not in used[trap.field]
        )
    for i, item in enumerate(items):
        if trap.except_role is not None:
            if item.role != trap.except_role and name_tier(item.name, trap.name):
                return True
        elif i not in used[trap.field] and name_tier(item.name, trap.name):
            return True
    return False


# --------------------------------------------------------------------------- scoring


def _missing_score(gold: Gold) -> ReportScore:
    fields: dict[str, FieldScore] = {}
    for name in LIST_FIELDS:
        facts: list[Any] = [g for g in getattr(gold, name) if not g.optional]
        describe = _describe_outcome_gold if name == "outcomes" else (lambda g: g.name[0])
        fields[name] = FieldScore(fn=len(facts), missed=[describe(g) for g in facts])
    scalars: dict[str, bool | None] = dict.fromkeys(SCALAR_FIELDS, False)
    if gold.area is None or gold.area.qualifier is None:
        scalars["area_qualifier"] = None
    return ReportScore(article=gold.stem, missing=True, fields=fields, scalars=scalars)


def score_report(pred: OperationReport | None, gold: Gold) -> ReportScore:
    """Score one prediction (None: missing, all facts FN) against its gold."""
    if pred is None:
        return _missing_score(gold)
    fields: dict[str, FieldScore] = {}
    used: dict[str, set[int]] = {}
    role_correct = role_total = 0
    for name in ("forces", "locations", "officials", "adversaries"):
        gold_items: list[GoldName] = getattr(gold, name)
        pred_items: list[Any] = getattr(pred, name)
        score, pairs, used[name] = _score_list(
            gold_items,
            pred_items,
            lambda g, p: name_tier(p.name, g.name),
            lambda g: g.name[0],
            lambda p: str(p.name),
        )
        fields[name] = score
        if name == "forces":
            for gi, pi in pairs.items():
                force = gold.forces[gi]
                if force.role:
                    role_total += 1
                    role_correct += pred.forces[pi].role in force.role
    fields["outcomes"], _, used["outcomes"] = _score_list(
        gold.outcomes, pred.outcomes, _outcome_tier, _describe_outcome_gold, _describe_outcome
    )

    area_value: bool
    area_qualifier: bool | None = None
    if gold.area is None:
        area_value = pred.area is None or number_matches(None, pred.area)
    else:
        area_value = pred.area is not None and number_matches(
            gold.area.value, pred.area, _AREA_TOLERANCE
        )
        if gold.area.qualifier is not None:
            area_qualifier = pred.area is not None and pred.area.qualifier == gold.area.qualifier
    if gold.operation_name:
        op_name = pred.operation_name is not None and op_name_key(pred.operation_name) in {
            op_name_key(n) for n in gold.operation_name
        }
    else:
        op_name = not pred.operation_name
    scalars: dict[str, bool | None] = {
        "relevance": pred.relevance == gold.relevance,
        "operation_name": op_name,
        "phase": pred.phase == gold.phase,
        "area_value": area_value,
        "area_qualifier": area_qualifier,
        "start_date": any(date_matches(d, pred.start_date) for d in gold.start_date),
    }
    return ReportScore(
        article=gold.stem,
        fields=fields,
        scalars=scalars,
        role_correct=role_correct,
        role_total=role_total,
        traps=_check_traps(pred, gold, used),
        grounded_share=pred.grounded_share,
    )


# --------------------------------------------------------------------------- aggregate


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _field_summary(scores: Sequence[FieldScore]) -> FieldSummary:
    tp, fp, fn = (sum(getattr(s, k) for s in scores) for k in ("tp", "fp", "fn"))
    applicable = [s for s in scores if s.applicable]
    micro: tuple[float | None, ...] = _prf(tp, fp, fn) if tp + fp + fn else (None, None, None)
    return FieldSummary(
        tp=tp,
        fp=fp,
        fn=fn,
        precision=micro[0],
        recall=micro[1],
        f1=micro[2],
        macro_precision=_mean([s.precision for s in applicable]),
        macro_recall=_mean([s.recall for s in applicable]),
        macro_f1=_mean([s.f1 for s in applicable]),
        support=tp + fn,
        reports=len(applicable),
    )


def _rate(correct: int, total: int) -> RateSummary:
    return RateSummary(correct=correct, total=total, accuracy=correct / total if total else None)


def aggregate(scores: Sequence[ReportScore]) -> Summary:
    """Micro/macro per field, pooled overall F1, scalar accuracies, traps, grounding."""
    fields = {name: _field_summary([s.fields[name] for s in scores]) for name in LIST_FIELDS}
    pooled = [
        FieldScore(
            tp=sum(f.tp for f in s.fields.values()),
            fp=sum(f.fp for f in s.fields.values()),
            fn=sum(f.fn for f in s.fields.values()),
        )
        for s in scores
    ]
    scalars: dict[str, RateSummary] = {}
    for name in SCALAR_FIELDS:
        verdicts = [s.scalars.get(name) for s in scores]
        judged = [v for v in verdicts if v is not None]
        scalars[name] = _rate(sum(judged), len(judged))
    shares = [s.grounded_share for s in scores if s.grounded_share is not None]
    return Summary(
        reports=len(scores),
        missing=sum(s.missing for s in scores),
        fields=fields,
        overall=_field_summary(pooled),
        overall_macro_f1=_mean([s.f1 for s in scores]),
        scalars=scalars,
        force_role=_rate(sum(s.role_correct for s in scores), sum(s.role_total for s in scores)),
        trap_violations=sum(s.trap_violations for s in scores),
        traps={s.article: s.traps for s in scores if s.traps},
        grounded_share=_mean(shares),
        per_report_f1={s.article: s.f1 for s in scores},
    )


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def render_table(summary: Summary) -> str:
    """Plain-text table for a terminal: list fields, then scalars, traps and grounding."""
    header = ("field", "P", "R", "F1", "F1 macro", "support")
    rows: list[tuple[str, ...]] = [header]
    for name, f in [*summary.fields.items(), ("overall", summary.overall)]:
        macro = summary.overall_macro_f1 if name == "overall" else f.macro_f1
        rows.append(
            (name, _fmt(f.precision), _fmt(f.recall), _fmt(f.f1), _fmt(macro), str(f.support))
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    out = [line(rows[0]), line(["-" * w for w in widths])]
    out += [line(r) for r in rows[1:-1]]
    out += [line(["-" * w for w in widths]), line(rows[-1]), ""]
    scalar_rows = [("scalar", "accuracy", "n")] + [
        (name, _fmt(r.accuracy), str(r.total))
        for name, r in [*summary.scalars.items(), ("force_role", summary.force_role)]
    ]
    sw = [max(len(r[i]) for r in scalar_rows) for i in range(3)]
    for i, r in enumerate(scalar_rows):
        out.append(f"{r[0].ljust(sw[0])}  {r[1].rjust(sw[1])}  {r[2].rjust(sw[2])}".rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in sw))
    out.append("")
    out.append(f"reports: {summary.reports} ({summary.missing} missing)")
    out.append(f"mean grounded share: {_fmt(summary.grounded_share)}")
    out.append(f"trap violations: {summary.trap_violations}")
    for article, notes in summary.traps.items():
        out += [f"  {article}: {note}" for note in notes]
    return "\n".join(out) + "\n"


def to_json(summary: Summary) -> dict[str, Any]:
    """JSON-ready form of a summary, for tracking scores across runs."""
    return summary.model_dump(mode="json")


# --------------------------------------------------------------------------- loading


def load_gold(directory: str | Path) -> dict[str, Gold]:
    """Every ``*.json`` gold file, keyed by article stem (which must be the file's stem)."""
    out: dict[str, Gold] = {}
    for path in sorted(Path(directory).glob("*.json")):
        gold = Gold.model_validate_json(path.read_text(encoding="utf-8"))
        if gold.stem != path.stem:
            raise ValueError(f"{path}: names article {gold.article!r}, expected {path.stem}.*")
        out[gold.stem] = gold
    return out


def _from_record(data: Any, where: str) -> OperationReport | None:
    """A CLI record (``{"source", "status", "report"}``) or a bare report; None for errors."""
    if isinstance(data, dict) and "status" in data and "source" in data:
        if data["status"] != "ok":
            return None
        data = data.get("report")
    try:
        return OperationReport.model_validate(data)
    except ValueError as exc:
        raise ValueError(f"{where}: not an OperationReport: {exc}") from exc


def load_predictions(source: str | Path) -> dict[str, OperationReport]:
    """Reports keyed by article stem: a directory of ``<stem>.json``, or a CLI output file.

    A CLI file is JSONL (one record a line) or ``--format json`` (a list of records, or
    one bare report keyed by its ``extraction.source``).  Error records are skipped, so
    they score as missing predictions; a later record for the same stem wins (a re-run
    appended to the same file).
    """
    path = Path(source)
    out: dict[str, OperationReport] = {}
    if path.is_dir():
        for file in sorted(path.glob("*.json")):
            report = _from_record(json.loads(file.read_text(encoding="utf-8")), str(file))
            if report is not None:
                out[file.stem] = report
        return out
    text = path.read_text(encoding="utf-8")
    records: list[tuple[str, Any]]
    if path.suffix == ".json":
        data = json.loads(text)
        records = [(str(path), r) for r in (data if isinstance(data, list) else [data])]
    else:
        records = [
            (f"{path}:{n}", json.loads(line))
            for n, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]
    for where, record in records:
        source_name = record.get("source") if isinstance(record, dict) else None
        if source_name is None and isinstance(record, dict):
            source_name = (record.get("extraction") or {}).get("source")
        if not source_name:
            raise ValueError(f"{where}: neither a summarizer record nor a report with a source")
        stem = Path(str(source_name)).stem
        report = _from_record(record, where)
        if report is None:
            out.pop(stem, None)
        else:
            out[stem] = report
    return out


def evaluate(
    gold_dir: str | Path, predictions: str | Path | Mapping[str, OperationReport]
) -> Summary:
    """Score every gold example; an article without a prediction is all FN."""
    golds = load_gold(gold_dir)
    preds = predictions if isinstance(predictions, Mapping) else load_predictions(predictions)
    return aggregate([score_report(preds.get(stem), gold) for stem, gold in golds.items()])
