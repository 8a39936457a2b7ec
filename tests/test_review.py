"""The review page, checked in a real headless Chromium (system package)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

import summarizer
from summarizer.core.schema import OperationReport
from summarizer.outputs.notebook import report_html
from summarizer.outputs.review import collect_facts, to_html
from tests.conftest import EXAMPLES
from tests.helpers import extraction_meta, police_raid

ARTICLE = (
    "Skip to Main Content\n"
    "Police launch Operation Clean Sweep <in> Dalta\n"
    "Federal police launched Operation Clean Sweep in Dalta district on Sunday. "
    "Officers arrested 14 suspects and seized 9 rifles.\n"
)


def _report() -> OperationReport:
    return police_raid(
        ARTICLE,
        "Operation Clean Sweep",
        [
            ("arrested", "suspects", "14", "Officers arrested 14 suspects"),
            ("seized", "rifles", "9", "seized nine rifles on the moon"),
        ],
        "Police launched Operation Clean Sweep & arrested 14.",
    )


def test_page_marks_every_located_fact_and_flags_the_rest() -> None:
    r = _report()
    page = to_html(r, ARTICLE)
    facts = collect_facts(r)
    assert len(facts) == 5
    for f in facts:
        if f.evidence.start is not None:
            assert f'data-facts="{f.id}' in page or f" {f.id}" in page
    assert "quote not found in article" in page  # the rifles on the moon
    assert "&lt;in&gt;" in page and "<in>" not in page  # article text is escaped
    assert "Clean Sweep &amp; arrested" in page
    assert "http" not in page.split("<script>")[0].lower()  # no external assets


def test_report_to_html_needs_the_article() -> None:
    r = OperationReport.model_validate({"relevance": "operation_report", "summary": "x"})
    with pytest.raises(ValueError):
        summarizer.to_html(r)
    assert summarizer.to_html(r, "text").startswith("<!doctype html>")
    inline = report_html(r)  # no article: the compact inline view
    assert 'class="smz"' in inline and "<html" not in inline and "<script" not in inline


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium(tmp_path: Path, *args: str) -> str:
    """Headless Chromium on a profile of its own under ``tmp_path``: what it prints
    (the DOM after the page's scripts ran, with ``--dump-dom``)."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return done.stdout.decode("utf-8", "replace")


def _screenshot(tmp_path: Path, url: str) -> Path:
    """A 1280x800 screenshot of ``url``, as a PNG file."""
    shot = tmp_path / "review.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,800", url)
    return shot


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_following_a_fact_link_activates_its_evidence_in_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    page = tmp_path / "review.html"
    page.write_text(to_html(_report(), ARTICLE), encoding="utf-8")
    # a fact link is href="#fact-3": loading that URL is what clicking it does
    url = f"{page.as_uri()}#fact-3"
    dom = _chromium(tmp_path, "--dump-dom", url)
    assert 'data-active="fact-3"' in dom
    active = re.findall(r'<mark data-facts="([^"]*)" class="active">([^<]*)</mark>', dom)
    assert active, dom[:2000]
    assert all("fact-3" in ids.split() for ids, _ in active)
    assert "Federal police launched Operation Clean Sweep" in "".join(t for _, t in active)
    assert dom.count("<mark") >= 4
    assert _screenshot(tmp_path, url).stat().st_size > 10_000


# --------------------------------------------------------------------------- issue 16


def _with_warning(report: OperationReport, warning: str) -> OperationReport:
    meta = extraction_meta(prompt_version="operation_report.v3", warnings=[warning])
    return report.model_copy(update={"extraction": meta})


def _visible_text(page: str) -> str:
    """The page's text as a reader sees it (no tags, no script or style)."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_page_has_a_legend_and_shows_the_reports_warnings() -> None:
    warning = "kept after 2 attempts with unresolved grounding: 1 problem <b>"
    page = to_html(_with_warning(_report(), warning), ARTICLE)
    text = _visible_text(page)
    assert 'id="legend"' in page
    for words in ("Legend", "quote located in the article", "supported", "not supported"):
        assert words in text, words
    assert 'id="warnings"' in page
    assert warning in text and "<b>" not in page.split('id="warnings"')[1].split("</ul>")[0]


def test_each_fact_shows_its_support_flag_and_reason() -> None:
    r = _report()
    page = to_html(r, ARTICLE)
    for fact in collect_facts(r):
        item = re.search(rf'<li id="item-{fact.id}"[^>]*>(.*?)</li>', page, re.S)
        assert item is not None, fact.id
        ev = fact.evidence
        expected = {True: "support-yes", False: "support-no", None: "support-unchecked"}
        assert expected[ev.supported] in item.group(1), (fact.label, item.group(1))
        reason = getattr(ev, "support_reason", None)
        if reason:
            assert html.escape(reason) in item.group(1)


def test_a_fact_whose_quote_does_not_state_it_says_why() -> None:
    r = _report()
    (rifles,) = [f for f in collect_facts(r) if "rifles" in f.label]
    rifles.evidence.supported = False
    if hasattr(rifles.evidence, "support_reason"):
        rifles.evidence.support_reason = "the quote does not mention 9"
    page = to_html(r, ARTICLE)
    item = re.search(rf'<li id="item-{rifles.id}"[^>]*>(.*?)</li>', page, re.S)
    assert item is not None and "support-no" in item.group(1)
    if hasattr(rifles.evidence, "support_reason"):
        assert "the quote does not mention 9" in item.group(1)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_legend_warnings_and_flags_render_in_chromium(tmp_path: Path) -> None:
    """Rendered, not only written: the DOM after Chromium ran the page, and a screenshot."""
    assert CHROMIUM is not None
    page = tmp_path / "review.html"
    page.write_text(to_html(_with_warning(_report(), "kept after 2 attempts"), ARTICLE), "utf-8")
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri())
    text = _visible_text(dom)
    assert "Legend" in text and "Warnings (1)" in text and "kept after 2 attempts" in text
    assert "quote not found in article" in text and "✓ supported" in text
    shot = _screenshot(tmp_path, page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


# --------------------------------------------------------------------------- the CLI

STEM = "sahel_border_sweep"
EXPECTED = EXAMPLES / "expected" / f"{STEM}.json"
EXAMPLE_ARTICLE = EXAMPLES / "articles" / f"{STEM}.txt"


def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from summarizer.apps.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_review_writes_to_the_current_directory_not_beside_the_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the page goes, whatever the model says: the summarization is stubbed with
    the report recorded for the article."""
    from summarizer.pipeline.summarizer import Summarizer

    recorded = OperationReport.model_validate_json(EXPECTED.read_text("utf-8"))
    recorded._article = EXAMPLE_ARTICLE.read_text("utf-8")  # as an extraction keeps it
    asked: list[Any] = []

    def summarize(self: Any, source: Any, **kw: Any) -> OperationReport:
        asked.append((source, kw.get("published")))
        return recorded

    monkeypatch.setattr(Summarizer, "summarize", summarize)
    monkeypatch.setenv("SUMMARIZER_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SUMMARIZER_MODEL", "m")
    inbox, work = tmp_path / "inbox", tmp_path / "work"
    inbox.mkdir()
    work.mkdir()
    article = inbox / EXAMPLE_ARTICLE.name
    article.write_bytes(EXAMPLE_ARTICLE.read_bytes())
    monkeypatch.chdir(work)
    r = _cli("review", str(article), "--published", "2025-06-09")
    assert r.exit_code == 0, r.output
    assert asked and str(asked[0][1]) == "2025-06-09"
    assert sorted(p.name for p in inbox.iterdir()) == [article.name]  # nothing beside it
    written = work / f"{STEM}.review.html"
    assert written.is_file() and "<mark" in written.read_text("utf-8")
    assert f"{STEM}.review.html" in r.stdout  # says where it wrote


def test_cli_reviews_an_existing_json_report_without_asking_a_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZER_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens
    monkeypatch.setenv("SUMMARIZER_MODEL", "m")
    out = tmp_path / "page.html"
    r = _cli("review", str(EXPECTED), "--article", str(EXAMPLE_ARTICLE), "--out", str(out))
    assert r.exit_code == 0, r.output
    page = out.read_text("utf-8")
    report = OperationReport.model_validate_json(EXPECTED.read_text("utf-8"))
    article = EXAMPLE_ARTICLE.read_text("utf-8")
    assert page == to_html(report, article)  # the recorded offsets, unchanged
    assert str(out) in r.stdout


def test_cli_review_of_a_report_writes_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = _cli("review", str(EXPECTED), "--article", str(EXAMPLE_ARTICLE))
    assert r.exit_code == 0, r.output
    assert (tmp_path / f"{STEM}.review.html").is_file()
    assert not (EXPECTED.parent / f"{STEM}.review.html").exists()


def test_cli_review_of_a_report_regrounds_against_a_different_article(tmp_path: Path) -> None:
    edited = tmp_path / "edited.txt"
    edited.write_text("Preface added by an editor.\n\n" + EXAMPLE_ARTICLE.read_text("utf-8"))
    out = tmp_path / "page.html"
    r = _cli("review", str(EXPECTED), "--article", str(edited), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "not the text this report was extracted from" in r.stderr
    page = out.read_text("utf-8")
    report = OperationReport.model_validate_json(EXPECTED.read_text("utf-8"))
    pieces: dict[str, str] = {}  # fact id -> the marked text that backs it, in order
    for ids, chunk in re.findall(r'<mark data-facts="([^"]*)">([^<]*)</mark>', page):
        for ident in ids.split():
            pieces[ident] = pieces.get(ident, "") + html.unescape(chunk)
    exact = [f for f in collect_facts(report) if f.evidence.status == "exact"]
    assert exact
    for fact in exact:  # each exact quote is marked where it now is, 29 characters on
        assert pieces[fact.id] == fact.evidence.quote, fact.label


def test_cli_review_of_a_report_needs_its_article(tmp_path: Path) -> None:
    r = _cli("review", str(EXPECTED), "--out", str(tmp_path / "x.html"))
    assert r.exit_code == 2
    assert "--article" in r.stderr
    assert not (tmp_path / "x.html").exists()
