"""The entry point: read a run's reports (:func:`load_predictions`) and score them
against a gold directory (:func:`evaluate`).

Pure functions, no model calls: the same predictions and gold always give the same
numbers, so a change to prompts, parsing or grounding shows up as a change in score.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from summarizer.core.schema import OperationReport
from summarizer.evaluate.gold import load_gold
from summarizer.evaluate.scoring import Summary, aggregate, score_report


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
