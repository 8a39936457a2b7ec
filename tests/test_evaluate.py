"""The evaluation scorer: right answers score as right, wrong ones as wrong, traps fire."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from summarizer.core.schema import DateFact, OperationReport, Quantity
from summarizer.evaluate import (
    LIST_FIELDS,
    Gold,
    ReportScore,
    aggregate,
    date_matches,
    evaluate,
    load_gold,
    load_predictions,
    name_tier,
    number_matches,
    object_tier,
    op_name_key,
    render_table,
    score_report,
    to_json,
)
from tests.conftest import EXAMPLES, load_manifest

GOLD_DIR = EXAMPLES / "gold"

# --------------------------------------------------------------------------- builders


def _report(**over: Any) -> OperationReport:
    data: dict[str, Any] = {"relevance": "operation_report", "summary": "An operation."}
    data.update(over)
    return OperationReport.model_validate(data)


def _force(name: str, role: str = "participating", category: str = "army") -> dict[str, Any]:
    return {"name": name, "category": category, "role": role, "evidence": name}


def _loc(name: str, kind: str = "town") -> dict[str, Any]:
    return {"name": name, "kind": kind, "evidence": name}


def _official(name: str, role: str = "spokesperson") -> dict[str, Any]:
    return {"name": name, "role": role, "evidence": name}


def _named(name: str) -> dict[str, Any]:
    return {"name": name, "evidence": name}


def _outcome(category: str, obj: str, quantity: str | None) -> dict[str, Any]:
    return {
        "category": category,
        "object": obj,
        "quantity": quantity,
        "evidence": f"{quantity} {obj}",
    }


def _gold(**over: Any) -> Gold:
    data: dict[str, Any] = {"article": "articles/x.txt", "relevance": "operation_report"}
    data.update(over)
    return Gold.model_validate(data)


def _gold_file(stem: str) -> Gold:
    return load_gold(GOLD_DIR)[stem]


def _outlet_a_perfect(**over: Any) -> OperationReport:
    """What a careful analyst extracts from outlet A (phase two of Iron Harvest)."""
    data: dict[str, Any] = {
        "operation_name": "Operation Iron Harvest",
        "phase": 2,
        "phase_label": "second phase",
        "status": "launched",
        "operation_evidence": "launched the second phase of Operation Iron Harvest",
        "start_date": {"raw": "Saturday, March 15, 2025", "evidence": "Saturday, March 15, 2025"},
        "area": {
            "raw": "more than 12,000 square kilometres",
            "evidence": "cleared more than 12,000 square kilometres of desert",
        },
        "forces": [
            _force("Army units"),
            _force("federal police brigades", category="police"),
            _force("Popular Mobilization units", category="paramilitary"),
            _force("coalition aircraft", role="air_support", category="coalition"),
        ],
        "locations": [
            _loc("western Anbar province", "province"),
            _loc("Rutba"),
            _loc("Al-Qaim"),
            _loc("Wadi Houran valley", "other"),
        ],
        "officials": [
            _official("Brigadier General Ali Falah al-Khazraji"),
            _official("Thamer al-Kubaisi", role="politician"),
        ],
        "adversaries": [_named("Islamic State cells")],
        "outcomes": [
            _outcome("killed", "terrorists", "27"),
            _outcome("destroyed", "hideouts", "43"),
            _outcome("defused", "improvised explosive devices", "61"),
            _outcome("other", "tunnels", "9"),
            _outcome("wounded", "soldiers", "Two"),
        ],
    }
    data.update(over)
    return _report(**data)


# --------------------------------------------------------------------------- gold files


def test_every_gold_file_loads_and_refers_to_an_existing_article() -> None:
    files = sorted(GOLD_DIR.glob("*.json"))
    golds = load_gold(GOLD_DIR)
    assert len(golds) == len(files) > 0
    for stem, gold in golds.items():
        assert (EXAMPLES / gold.article).is_file(), gold.article
        assert Path(gold.article).stem == stem
    manifest_stems = {Path(e["file"]).stem for e in load_manifest()}
    assert set(golds) == manifest_stems


def test_gold_relevance_follows_the_manifest_notes() -> None:
    golds = load_gold(GOLD_DIR)
    assert golds["market_prices_not_operations"].relevance == "not_about_operations"
    off_topic = golds["market_prices_not_operations"]
    assert not any(getattr(off_topic, f) for f in LIST_FIELDS)
    assert golds["diyala_orchards_mentions"].relevance == "mentions_operation"


def test_gold_rejects_typos_and_bad_dates() -> None:
    with pytest.raises(ValidationError):
        _gold(forcess=[])
    with pytest.raises(ValidationError, match="YYYY"):
        _gold(start_date="15 March 2025")
    with pytest.raises(ValidationError, match="needs 'value'"):
        _gold(traps=[{"field": "outcomes", "note": "no number"}])


def test_load_gold_refuses_a_file_named_after_another_article(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        json.dumps({"article": "articles/b.txt", "relevance": "operation_report"})
    )
    with pytest.raises(ValueError, match="expected a"):
        load_gold(tmp_path)


# --------------------------------------------------------------------------- right answers


def test_perfect_prediction_scores_one() -> None:
    score = score_report(_outlet_a_perfect(), _gold_file("iron_harvest_phase2_outlet_a"))
    for name, field in score.fields.items():
        assert (field.fp, field.fn, field.f1) == (0, 0, 1.0), (name, field)
    scalars = dict(score.scalars)
    assert scalars.pop("country") is None  # not in the example gold: not scored
    assert all(v for v in scalars.values()), scalars
    assert score.traps == []
    assert score.f1 == 1.0
    assert (score.role_correct, score.role_total) == (4, 4)
    summary = aggregate([score])
    assert summary.overall.f1 == 1.0 and summary.overall_macro_f1 == 1.0
    assert summary.scalars["country"].total == 0
    assert all(r.accuracy == 1.0 for k, r in summary.scalars.items() if k != "country")


def test_alternative_spelling_of_a_person_is_right() -> None:
    gold = _gold(officials=[{"name": "Thamer al-Kubaisi"}])
    pred = _report(officials=[_official("Defence Minister Thamir al-Kobaisi")])
    assert score_report(pred, gold).fields["officials"].tp == 1
    assert name_tier("Thamir al-Kobaisi", ["Thamer al-Kubaisi"]) == 2


def test_al_prefix_and_province_word_do_not_matter() -> None:
    gold = _gold(locations=[{"name": "Anbar"}])
    for written in ("Al-Anbar", "al-Anbar", "Anbar province", "the Anbar Governorate"):
        score = score_report(_report(locations=[_loc(written, "province")]), gold)
        assert score.fields["locations"].tp == 1, written


def test_containment_as_whole_words_but_not_generic_words() -> None:
    assert name_tier("federal police brigades", ["Federal Police"]) == 1
    assert name_tier("remnants of Daesh", ["Islamic State"]) == 1  # alias inside a name
    assert name_tier("Koure-Bangou", ["Kouré-Bangou"]) == 2
    assert name_tier("security forces", ["Iraqi security forces"]) == 0  # only generic words
    assert name_tier("Police", ["Federal Police"]) == 1
    assert name_tier("Federal Polices", ["Federal Police"]) == 0  # not a whole word
    assert name_tier("Iraqi Army", ["Iraqi Air Force"]) == 0


def test_numbers_match_as_numbers() -> None:
    gold = _gold(outcomes=[{"category": "seized", "object": "rounds", "value": 17685}])
    pred = _report(outcomes=[_outcome("seized", "rounds of ammunition", "17,685")])
    assert score_report(pred, gold).fields["outcomes"].tp == 1
    assert number_matches(12, Quantity(raw="at least 12"))
    assert number_matches(400, Quantity(raw="about 400 litres"))
    assert number_matches(25, Quantity(raw="twenty-five"))
    assert number_matches((30, 40), Quantity(raw="between 30 and 40"))
    assert not number_matches(30, Quantity(raw="between 30 and 40"))
    assert not number_matches((30, 40), Quantity(raw="30"))
    assert number_matches(None, None) and number_matches(None, Quantity(raw="several"))
    assert not number_matches(None, Quantity(raw="5"))


def test_outcome_object_is_tolerant() -> None:
    assert object_tier("militant", ["militants"]) == 2
    assert object_tier("Daesh militants", ["militants"]) == 1
    assert object_tier("IEDs", ["improvised explosive devices", "IEDs"]) == 2
    assert object_tier("litres of petrol", ["petrol"]) == 1
    assert object_tier("liters of fuel", ["litres of fuel"]) == 2
    assert object_tier("hideouts", ["tunnels"]) == 0


def test_operation_name_normalisation() -> None:
    key = op_name_key("Iron Harvest")
    for written in (
        "Operation Iron Harvest",
        "“Iron Harvest”",
        "the Iron-Harvest military operation",
        "IRON HARVEST",
    ):
        assert op_name_key(written) == key, written
    assert op_name_key("Iron Hammer") != key


def test_dates_compare_to_the_gold_precision() -> None:
    day = DateFact.model_validate({"raw": "2025-03-15", "evidence": "x"})
    month = DateFact.model_validate({"raw": "March 2025", "evidence": "x"})
    unresolved = DateFact.model_validate({"raw": "Saturday", "evidence": "x"})
    assert date_matches("2025-03-15", day) and date_matches("2025-03", day)
    assert date_matches("2025", month) and not date_matches("2025-03-15", month)
    assert not date_matches("2025-03-02", day)
    assert date_matches(None, None) and date_matches(None, unresolved)
    assert not date_matches(None, day)


def test_optional_facts_are_neither_rewarded_nor_punished() -> None:
    gold = _gold(
        forces=[{"name": "Federal Police"}, {"name": "Iraqi security forces", "optional": True}]
    )
    with_it = _report(forces=[_force("Federal Police"), _force("Iraqi security forces")])
    without = _report(forces=[_force("Federal Police")])
    for pred in (with_it, without):
        f = score_report(pred, gold).fields["forces"]
        assert (f.tp, f.fp, f.fn) == (1, 0, 0)


def test_matching_is_one_to_one_and_maximal() -> None:
    # greedy containment would give "Iraqi Army Aviation" to "Iraqi Army" and lose a pair
    gold = _gold(forces=[{"name": "Iraqi Army"}, {"name": "Army Aviation"}])
    pred = _report(forces=[_force("Iraqi Army Aviation"), _force("Iraqi Army units")])
    f = score_report(pred, gold).fields["forces"]
    assert (f.tp, f.fp, f.fn) == (2, 0, 0)


# --------------------------------------------------------------------------- wrong answers


def test_force_with_the_wrong_name_is_a_false_positive_and_a_miss() -> None:
    gold = _gold(forces=[{"name": ["Federal Police"]}])
    f = score_report(_report(forces=[_force("Counter-Terrorism Service")]), gold).fields["forces"]
    assert (f.tp, f.fp, f.fn) == (0, 1, 1)
    assert f.missed == ["Federal Police"] and f.spurious == ["Counter-Terrorism Service"]
    assert f.f1 == 0.0


def test_outcome_with_the_wrong_number_is_wrong() -> None:
    gold = _gold_file("iron_harvest_phase2_outlet_a")
    outcomes = [
        _outcome("killed", "terrorists", "25"),  # outlet B's figure; outlet A says 27
        _outcome("destroyed", "hideouts", "43"),
        _outcome("defused", "improvised explosive devices", "61"),
        _outcome("other", "tunnels", "9"),
        _outcome("wounded", "soldiers", "Two"),
    ]
    f = score_report(_outlet_a_perfect(outcomes=outcomes), gold).fields["outcomes"]
    assert (f.tp, f.fp, f.fn) == (4, 1, 1)
    assert f.missed == ["killed 27 terrorists"]
    assert f.spurious == ["killed 25 terrorists"]


def test_outcome_with_the_wrong_category_is_wrong() -> None:
    gold = _gold(outcomes=[{"category": "killed", "object": "militants", "value": 14}])
    pred = _report(outcomes=[_outcome("arrested", "militants", "14")])
    assert score_report(pred, gold).fields["outcomes"].tp == 0


def test_football_score_is_a_trap_but_three_caves_are_right() -> None:
    gold = _gold_file("iron_harvest_phase2_outlet_b")
    caves = _report(outcomes=[_outcome("other", "caves", "3")])
    score = score_report(caves, gold)
    assert score.traps == [] and score.fields["outcomes"].tp == 1
    goals = _report(outcomes=[_outcome("other", "goals scored by Al-Anbar club", "3")])
    score = score_report(goals, gold)
    assert score.trap_violations == 1 and "football score" in score.traps[0]
    assert score.fields["outcomes"].fp == 1


def test_glued_story_names_are_traps() -> None:
    gold = _gold_file("iron_harvest_phase2_outlet_b")
    pred = _report(
        locations=[_loc("Ramadi"), _loc("Rutba")],
        officials=[_official("Coach Haider Abdul-Amir")],
    )
    score = score_report(pred, gold)
    assert score.trap_violations == 2
    assert score.fields["locations"].tp == 1


def test_non_participating_force_listed_as_participating_is_a_trap() -> None:
    gold = _gold_file("iron_harvest_phase3_outlet_c")
    wrong = _report(forces=[_force("tribal mobilization forces", "participating", "militia")])
    score = score_report(wrong, gold)
    assert score.trap_violations == 1
    assert (score.role_correct, score.role_total) == (0, 1)
    right = _report(forces=[_force("tribal mobilization forces", "not_participating", "militia")])
    score = score_report(right, gold)
    assert score.traps == [] and (score.role_correct, score.role_total) == (1, 1)


def test_other_outlets_area_figure_is_wrong_and_a_trap() -> None:
    gold = _gold_file("iron_harvest_phase2_outlet_a")
    pred = _outlet_a_perfect(
        area={"raw": "12,460 square kilometres", "evidence": "12,460 square kilometres"}
    )
    score = score_report(pred, gold)
    assert score.scalars["area_value"] is False
    assert score.scalars["area_qualifier"] is False  # exact, gold says "more than"
    assert score.traps == ["area: figure from another outlet (Euphrates Post)"]


def test_area_in_other_units_is_converted() -> None:
    gold = _gold(area={"value": 12000, "qualifier": "at_least"})
    pred = _report(area={"raw": "more than 1,200,000 hectares", "evidence": "x"})
    assert score_report(pred, gold).scalars["area_value"] is True


def test_campaign_start_instead_of_phase_start_is_wrong_and_a_trap() -> None:
    gold = _gold_file("iron_harvest_phase3_outlet_c")
    pred = _report(
        operation_name="Iron Harvest",
        phase=3,
        start_date={"raw": "late April 2025", "evidence": "began in late April"},
    )
    score = score_report(pred, gold)
    assert score.scalars["start_date"] is False
    assert score.trap_violations == 1


def test_campaign_total_is_a_trap() -> None:
    gold = _gold_file("iron_harvest_phase3_outlet_c")
    pred = _report(outcomes=[_outcome("killed", "militants", "71")])
    score = score_report(pred, gold)
    assert score.fields["outcomes"].tp == 0 and score.trap_violations == 1


def test_missing_field_is_all_false_negatives() -> None:
    gold = _gold_file("iron_harvest_phase2_outlet_a")
    score = score_report(_outlet_a_perfect(officials=[], area=None), gold)
    f = score.fields["officials"]
    assert (f.tp, f.fp, f.fn, f.recall, f.precision, f.f1) == (0, 0, 2, 0.0, 1.0, 0.0)
    assert score.scalars["area_value"] is False and score.scalars["area_qualifier"] is False


def test_duplicates_count_as_false_positives() -> None:
    gold = _gold_file("lake_region_raids")
    pred = _report(
        officials=[
            _official("Brigadier General Mohammed Sani Bukar", "commander"),
            _official("Muhammad Sani Bukar", "commander"),
            _official("Gen. Mohammed Bukar", "commander"),
        ]
    )
    f = score_report(pred, gold).fields["officials"]
    assert (f.tp, f.fp, f.fn) == (1, 2, 1)


def test_wrong_scalars() -> None:
    gold = _gold_file("iron_harvest_phase2_outlet_a")
    pred = _outlet_a_perfect(
        operation_name="Iron Hammer", phase=1, relevance="mentions_operation", start_date=None
    )
    scalars = score_report(pred, gold).scalars
    for name in ("relevance", "operation_name", "phase", "start_date"):
        assert scalars[name] is False, name
    assert scalars["area_value"] is True


def test_country_is_scored_like_a_name_when_the_gold_names_one() -> None:
    gold = _gold(country=["Iraq", "Republic of Iraq"])
    right = score_report(_report(country=_named("iraq")), gold)
    assert right.scalars["country"] is True
    assert score_report(_report(country=_named("the Republic of Iraq")), gold).scalars["country"]
    assert score_report(_report(country=_named("Syria")), gold).scalars["country"] is False
    # equal keys only: a name merely containing the country is another answer
    near = score_report(_report(country=_named("Northern Iraq")), gold)
    assert near.scalars["country"] is False
    assert score_report(_report(), gold).scalars["country"] is False  # no country named
    assert score_report(None, gold).scalars["country"] is False  # no prediction
    summary = aggregate([right, score_report(_report(), gold)])
    assert (summary.scalars["country"].correct, summary.scalars["country"].total) == (1, 2)
    assert summary.scalars["country"].accuracy == 0.5
    assert "country" in render_table(summary)


def test_country_is_not_scored_when_the_gold_has_none() -> None:
    for gold in (_gold(), _gold(country=None), _gold(country=[])):
        assert gold.country == []
        assert score_report(_report(), gold).scalars["country"] is None
        assert score_report(_report(country=_named("Iraq")), gold).scalars["country"] is None
        assert score_report(None, gold).scalars["country"] is None
    assert _gold(country="Iraq").country == ["Iraq"]
    summary = evaluate(GOLD_DIR, {})  # the examples' gold files have no country key
    assert summary.scalars["country"].total == 0
    assert summary.scalars["country"].accuracy is None


def test_unnamed_operation_must_stay_unnamed() -> None:
    gold = _gold_file("lake_region_raids")
    assert score_report(_report(), gold).scalars["operation_name"] is True
    named = score_report(_report(operation_name="Lake Chad raids"), gold)
    assert named.scalars["operation_name"] is False and named.trap_violations == 1


def test_off_topic_article() -> None:
    gold = _gold_file("market_prices_not_operations")
    right = _report(relevance="not_about_operations", officials=[_official("Raad Younis Fathi")])
    score = score_report(right, gold)  # the schema drops facts of an off-topic report
    assert score.f1 == 1.0 and all(score.scalars[k] is not False for k in score.scalars)
    wrong = _report(
        officials=[_official("Raad Younis Fathi")],
        outcomes=[_outcome("other", "shops closed", "6")],
    )
    score = score_report(wrong, gold)
    assert score.scalars["relevance"] is False
    assert score.trap_violations == 2 and score.f1 == 0.0


def test_missing_prediction_is_all_false_negatives() -> None:
    gold = _gold_file("iron_harvest_phase2_outlet_a")
    score = score_report(None, gold)
    assert score.missing and score.f1 == 0.0
    assert score.fields["forces"].fn == 4 and score.fields["forces"].fp == 0
    scalars = dict(score.scalars)
    assert scalars.pop("country") is None  # the example gold names no country
    assert all(v is False for v in scalars.values())


# --------------------------------------------------------------------------- aggregate


def _counts(tp: int, fp: int, fn: int, article: str) -> ReportScore:
    fields = {name: {"tp": 0, "fp": 0, "fn": 0} for name in LIST_FIELDS}
    fields["forces"] = {"tp": tp, "fp": fp, "fn": fn}
    return ReportScore.model_validate(
        {"article": article, "fields": fields, "scalars": {"relevance": True}}
    )


def test_micro_and_macro_differ_as_defined() -> None:
    summary = aggregate([_counts(1, 0, 0, "a"), _counts(0, 1, 3, "b"), _counts(0, 0, 0, "c")])
    forces = summary.fields["forces"]
    assert (forces.tp, forces.fp, forces.fn, forces.support, forces.reports) == (1, 1, 3, 4, 2)
    assert forces.precision == 0.5 and forces.recall == 0.25
    assert forces.f1 == pytest.approx(1 / 3)
    assert forces.macro_f1 == 0.5  # (1.0 + 0.0) / 2; the empty report does not count
    assert summary.fields["officials"].f1 is None
    assert summary.overall_macro_f1 == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert summary.scalars["relevance"].accuracy == 1.0
    assert summary.scalars["phase"].accuracy is None


def test_render_table_and_json() -> None:
    gold = _gold_file("iron_harvest_phase2_outlet_a")
    summary = aggregate([score_report(_outlet_a_perfect(), gold), score_report(None, gold)])
    table = render_table(summary)
    lines = table.splitlines()
    assert lines[0].split() == ["field", "P", "R", "F1", "F1", "macro", "support"]
    assert any(line.startswith("forces") for line in lines)
    assert any(line.startswith("overall") for line in lines)
    assert "reports: 2 (1 missing)" in table
    data = to_json(summary)
    assert json.loads(json.dumps(data)) == data
    assert data["fields"]["forces"]["recall"] == 0.5
    assert data["per_report_f1"]["iron_harvest_phase2_outlet_a"] == 0.0  # the later, missing one


# --------------------------------------------------------------------------- loading


def test_load_predictions_from_cli_jsonl(tmp_path: Path) -> None:
    report = _outlet_a_perfect().model_dump(mode="json")
    lines = [
        {
            "source": "examples/articles/iron_harvest_phase2_outlet_a.txt",
            "status": "ok",
            "report": report,
        },
        {
            "source": "examples/articles/lake_region_raids.txt",
            "status": "error",
            "error": {"kind": "ExtractionError", "message": "no"},
        },
    ]
    path = tmp_path / "run.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    preds = load_predictions(path)
    assert set(preds) == {"iron_harvest_phase2_outlet_a"}
    summary = evaluate(GOLD_DIR, path)
    assert summary.reports == 7 and summary.missing == 6
    assert summary.per_report_f1["iron_harvest_phase2_outlet_a"] == 1.0
    assert summary.per_report_f1["lake_region_raids"] == 0.0


def test_load_predictions_from_a_directory(tmp_path: Path) -> None:
    report = _outlet_a_perfect()
    (tmp_path / "iron_harvest_phase2_outlet_a.json").write_text(report.model_dump_json())
    preds = load_predictions(tmp_path)
    assert set(preds) == {"iron_harvest_phase2_outlet_a"}
    again = preds["iron_harvest_phase2_outlet_a"]
    assert again.area is not None and again.area.value == 12000
    gold = _gold_file("iron_harvest_phase2_outlet_a")
    assert score_report(again, gold).f1 == 1.0
    summary = evaluate(GOLD_DIR, preds)
    assert summary.missing == 6


def _from_gold(gold: Gold) -> OperationReport:
    """The prediction a gold file describes, built from each fact's first alternative."""
    phrase = {"at_least": "more than {}", "approximate": "about {}", "at_most": "up to {}"}

    def figure(value: float | tuple[float, float] | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, tuple):
            return f"between {value[0]:g} and {value[1]:g}"
        return f"{value:g}"

    area = None
    if gold.area is not None:
        raw = figure(gold.area.value)
        assert raw is not None
        raw = phrase.get(gold.area.qualifier or "", "{}").format(raw) + " square kilometres"
        area = {"raw": raw, "evidence": raw}
    start = next((d for d in gold.start_date if d is not None), None)
    data: dict[str, Any] = {
        "relevance": gold.relevance,
        "operation_name": gold.operation_name[0] if gold.operation_name else None,
        "phase": gold.phase,
        "area": area,
        "start_date": {"raw": start, "evidence": start} if start else None,
        "forces": [_force(f.name[0], *(f.role[:1] or ["participating"])) for f in gold.forces],
        "locations": [_loc(x.name[0]) for x in gold.locations],
        "officials": [_official(x.name[0]) for x in gold.officials],
        "adversaries": [_named(x.name[0]) for x in gold.adversaries],
        "outcomes": [_outcome(o.category[0], o.object[0], figure(o.value)) for o in gold.outcomes],
    }
    return _report(**data)


@pytest.mark.parametrize("stem", sorted(load_gold(GOLD_DIR)))
def test_each_gold_file_is_self_consistent(stem: str) -> None:
    """The prediction a gold file describes scores 1.0 and walks into none of its traps."""
    gold = _gold_file(stem)
    score = score_report(_from_gold(gold), gold)
    assert score.f1 == 1.0, {k: (v.missed, v.spurious) for k, v in score.fields.items()}
    assert all(v is not False for v in score.scalars.values()), score.scalars
    assert score.traps == []
    assert score.role_correct == score.role_total


def test_implied_date_accepts_no_date_or_the_month() -> None:
    gold = _gold_file("diyala_orchards_mentions")
    assert score_report(_report(relevance="mentions_operation"), gold).scalars["start_date"]
    sept = _report(
        relevance="mentions_operation", start_date={"raw": "7 September 2025", "evidence": "x"}
    )
    assert score_report(sept, gold).scalars["start_date"]
    aug = _report(
        relevance="mentions_operation", start_date={"raw": "August 2025", "evidence": "x"}
    )
    assert not score_report(aug, gold).scalars["start_date"]


def test_load_predictions_from_cli_json_format(tmp_path: Path) -> None:
    report = _outlet_a_perfect().model_dump(mode="json")
    many = tmp_path / "many.json"
    many.write_text(
        json.dumps(
            [
                {"source": "a/iron_harvest_phase2_outlet_a.txt", "status": "ok", "report": report},
                {"source": "a/sahel_border_sweep.txt", "status": "error", "error": {}},
            ]
        )
    )
    assert set(load_predictions(many)) == {"iron_harvest_phase2_outlet_a"}
    one = tmp_path / "one.json"
    report["extraction"] = {
        "model": "m",
        "endpoint_kind": "llamacpp",
        "mode": "json",
        "prompt_version": "1",
        "schema_name": "operation_report",
        "schema_version": "1.0",
        "source": "examples/articles/iron_harvest_phase2_outlet_a.txt",
    }
    one.write_text(json.dumps(report, indent=2))
    assert set(load_predictions(one)) == {"iron_harvest_phase2_outlet_a"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"relevance": "operation_report"}) + "\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        load_predictions(bad)


def test_a_force_the_article_does_not_name_does_not_borrow_a_gold_name() -> None:
    gold = _gold_file("iron_harvest_phase2_outlet_a")  # outlet A has no Army Aviation
    pred = _report(forces=[_force("Army Aviation", "air_support", "air")])
    f = score_report(pred, gold).fields["forces"]
    assert (f.tp, f.fp) == (0, 1)
