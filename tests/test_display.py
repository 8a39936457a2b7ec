"""Notebook display (``summarizer.outputs.notebook``): inline fragments, escaped, scoped CSS."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from pydantic import BaseModel

from summarizer.core.results import Extraction
from summarizer.core.schema import Evidence, ExtractionMeta, OperationReport
from summarizer.outputs.notebook import (
    ReportList,
    extraction_html,
    register_formatters,
    report_html,
    show,
)
from summarizer.outputs.review import collect_facts
from summarizer.runs.many import ItemError, ItemResult
from tests.helpers import extraction_meta, police_raid

ARTICLE = (
    "<script>alert('page')</script>\n"
    'Police launch "Operation Night Owl" <b>in</b> Dalta\n'
    "Federal police launched Operation Night Owl in Dalta district on Sunday. "
    "Officers arrested 14 suspects & seized 9 rifles <script>steal()</script>.\n"
)


#: markup a model might copy into a fact: shown as text, never run
SCRIPT = "<script>x()</script>"


def _report() -> OperationReport:
    report = police_raid(
        ARTICLE,
        "Operation Night Owl",
        [
            ("arrested", "suspects", "14", "arrested 14 suspects & seized"),
            ("seized", f"rifles {SCRIPT}", "9", "seized 9 rifles <script>steal()</script>"),
            ("destroyed", "tunnels", "3", "destroyed 3 tunnels on the moon"),
        ],
        "Police launched <i>Operation Night Owl</i> & arrested 14.",
    )
    report._article = ARTICLE
    return report


def _meta(**kw: Any) -> ExtractionMeta:
    return extraction_meta(**{"source": "night_owl.txt", **kw})


def _marked_pieces(out: str) -> dict[str, str]:
    """Anchor id -> the (escaped) text of the <mark> that holds it."""
    found: dict[str, str] = {}
    for attrs, inner in re.findall(r"<mark([^>]*)>(.*?)</mark>", out, re.S):
        text = re.sub(r"<a [^>]*></a>", "", inner)
        for ident in re.findall(r'id="([^"]+)"', attrs + inner):
            found[ident] = text
    return found


def _no_markup_from_the_article(out: str) -> None:
    assert "<script" not in out.lower()
    assert "<html" not in out.lower() and "<body" not in out.lower()
    assert "<b>in</b>" not in out and "<i>Operation" not in out
    assert "&lt;script&gt;" in out


def _css_is_scoped(out: str) -> None:
    style = re.search(r"<style>(.*?)</style>", out, re.S)
    assert style is not None
    rules = re.findall(r"([^{}]+)\{[^}]*\}", style.group(1))
    assert rules
    for selectors in rules:
        for sel in selectors.split(","):
            assert sel.strip().startswith(".smz"), sel


def test_inline_review_highlights_each_quote_at_its_offsets() -> None:
    r = _report()
    out = report_html(r)
    _no_markup_from_the_article(out)
    _css_is_scoped(out)
    facts = collect_facts(r)
    located = [f for f in facts if f.evidence.start is not None]
    assert len(located) == len(facts) - 1  # the tunnels on the moon are not in the article
    pieces = _marked_pieces(out)
    for f in located:
        assert f.evidence.start is not None and f.evidence.end is not None
        quote = ARTICLE[f.evidence.start : f.evidence.end]
        # the fact's link targets the first piece of its highlighted quote
        (target,) = [i for i in pieces if i.endswith(f"-{f.id}")]
        assert pieces[target] and quote.startswith(html.unescape(pieces[target]))
        assert f'href="#{target}"' in out
    assert "quote not found in article" in out
    assert "&lt;i&gt;Operation Night Owl&lt;/i&gt; &amp; arrested 14." in out


def test_without_the_article_a_compact_fact_table() -> None:
    r = _report()
    r._article = None
    out = report_html(r)
    _no_markup_from_the_article(out)
    assert "<mark" not in out and "<table>" in out
    assert "<q>seized 9 rifles &lt;script&gt;steal()&lt;/script&gt;</q>" in out
    seized = r.outcomes[1].evidence
    assert f"{seized.start}–{seized.end} (exact)" in out
    # the article can still be given explicitly
    assert "<mark" in report_html(r, ARTICLE)


def test_attribute_values_cannot_break_out() -> None:
    r = _report()
    r.forces[0].name = 'Federal police" onmouseover="alert(1)'
    out = report_html(r)
    assert 'onmouseover="alert(1)' not in out
    assert "&quot; onmouseover=&quot;alert(1)" in out


def test_extraction_display() -> None:
    r = _report()
    out = extraction_html(Extraction(value=r, meta=_meta(warnings=["article truncated <here>"])))
    assert "source: night_owl.txt" in out and "&lt;here&gt;" in out and "<mark" in out

    class Incident(BaseModel):
        perpetrator: str
        evidence: Evidence

    inc = Incident(perpetrator="<img src=x onerror=alert(1)>", evidence=Evidence(quote="q"))
    out = extraction_html(Extraction(value=inc, meta=_meta(schema_name="Incident")))
    assert "<img" not in out and "&lt;img src=x" in out and "Incident" in out


def test_report_list_shows_failures_and_folds_reviews() -> None:
    r = _report()
    results = [
        ItemResult(0, "night_owl.txt", "k", r, _meta(), None),
        ItemResult(1, "bad.txt", None, None, None, ItemError("input", "article <is> empty")),
    ]
    shown = show(results)
    assert isinstance(shown, ReportList) and len(shown) == 2
    assert shown.reports == [r]
    out = shown._repr_html_()
    _no_markup_from_the_article(out)
    _css_is_scoped(out)
    assert "2 item(s): 1 with a report, 1 without" in out
    assert "input: article &lt;is&gt; empty" in out
    assert out.count("<details>") == 1 and "<mark" in out
    md = shown._repr_markdown_()
    assert "| 1 | bad.txt | error |" in md and "Operation Night Owl" in md
    assert shown.frame("events")["report_id"].tolist() == [0, 0, 0]
    assert repr(shown) == "<ReportList 2 item(s), 1 with a report>"


def test_two_reports_never_share_anchor_ids() -> None:
    a, b = _report(), _report()
    b.summary = "Another report."
    ids_a = set(re.findall(r'id="(smz-[0-9a-f]+)-fact', report_html(a)))
    ids_b = set(re.findall(r'id="(smz-[0-9a-f]+)-fact', report_html(b)))
    assert len(ids_a) == len(ids_b) == 1 and ids_a != ids_b


@pytest.mark.parametrize("bad", ["</pre><script>x()</script>", "<!--", "]]>", "\x00"])
def test_article_text_is_always_inert(bad: str) -> None:
    r = _report()
    r._article = ARTICLE + bad
    out = report_html(r)
    assert bad not in out or bad == "\x00"
    assert "<script" not in out


def test_an_ipython_shell_shows_reports_and_extractions_as_reviews() -> None:
    """The data types carry no ``_repr_html_``: the shell's formatter is taught them."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        register_formatters(shell)
        r = _report()
        data, _ = shell.display_formatter.format(r)
        assert data["text/html"] == report_html(r)
        ex = Extraction(value=r, meta=_meta())
        data, _ = shell.display_formatter.format(ex)
        assert "<mark" in data["text/html"] and "night_owl.txt" in data["text/html"]
        assert not hasattr(r, "_repr_html_") and not hasattr(ex, "_repr_html_")
    finally:
        InteractiveShell.clear_instance()
