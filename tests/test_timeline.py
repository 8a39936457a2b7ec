"""The timeline chart of a consolidation (issue 16 item 4).

What is drawn is decided by plain functions (:mod:`summarizer.outputs.timeline_data`),
tested here without a plotting library; the chart itself is rendered with Altair and
``vl-convert`` (the ``notebook`` extra, in ``dev`` too) to SVG and PNG and read back.
Inputs: the campaign's reference reports (conflicts, start claims, a campaign row), the
reports recorded from the embedded model (no start dates), the examples with every
date removed, and small synthetic reports for one-day and undated phases.
"""

from __future__ import annotations

import dataclasses
import json
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.apps.cli import app
from summarizer.consolidate import (
    AliasTable,
    Consolidation,
    SourcedReport,
    consolidate,
    load_reports,
)
from summarizer.core.schema import OperationReport
from summarizer.errors import ConfigError
from summarizer.outputs.timeline import (
    register_formatters,
    timeline_data,
    to_chart,
    to_markdown,
    to_png,
    to_svg,
    write_image,
)
from summarizer.outputs.timeline_data import (
    BAR_MIN_PX,
    CHAR_PX,
    DISAGREE,
    END_OPEN,
    END_REPORTED,
    NO_DATES,
    NO_OPERATIONS,
    PHASE_DAY,
    PHASE_FIRST,
    PHASE_MONTH,
    PLOT_WIDTH,
    Row,
    Timeline,
    chart_records,
    epoch_ms,
)
from tests.conftest import EXAMPLES
from tests.test_consolidate import ALIASES, campaign_reports, report

CAMPAIGN = EXAMPLES / "campaign"
SVG_NS = "{http://www.w3.org/2000/svg}"
MONTH_LABEL = re.compile(r"\d{2} [A-Z][a-z]{2} \d{4}")


@pytest.fixture(scope="module")
def reference() -> Consolidation:
    """The campaign's reference reports: four conflicts, start claims, a campaign row."""
    return consolidate(campaign_reports(), aliases=AliasTable.from_file(ALIASES))


@pytest.fixture(scope="module")
def recorded() -> Consolidation:
    """The campaign as the embedded model extracted it: phases dated by reports only."""
    reports = load_reports(CAMPAIGN / "expected", manifest=CAMPAIGN / "manifest.json")
    return consolidate(reports, aliases=AliasTable.from_file(CAMPAIGN / "aliases.json"))


@pytest.fixture(scope="module")
def undated() -> Consolidation:
    """The seven examples' reports with every date and publication date taken away."""
    reports = []
    for path in sorted((EXAMPLES / "expected").glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        data["extraction"]["published"] = None
        data["start_date"] = data["end_date"] = None
        reports.append(SourcedReport(str(path), OperationReport.model_validate(data)))
    return consolidate(reports)


@pytest.fixture(scope="module")
def mixed() -> Consolidation:
    """A one-day phase 1 (phase 2 starts the next day), a phase 3 nobody dates, and a
    phase 4 reported in December, so the axis spans seven months."""
    return consolidate(
        [
            report("a.txt", "Operation Iron Dawn", phase=1, start="May 18, 2025"),
            report("b.txt", "Operation Iron Dawn", phase=2, start="May 19, 2025"),
            dataclasses.replace(
                report("c.txt", "Operation Iron Dawn", phase=3, outcomes=(("killed", "men", "4"),)),
                published=None,
            ),
            report("d.txt", "Operation Iron Dawn", phase=4, published="2025-12-01"),
        ]
    )


def _rows(t: Timeline) -> dict[str, Row]:
    (op,) = t.operations
    return {r.label: r for r in op.rows}


# --------------------------------------------------------------------------- data


def test_phases_with_their_dates_and_conflicts(reference: Consolidation) -> None:
    t = timeline_data(reference)
    (op,) = t.operations
    assert op.title == "Mountain Lightning — Iraq"
    assert "5 reports · 4 conflicts" in op.subtitle and "Barq al-Jibal" in op.subtitle
    labels = [r.label for r in op.rows]
    assert labels == [
        "Campaign start",
        "Campaign (no phase stated)",
        "Phase 1",
        "Phase 2",
        "Phase 3",
    ]
    rows = _rows(t)
    start = rows["Campaign start"]
    assert [(c.raw, c.first, c.last) for c in start.claims] == [
        ("in March", date(2025, 3, 1), date(2025, 3, 31)),
        ("late April", date(2025, 4, 1), date(2025, 4, 30)),
    ]
    assert len(start.conflicts) == 1 and "sources disagree" in start.dates
    one = rows["Phase 1"]  # "in March" to Monday 7 April, reported
    assert (one.start, one.end, one.start_basis, one.end_reported) == (
        date(2025, 3, 1),
        date(2025, 4, 7),
        "month",
        True,
    )
    two = rows["Phase 2"]  # May 3; no end: drawn to the day before phase 3 starts
    assert (two.start, two.end, two.start_basis, two.end_reported) == (
        date(2025, 5, 3),
        date(2025, 6, 21),
        "day",
        False,
    )
    assert two.dates == "2025-05-03 → open"
    assert len(two.conflicts) == 3 and any("18 vs 16" in c for c in two.conflicts)
    assert "killed militants disputed: 18 / 16" in two.figures
    three = rows["Phase 3"]  # no next phase: drawn to its last report
    assert (three.start, three.end) == (date(2025, 6, 22), date(2025, 6, 30))
    assert not three.conflicts
    campaign = rows["Campaign (no phase stated)"]
    assert campaign.kind == "campaign" and "running total" in campaign.figures
    assert t.domain is not None and t.message == () and t.undated == []
    lo, hi = t.domain
    assert lo <= date(2025, 3, 1) and hi > date(2025, 7, 28)  # the last report


def test_recorded_phases_start_at_their_first_report(recorded: Consolidation) -> None:
    rows = _rows(timeline_data(recorded))
    assert all(r.start_basis == "first_report" and not r.end_reported for r in rows.values())
    assert rows["Phase 1"].start == date(2025, 4, 8)
    assert rows["Phase 1"].end == date(2025, 5, 11)  # the day before phase 2's first report
    assert rows["Phase 1"].dates == "first reported 2025-04-08 → open"


def test_an_undated_phase_is_listed_as_such_after_the_dated(mixed: Consolidation) -> None:
    (op,) = timeline_data(mixed).operations
    assert [r.label for r in op.rows][-1] == "Phase 3"
    # listed after the dated rows wherever the consolidation puts it
    (source,) = mixed.operations
    first = source.model_copy(update={"phases": source.phases[::-1]})
    assert [r.label for r in timeline_data(first).operations[0].rows][-1] == "Phase 3"
    t = timeline_data(mixed)
    assert [(title, r.label) for title, r in t.undated] == [("Iron Dawn", "Phase 3")]
    (rec,) = chart_records(t)
    assert "Phase 3" in rec.order
    assert "Phase 3" not in {b["row"] for b in rec.bars + rec.labels + rec.dots}
    (words,) = [u["text"] for u in rec.undated]
    assert words.startswith("undated: no start date and no report date")
    assert "killed suspects 4" in words  # its figures, as the key names them
    assert t.message == ()  # other rows have dates: an axis, no message


def test_a_one_day_phase_stays_visible(mixed: Consolidation) -> None:
    t = timeline_data(mixed)
    rows = _rows(t)
    assert rows["Phase 1"].start == rows["Phase 1"].end == date(2025, 5, 18)
    assert t.domain is not None
    lo, hi = (epoch_ms(d) for d in t.domain)
    (rec,) = chart_records(t)
    px = {b["row"]: (b["x2"] - b["x"]) / (hi - lo) * PLOT_WIDTH for b in rec.bars}
    day_px = 86_400_000 / (hi - lo) * PLOT_WIDTH
    assert day_px < BAR_MIN_PX  # a day alone would be too thin on this axis
    assert px["Phase 1"] == pytest.approx(BAR_MIN_PX)
    # a long bar is not stretched: phase 2 runs from May 19 through Nov 30 exactly
    assert rows["Phase 2"].end == date(2025, 11, 30)
    phase2 = next(b for b in rec.bars if b["row"] == "Phase 2")
    assert (phase2["x"], phase2["x2"]) == (epoch_ms(date(2025, 5, 19)), epoch_ms(date(2025, 12, 1)))


def test_legend_entries_follow_what_the_sources_give(reference: Consolidation) -> None:
    (rec,) = chart_records(timeline_data(reference))
    bars = {b["row"]: b for b in rec.bars}
    assert bars["Phase 1"]["legend"] == PHASE_MONTH and bars["Phase 1"]["end"] == END_REPORTED
    assert bars["Phase 2"]["legend"] == PHASE_DAY and bars["Phase 2"]["end"] == END_OPEN
    assert bars["Phase 2"]["disputed"] and not bars["Phase 3"]["disputed"]
    assert {(b["row"], b["n"]) for b in rec.badges} == {("Campaign start", 1), ("Phase 2", 3)}
    assert all(c["legend"] == DISAGREE for c in rec.claims)  # the two campaign starts
    assert "18 vs 16" in bars["Phase 2"]["conflicts"]  # in the hover
    dots = sorted((d["row"], d["report"]) for d in rec.dots)
    assert ("Phase 2", "Zagros Courier, 2025-05-13") in dots and len(dots) == 5


def test_recorded_bars_are_drawn_from_the_first_report(recorded: Consolidation) -> None:
    (rec,) = chart_records(timeline_data(recorded))
    assert {b["legend"] for b in rec.bars} == {PHASE_FIRST}
    assert not rec.badges and not rec.claims


def test_labels_stay_on_the_picture(reference: Consolidation, recorded: Consolidation) -> None:
    for result in (reference, recorded):
        t = timeline_data(result)
        assert t.domain is not None
        lo, hi = (epoch_ms(d) for d in t.domain)
        for rec in chart_records(t):
            for label in rec.labels:
                width = min(len(label["text"]) * CHAR_PX, PLOT_WIDTH) * (hi - lo) / PLOT_WIDTH
                first = label["x"] - (width if label["align"] == "right" else 0)
                assert lo <= first and first + width <= hi + 1, label["text"]


def test_no_dates_at_all_gives_a_message_and_no_axis(undated: Consolidation) -> None:
    t = timeline_data(undated)
    assert t.domain is None and t.message == NO_DATES
    phases = [(op.name, rec.label) for op in undated.operations for rec in op.phases]
    assert len(t.undated) == len(phases) >= 5  # Iron Harvest 2 and 3 and three others
    for rec in chart_records(t):
        assert not (rec.bars or rec.labels or rec.dots or rec.claims or rec.campaign)
        assert all(u["text"].startswith("undated") for u in rec.undated)
    assert timeline_data(Consolidation(operations=[], decisions=[])).message == (NO_OPERATIONS,)


# --------------------------------------------------------------------------- the chart


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_the_chart_renders_to_svg_with_phases_dates_conflicts_legend(
    reference: Consolidation,
) -> None:
    svg = to_svg(reference)
    texts = _svg_texts(svg)
    assert {"Phase 1", "Phase 2", "Phase 3", "Campaign start"} <= set(texts)
    assert "Mountain Lightning — Iraq" in texts
    joined = " ".join(texts)
    assert "2025-03 → 2025-04-07 · killed militants 9" in joined  # dates written by bars
    assert "2025-05-03 → open" in joined
    assert "in March (Northern Dispatch) vs late April (Lantern Weekly)" in joined
    assert {"3", "1"} <= set(texts)  # the conflict badges
    assert any(MONTH_LABEL.fullmatch(t) for t in texts)  # a time axis
    for entry in (PHASE_DAY, PHASE_MONTH, DISAGREE, END_OPEN, "report published"):
        assert entry in texts, entry  # the legend
    assert svg.count('fill="#c62828"') >= 2  # badges and disputed claims in red


def test_the_chart_renders_to_png(reference: Consolidation) -> None:
    png = to_png(reference)
    width, height = _png_size(png)
    assert 1400 <= width <= 4000 and 500 <= height <= 2000, (width, height)  # scale 2
    assert len(png) > 30_000  # marks and words, not a blank canvas
    small = to_png(reference, scale=1)
    assert _png_size(small) == (width // 2, height // 2)


def test_no_dates_renders_a_message_and_no_axis(undated: Consolidation) -> None:
    texts = _svg_texts(to_svg(undated))
    (message,) = [t for t in texts if "No dates" in t]  # said once, in two lines
    assert message == "".join(NO_DATES)
    assert not [t for t in texts if MONTH_LABEL.fullmatch(t)]  # no axis over a month
    for op in undated.operations:
        for rec in op.phases:
            assert rec.label in texts
    assert _png_size(to_png(undated))[0] > 0
    assert NO_OPERATIONS in _svg_texts(to_svg(Consolidation(operations=[], decisions=[])))


def test_the_chart_has_hover_tooltips(reference: Consolidation) -> None:
    spec = to_chart(reference).to_dict()
    layers = spec["vconcat"][0]["layer"]
    marks = {
        (layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"])
        for layer in layers
        if "tooltip" in layer.get("encoding", {})
    }
    assert {"bar", "point", "text", "circle", "rule"} <= marks
    fields = {t["field"] for t in layers[1]["encoding"]["tooltip"]}
    assert {"row", "dates", "figures", "sources", "conflicts"} <= fields


def test_write_image_by_suffix(reference: Consolidation, tmp_path: Path) -> None:
    assert write_image(reference, tmp_path / "t.svg") == "svg"
    assert "Phase 2" in _svg_texts((tmp_path / "t.svg").read_text("utf-8"))
    assert write_image(reference, tmp_path / "t.PNG") == "png"
    assert _png_size((tmp_path / "t.PNG").read_bytes())[0] > 0
    with pytest.raises(ConfigError, match=r"\.svg or \.png"):
        write_image(reference, tmp_path / "t.pdf")
    assert not (tmp_path / "t.pdf").exists()


# --------------------------------------------------------------------------- the extra


def test_importing_the_outputs_does_not_import_altair() -> None:
    code = (
        "import sys, summarizer, summarizer.outputs.timeline, summarizer.outputs.notebook;"
        "print(sorted(m for m in ('altair', 'vl_convert') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_without_the_extra_the_chart_names_it(
    reference: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert timeline_data(reference).operations  # the data needs no extra
    monkeypatch.setitem(sys.modules, "altair", None)
    with pytest.raises(ConfigError, match=r'pip install "operation-summarizer\[notebook\]"'):
        to_chart(reference)
    monkeypatch.delitem(sys.modules, "altair")
    monkeypatch.setitem(sys.modules, "vl_convert", None)
    with pytest.raises(ConfigError, match=r"operation-summarizer\[notebook\]"):
        to_svg(reference)
    with pytest.raises(ConfigError, match=r"operation-summarizer\[notebook\]"):
        to_png(reference)


# --------------------------------------------------------------------------- front ends


def _results(tmp_path: Path) -> Path:
    results = tmp_path / "results.jsonl"
    with results.open("w", encoding="utf-8") as f:
        for sr in campaign_reports():
            data = sr.report.model_dump(mode="json")
            record = {"source": sr.source, "key": sr.stem, "status": "ok", "report": data}
            f.write(json.dumps(record) + "\n")
    return results


def test_cli_writes_the_timeline_as_svg_or_png(tmp_path: Path) -> None:
    results = _results(tmp_path)
    base = ["consolidate", str(results), "--aliases", str(ALIASES)]
    base += ["--manifest", str(CAMPAIGN / "manifest.json")]
    svg, png, old = tmp_path / "t.svg", tmp_path / "t.png", tmp_path / "old.svg"
    r = CliRunner().invoke(app, [*base, "--timeline", str(svg), "--svg", str(old)])
    assert r.exit_code == 0, r.output
    assert "Phase 2" in _svg_texts(svg.read_text("utf-8"))
    assert "Phase 2" in _svg_texts(old.read_text("utf-8"))  # the old option still works
    r = CliRunner().invoke(app, [*base, "--timeline", str(png)])
    assert r.exit_code == 0, r.output
    assert _png_size(png.read_bytes())[0] > 0
    r = CliRunner().invoke(app, [*base, "--timeline", str(tmp_path / "t.jpg")])
    assert r.exit_code == 2 and ".svg or .png" in r.stderr
    assert not r.stdout and not (tmp_path / "t.jpg").exists()


def test_cli_without_the_extra_refuses_before_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = _results(tmp_path)
    monkeypatch.setitem(sys.modules, "vl_convert", None)
    out = tmp_path / "t.svg"
    r = CliRunner().invoke(app, ["consolidate", str(results), "--timeline", str(out)])
    assert r.exit_code == 2 and "operation-summarizer[notebook]" in r.stderr
    assert not r.stdout and not out.exists()


def test_a_notebook_shows_the_chart_then_the_report(
    reference: Consolidation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The models carry no rendering; the shell is taught them by type name."""
    from IPython import display as ipython_display
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    display: Any = ipython_display.display  # IPython ships no type hints

    op = reference.operations[0]
    assert not any(hasattr(op, a) for a in ("_repr_markdown_", "_repr_svg_", "_ipython_display_"))
    shell = InteractiveShell.instance()
    try:
        register_formatters(shell)
        for shown in (reference, op):
            with capture_output() as captured:
                display(shown)
            chart, text = captured.outputs
            assert "vega" in chart.data["text/html"].lower()  # Altair's own renderer
            assert '"Phase 2"' in chart.data["text/html"]
            assert text.data["text/markdown"] == to_markdown(shown)
        monkeypatch.setitem(sys.modules, "altair", None)
        with capture_output() as captured:
            display(reference)
        (text,) = captured.outputs  # without the extra: the report alone
        assert text.data["text/markdown"] == to_markdown(reference)
    finally:
        InteractiveShell.clear_instance()
