"""The review page, checked in a real headless Chromium (system package)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import summarizer
from summarizer.core.ground import GroundingContext
from summarizer.core.schema import OperationReport
from summarizer.outputs.notebook import report_html
from summarizer.outputs.review import collect_facts, to_html

ARTICLE = (
    "Skip to Main Content\n"
    "Police launch Operation Clean Sweep <in> Dalta\n"
    "Federal police launched Operation Clean Sweep in Dalta district on Sunday. "
    "Officers arrested 14 suspects and seized 9 rifles.\n"
)


def _report() -> OperationReport:
    data: dict[str, Any] = {
        "relevance": "operation_report",
        "operation_name": "Operation Clean Sweep",
        "status": "launched",
        "operation_evidence": "launched Operation Clean Sweep in Dalta district",
        "start_date": {"raw": "Sunday", "evidence": "in Dalta district on Sunday"},
        "forces": [
            {
                "name": "Federal police",
                "category": "police",
                "role": "lead",
                "evidence": "Federal police launched Operation Clean Sweep",
            }
        ],
        "outcomes": [
            {
                "category": "arrested",
                "object": "suspects",
                "quantity": "14",
                "evidence": "Officers arrested 14 suspects",
            },
            {
                "category": "seized",
                "object": "rifles",
                "quantity": "9",
                "evidence": "seized nine rifles on the moon",
            },
        ],
        "summary": "Police launched Operation Clean Sweep & arrested 14.",
    }
    ctx = GroundingContext(ARTICLE, date(2025, 5, 4), strict=False)
    return OperationReport.model_validate(data, context=ctx)


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


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
def test_following_a_fact_link_activates_its_evidence_in_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    page = tmp_path / "review.html"
    page.write_text(to_html(_report(), ARTICLE), encoding="utf-8")
    profile = tmp_path / "profile"
    # a fact link is href="#fact-3": loading that URL is what clicking it does
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", f"{page.as_uri()}#fact-3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert 'data-active="fact-3"' in dom
    active = re.findall(r'<mark data-facts="([^"]*)" class="active">([^<]*)</mark>', dom)
    assert active, dom[:2000]
    assert all("fact-3" in ids.split() for ids, _ in active)
    assert "Federal police launched Operation Clean Sweep" in "".join(t for _, t in active)
    assert dom.count("<mark") >= 4
    shot = tmp_path / "review.png"
    subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1280,800",
            f"{page.as_uri()}#fact-3",
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert shot.stat().st_size > 10_000
