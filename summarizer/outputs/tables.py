"""Reports as pandas DataFrames, and DataFrames as CSV or Parquet (the ``tables`` extra).

Every function takes what the library hands out: an :class:`~summarizer.OperationReport`,
an :class:`~summarizer.Extraction`, a batch :class:`~summarizer.runs.many.ItemResult`, a
:class:`~summarizer.consolidate.sources.SourcedReport`, a JSONL record (``{"source", "status",
"report" | "error"}``), a list of any of these, or the path of a ``summarize -f jsonl``
file, a JSON file or a directory of ``<stem>.json`` reports.

* :func:`reports_frame` has one row per item, failed and skipped ones included (their
  ``status`` and ``error_kind`` / ``error_message`` say why there is no report), so a
  failure never vanishes from a table;
* :func:`outcomes_frame`, :func:`forces_frame` and :func:`events_frame` have one row per
  fact of the items that have a report (a failed item has no facts).

Every frame has ``report_id`` (the item's position in the input: join on it), ``source``
(the article) and ``outlet``.  Column order and dtypes are fixed (:data:`COLUMNS`), also
for an empty input: nullable ``Int64`` / ``Float64`` / ``boolean`` / ``string``, and
``datetime64`` for dates.  A date column holds the first day of what the article states
("March 2025" is 2025-03-01): read it with its ``*_precision`` column (day, month, year,
unknown).

**Events** (:func:`events_frame`) are ACLED-style rows, one per reported outcome; the
mapping and its rules are in :mod:`summarizer.outputs.events`.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from pydantic import ValidationError

from summarizer.core.schema import (
    DateFact,
    Evidence,
    ExtractionMeta,
    Force,
    OperationReport,
    Outcome,
    Quantity,
    iter_evidence,
)
from summarizer.errors import ConfigError, InputError
from summarizer.outputs import events
from summarizer.outputs.events import EVENT_TYPES, acled_type

if TYPE_CHECKING:
    import pandas

__all__ = [
    "COLUMNS",
    "EVENT_TYPES",
    "TABLES",
    "TableItem",
    "acled_type",
    "events_frame",
    "forces_frame",
    "frame",
    "items",
    "outcomes_frame",
    "reports_frame",
    "write_table",
]

TableName = Literal["reports", "outcomes", "forces", "events"]
TableFormat = Literal["csv", "parquet"]

#: the tables :func:`frame` builds, by name (the CLI's ``--table``)
TABLES: tuple[TableName, ...] = ("reports", "outcomes", "forces", "events")

_S, _I, _F, _B, _D = "string", "Int64", "Float64", "boolean", "datetime64[ns]"

_ID = {"report_id": _I, "source": _S, "outlet": _S}
_EVIDENCE = {
    "quote": _S,
    "start": _I,
    "end": _I,
    "evidence_status": _S,
    "evidence_score": _F,
    "supported": _B,
    "support_reason": _S,
    "grounded": _B,
}
_QUANTITY = {
    "quantity_value": _F,
    "quantity_low": _F,
    "quantity_high": _F,
    "quantity_qualifier": _S,
    "quantity_raw": _S,
}

#: table name -> column -> dtype, in column order
COLUMNS: dict[str, dict[str, str]] = {
    "reports": {
        **_ID,
        "status": _S,
        "error_kind": _S,
        "error_message": _S,
        "relevance": _S,
        "operation_name": _S,
        "phase": _I,
        "phase_label": _S,
        "operation_status": _S,
        "start_date": _D,
        "start_precision": _S,
        "start_raw": _S,
        "end_date": _D,
        "end_precision": _S,
        "end_raw": _S,
        "country": _S,
        "locations": _S,
        "area_km2": _F,
        "area_low": _F,
        "area_high": _F,
        "area_qualifier": _S,
        "area_raw": _S,
        "forces": _S,
        "adversaries": _S,
        "n_locations": _I,
        "n_forces": _I,
        "n_adversaries": _I,
        "n_officials": _I,
        "n_outcomes": _I,
        "summary": _S,
        "n_evidence": _I,
        "n_grounded": _I,
        "n_unsupported": _I,
        "grounded_share": _F,
        "published": _D,
        "model": _S,
        "prompt_version": _S,
        "schema_version": _S,
        "cache_hit": _B,
        "attempts": _I,
        "prompt_tokens": _I,
        "completion_tokens": _I,
        "total_tokens": _I,
        "latency_s": _F,
        "warnings": _S,
        "content_sha256": _S,
    },
    "outcomes": {
        **_ID,
        "outcome_id": _I,
        "operation_name": _S,
        "phase": _I,
        "category": _S,
        "object": _S,
        **_QUANTITY,
        "location": _S,
        "attribution": _S,
        **_EVIDENCE,
    },
    "forces": {
        **_ID,
        "force_id": _I,
        "operation_name": _S,
        "phase": _I,
        "name": _S,
        "normalized": _S,
        "category": _S,
        "role": _S,
        "took_part": _B,
        **_EVIDENCE,
    },
    "events": {
        "event_id": _S,
        **_ID,
        "event_date": _D,
        "year": _I,
        "time_precision": _I,
        "event_date_precision": _S,
        "event_date_raw": _S,
        "disorder_type": _S,
        "event_type": _S,
        "sub_event_type": _S,
        "actor1": _S,
        "assoc_actor_1": _S,
        "actor2": _S,
        "assoc_actor_2": _S,
        "civilian_targeting": _S,
        "country": _S,
        "admin1": _S,
        "admin2": _S,
        "location": _S,
        "fatalities": _I,
        "fatalities_unsupported": _I,
        "outcome_category": _S,
        "object": _S,
        **_QUANTITY,
        "operation_name": _S,
        "phase": _I,
        **_EVIDENCE,
        "notes": _S,
    },
}


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class TableItem:
    """One input, whatever it came as: its report (None when it failed) and provenance."""

    report_id: int
    source: str | None
    outlet: str | None
    published: date | None
    status: str  # ok | error | skipped
    report: OperationReport | None
    meta: ExtractionMeta | None
    error_kind: str | None = None
    error_message: str | None = None

    @property
    def article(self) -> str | None:
        """The page the report was extracted from, when it was extracted in this process."""
        return self.report.article if self.report is not None else None


def _require_report(value: Any, what: str) -> OperationReport:
    if not isinstance(value, OperationReport):
        raise TypeError(
            f"tables are built from OperationReport values; {what} holds {type(value).__name__}"
        )
    return value


def _of_report(i: int, r: OperationReport, source: str | None = None) -> TableItem:
    meta = r.extraction
    src = source or (meta.source if meta else None)
    return TableItem(i, src, None, meta.published if meta else None, "ok", r, meta)


def _validated(data: Any, where: str | None) -> OperationReport:
    try:
        return OperationReport.model_validate(data)
    except ValidationError as exc:
        at = f"{where}: " if where else ""
        raise InputError(f"{at}not an OperationReport ({exc.error_count()} errors)") from None


def _of_record(i: int, data: dict[str, Any], where: str | None) -> TableItem:
    if "status" in data and ("report" in data or "error" in data):
        source = data.get("source") or where
        if data["status"] == "ok" and data.get("report") is not None:
            return _of_report(i, _validated(data["report"], source), source)
        err = data.get("error") or {}
        status = data["status"] if data["status"] in ("error", "skipped") else "error"
        return TableItem(
            i,
            source,
            None,
            None,
            status,
            None,
            None,
            err.get("kind") or "unknown",
            err.get("message") or "",
        )
    return _of_report(i, _validated(data, where), where)


def _one(i: int, obj: Any) -> TableItem:
    from summarizer.consolidate.sources import SourcedReport
    from summarizer.core.results import Extraction
    from summarizer.runs.many import ItemResult

    if isinstance(obj, OperationReport):
        return _of_report(i, obj)
    if isinstance(obj, Extraction):
        value = _require_report(obj.value, "an Extraction")
        return TableItem(i, obj.meta.source, None, obj.meta.published, "ok", value, obj.meta)
    if isinstance(obj, ItemResult):
        result = None if obj.value is None else _require_report(obj.value, "an ItemResult")
        meta = obj.meta or (result.extraction if result is not None else None)
        err = obj.error
        return TableItem(
            i,
            obj.source,
            None,
            meta.published if meta else None,
            obj.status,
            result if obj.ok else None,
            meta,
            err.kind if err else None,
            err.message if err else None,
        )
    if isinstance(obj, SourcedReport):
        meta = obj.report.extraction
        return TableItem(i, obj.source, obj.outlet, obj.published, "ok", obj.report, meta)
    if isinstance(obj, dict):
        return _of_record(i, obj, None)
    raise TypeError(
        "expected an OperationReport, Extraction, ItemResult, SourcedReport or JSONL "
        f"record, got {type(obj).__name__}"
    )


def _single(obj: Any) -> bool:
    if isinstance(obj, (OperationReport, dict)):
        return True
    name = type(obj).__name__
    return name in {"Extraction", "ItemResult", "SourcedReport"}


def items(source: Any) -> list[TableItem]:
    """Every input as a :class:`TableItem`, numbered in input order (``report_id``)."""
    if isinstance(source, TableItem):
        return [source]
    if isinstance(source, (str, Path)):
        return [_of_record(i, d, where) for i, (where, d) in enumerate(_read(Path(source)))]
    if _single(source):
        return [_one(0, source)]
    out: list[TableItem] = []
    for i, obj in enumerate(source):
        out.append(obj if isinstance(obj, TableItem) else _one(i, obj))
    return out


def _read(p: Path) -> list[tuple[str, dict[str, Any]]]:
    """(where, record-or-report) from a JSONL/JSON file or a directory of reports.  A
    later record for the same source replaces an earlier one (a rerun appended to the
    file); a torn last line (a run killed mid-write) is ignored."""
    if not p.exists():
        raise InputError(f"results not found: {p}")
    entries: list[tuple[str, Any]] = []
    if p.is_dir():
        entries = [
            (str(f), _json(f.read_text(encoding="utf-8"), str(f))) for f in sorted(p.glob("*.json"))
        ]
    elif p.suffix == ".json":
        data = _json(p.read_text(encoding="utf-8"), str(p))
        entries = [(str(p), d) for d in (data if isinstance(data, list) else [data])]
    else:
        lines = p.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entries.append((f"{p}:{n}", json.loads(line)))
            except ValueError as exc:
                if n == len(lines):
                    break  # torn last line
                raise InputError(f"{p}:{n}: not JSON: {exc}") from None
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for where, data in entries:
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a record or a report object")
        is_record = "status" in data and ("report" in data or "error" in data)
        key = str(data.get("source") or where) if is_record else where
        found.pop(key, None)
        found[key] = (key if is_record and data.get("source") else where, data)
    return list(found.values())


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{where}: not JSON: {exc}") from None


# --------------------------------------------------------------------------- pandas


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ConfigError(
            'tables need pandas: pip install "operation-summarizer[tables]"'
        ) from None
    return pandas


def require_pandas() -> None:
    """Fail early (before a run spends tokens) when the ``tables`` extra is missing."""
    _pandas()


def _frame(table: str, rows: Sequence[dict[str, Any]]) -> pandas.DataFrame:
    pd = _pandas()
    columns = COLUMNS[table]
    data = {
        name: pd.Series([row.get(name) for row in rows], dtype=dtype)
        for name, dtype in columns.items()
    }
    return pd.DataFrame(data, columns=list(columns))


# --------------------------------------------------------------------------- rows


def _date(d: DateFact | None) -> date | None:
    """The first day of what the date states (its precision says how much that is)."""
    if d is None or not d.year or d.precision in ("unknown",):
        return None
    try:
        return date(d.year, d.month or 1, d.day or 1)
    except ValueError:
        return None


def _names(values: Iterable[str]) -> str | None:
    joined = "; ".join(v for v in values if v)
    return joined or None


def _took_part(f: Force) -> bool:
    return f.role != "not_participating"


def _participants(r: OperationReport) -> list[Force]:
    """Forces that took part, lead forces first (stable otherwise)."""
    return sorted((f for f in r.forces if _took_part(f)), key=lambda f: f.role != "lead")


def _copied(obj: object, *names: str) -> dict[str, Any]:
    """Attributes that become columns of the same name."""
    return {name: getattr(obj, name) for name in names}


def _evidence(e: Evidence | None) -> dict[str, Any]:
    """The columns of a fact's quote and of the checks on it (none without evidence)."""
    if e is None:
        return {}
    checks = _copied(e, "quote", "start", "end", "supported", "support_reason", "grounded")
    return {**checks, "evidence_status": e.status, "evidence_score": e.score}


def _figure(prefix: str, q: Quantity | None, value: str = "value") -> dict[str, Any]:
    """A figure's columns, ``{prefix}_{value}``, ``_low``, ``_high``, ``_qualifier``,
    ``_raw`` (none without a figure)."""
    if q is None:
        return {}
    parts = {value: q.value, "low": q.low, "high": q.high, "qualifier": q.qualifier, "raw": q.raw}
    return {f"{prefix}_{name}": v for name, v in parts.items()}


def _dated(prefix: str, d: DateFact | None) -> dict[str, Any]:
    """A date's columns: its first day, its precision, the words."""
    return {
        f"{prefix}_date": _date(d),
        f"{prefix}_precision": d.precision if d else None,
        f"{prefix}_raw": d.raw if d else None,
    }


def _ids(it: TableItem) -> dict[str, Any]:
    return {"report_id": it.report_id, "source": it.source, "outlet": it.outlet}


#: the fact lists the reports table counts (``n_locations``, ...)
_COUNTED = ("locations", "forces", "adversaries", "officials", "outcomes")


def _report_row(it: TableItem) -> dict[str, Any]:
    row: dict[str, Any] = {
        **_ids(it),
        **_copied(it, "status", "error_kind", "error_message", "published"),
    }
    m = it.meta
    if m is not None:
        row.update(
            _copied(m, "model", "prompt_version", "schema_version", "cache_hit", "attempts"),
            prompt_tokens=m.usage.prompt_tokens,
            completion_tokens=m.usage.completion_tokens,
            total_tokens=m.usage.total_tokens,
            latency_s=m.latency_s,
            warnings=_names(m.warnings),
            content_sha256=m.content_sha256,
            published=it.published or m.published,
        )
    r = it.report
    if r is None:
        return row
    evidence = list(iter_evidence(r))
    row.update(
        _copied(r, "relevance", "operation_name", "phase", "phase_label", "summary"),
        operation_status=r.status,
        **_dated("start", r.start_date),
        **_dated("end", r.end_date),
        country=r.country.name if r.country else None,
        **_figure("area", r.area, value="km2"),
        # names from grounded facts only; the others are counted in n_unsupported
        locations=_names(x.name for x in r.locations if x.evidence.grounded),
        forces=_names(f.name for f in _participants(r) if f.evidence.grounded),
        adversaries=_names(x.name for x in r.adversaries if x.evidence.grounded),
        **{f"n_{name}": len(getattr(r, name)) for name in _COUNTED},
        n_evidence=len(evidence),
        n_grounded=sum(e.grounded for e in evidence),
        n_unsupported=sum(e.status != "not_found" and e.supported is False for e in evidence),
        grounded_share=r.grounded_share,
    )
    return row


def _reported(its: Iterable[TableItem]) -> Iterable[tuple[TableItem, OperationReport]]:
    for it in its:
        if it.report is not None:
            yield it, it.report


def _fact_row(it: TableItem, r: OperationReport, id_column: str, n: int) -> dict[str, Any]:
    """The columns every per-fact row starts with: which report, which fact."""
    return {**_ids(it), id_column: n, **_copied(r, "operation_name", "phase")}


def _outcome_row(it: TableItem, r: OperationReport, n: int, o: Outcome) -> dict[str, Any]:
    return {
        **_fact_row(it, r, "outcome_id", n),
        **_copied(o, "category", "object"),
        **_figure("quantity", o.quantity),
        **_copied(o, "location", "attribution"),
        **_evidence(o.evidence),
    }


def _force_row(it: TableItem, r: OperationReport, n: int, f: Force) -> dict[str, Any]:
    return {
        **_fact_row(it, r, "force_id", n),
        **_copied(f, "name", "normalized", "category", "role"),
        "took_part": _took_part(f),
        **_evidence(f.evidence),
    }


# --------------------------------------------------------------------------- ACLED events


def _event_row(it: TableItem, r: OperationReport, n: int, o: Outcome) -> dict[str, Any]:
    event_type, sub = events.acled_type(o.category, o.object)
    forces = [f.name for f in _participants(r) if f.evidence.grounded]
    adversaries = [a.name for a in r.adversaries if a.evidence.grounded]
    civilians = event_type == "Violence against civilians"
    if civilians:  # the report does not say who attacked them
        country = r.country.name if r.country else None
        actors = [None, None, f"Civilians ({country})" if country else "Civilians", None]
    else:
        actors = [
            forces[0] if forces else None,
            _names(forces[1:]),
            adversaries[0] if adversaries else None,
            _names(adversaries[1:]),
        ]
    d = r.start_date
    precision = d.precision if d else None
    return {
        "event_id": f"{it.report_id}-{n}",
        **_ids(it),
        "event_date": _date(d),
        "year": d.year if d and precision != "unknown" else None,
        "time_precision": events.TIME_PRECISION.get(precision or ""),
        "event_date_precision": precision,
        "event_date_raw": d.raw if d else None,
        "disorder_type": events.DISORDER[event_type],
        "event_type": event_type,
        "sub_event_type": sub,
        "actor1": actors[0],
        "assoc_actor_1": actors[1],
        "actor2": actors[2],
        "assoc_actor_2": actors[3],
        "civilian_targeting": "Civilian targeting" if civilians else None,
        **events.geography(r, o),
        "fatalities": events.fatalities(o),
        "fatalities_unsupported": events.fatalities_unsupported(o),
        "outcome_category": o.category,
        "object": o.object,
        **_figure("quantity", o.quantity),
        "operation_name": r.operation_name,
        "phase": r.phase,
        **_evidence(o.evidence),
        "notes": events.notes(r, o),
    }


# --------------------------------------------------------------------------- frames


def reports_frame(source: Any) -> pandas.DataFrame:
    """One row per item, failed and skipped items included (``status``, ``error_*``)."""
    return _frame("reports", [_report_row(it) for it in items(source)])


def _per_fact(source: Any, facts: str, row: Callable[..., dict[str, Any]]) -> list[Any]:
    """``row(item, report, n, fact)`` for each fact in each report's ``facts`` list."""
    return [
        row(it, r, n, fact)
        for it, r in _reported(items(source))
        for n, fact in enumerate(getattr(r, facts))
    ]


def outcomes_frame(source: Any) -> pandas.DataFrame:
    """One row per outcome: figure (value/low/high/qualifier/raw), quote and offsets."""
    return _frame("outcomes", _per_fact(source, "outcomes", _outcome_row))


def forces_frame(source: Any) -> pandas.DataFrame:
    """One row per force with its role (``took_part`` is False for not_participating)."""
    return _frame("forces", _per_fact(source, "forces", _force_row))


def events_frame(source: Any) -> pandas.DataFrame:
    """ACLED-style event rows, one per outcome (mapping in the module docstring)."""
    return _frame("events", _per_fact(source, "outcomes", _event_row))


_BUILDERS = {
    "reports": reports_frame,
    "outcomes": outcomes_frame,
    "forces": forces_frame,
    "events": events_frame,
}


def frame(source: Any, table: str = "reports") -> pandas.DataFrame:
    """The named table (``reports``, ``outcomes``, ``forces`` or ``events``)."""
    try:
        build = _BUILDERS[table]
    except KeyError:
        raise ConfigError(f"unknown table {table!r}; use one of {', '.join(TABLES)}") from None
    return build(source)


# --------------------------------------------------------------------------- files

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(df: pandas.DataFrame) -> pandas.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    out = df.copy()
    for name, dtype in df.dtypes.items():
        if str(dtype) == _S:
            col = out[name]
            risky = col.str.startswith(_FORMULA).fillna(False).astype(bool)
            out[name] = col.where(~risky, "'" + col)
    return out


def write_table(
    df: pandas.DataFrame,
    path: str | Path | IO[Any],
    format: TableFormat | None = None,
    *,
    spreadsheet_safe: bool = False,
) -> None:
    """Write a frame as CSV (UTF-8, no index) or Parquet (dtypes kept, needs pyarrow).

    ``format`` defaults to the file's suffix.  ``spreadsheet_safe`` prefixes an
    apostrophe to text cells starting with ``= + - @`` so a spreadsheet shows an
    article's words instead of running them as a formula; it changes the text, so
    it is off by default (quotes then no longer equal the article at their offsets).
    """
    fmt = format or _format_of(path)
    if fmt not in ("csv", "parquet"):
        raise ConfigError(f"unknown table format {fmt!r}; use csv or parquet")
    if spreadsheet_safe:
        df = _spreadsheet_safe(df)
    if fmt == "csv":
        df.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
        return
    import importlib.util

    if importlib.util.find_spec("pyarrow") is None:
        raise ConfigError('Parquet needs pyarrow: pip install "operation-summarizer[tables]"')
    df.to_parquet(path, index=False, engine="pyarrow")


def _format_of(path: str | Path | IO[Any]) -> str:
    if isinstance(path, (str, Path)):
        suffix = Path(path).suffix.lower()
        if suffix in (".parquet", ".pq"):
            return "parquet"
        if suffix == ".csv":
            return "csv"
    raise ConfigError("give the table format (csv or parquet): the file name does not say")
