"""Tables (``summarizer.outputs.tables``): DataFrames, CSV, Parquet, ``--format csv|parquet``.

Frames are built from the reports recorded from the embedded model
(``examples/expected``), from the campaign's reference answers grounded against their
articles, and from small synthetic reports for the ACLED mapping rules.
"""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from summarizer.apps.cli import app
from summarizer.consolidate import SourcedReport, load_reports
from summarizer.core.ground import GroundingContext
from summarizer.core.results import Extraction
from summarizer.core.schema import ExtractionMeta, OperationReport
from summarizer.errors import ConfigError, InputError
from summarizer.outputs import tables
from summarizer.runs.many import ItemError, ItemResult
from tests.conftest import EXAMPLES, load_manifest
from tests.helpers import extraction_meta, outcome
from tests.test_consolidate import campaign_reports

EXPECTED = EXAMPLES / "expected"

#: ACLED's event types and sub-event types (codebook 2023/2024) that outcomes may map to
ACLED = {
    "Battles": {
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    },
    "Explosions/Remote violence": {
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    },
    "Violence against civilians": {"Sexual violence", "Attack", "Abduction/forced disappearance"},
    "Strategic developments": {
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    },
}


def _article_for(source: str) -> str:
    """The page a recorded or reference report was extracted from."""
    stem = Path(source).stem
    for folder in (EXAMPLES / "articles", EXAMPLES / "campaign" / "articles"):
        if (folder / f"{stem}.txt").is_file():
            return (folder / f"{stem}.txt").read_text(encoding="utf-8")
    raise AssertionError(f"no article for {source}")


@pytest.fixture(scope="module")
def recorded() -> list[SourcedReport]:
    return load_reports(EXPECTED)


@pytest.fixture(scope="module")
def campaign() -> list[SourcedReport]:
    return campaign_reports()


# --------------------------------------------------------------------------- synthetic

ARTICLE = (
    "Army launches Operation Dune Shield\n"
    "The Northern Army and the Border Police launched Operation Dune Shield in "
    "Wadi Sirr district of Qasr province in March 2025. Coalition aircraft did not take "
    "part. Troops killed between 30 and 40 militants of the Sand Brigades and arrested "
    "12 suspects. They seized 9 rifles and 4 motorcycles, captured the village of Tell "
    "Amir, and defused 6 roadside bombs. Two civilians were killed in crossfire, the "
    'governor said. =HYPERLINK("http://x") was painted on a wall.\n'
)


def synthetic() -> OperationReport:
    data: dict[str, Any] = {
        "relevance": "operation_report",
        "operation_name": "Operation Dune Shield",
        "status": "launched",
        "operation_evidence": "launched Operation Dune Shield",
        "start_date": {"raw": "March 2025", "evidence": "in March 2025"},
        "country": None,
        "locations": [
            {"name": "Qasr", "kind": "province", "evidence": "Qasr province"},
            {"name": "Wadi Sirr", "kind": "district", "evidence": "Wadi Sirr district"},
            {"name": "Tell Amir", "kind": "village", "evidence": "the village of Tell Amir"},
        ],
        "forces": [
            {
                "name": "Coalition aircraft",
                "category": "coalition",
                "role": "not_participating",
                "evidence": "Coalition aircraft did not take part",
            },
            {
                "name": "Border Police",
                "category": "police",
                "role": "participating",
                "evidence": "the Border Police launched",
            },
            {
                "name": "Northern Army",
                "category": "army",
                "role": "lead",
                "evidence": "The Northern Army and the Border Police launched Operation",
            },
        ],
        "adversaries": [{"name": "Sand Brigades", "evidence": "militants of the Sand Brigades"}],
        "outcomes": [
            outcome(
                "killed", "militants", "between 30 and 40", "killed between 30 and 40 militants"
            ),
            outcome("arrested", "suspects", "12", "arrested 12 suspects"),
            outcome("seized", "rifles", "9", "seized 9 rifles"),
            outcome("seized", "motorcycles", "4", "9 rifles and 4 motorcycles"),
            outcome("captured", "village of Tell Amir", None, "captured the village of Tell Amir"),
            outcome("defused", "roadside bombs", "6", "defused 6 roadside bombs"),
            outcome(
                "killed",
                "civilians",
                "Two",
                "Two civilians were killed in crossfire",
                attribution="the governor",
            ),
            outcome("other", "slogan", None, '=HYPERLINK("http://x") was painted'),
        ],
        "summary": "Army and police launched Operation Dune Shield in Qasr in March 2025.",
    }
    return OperationReport.model_validate(
        data, context=GroundingContext(ARTICLE, date(2025, 4, 2), strict=False)
    )


# --------------------------------------------------------------------------- shape


@pytest.mark.parametrize("name", tables.TABLES)
def test_empty_input_gives_the_same_columns_and_dtypes(name: str) -> None:
    empty = tables.frame([], name)
    full = tables.frame([synthetic()], name)
    assert list(empty.columns) == list(tables.COLUMNS[name]) == list(full.columns)
    assert len(empty) == 0 and len(full) > 0
    assert empty.dtypes.to_dict() == full.dtypes.to_dict()
    for column, dtype in tables.COLUMNS[name].items():
        assert str(full[column].dtype) == dtype, column


def test_reports_frame_matches_the_recorded_reports(recorded: list[SourcedReport]) -> None:
    df = tables.reports_frame(recorded)
    files = sorted(EXPECTED.glob("*.json"))
    assert len(df) == len(files) == len(recorded)
    assert df["report_id"].tolist() == list(range(len(files)))
    for row, path in zip(df.itertuples(), files, strict=True):
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert Path(row.source).name == path.name
        assert row.status == "ok" and pd.isna(row.error_kind)
        assert row.relevance == raw["relevance"]
        assert (row.operation_name if not pd.isna(row.operation_name) else None) == raw[
            "operation_name"
        ]
        assert row.n_outcomes == len(raw["outcomes"])
        assert row.n_forces == len(raw["forces"])
        assert row.summary == raw["summary"]
        assert row.model == raw["extraction"]["model"]
        usage = raw["extraction"]["usage"]
        assert row.total_tokens == usage["prompt_tokens"] + usage["completion_tokens"]
        share = raw["extraction"]["grounded_share"]
        assert (pd.isna(row.grounded_share) and share is None) or row.grounded_share == share


def test_outcome_quotes_are_the_article_at_their_offsets(
    recorded: list[SourcedReport], campaign: list[SourcedReport]
) -> None:
    df = tables.outcomes_frame([*recorded, *campaign])
    expected_rows = sum(len(sr.report.outcomes) for sr in [*recorded, *campaign])
    assert len(df) == expected_rows
    checked = 0
    for row in df.itertuples():
        if row.evidence_status == "not_found":
            assert pd.isna(row.start) and pd.isna(row.end) and not row.grounded
            continue
        article = _article_for(row.source)
        located = article[row.start : row.end]
        if row.evidence_status == "exact":
            assert located == row.quote.strip().strip("\"'")
            checked += 1
        else:
            assert located
    assert checked >= 10  # campaign reference answers are located exactly


def test_forces_frame_keeps_roles(campaign: list[SourcedReport]) -> None:
    df = tables.forces_frame(campaign)
    assert len(df) == sum(len(sr.report.forces) for sr in campaign)
    assert set(df["role"]) <= {
        "lead",
        "participating",
        "supporting",
        "air_support",
        "not_participating",
    }
    assert (df["took_part"] == (df["role"] != "not_participating")).all()
    # the outlets the manifest names are carried through
    assert set(df["outlet"].dropna()) <= {sr.outlet for sr in campaign}


def test_events_use_acled_vocabulary_on_the_campaign(campaign: list[SourcedReport]) -> None:
    df = tables.events_frame(campaign)
    assert len(df) == sum(len(sr.report.outcomes) for sr in campaign)
    for row in df.itertuples():
        assert row.sub_event_type in ACLED[row.event_type], (row.event_type, row.sub_event_type)
        if row.outcome_category == "killed" and not pd.isna(row.quantity_value):
            assert row.fatalities == int(row.quantity_low)
        else:
            assert pd.isna(row.fatalities)
    killed = df[df["outcome_category"] == "killed"]
    assert len(killed) and killed["fatalities"].sum() > 0
    assert df["event_id"].is_unique


def test_events_mapping_rules() -> None:
    df = tables.events_frame(synthetic())
    by_object = df.set_index("object")
    fight = by_object.loc["militants"]
    assert (fight.event_type, fight.sub_event_type) == ("Battles", "Armed clash")
    assert fight.fatalities == 30  # "between 30 and 40": the lowest figure
    assert fight.actor1 == "Northern Army"  # the lead force first
    assert fight.assoc_actor_1 == "Border Police"  # not the coalition: it did not take part
    assert fight.actor2 == "Sand Brigades"
    assert fight.disorder_type == "Political violence"
    assert (fight.admin1, fight.admin2, fight.location) == ("Qasr", "Wadi Sirr", "Tell Amir")
    # a month-precision start: first day of the month, ACLED time precision 3
    assert fight.event_date == pd.Timestamp("2025-03-01")
    assert (fight.year, fight.time_precision, fight.event_date_precision) == (2025, 3, "month")
    assert by_object.loc["suspects"].sub_event_type == "Arrests"
    assert pd.isna(by_object.loc["suspects"].fatalities)
    assert by_object.loc["rifles"].sub_event_type == "Disrupted weapons use"
    assert by_object.loc["motorcycles"].sub_event_type == "Other"
    assert by_object.loc["roadside bombs"].sub_event_type == "Disrupted weapons use"
    captured = by_object.loc["village of Tell Amir"]
    assert (captured.event_type, captured.sub_event_type) == (
        "Battles",
        "Government regains territory",
    )
    civ = by_object.loc["civilians"]
    assert (civ.event_type, civ.sub_event_type) == ("Violence against civilians", "Attack")
    assert pd.isna(civ.actor1) and civ.actor2 == "Civilians"
    assert civ.civilian_targeting == "Civilian targeting"
    assert civ.fatalities == 2
    assert "according to the governor" in civ.notes
    assert set(df["disorder_type"]) == {"Political violence", "Strategic developments"}


def test_date_precision_day_and_unknown() -> None:
    r = synthetic()
    day = r.model_copy(deep=True)
    assert day.start_date is not None
    day.start_date = day.start_date.model_copy(
        update={"year": 2025, "month": 3, "day": 9, "precision": "day"}
    )
    row = tables.events_frame(day).iloc[0]
    assert row.event_date == pd.Timestamp("2025-03-09") and row.time_precision == 1
    none = r.model_copy(update={"start_date": None})
    row = tables.events_frame(none).iloc[0]
    assert pd.isna(row.event_date) and pd.isna(row.time_precision) and pd.isna(row.year)
    reports = tables.reports_frame([day, none])
    assert reports["start_date"].tolist()[0] == pd.Timestamp("2025-03-09")
    assert pd.isna(reports["start_date"].tolist()[1])


# --------------------------------------------------------------------------- inputs


def _meta(source: str) -> ExtractionMeta:
    return extraction_meta(source=source, published=date(2025, 4, 2))


def test_failed_and_skipped_items_keep_a_row_in_reports_only() -> None:
    r = synthetic()
    results = [
        ItemResult(0, "a.txt", "k0", r, _meta("a.txt"), None),
        ItemResult(1, "empty.txt", None, None, None, ItemError("input", "article is empty")),
        ItemResult(2, "c.txt", None, None, None, ItemError("budget", "budget reached"), True),
    ]
    df = tables.reports_frame(results)
    assert df["status"].tolist() == ["ok", "error", "skipped"]
    assert df["error_kind"].tolist()[1:] == ["input", "budget"]
    assert df["error_message"][1] == "article is empty"
    assert df["source"].tolist() == ["a.txt", "empty.txt", "c.txt"]
    assert pd.isna(df["relevance"][1]) and df["relevance"][0] == "operation_report"
    assert df["published"][0] == pd.Timestamp("2025-04-02")
    # facts come from the one item with a report; report_id joins back to its row
    outcomes = tables.outcomes_frame(results)
    assert set(outcomes["report_id"]) == {0} and len(outcomes) == len(r.outcomes)


def test_extraction_and_custom_schema() -> None:
    r = synthetic()
    df = tables.reports_frame(Extraction(value=r, meta=_meta("x.txt")))
    assert df["source"].tolist() == ["x.txt"] and df["model"].tolist() == ["m"]
    with pytest.raises(TypeError, match="OperationReport"):
        tables.reports_frame(Extraction(value=_meta("not a report"), meta=_meta("y.txt")))
    with pytest.raises(TypeError):
        tables.reports_frame([42])


def test_results_file_keeps_errors_and_the_latest_record(tmp_path: Path) -> None:
    report = synthetic().model_dump(mode="json")
    lines = [
        {
            "source": "a.txt",
            "key": "1",
            "status": "error",
            "error": {"kind": "transport", "message": "down"},
        },
        {
            "source": "b.txt",
            "key": "2",
            "status": "error",
            "error": {"kind": "input", "message": "empty"},
        },
        {"source": "a.txt", "key": "1", "status": "ok", "report": report},  # the rerun
    ]
    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines) + '{"source": "c.t', "utf-8")
    df = tables.reports_frame(path)  # the torn last line (a killed run) is ignored
    assert df["source"].tolist() == ["b.txt", "a.txt"]
    assert df["status"].tolist() == ["error", "ok"]
    assert df["operation_name"].tolist()[1] == "Operation Dune Shield"
    assert len(tables.events_frame(str(path))) == len(report["outcomes"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"source": "d.txt", "status": "ok", "report": {"x": 1}}) + "\n")
    with pytest.raises(InputError, match=r"d\.txt: not an OperationReport"):
        tables.reports_frame(bad)


# --------------------------------------------------------------------------- files


def test_csv_and_parquet_round_trip(tmp_path: Path, campaign: list[SourcedReport]) -> None:
    items = [*campaign, synthetic()]
    for name in tables.TABLES:
        df = tables.frame(items, name)
        tables.write_table(df, tmp_path / f"{name}.parquet")
        back = pd.read_parquet(tmp_path / f"{name}.parquet")
        pd.testing.assert_frame_equal(back, df)

        tables.write_table(df, tmp_path / f"{name}.csv")
        text = (tmp_path / f"{name}.csv").read_text(encoding="utf-8")
        assert text.splitlines()[0] == ",".join(tables.COLUMNS[name])
        dtypes = {c: t for c, t in tables.COLUMNS[name].items() if t != "datetime64[ns]"}
        dates = [c for c, t in tables.COLUMNS[name].items() if t == "datetime64[ns]"]
        csv_back = pd.read_csv(tmp_path / f"{name}.csv", dtype=dtypes, parse_dates=dates)
        for c in dates:
            csv_back[c] = csv_back[c].astype("datetime64[ns]")
        pd.testing.assert_frame_equal(csv_back, df, check_exact=False)
    # quotes with commas, quotation marks and line breaks survive CSV
    outcomes = pd.read_csv(tmp_path / "outcomes.csv", dtype={"quote": "string"})
    assert '=HYPERLINK("http://x") was painted' in outcomes["quote"].tolist()


def test_spreadsheet_safe_csv_defuses_formulas() -> None:
    df = tables.outcomes_frame(synthetic())
    plain, safe = io.StringIO(), io.StringIO()
    tables.write_table(df, plain, "csv")
    tables.write_table(df, safe, "csv", spreadsheet_safe=True)
    assert ',"=HYPERLINK(""http://x"") was painted"' in plain.getvalue()
    assert ',"\'=HYPERLINK(""http://x"") was painted"' in safe.getvalue()
    assert df["quote"].str.startswith("=").any()  # the frame itself is unchanged


def test_format_errors_and_missing_pandas(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    df = tables.reports_frame([])
    with pytest.raises(ConfigError, match="csv or parquet"):
        tables.write_table(df, tmp_path / "x.txt")
    with pytest.raises(ConfigError, match="unknown table format"):
        tables.write_table(df, tmp_path / "x.csv", "xlsx")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="unknown table"):
        tables.frame([], "battles")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ConfigError, match=r"summarizer\[tables\]"):
        tables.reports_frame([])


# --------------------------------------------------------------------------- command line

ENTRY = load_manifest()[0]
ARTICLE_PATH = EXAMPLES / ENTRY["file"]
CASSETTE = f"example_{ARTICLE_PATH.stem}"


@pytest.fixture
def env(settings_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings_for()
    monkeypatch.setenv("SUMMARIZER_BASE_URL", s.base_url)
    monkeypatch.setenv("SUMMARIZER_MODEL", s.model)
    monkeypatch.setenv("SUMMARIZER_ENDPOINT_KIND", "llamacpp")
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(s.cache_dir))


def _expected(stem: str) -> dict[str, Any]:
    # the command line here replays the quote mode's cassette
    path = EXPECTED / "quotes" / f"{stem}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_cli_csv_lists_failed_items(env: None, cassette: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  ")
    with cassette(CASSETTE):
        r = CliRunner().invoke(
            app,
            [
                "summarize",
                str(ARTICLE_PATH),
                str(empty),
                "--published",
                ENTRY["published"],
                "-f",
                "csv",
            ],
        )
    assert r.exit_code == 1, r.output  # one item failed
    df = pd.read_csv(io.StringIO(r.stdout), dtype={"status": "string"})
    assert list(df.columns) == list(tables.COLUMNS["reports"])
    assert df["source"].tolist() == [str(ARTICLE_PATH), str(empty)]
    assert df["status"].tolist() == ["ok", "error"]
    assert df["error_kind"].tolist()[1] == "input"
    expected = _expected(ARTICLE_PATH.stem)
    assert df["n_outcomes"].tolist()[0] == len(expected["outcomes"])
    assert df["summary"].tolist()[0] == expected["summary"]


def test_cli_parquet_events_table(env: None, cassette: Any, tmp_path: Path) -> None:
    out = tmp_path / "events.parquet"
    with cassette(CASSETTE):
        r = CliRunner().invoke(
            app,
            [
                "summarize",
                str(ARTICLE_PATH),
                "--published",
                ENTRY["published"],
                "--format",
                "parquet",
                "--table",
                "events",
                "--out",
                str(out),
            ],
        )
    assert r.exit_code == 0, r.output
    df = pd.read_parquet(out)
    assert list(df.columns) == list(tables.COLUMNS["events"])
    expected = _expected(ARTICLE_PATH.stem)
    assert len(df) == len(expected["outcomes"])
    assert df["outcome_category"].tolist() == [o["category"] for o in expected["outcomes"]]
    assert df["quote"].tolist() == [o["evidence"]["quote"] for o in expected["outcomes"]]


def test_cli_table_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["summarize", str(ARTICLE_PATH), "-f", "parquet"])
    assert r.exit_code == 2 and "--out" in r.output
    r = runner.invoke(app, ["summarize", str(ARTICLE_PATH), "--table", "events"])
    assert r.exit_code == 2 and "csv or parquet" in r.output
    r = runner.invoke(app, ["summarize", str(ARTICLE_PATH), "-f", "csv", "--table", "battles"])
    assert r.exit_code == 2
