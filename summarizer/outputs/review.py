"""A self-contained HTML page to review a report against its article.

The article sits on the left with every located quote highlighted; the report's
facts sit on the right, under a legend and the report's warnings.  Following a
fact's link (``#fact-N``) scrolls to its evidence and marks it active; each fact
says whether its quote states its value (``evidence.supported``, with the reason
when the report carries one) and flags a quote that was not found.  No external
assets: one file, safe to e-mail.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from itertools import pairwise

from summarizer.core.schema import DateFact, Evidence, OperationReport, Quantity


@dataclass(frozen=True)
class Fact:
    id: str
    section: str
    label: str
    evidence: Evidence


def _qty(q: Quantity | None) -> str:
    if q is None:
        return ""
    if q.qualifier == "range" and q.low is not None and q.high is not None:
        return f"{q.low:g}–{q.high:g}"
    if q.value is not None:
        word = {"at_least": "≥ ", "at_most": "≤ ", "approximate": "≈ "}.get(q.qualifier, "")
        return f"{word}{q.value:g}"
    return q.raw


def date_text(d: DateFact) -> str:
    """A date as precise as the article states it (a month stays a month)."""
    if d.value is not None:
        return d.value.isoformat()
    if d.precision == "month" and d.year and d.month:
        return f"{d.year:04d}-{d.month:02d}"
    if d.precision == "year" and d.year:
        return str(d.year)
    return f"{d.raw} (unresolved)"


def collect_facts(r: OperationReport) -> list[Fact]:
    """Every fact with evidence, in reading order of the report."""
    out: list[tuple[str, str, Evidence]] = []
    if r.operation_evidence is not None:
        name = r.operation_name or "operation"
        phase = f", phase {r.phase}" if r.phase else ""
        out.append(("Operation", f"{name}{phase} ({r.status})", r.operation_evidence))
    for title, d in (("Start", r.start_date), ("End", r.end_date)):
        if d is not None:
            out.append(("Dates", f"{title}: {date_text(d)}", d.evidence))
    if r.country is not None:
        out.append(("Places", f"Country: {r.country.name}", r.country.evidence))
    out += [("Places", f"{x.name} ({x.kind})", x.evidence) for x in r.locations]
    if r.area is not None:
        out.append(("Area", f"{_qty(r.area)} km² ({r.area.qualifier})", r.area.evidence))
    out += [("Forces", f"{x.name} — {x.category}, {x.role}", x.evidence) for x in r.forces]
    out += [("Adversaries", x.name, x.evidence) for x in r.adversaries]
    out += [("Officials", f"{x.name} — {x.title or x.role}", x.evidence) for x in r.officials]
    out += [
        ("Outcomes", f"{x.category}: {_qty(x.quantity)} {x.object}".strip(), x.evidence)
        for x in r.outcomes
    ]
    out += [("Objectives", x.text, x.evidence) for x in r.objectives]
    out += [("Sources", x.name, x.evidence) for x in r.sources]
    return [Fact(f"fact-{i}", s, label, ev) for i, (s, label, ev) in enumerate(out, 1)]


def _highlighted(text: str, facts: list[Fact]) -> str:
    """The article as HTML, each located span wrapped in <mark> naming its facts."""
    spans = [
        (f.evidence.start, f.evidence.end, f.id)
        for f in facts
        if f.evidence.start is not None and f.evidence.end is not None
    ]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    parts: list[str] = []
    for a, b in pairwise(cuts):
        covering = [fid for s, e, fid in spans if s <= a and b <= e]
        chunk = html.escape(text[a:b])
        if covering:
            parts.append(f'<mark data-facts="{" ".join(covering)}">{chunk}</mark>')
        else:
            parts.append(chunk)
    return "".join(parts)


def facts_by_section(facts: list[Fact]) -> dict[str, list[Fact]]:
    """Facts grouped under their section, sections and facts in reading order: how the
    review page and the notebook view list them."""
    by_section: dict[str, list[Fact]] = {}
    for f in facts:
        by_section.setdefault(f.section, []).append(f)
    return by_section


def _flag(ev: Evidence) -> str:
    """Where the quote was found, when that needs saying."""
    if ev.status == "not_found":
        return '<span class="flag bad">quote not found in article</span>'
    if ev.status == "fuzzy":
        share = int((ev.score or 0) * 100)  # floored: 99.6 % is not a whole match
        return (
            f'<span class="flag warn" title="{share}% of the quote\'s characters found in '
            'order, figures unchanged">approximate match</span>'
        )
    return ""


def _support(ev: Evidence) -> str:
    """Whether the quote states the fact's value, and why (``support_reason``, read with
    getattr: reports written before the field existed have none)."""
    reason = getattr(ev, "support_reason", None)
    why = f' <span class="why">{html.escape(reason)}</span>' if reason else ""
    if ev.supported is True:
        return f'<span class="support support-yes">✓ supported</span>{why}'
    if ev.supported is False:
        return f'<span class="support support-no">✗ not supported</span>{why}'
    return f'<span class="support support-unchecked">? not checked</span>{why}'


#: what each mark on the page means, in the order a reader meets them
_LEGEND = (
    '<details id="legend" open><summary>Legend</summary><ul>'
    "<li><mark>highlight</mark> a quote located in the article; follow a fact's link to "
    'see its quote <mark class="active">marked</mark></li>'
    '<li><span class="support support-yes">✓ supported</span> the quote states the '
    "fact: its name, figure or date, and an outcome's category, a force's role, an "
    "official's title</li>"
    '<li><span class="support support-no">✗ not supported</span> the quote is in the '
    "article but does not state the fact (the reason is shown): not counted anywhere, "
    "check it by hand</li>"
    '<li><span class="support support-unchecked">? not checked</span> no value check '
    "applies (objectives, a quote not found)</li>"
    '<li><span class="flag bad">quote not found in article</span> the model\'s quote is not '
    'in the text: the fact is kept, shown <span class="ungrounded-sample">in red</span>, '
    "and not to be trusted</li>"
    '<li><span class="flag warn">approximate match</span> found with small differences '
    "(figures unchanged)</li>"
    "</ul></details>"
)


def _warnings(report: OperationReport) -> str:
    """The report's warnings (kept after unresolved grounding, cut article, removed
    lines...): what a reviewer should read first."""
    meta = report.extraction
    if meta is None or not meta.warnings:
        return ""
    items = "".join(f"<li>{html.escape(w)}</li>" for w in meta.warnings)
    return f'<div id="warnings"><h2>Warnings ({len(meta.warnings)})</h2><ul>{items}</ul></div>'


_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;height:100vh;color:#222}
#article,#report{overflow:auto;padding:1em 1.5em;box-sizing:border-box;height:100vh}
#article{flex:3;white-space:pre-wrap;border-right:1px solid #ccc;background:#fcfcfa}
#report{flex:2;background:#fff}
mark{background:#fff3b0}mark.active{background:#ffb347;outline:2px solid #e67e00}
h1{font-size:1.2em;margin:.2em 0}h2{font-size:1em;margin:1em 0 .3em;color:#555}
ul{padding-left:1.1em;margin:0}li{margin:.25em 0}li.ungrounded a{color:#b00020}
.flag{font-size:.8em;margin-left:.4em;padding:0 .3em;border-radius:3px;white-space:nowrap}
.bad{background:#fdd;color:#900}.warn{background:#fec;color:#850}
.meta{color:#666;font-size:.85em}.summary{background:#f4f6fb;padding:.5em;border-radius:4px}
.support{font-size:.8em;margin-left:.4em;white-space:nowrap}
.support-yes{color:#170}.support-no{color:#b00020;font-weight:bold}.support-unchecked{color:#777}
.why{font-size:.8em;color:#666}
#legend{font-size:.85em;color:#444;border:1px solid #e3e3e3;border-radius:4px;padding:.2em .6em;
margin:.6em 0}#legend summary{cursor:pointer;font-weight:bold}.ungrounded-sample{color:#b00020}
#warnings{background:#fff8e6;border:1px solid #f0d48a;border-radius:4px;padding:0 .6em .4em;
margin:.6em 0;font-size:.85em}#warnings h2{color:#850}
"""

_JS = """
function show(id){
  document.querySelectorAll('mark.active').forEach(m=>m.classList.remove('active'));
  const marks=document.querySelectorAll('mark[data-facts~="'+id+'"]');
  marks.forEach(m=>m.classList.add('active'));
  if(marks.length){marks[0].scrollIntoView({block:'center'});}
  document.body.dataset.active=id;
}
function fromHash(){ if(location.hash.length>1){ show(location.hash.slice(1)); } }
window.addEventListener('hashchange',fromHash);
window.addEventListener('DOMContentLoaded',fromHash);
"""


def to_html(
    report: OperationReport, article: str | None = None, *, title: str | None = None
) -> str:
    """One self-contained HTML page: article with highlights beside the report.

    ``article`` defaults to the text the report was extracted from (``report.article``);
    a report loaded from JSON needs it passed."""
    if article is None:
        article = report.article
    if article is None:
        raise ValueError("pass the article text: this report was not extracted here")
    facts = collect_facts(report)
    items: list[str] = []
    for section, group in facts_by_section(facts).items():
        items.append(f"<h2>{html.escape(section)}</h2><ul>")
        for f in group:
            cls = "" if f.evidence.grounded else ' class="ungrounded"'
            items.append(
                f'<li id="item-{f.id}"{cls}><a href="#{f.id}">{html.escape(f.label)}</a>'
                f"{_flag(f.evidence)}{_support(f.evidence)}</li>"
            )
        items.append("</ul>")
    meta = report.extraction
    share = report.grounded_share
    meta_line = html.escape(
        " · ".join(
            x
            for x in (
                f"relevance: {report.relevance}",
                f"grounded: {share:.0%}" if share is not None else "grounded: n/a",
                f"model: {meta.model}" if meta else "",
                f"prompt: {meta.prompt_version}" if meta else "",
            )
            if x
        )
    )
    heading = title or report.operation_name or "Report"
    data = json.dumps({"facts": len(facts), "grounded_share": share})
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(heading)}</title><style>{_CSS}</style></head>"
        f"<body data-report='{html.escape(data)}'>"
        f'<div id="article">{_highlighted(article, facts)}</div>'
        f'<div id="report"><h1>{html.escape(heading)}</h1>'
        f'<p class="meta">{meta_line}</p>'
        + _warnings(report)
        + f'<p class="summary">{html.escape(report.summary)}</p>'
        + _LEGEND
        + "".join(items)
        + f"</div><script>{_JS}</script></body></html>"
    )
