"""Hand-written gold facts for one article each: the :class:`Gold` model and :func:`load_gold`.

Gold format
-----------
One JSON file per example, ``examples/gold/<article stem>.json``, validated by
:class:`Gold` (unknown keys are errors, so a typo cannot silently drop a fact)::

    {
      "article": "articles/iron_harvest_phase2_outlet_a.txt",   # relative to the gold dir's parent
      "relevance": "operation_report",
      "operation_name": ["Iron Harvest"],          # alternatives; [] or null: no name stated
      "country": ["Iraq"],                         # alternatives; [] or null (default): not scored
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
* ``country`` is the country where the operation takes place (alternative spellings,
  or several countries when any one is right).  Unlike ``operation_name``, an empty
  ``country`` does not claim "no country stated": the key came after the first gold
  files were written, so the country is scored only when the gold names one (see
  :func:`summarizer.evaluate.scoring.score_report`).
* A trap names something that must NOT appear: ``field`` plus ``name`` (list fields,
  ``operation_name``), ``value`` (``outcomes``, ``area``, ``phase``) or ``date``
  (``start_date``); a forces trap may add ``except_role`` ("not_participating"): the
  force may appear, but only with that role.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from summarizer.core.schema import ForceRole, OutcomeCategory, Qualifier, Relevance

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
            parse_gold_date(self.date)
        if self.except_role is not None and self.field != "forces":
            raise ValueError("except_role is only for forces traps")
        return self


class Gold(_GoldModel):
    """The facts a correct report of one article holds, and the traps it avoids.

    ``country``: spellings of the country where the operation takes place (any one is
    right), default empty.  Empty means "not scored", not "no country stated": a gold
    file written without the key neither rewards nor punishes a predicted country.
    """

    article: str
    relevance: Relevance
    operation_name: Names = Field(default_factory=list)
    country: Names = Field(default_factory=list)
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
                parse_gold_date(d)
        return v

    @property
    def stem(self) -> str:
        return Path(self.article).stem


def parse_gold_date(text: str) -> tuple[int, ...]:
    """ "2025", "2025-03" or "2025-03-15" as a tuple as long as its precision."""
    m = _DATE_RE.match(text)
    if m is None:
        raise ValueError(f"gold date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    return tuple(int(g) for g in m.groups() if g is not None)


def load_gold(directory: str | Path) -> dict[str, Gold]:
    """Every ``*.json`` gold file, keyed by article stem (which must be the file's stem)."""
    out: dict[str, Gold] = {}
    for path in sorted(Path(directory).glob("*.json")):
        gold = Gold.model_validate_json(path.read_text(encoding="utf-8"))
        if gold.stem != path.stem:
            raise ValueError(f"{path}: names article {gold.article!r}, expected {path.stem}.*")
        out[gold.stem] = gold
    return out
