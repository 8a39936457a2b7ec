"""Notebook display: reports as inline HTML fragments.

:func:`report_html` is what a notebook shows for an :class:`~summarizer.OperationReport`
or an :class:`~summarizer.Extraction`: when the article is known (a report extracted
in this process keeps it), the article with every located quote highlighted beside the
facts, each fact linking to its quote; otherwise a compact table of the facts with their
quotes and offsets.  :func:`show` wraps a list (reports, extractions, batch results,
JSONL records, a results file) in a :class:`ReportList` that a notebook shows as one
summary table, failures included, with each report's review folded below it.

Unlike :func:`summarizer.outputs.review.to_html` (a whole page with a script), these are
fragments: no ``<html>``, no script, every CSS rule scoped under ``.smz``, so they can
sit in a notebook next to other outputs and still work where outputs are untrusted
(JupyterLab, VS Code, GitHub).  Everything taken from the article or the model is
escaped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from html import escape
from itertools import pairwise
from typing import TYPE_CHECKING, Any, overload

from summarizer.core.schema import DateFact, Evidence, ExtractionMeta, OperationReport
from summarizer.outputs.review import Fact, collect_facts, date_text, facts_by_section
from summarizer.outputs.timeline import register_formatters as register_timelines

if TYPE_CHECKING:
    import pandas

    from summarizer.outputs.tables import TableItem

__all__ = [
    "ReportList",
    "extraction_html",
    "register_formatters",
    "report_html",
    "reports_html",
    "show",
]

#: reviews folded under a list's table; a longer list shows only its table beyond this
MAX_REVIEWS = 20

_CSS = """<style>
.smz{font:13px/1.45 system-ui,-apple-system,sans-serif;color:#222;background:#fff;
border:1px solid #ddd;border-radius:4px;padding:.6em .8em;margin:.3em 0;max-width:100%}
.smz .smz-head{font-size:1.05em;margin:0 0 .2em}
.smz .smz-meta{color:#666;font-size:.85em;margin:0 0 .4em}
.smz .smz-summary{background:#f4f6fb;padding:.35em .5em;border-radius:3px;margin:.3em 0 .5em}
.smz .smz-cols{display:flex;gap:1em;align-items:flex-start}
.smz .smz-article{flex:3;min-width:0;white-space:pre-wrap;max-height:36em;overflow:auto;
background:#fcfcfa;border:1px solid #eee;padding:.5em;margin:0;font:inherit}
.smz .smz-facts{flex:2;min-width:0;max-height:36em;overflow:auto}
.smz mark{background:#fff3b0;color:inherit;padding:0}
.smz mark.smz-unsupported{background:#ffd9d9}
.smz mark:target,.smz mark:has(>a:target){background:#ffb347;outline:2px solid #e67e00}
.smz h4{font-size:.9em;color:#555;margin:.6em 0 .2em;text-transform:uppercase}
.smz ul{padding-left:1.1em;margin:0}.smz li{margin:.2em 0}
.smz q{color:#555;font-style:italic}
.smz table{border-collapse:collapse;width:100%}
.smz th,.smz td{border-bottom:1px solid #eee;padding:2px 6px;text-align:left;vertical-align:top}
.smz th{background:#f7f7f7}
.smz .smz-flag{font-size:.8em;margin-left:.4em;padding:0 .3em;border-radius:3px;white-space:nowrap}
.smz .smz-bad{background:#fdd;color:#900}.smz .smz-warn{background:#fec;color:#850}
.smz .smz-ok{color:#170}.smz details{margin:.3em 0}.smz summary{cursor:pointer}
</style>"""


def _uid(*parts: str) -> str:
    """A stable id prefix, so two reports in one notebook never share anchors."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"smz-{digest[:10]}"


def _date(d: DateFact | None) -> str:
    return "—" if d is None else date_text(d)


def _flag(ev: Evidence) -> str:
    if ev.status == "not_found":
        return '<span class="smz-flag smz-bad">quote not found in article</span>'
    if ev.supported is False:
        reason = getattr(ev, "support_reason", None)
        said = f": {escape(reason)}" if reason else ""
        return f'<span class="smz-flag smz-bad">quote does not state this fact{said}</span>'
    if ev.status == "fuzzy":
        share = int((ev.score or 0) * 100)  # floored: a fuzzy match never reads "100%"
        return f'<span class="smz-flag smz-warn">approximate match {share}%</span>'
    return ""


def _where(ev: Evidence) -> str:
    if ev.start is None or ev.end is None:
        return ev.status
    return f"{ev.start}–{ev.end} ({ev.status})"


def _meta_line(report: OperationReport, meta: ExtractionMeta | None, source: str | None) -> str:
    share = report.grounded_share
    parts = [
        f"relevance: {report.relevance}",
        f"status: {report.status}",
        f"start: {_date(report.start_date)}",
        f"end: {_date(report.end_date)}",
        f"grounded: {share:.0%}" if share is not None else "grounded: n/a",
    ]
    if report.country is not None:
        parts.insert(2, f"country: {report.country.name}")
    if meta is not None:
        parts.append(f"model: {meta.model}")
        parts.append(f"{meta.usage.prompt_tokens}+{meta.usage.completion_tokens} tokens")
        if meta.cache_hit:
            parts.append("cache hit")
    if source:
        parts.append(f"source: {source}")
    return escape(" · ".join(parts))


def _heading(report: OperationReport) -> str:
    title = report.operation_name or "Unnamed operation"
    if report.phase:
        title += f" — phase {report.phase}"
    return escape(title)


def _highlighted(text: str, facts: list[Fact], uid: str) -> str:
    """The article, escaped, each located quote in a <mark> titled with its facts; a
    fact's link (``#uid-fact-N``) targets the first piece of its quote."""
    spans = [
        (f.evidence.start, f.evidence.end, f)
        for f in facts
        if f.evidence.start is not None and f.evidence.end is not None
    ]
    spans = [(s, e, f) for s, e, f in spans if 0 <= s < e <= len(text)]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    parts: list[str] = []
    for a, b in pairwise(cuts):
        chunk = escape(text[a:b])
        covering = [f for s, e, f in spans if s <= a and b <= e]
        if not covering:
            parts.append(chunk)
            continue
        starting = [f for s, _, f in spans if s == a]
        anchors = "".join(f'<a class="smz-anchor" id="{uid}-{f.id}"></a>' for f in starting[1:])
        ident = f' id="{uid}-{starting[0].id}"' if starting else ""
        title = escape("; ".join(f.label for f in covering), quote=True)
        bad = any(f.evidence.supported is False for f in covering)
        cls = ' class="smz-unsupported"' if bad else ""
        parts.append(f'<mark{ident}{cls} title="{title}">{anchors}{chunk}</mark>')
    return "".join(parts)


def _facts_list(facts: list[Fact], uid: str, linked: bool) -> str:
    out: list[str] = []
    for section, group in facts_by_section(facts).items():
        out.append(f"<h4>{escape(section)}</h4><ul>")
        for f in group:
            label = escape(f.label)
            located = f.evidence.start is not None
            if linked and located:
                quote = escape(f.evidence.quote, quote=True)
                label = f'<a href="#{uid}-{f.id}" title="{quote}">{label}</a>'
            out.append(f"<li>{label}{_flag(f.evidence)}</li>")
        out.append("</ul>")
    return "".join(out) or "<p>No facts with evidence.</p>"


def _facts_table(facts: list[Fact]) -> str:
    if not facts:
        return "<p>No facts with evidence.</p>"
    rows = [
        f"<tr><td>{escape(f.section)}</td><td>{escape(f.label)}{_flag(f.evidence)}</td>"
        f"<td><q>{escape(f.evidence.quote)}</q></td><td>{escape(_where(f.evidence))}</td></tr>"
        for f in facts
    ]
    return (
        "<table><thead><tr><th>section</th><th>fact</th><th>quote</th><th>offsets</th></tr>"
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _review_body(
    report: OperationReport,
    article: str | None,
    meta: ExtractionMeta | None,
    source: str | None,
) -> str:
    meta = meta or report.extraction
    facts = collect_facts(report)
    uid = _uid(report.model_dump_json(), article or "")
    head = (
        f'<p class="smz-head"><b>{_heading(report)}</b></p>'
        f'<p class="smz-meta">{_meta_line(report, meta, source)}</p>'
        f'<p class="smz-summary">{escape(report.summary)}</p>'
    )
    if meta is not None and meta.warnings:
        head += "".join(
            f'<p class="smz-meta"><span class="smz-flag smz-warn">warning</span> {escape(w)}</p>'
            for w in meta.warnings
        )
    if article is None:
        return head + _facts_table(facts)
    return (
        head
        + '<div class="smz-cols">'
        + f'<pre class="smz-article">{_highlighted(article, facts, uid)}</pre>'
        + f'<div class="smz-facts">{_facts_list(facts, uid, linked=True)}</div></div>'
    )


def report_html(
    report: OperationReport,
    article: str | None = None,
    *,
    meta: ExtractionMeta | None = None,
    source: str | None = None,
) -> str:
    """An inline review of one report: the article with highlighted quotes beside the
    facts when the article is known (``article``, or the one the report was extracted
    from), else a compact table of the facts with their quotes and offsets."""
    text = article if article is not None else report.article
    return f'{_CSS}<div class="smz">{_review_body(report, text, meta, source)}</div>'


def extraction_html(ex: Any) -> str:
    """An :class:`~summarizer.Extraction`: the review for an ``OperationReport``, the
    value as JSON with its metadata for any other schema."""
    value, meta = ex.value, ex.meta
    if isinstance(value, OperationReport):
        return report_html(value, meta=meta, source=meta.source)
    line = escape(
        f"{meta.schema_name} · model: {meta.model} · "
        f"grounded: {'n/a' if meta.grounded_share is None else f'{meta.grounded_share:.0%}'}"
    )
    body = escape(value.model_dump_json(indent=2))
    return f'{_CSS}<div class="smz"><p class="smz-meta">{line}</p><pre>{body}</pre></div>'


# --------------------------------------------------------------------------- lists


def _cell(value: Any) -> str:
    return "" if value is None else escape(str(value))


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label(it: TableItem) -> str:
    if not it.source:
        return f"#{it.report_id}"
    return it.source.replace("\\", "/").rsplit("/", 1)[-1]


def _row(it: TableItem) -> str:
    r = it.report
    if r is None:
        what = f"{it.error_kind or 'error'}: {it.error_message or ''}"
        status = f'<span class="smz-flag smz-bad">{escape(it.status)}</span>'
        return (
            f"<tr><td>{it.report_id}</td><td>{escape(_label(it))}</td><td>{status}</td>"
            f'<td colspan="6">{escape(_short(what))}</td></tr>'
        )
    share = r.grounded_share
    cells = [
        str(it.report_id),
        _cell(_label(it)),
        '<span class="smz-ok">ok</span>',
        _cell(r.operation_name) + (f" — phase {r.phase}" if r.phase else ""),
        escape(_date(r.start_date)),
        _cell(r.country.name if r.country else None),
        f"{len(r.forces)} / {len(r.outcomes)}",
        "n/a" if share is None else f"{share:.0%}",
        escape(_short(r.summary)),
    ]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def reports_html(source: Any) -> str:
    """A summary table of many items (failures with their error), each report's review
    folded below it (the first :data:`MAX_REVIEWS`)."""
    from summarizer.outputs.tables import items

    its = items(source)
    return _list_html(its)


def _list_html(its: Sequence[TableItem]) -> str:
    ok = sum(it.report is not None for it in its)
    head = (
        "<tr><th>#</th><th>source</th><th>status</th><th>operation</th><th>start</th>"
        "<th>country</th><th>forces / outcomes</th><th>grounded</th><th>summary</th></tr>"
    )
    table = (
        f"<table><thead>{head}</thead><tbody>"
        + "".join(_row(it) for it in its)
        + "</tbody></table>"
    )
    reviews: list[str] = []
    reported = [(it, it.report) for it in its if it.report is not None]
    for it, report in reported[:MAX_REVIEWS]:
        title = escape(f"#{it.report_id} {_label(it)} — {report.operation_name or 'report'}")
        body = _review_body(report, it.article, it.meta, it.source)
        reviews.append(f"<details><summary>{title}</summary>{body}</details>")
    more = ok - len(reviews)
    note = f'<p class="smz-meta">{more} more review(s) not shown</p>' if more > 0 else ""
    summary = escape(f"{len(its)} item(s): {ok} with a report, {len(its) - ok} without")
    return (
        f'{_CSS}<div class="smz"><p class="smz-meta">{summary}</p>{table}'
        + "".join(reviews)
        + note
        + "</div>"
    )


def _md(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


class ReportList(Sequence["TableItem"]):
    """Many items for a notebook: a summary table (failures included) with each
    report's inline review folded below; also the way to the DataFrames."""

    def __init__(self, source: Any) -> None:
        from summarizer.outputs.tables import items

        self._items = items(source)

    @overload
    def __getitem__(self, index: int) -> TableItem: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[TableItem]: ...

    def __getitem__(self, index: int | slice) -> TableItem | Sequence[TableItem]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[TableItem]:
        return iter(self._items)

    @property
    def reports(self) -> list[OperationReport]:
        """The reports of the items that have one, in input order."""
        return [it.report for it in self._items if it.report is not None]

    def frame(self, table: str = "reports") -> pandas.DataFrame:
        """``reports``, ``outcomes``, ``forces`` or ``events`` (see ``outputs.tables``)."""
        from summarizer.outputs.tables import frame

        return frame(self._items, table)

    def _repr_html_(self) -> str:
        return _list_html(self._items)

    def _repr_markdown_(self) -> str:
        lines = [
            "| # | source | status | operation | start | grounded | summary or error |",
            "|---|---|---|---|---|---|---|",
        ]
        for it in self._items:
            r = it.report
            if r is None:
                cells = [it.status, "", "", f"{it.error_kind}: {it.error_message}"]
            else:
                share = r.grounded_share
                cells = [
                    "ok",
                    (r.operation_name or "") + (f" (phase {r.phase})" if r.phase else ""),
                    _date(r.start_date),
                    "n/a" if share is None else f"{share:.0%}",
                    _short(r.summary),
                ]
            row = [str(it.report_id), _label(it), *cells]
            lines.append("| " + " | ".join(_md(c) for c in row) + " |")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        ok = sum(it.report is not None for it in self._items)
        return f"<ReportList {len(self._items)} item(s), {ok} with a report>"


def show(source: Any) -> ReportList:
    """Wrap reports, extractions, batch results, JSONL records or a results file for
    display: ``show(results)`` as a cell's last line renders them."""
    return ReportList(source)


# --------------------------------------------------------------------------- registration


def register_formatters(shell: Any) -> None:
    """Teach an IPython shell to show reports and extractions as inline reviews.

    The data types carry no ``_repr_html_`` (presentation stays out of ``core``); the
    shell's HTML formatter is told about them by type name instead, which
    ``import summarizer`` does for the running shell."""
    html = shell.display_formatter.formatters["text/html"]
    html.for_type_by_name("summarizer.core.schema", "OperationReport", report_html)
    html.for_type_by_name("summarizer.core.results", "Extraction", extraction_html)
    register_timelines(shell)
