"""The OperationReport contract: request vs output views, validators, drift."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from summarizer.core.ground import GroundingContext
from summarizer.core.schema import (
    MAX_ITEMS,
    Evidence,
    OperationReport,
    Quantity,
    output_schema,
    render_schema_files,
    request_schema,
)
from tests.conftest import ROOT
from tests.helpers import outcome

ARTICLE = (
    "Iraqi forces launched the second phase of Operation Red Valley on Saturday, "
    "clearing more than 12,000 square kilometres. The Peshmerga did not take part. "
    "Troops killed 17 militants and destroyed between 30 and 40 hideouts."
)


def _report(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"relevance": "operation_report", "summary": "An operation."}
    base.update(over)
    return base


def _force(name: str, quote: str, role: str = "lead") -> dict[str, Any]:
    return {"name": name, "category": "army", "role": role, "evidence": quote}


def test_schema_files_have_not_drifted() -> None:
    for name, text in render_schema_files().items():
        on_disk = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert on_disk == text, f"schemas/{name} is stale: run `summarizer schema --write schemas`"


def test_request_view_hides_library_fields() -> None:
    req = json.dumps(request_schema(OperationReport))
    for field in ('"start"', '"end"', '"status": {"enum": ["exact"', '"extraction"', '"qualifier"'):
        assert field not in req
    assert request_schema(OperationReport)["$defs"]["Evidence"]["type"] == "string"
    out = output_schema(OperationReport)
    assert "extraction" in out["properties"]
    assert "start" in out["$defs"]["Evidence"]["properties"]


def test_lists_are_bounded_for_grammars() -> None:
    props = request_schema(OperationReport)["properties"]
    assert props["forces"]["maxItems"] == MAX_ITEMS
    assert all("maxItems" in p for p in props.values() if p.get("type") == "array")


def test_grounding_sets_offsets_and_parses_values() -> None:
    data = _report(
        operation_name="Operation Red Valley",
        phase=2,
        operation_evidence="launched the second phase of Operation Red Valley",
        start_date={"raw": "Saturday", "evidence": "on Saturday"},
        area={
            "raw": "more than 12,000 square kilometres",
            "evidence": "clearing more than 12,000 square kilometres",
        },
        forces=[
            {
                "name": "Peshmerga",
                "category": "militia",
                "role": "not_participating",
                "evidence": "The Peshmerga did not take part.",
            }
        ],
        outcomes=[
            outcome(
                "destroyed", "hideouts", "between 30 and 40", "destroyed between 30 and 40 hideouts"
            )
        ],
    )
    r = OperationReport.model_validate(data, context=GroundingContext(ARTICLE, date(2025, 3, 17)))
    ev = r.operation_evidence
    assert ev is not None and ev.start is not None and ev.end is not None
    assert ARTICLE[ev.start : ev.end] == "launched the second phase of Operation Red Valley"
    assert r.area is not None
    assert (r.area.qualifier, r.area.value, r.area.unit) == ("at_least", 12000, "km2")
    assert r.start_date is not None and r.start_date.value == date(2025, 3, 15)
    q = r.outcomes[0].quantity
    assert q is not None and (q.qualifier, q.low, q.high) == ("range", 30, 40)
    assert r.grounded_share == 1.0


def test_relative_date_unresolved_without_publication_date() -> None:
    data = _report(start_date={"raw": "Saturday", "evidence": "on Saturday"})
    r = OperationReport.model_validate(data, context=GroundingContext(ARTICLE, None))
    assert r.start_date is not None
    assert r.start_date.value is None and r.start_date.precision == "unknown"
    assert r.start_date.relative


@pytest.mark.parametrize(
    ("quote", "error", "status", "supported"),
    [
        # not in the article at all
        (
            "The army stormed the city of Atlantis at dawn.",
            "not found in the article",
            "not_found",
            None,
        ),
        # in the article, but it says nothing about this force
        ("Troops killed 17 militants", "does not mention", "exact", False),
    ],
    ids=["quote_not_in_article", "value_not_in_its_quote"],
)
def test_a_quote_that_does_not_back_its_fact_is_a_validation_error(
    quote: str, error: str, status: str, supported: bool | None
) -> None:
    data = _report(forces=[_force("Special forces", quote)])
    with pytest.raises(ValidationError, match=error):
        OperationReport.model_validate(data, context=GroundingContext(ARTICLE))
    # the lenient pass keeps it, marked
    r = OperationReport.model_validate(data, context=GroundingContext(ARTICLE, strict=False))
    assert r.forces[0].evidence.status == status
    assert r.forces[0].evidence.supported is supported
    assert r.grounded_share == 0.0


def test_model_cannot_set_offsets_itself() -> None:
    data = _report(
        operation_name="Red Valley",
        operation_evidence={
            "quote": "Operation Red Valley",
            "start": 0,
            "end": 5,
            "status": "exact",
        },
    )
    r = OperationReport.model_validate(data, context=GroundingContext(ARTICLE))
    assert r.operation_evidence is not None
    assert r.operation_evidence.start == ARTICLE.index("Operation Red Valley")


@pytest.mark.parametrize(
    "bad",
    [
        {"phase": 0},
        {"relevance": "maybe"},
        {
            "start_date": {"raw": "20 March 2025", "evidence": "x"},
            "end_date": {"raw": "2 March 2025", "evidence": "x"},
        },
    ],
)
def test_incoherent_values_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        OperationReport.model_validate(_report(**bad))


def test_quantity_low_above_high_rejected() -> None:
    with pytest.raises(ValidationError, match="greater than"):
        Quantity.model_validate({"raw": "x", "low": 5, "high": 2, "qualifier": "range"})


def test_repeated_list_items_are_one_fact() -> None:
    force = {"name": "Army", "category": "army", "role": "lead", "evidence": "Iraqi forces"}
    r = OperationReport.model_validate(_report(forces=[force, force, force]))
    assert len(r.forces) == 1


def test_summary_kept_to_three_sentences() -> None:
    r = OperationReport.model_validate(_report(summary="One. Two. Three. Four. Five."))
    assert r.summary == "One. Two. Three."


def test_output_round_trips_without_regrounding() -> None:
    data = _report(operation_name="Red Valley", operation_evidence="Operation Red Valley")
    r = OperationReport.model_validate(data, context=GroundingContext(ARTICLE))
    again = OperationReport.model_validate_json(r.model_dump_json())
    assert again == r


def test_evidence_accepts_a_bare_string() -> None:
    assert Evidence.model_validate("some words").quote == "some words"


class UserSchema(BaseModel):
    """A caller's own schema, reusing Evidence for grounding."""

    weapon: str
    evidence: Evidence


def test_user_schema_gets_grounding_too() -> None:
    v = UserSchema.model_validate(
        {"weapon": "none", "evidence": "killed 17 militants"}, context=GroundingContext(ARTICLE)
    )
    assert v.evidence.status == "exact"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("area", {"raw": "more than 19,000 square kilometres", "evidence": "more than 12,000"}),
        ("start_date", {"raw": "Sunday", "evidence": "on Saturday"}),
        (
            "outcomes",
            [outcome("killed", "militants", "18", "Troops killed 17 militants")],
        ),
        ("operation_name", "Operation Blue Lake"),
    ],
)
def test_unsupported_values_are_caught(field: str, value: Any) -> None:
    data = _report(**{field: value})
    if field == "operation_name":
        data["operation_evidence"] = "launched the second phase"
    with pytest.raises(ValidationError, match="does not mention"):
        OperationReport.model_validate(data, context=GroundingContext(ARTICLE))


def test_supported_values_pass() -> None:
    data = _report(
        operation_name="Red Valley",
        operation_evidence="second phase of Operation Red Valley",
        forces=[_force("The Peshmerga", "The Peshmerga did not take part.", "not_participating")],
        country={"name": "Iraq", "evidence": "Iraqi forces launched"},
    )
    r = OperationReport.model_validate(data, context=GroundingContext(ARTICLE))
    assert r.grounded_share == 1.0


def test_off_topic_report_carries_no_facts() -> None:
    data = _report(
        relevance="not_about_operations",
        operation_name="Red Valley",
        status="ongoing",
        forces=[_force("Army", "Iraqi forces")],
    )
    r = OperationReport.model_validate(data)
    assert r.operation_name is None and r.forces == [] and r.status == "unknown"
    assert r.summary


def test_grammar_bounds_are_not_validation_rules() -> None:
    """A remote model may list more forces, or a longer quote, than the grammar allows."""
    force = {"category": "army", "role": "lead", "evidence": "x" * 500}
    many = [{**force, "name": f"Brigade {i}"} for i in range(MAX_ITEMS + 3)]
    r = OperationReport.model_validate(_report(forces=many))
    assert len(r.forces) == MAX_ITEMS + 3
    assert request_schema(OperationReport)["$defs"]["Evidence"]["maxLength"] == 200


def test_an_operation_report_without_facts_is_reasked_not_kept_strictly() -> None:
    empty = _report()
    with pytest.raises(ValidationError, match="no fact is listed"):
        OperationReport.model_validate(empty, context=GroundingContext(ARTICLE))
    lenient = GroundingContext(ARTICLE, strict=False)  # after the last re-ask: kept as it came
    assert OperationReport.model_validate(empty, context=lenient).forces == []
    mention = _report(relevance="mentions_operation")
    kept = OperationReport.model_validate(mention, context=GroundingContext(ARTICLE))
    assert kept.relevance == "mentions_operation"
