"""Score one report against its gold (:func:`score_report`) and many at once (:func:`aggregate`).

Matching follows :mod:`summarizer.evaluate.matching`; the gold format is
:mod:`summarizer.evaluate.gold`.

Traps
-----
Traps fire at most once each per report.  Name and number traps look only at
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
states one, ``country`` only when the gold names one).  Force role accuracy counts
matched required forces whose gold gives a role.  The grounded share is the mean of
``pred.grounded_share`` where it exists.  A missing prediction is all-FN, every scored
scalar wrong, no traps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from summarizer.core.schema import OperationReport
from summarizer.evaluate import matching
from summarizer.evaluate.gold import Gold, GoldName, GoldNumber, GoldOutcome, Trap

LIST_FIELDS: tuple[str, ...] = ("forces", "locations", "officials", "adversaries", "outcomes")
#: right/wrong per report; a verdict of None (not scored) is left out of the accuracy
SCALAR_FIELDS: tuple[str, ...] = (
    "relevance",
    "operation_name",
    "country",
    "phase",
    "area_value",
    "area_qualifier",
    "start_date",
)
#: the list fields whose items are matched by name
NAME_FIELDS: tuple[str, ...] = ("forces", "locations", "officials", "adversaries")

# --------------------------------------------------------------------------- score models


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


# --------------------------------------------------------------------------- list fields


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
    req = matching.one_to_one(
        len(required), len(pred), lambda g, p: tier(gold[required[g]], pred[p])
    )
    pairs = {required[g]: p for g, p in req.items()}
    rest = [p for p in range(len(pred)) if p not in req.values()]
    opt = matching.one_to_one(
        len(optional), len(rest), lambda g, p: tier(gold[optional[g]], pred[rest[p]])
    )
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
    if o.category not in g.category or not matching.number_matches(g.value, o.quantity):
        return 0
    return matching.object_tier(o.object, g.object)


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
        return pred.operation_name is not None and matching.op_name_key(pred.operation_name) in {
            matching.op_name_key(n) for n in trap.name
        }
    if trap.field == "phase":
        return pred.phase is not None and pred.phase == trap.value
    if trap.field == "area":
        return trap.value is not None and matching.quantity_has(
            pred.area, trap.value, matching.AREA_TOLERANCE
        )
    if trap.field == "start_date":
        return trap.date is not None and matching.date_matches(trap.date, pred.start_date)
    items: list[Any] = getattr(pred, trap.field)
    if trap.field == "outcomes":
        assert trap.value is not None
        value = trap.value
        return any(
            matching.quantity_has(o.quantity, value, matching.COUNT_TOLERANCE)
            for i, o in enumerate(items)
            if i not in used[trap.field]
        )
    for i, item in enumerate(items):
        if trap.except_role is not None:
            if item.role != trap.except_role and matching.name_tier(item.name, trap.name):
                return True
        elif i not in used[trap.field] and matching.name_tier(item.name, trap.name):
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
    if not gold.country:
        scalars["country"] = None
    return ReportScore(article=gold.stem, missing=True, fields=fields, scalars=scalars)


def score_report(pred: OperationReport | None, gold: Gold) -> ReportScore:
    """Score one prediction (None: missing, all facts FN) against its gold.

    ``country`` is scored only when the gold names one: then it is right when the
    predicted country's name key equals one of the gold alternatives' (no
    containment), and wrong when it differs or the prediction names none.  A gold file
    without a country (``[]``, null or no key) leaves the scalar unscored (None)
    whatever the prediction says.
    """
    if pred is None:
        return _missing_score(gold)
    fields, used, role_correct, role_total = _score_lists(pred, gold)
    return ReportScore(
        article=gold.stem,
        fields=fields,
        scalars=_scalars(pred, gold),
        role_correct=role_correct,
        role_total=role_total,
        traps=_check_traps(pred, gold, used),
        grounded_share=pred.grounded_share,
    )


def _score_lists(
    pred: OperationReport, gold: Gold
) -> tuple[dict[str, FieldScore], dict[str, set[int]], int, int]:
    """Counts per list field, the matched pred indices per field, and force roles
    (right, judged) over the matched required forces whose gold gives a role."""
    fields: dict[str, FieldScore] = {}
    used: dict[str, set[int]] = {}
    pairs: dict[str, dict[int, int]] = {}
    for name in NAME_FIELDS:
        gold_items: list[GoldName] = getattr(gold, name)
        pred_items: list[Any] = getattr(pred, name)
        fields[name], pairs[name], used[name] = _score_list(
            gold_items,
            pred_items,
            lambda g, p: matching.name_tier(p.name, g.name),
            lambda g: g.name[0],
            lambda p: str(p.name),
        )
    fields["outcomes"], _, used["outcomes"] = _score_list(
        gold.outcomes, pred.outcomes, _outcome_tier, _describe_outcome_gold, _describe_outcome
    )
    role_correct = role_total = 0
    for gi, pi in pairs["forces"].items():
        force = gold.forces[gi]
        if force.role:
            role_total += 1
            role_correct += pred.forces[pi].role in force.role
    return fields, used, role_correct, role_total


def _scalars(pred: OperationReport, gold: Gold) -> dict[str, bool | None]:
    """Right/wrong per scalar field; None where the gold leaves it unscored."""
    area_value, area_qualifier = _area_verdicts(pred, gold)
    return {
        "relevance": pred.relevance == gold.relevance,
        "operation_name": _operation_name_right(pred, gold),
        "country": _country_right(pred, gold),
        "phase": pred.phase == gold.phase,
        "area_value": area_value,
        "area_qualifier": area_qualifier,
        "start_date": any(matching.date_matches(d, pred.start_date) for d in gold.start_date),
    }


def _area_verdicts(pred: OperationReport, gold: Gold) -> tuple[bool, bool | None]:
    """(value right, qualifier right or None when the gold states no qualifier)."""
    if gold.area is None:
        return pred.area is None or matching.number_matches(None, pred.area), None
    value = pred.area is not None and matching.number_matches(
        gold.area.value, pred.area, matching.AREA_TOLERANCE
    )
    if gold.area.qualifier is None:
        return value, None
    return value, pred.area is not None and pred.area.qualifier == gold.area.qualifier


def _operation_name_right(pred: OperationReport, gold: Gold) -> bool:
    """An empty gold name means "no name stated": then the prediction must name none."""
    if not gold.operation_name:
        return not pred.operation_name
    return pred.operation_name is not None and matching.op_name_key(pred.operation_name) in {
        matching.op_name_key(n) for n in gold.operation_name
    }


def _country_right(pred: OperationReport, gold: Gold) -> bool | None:
    """Equal name keys with any gold alternative; None (not scored) without a gold country."""
    if not gold.country:
        return None
    return pred.country is not None and matching.name_tier(pred.country.name, gold.country) == 2


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
