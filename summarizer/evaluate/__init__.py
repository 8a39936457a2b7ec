"""Score extracted ``OperationReport`` objects against hand-written gold facts.

Pure functions, no model calls: the same predictions and gold always give the same
numbers, so a change to prompts, parsing or grounding shows up as a change in score.

``evaluate(gold_dir, predictions)`` is the entry point; the modules, by role:

* :mod:`~summarizer.evaluate.gold`: the gold format (:class:`Gold`) and :func:`load_gold`;
* :mod:`~summarizer.evaluate.matching`: when a predicted name, object, number or date
  matches a gold fact, and the one-to-one matching of lists;
* :mod:`~summarizer.evaluate.scoring`: one report's score (:func:`score_report`), the
  aggregate over many (:func:`aggregate`, :class:`Summary`), traps;
* :mod:`~summarizer.evaluate.table`: the summary as a terminal table or JSON;
* :mod:`~summarizer.evaluate.run`: reading a run's output, and :func:`evaluate`.
"""

from summarizer.evaluate.gold import (
    Gold,
    GoldArea,
    GoldForce,
    GoldName,
    GoldNumber,
    GoldOutcome,
    Names,
    Trap,
    load_gold,
)
from summarizer.evaluate.matching import (
    date_matches,
    name_tier,
    number_matches,
    object_tier,
    one_to_one,
    op_name_key,
)
from summarizer.evaluate.run import evaluate, load_predictions
from summarizer.evaluate.scoring import (
    LIST_FIELDS,
    SCALAR_FIELDS,
    FieldScore,
    FieldSummary,
    RateSummary,
    ReportScore,
    Summary,
    aggregate,
    score_report,
)
from summarizer.evaluate.table import render_table, to_json

__all__ = [
    "LIST_FIELDS",
    "SCALAR_FIELDS",
    "FieldScore",
    "FieldSummary",
    "Gold",
    "GoldArea",
    "GoldForce",
    "GoldName",
    "GoldNumber",
    "GoldOutcome",
    "Names",
    "RateSummary",
    "ReportScore",
    "Summary",
    "Trap",
    "aggregate",
    "date_matches",
    "evaluate",
    "load_gold",
    "load_predictions",
    "name_tier",
    "number_matches",
    "object_tier",
    "one_to_one",
    "op_name_key",
    "render_table",
    "score_report",
    "to_json",
]
