"""Reports in: ``summarize`` results files, report directories, manifests.

Consolidation works on :class:`SourcedReport` (a report plus the article it came from,
its outlet and publication day), because every merged value must name its source.
Reading sits at the bottom of the package so the alias table can load its file here too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from summarizer.core.schema import OperationReport
from summarizer.errors import ConfigError, InputError


@dataclass(frozen=True)
class SourcedReport:
    """A report and where it came from (``source`` names the article)."""

    source: str
    report: OperationReport
    published: date | None = None
    outlet: str | None = None

    @property
    def stem(self) -> str:
        return Path(self.source).stem


@dataclass(frozen=True)
class LoadedReports:
    reports: list[SourcedReport]
    #: sources whose record was an error, and why
    skipped: list[str] = field(default_factory=list)


def read_json(path: str | Path, what: str) -> Any:
    """A user-supplied JSON file; a missing file is an input error, bad JSON a config one."""
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{what} not found: {p}") from None
    except ValueError as exc:
        raise ConfigError(f"{what} {p} is not valid JSON: {exc}") from None


def _manifest(path: str | Path | None) -> dict[str, dict[str, Any]]:
    """Stem -> {published, outlet} from an examples-style manifest (list or mapping)."""
    if path is None:
        return {}
    data = read_json(path, "manifest")
    rows: list[dict[str, Any]] = []
    if isinstance(data, list):
        rows = [r for r in data if isinstance(r, dict) and "file" in r]
    elif isinstance(data, dict):
        rows = [{"file": k, "published": v} for k, v in data.items()]
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        pub = r.get("published")
        out[Path(str(r["file"])).stem] = {
            "published": date.fromisoformat(pub) if isinstance(pub, str) and pub else None,
            "outlet": r.get("outlet"),
        }
    return out


def read_results(path: str | Path, *, manifest: str | Path | None = None) -> LoadedReports:
    """Reports from a ``summarizer summarize`` JSONL file, a JSON list of records, or a
    directory of ``<stem>.json`` reports.  Error records are skipped (and listed); a later
    record for the same source replaces an earlier one (a rerun appended to the file).
    ``manifest`` supplies publication dates and outlet names the reports lack."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"results not found: {p}")
    entries: list[tuple[str, Any]] = []
    if p.is_dir():
        for file in sorted(p.glob("*.json")):
            entries.append((str(file), _json(file.read_text(encoding="utf-8"), str(file))))
    else:
        text = p.read_text(encoding="utf-8")
        if p.suffix == ".json":
            data = _json(text, str(p))
            entries = [(str(p), r) for r in (data if isinstance(data, list) else [data])]
        else:
            for n, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    entries.append((f"{p}:{n}", _json(line, f"{p}:{n}")))
    meta = _manifest(manifest)
    found: dict[str, SourcedReport] = {}
    skipped: list[str] = []
    for where, data in entries:
        source, report = _from_entry(data, where, p.is_dir())
        if report is None:
            found.pop(source, None)
            skipped.append(source)
            continue
        extra = meta.get(Path(source).stem, {})
        published = (report.extraction.published if report.extraction else None) or extra.get(
            "published"
        )
        found[source] = SourcedReport(source, report, published, extra.get("outlet"))
    return LoadedReports(list(found.values()), skipped)


def load_reports(path: str | Path, *, manifest: str | Path | None = None) -> list[SourcedReport]:
    """:func:`read_results` without the list of skipped error records."""
    return read_results(path, manifest=manifest).reports


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(f"{where}: not JSON: {exc}") from None


def _from_entry(data: Any, where: str, from_dir: bool) -> tuple[str, OperationReport | None]:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a record or a report object")
    is_record = "status" in data and "source" in data
    source = str(data.get("source") or "") if is_record else ""
    if is_record and data["status"] != "ok":
        return source, None
    body = data.get("report") if is_record else data
    if not source:
        extraction = body.get("extraction") if isinstance(body, dict) else None
        source = str((extraction or {}).get("source") or "") or (
            where if from_dir else f"{where} (no source)"
        )
    try:
        return source, OperationReport.model_validate(body)
    except ValueError as exc:
        raise InputError(f"{where}: not an OperationReport: {exc}") from None


def as_sourced(items: Iterable[SourcedReport | OperationReport]) -> list[SourcedReport]:
    """Bare reports named from their extraction metadata; source names must be unique,
    since conflicts and totals name their sources by them."""
    out: list[SourcedReport] = []
    for i, item in enumerate(items):
        if isinstance(item, SourcedReport):
            out.append(item)
            continue
        meta = item.extraction
        source = (meta.source if meta else None) or f"report-{i + 1}"
        out.append(SourcedReport(source, item, meta.published if meta else None))
    stems = Counter(sr.stem for sr in out)
    if any(n > 1 for n in stems.values()):
        dup = sorted(s for s, n in stems.items() if n > 1)
        raise InputError(f"several reports share a source name: {', '.join(dup)}")
    return out
