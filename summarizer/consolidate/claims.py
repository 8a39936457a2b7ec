"""One source's value for one field, as a :class:`~summarizer.consolidate.models.Claim`.

Facts from different report fields (dates, quantities, forces, names) become one claim
shape with a normalised display value, so comparing and merging need not know which
field they came from.
"""

from __future__ import annotations

from typing import Any

from summarizer.consolidate.models import Claim, Quote, SourceInfo
from summarizer.consolidate.sources import SourcedReport
from summarizer.core.schema import DateFact, Evidence, NamedFact, Quantity


def quote_of(e: Evidence | None) -> Quote | None:
    if e is None:
        return None
    return Quote(quote=e.quote, start=e.start, end=e.end, status=e.status, supported=e.supported)


def _base(sr: SourcedReport) -> dict[str, Any]:
    return {"source": sr.stem, "outlet": sr.outlet, "published": sr.published}


def date_claim(sr: SourcedReport, d: DateFact) -> Claim:
    return Claim(
        kind="date",
        value=_date_text(d.year, d.month, d.day, d.precision, d.raw),
        raw=d.raw,
        evidence=quote_of(d.evidence),
        year=d.year,
        month=d.month,
        day=d.day,
        precision=d.precision,
        **_base(sr),
    )


def _date_text(year: int | None, month: int | None, day: int | None, prec: str, raw: str) -> str:
    if prec == "day" and year and month and day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if prec == "month" and year and month:
        return f"{year:04d}-{month:02d}"
    if prec == "year" and year:
        return f"{year:04d}"
    return f"unresolved ({raw!r})"


def fmt_number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")


def _qty_text(q: str | None, low: float | None, high: float | None, num: float | None) -> str:
    if q == "exact" and num is not None:
        return fmt_number(num)
    if q == "approximate" and num is not None:
        return f"about {fmt_number(num)}"
    if q == "at_least" and low is not None:
        return f"≥{fmt_number(low)}"
    if q == "at_most" and high is not None:
        return f"≤{fmt_number(high)}"
    if q == "range" and low is not None and high is not None:
        return f"{fmt_number(low)}–{fmt_number(high)}"
    return "no figure"


def quantity_claim(
    sr: SourcedReport, q: Quantity | None, e: Evidence | None, unit: str = ""
) -> Claim:
    if q is None:
        return Claim(kind="quantity", value="no figure", evidence=quote_of(e), **_base(sr))
    text = _qty_text(q.qualifier, q.low, q.high, q.value)
    return Claim(
        kind="quantity",
        value=f"{text} {unit}".strip() if text != "no figure" else text,
        raw=q.raw,
        evidence=quote_of(e),
        qualifier=q.qualifier,
        low=q.low,
        high=q.high,
        number=q.value,
        unit=q.unit,
        **_base(sr),
    )


TOOK_PART = "took part"
NOT_PART = "did not take part"


def participation_claim(sr: SourcedReport, name: str, role: str, e: Evidence | None) -> Claim:
    value = NOT_PART if role == "not_participating" else TOOK_PART
    return Claim(
        kind="participation", value=value, raw=name, role=role, evidence=quote_of(e), **_base(sr)
    )


def name_claim(sr: SourcedReport, n: NamedFact | str, e: Evidence | None = None) -> Claim:
    if isinstance(n, str):
        return Claim(kind="name", value=n, raw=n, evidence=quote_of(e), **_base(sr))
    return Claim(kind="name", value=n.name, raw=n.name, evidence=quote_of(n.evidence), **_base(sr))


def source_info(sr: SourcedReport, phase: int | None) -> SourceInfo:
    return SourceInfo(
        source=sr.stem,
        outlet=sr.outlet,
        published=sr.published,
        phase=phase,
        operation_name=sr.report.operation_name,
    )
