"""Every example article, replayed from a cassette recorded on the embedded model,
in both extraction modes.

``examples/expected/`` holds the labelling mode's reports (the embedded default,
cassettes ``labels_example_*``), ``examples/expected/quotes/`` the quote mode's
(``example_*``); a change to prompts, schema, parsing, assembly or grounding that
alters a report shows up here.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from summarizer.core.ground import strip_quote
from summarizer.core.schema import OperationReport, iter_evidence
from summarizer.pipeline.summarizer import Summarizer
from tests.conftest import EXAMPLES, load_manifest

MANIFEST = load_manifest()
#: metadata that legitimately differs between a recording and a replay
VOLATILE = {"latency_s", "cache_hit", "source"}


def _stable(report: OperationReport) -> dict[str, Any]:
    data = report.model_dump(mode="json")
    meta = data.get("extraction") or {}
    for key in VOLATILE:
        meta.pop(key, None)
    return data


def _name(entry: dict[str, Any]) -> str:
    return Path(entry["file"]).stem


#: cassette prefix and expected-report folder per extraction mode
MODES = {
    "labels": ("labels_example_", EXAMPLES / "expected"),
    "quotes": ("example_", EXAMPLES / "expected" / "quotes"),
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("entry", MANIFEST, ids=_name)
def test_example_report(
    entry: dict[str, Any], mode: str, settings_for: Any, cassette: Any, update_expected: bool
) -> None:
    path = EXAMPLES / entry["file"]
    text = path.read_text(encoding="utf-8")
    prefix, folder = MODES[mode]
    settings = settings_for(extraction=mode)
    with cassette(f"{prefix}{_name(entry)}"), Summarizer(settings) as s:
        report = s.summarize(path, published=date.fromisoformat(entry["published"]))
    assert report.extraction is not None
    labelled = report.extraction.prompt_version.startswith("operation_labels")
    assert labelled == (mode == "labels")

    assert isinstance(report, OperationReport)
    assert report.extraction is not None and not report.extraction.cache_hit
    assert report.extraction.usage.prompt_tokens > 0
    assert report.extraction.usage.completion_tokens > 0
    # every located quote points at itself in the original page
    for ev in iter_evidence(report):
        if ev.status == "not_found":
            assert ev.start is None and ev.end is None
            continue
        assert ev.start is not None and ev.end is not None
        located = text[ev.start : ev.end]
        if ev.status == "exact":
            # exact: the quote as written, minus wrapping quotation marks or a
            # trailing "..." (ground.strip_quote), is that very text
            assert located == strip_quote(ev.quote)
        else:
            assert len(located) > 0
    expected_file = folder / f"{_name(entry)}.json"
    if update_expected:
        expected_file.parent.mkdir(exist_ok=True)
        expected_file.write_text(json.dumps(_stable(report), indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert _stable(report) == expected


def test_second_run_is_a_cache_hit_without_http(settings_for: Any, cassette: Any) -> None:
    entry = MANIFEST[0]
    path = EXAMPLES / entry["file"]
    published = date.fromisoformat(entry["published"])
    settings = settings_for()
    with cassette(f"example_{_name(entry)}") as tape, Summarizer(settings) as s:
        first = s.summarize(path, published=published)
        played = tape.play_count
        second = s.summarize(path, published=published)
        assert tape.play_count == played  # no HTTP for the cached answer
    assert second.extraction is not None and second.extraction.cache_hit
    assert first.extraction is not None
    assert second.model_dump(exclude={"extraction"}) == first.model_dump(exclude={"extraction"})
    assert second.extraction.usage == first.extraction.usage


def test_corrupt_cache_entry_is_a_miss(settings_for: Any, cassette: Any) -> None:
    entry = MANIFEST[0]
    path = EXAMPLES / entry["file"]
    published = date.fromisoformat(entry["published"])
    settings = settings_for()
    with cassette(f"example_{_name(entry)}"), Summarizer(settings) as s:
        s.summarize(path, published=published)
        job = s._job(path, published, None, None)
        assert s._cache is not None
        s._cache.set(job.key, {"content": '{"relevance": "nonsense"}', "usage": {}})
        again = s.summarize(path, published=published)  # re-asks the (recorded) model
    assert again.extraction is not None and not again.extraction.cache_hit


def test_published_date_changes_the_cache_key(settings_for: Any) -> None:
    with Summarizer(settings_for()) as s:
        path = EXAMPLES / MANIFEST[0]["file"]
        a = s._job(path, date(2025, 3, 16), None, None)
        b = s._job(path, None, None, None)
        c = s._job(path, date(2025, 3, 16), None, None)
    assert a.key != b.key
    assert a.key == c.key


def test_glued_story_contributes_nothing(settings_for: Any, cassette: Any) -> None:
    """Outlet B ends with a football report: none of its facts may reach the report."""
    from summarizer.pipeline.cleaning import clean_page

    entry = next(e for e in MANIFEST if "outlet_b" in e["file"])
    path = EXAMPLES / entry["file"]
    page = clean_page(path.read_text(encoding="utf-8"))
    assert len(page.set_aside) == 1
    football = page.set_aside[0]
    first = football.segments[0].orig_start
    with cassette(f"example_{_name(entry)}"), Summarizer(settings_for()) as s:
        report = s.summarize(path, published=date.fromisoformat(entry["published"]))
    for ev in iter_evidence(report):
        assert ev.start is None or ev.start < first, ev.quote
    dumped = report.model_dump_json(exclude={"extraction"})
    for planted in ("3-1", "Ramadi Olympic", "31 points", "Mustafa Rafi"):
        assert planted not in dumped
    assert report.extraction is not None and report.extraction.cleaning is not None
    assert report.extraction.cleaning.set_aside == [football.title]
