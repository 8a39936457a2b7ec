"""Relevance by evidence: the parse bounds the model's verdict (texts written here)."""

from __future__ import annotations

import pytest

from summarizer.pipeline import candidates, entities, labelling, relevance

REPORT = (
    "Kenyan troops raided two militant camps near the village of Bula Hawa on Tuesday, "
    "the defence ministry said.\n\n"
    "The soldiers destroyed 6 vehicles and seized 12 rifles during the raid, a "
    "spokesman added."
)
CONDOLENCE = (
    "The minister sent her condolences to the families of the two border guards who "
    "died in a road accident near Mandera on Friday.\n\n"
    "She said the government supports the security forces in their campaign to keep "
    "the border safe."
)
DIPLOMACY = (
    "The foreign ministers of the two countries met in Geneva on Monday to discuss "
    "trade, visas and a new air route between their capitals.\n\n"
    "Both sides said the talks were constructive and agreed to meet again in spring."
)
ATTACK_ON_CIVILIANS = (
    "Gunmen attacked a crowded market in the town on Sunday. The bombers killed "
    "eleven civilians and wounded dozens of shoppers, officials said.\n\n"
    "The government condemned the attack and promised an inquiry into the security "
    "failures."
)
MASTHEAD = (
    "Harbor Ledger\nSkip to content  Home  News  Defence\n\n"
    "Harbor Ledger Reporters — updated 2 hours ago\n\n"
    "Army units launched an offensive against the rebels near Gao on Monday, the "
    "general staff said in a statement."
)


def verdict(text: str, answered: str = "operation_report") -> str:
    ev = relevance.read(text, len(candidates.tallies(text)))
    return relevance.decide(answered, ev)  # type: ignore[arg-type]


def test_a_force_acting_in_the_lead_is_an_operation_report() -> None:
    ev = relevance.read(REPORT, len(candidates.tallies(REPORT)))
    assert ev.lead_actions and ev.lead_actions[0].startswith("Kenyan troops raided")
    assert verdict(REPORT) == "operation_report"
    # the evidence outranks a model that says the page is not about an operation
    assert verdict(REPORT, "not_about_operations") == "operation_report"


def test_a_page_that_only_refers_to_a_campaign_mentions_one() -> None:
    assert verdict(CONDOLENCE) == "mentions_operation"
    # when the text shows no operation being reported, the model's "not about" stands
    assert verdict(CONDOLENCE, "not_about_operations") == "not_about_operations"


def test_nothing_of_an_operation_is_not_about_operations_whatever_the_model_says() -> None:
    assert verdict(DIPLOMACY) == "not_about_operations"


def test_an_attack_on_civilians_is_not_a_force_acting() -> None:
    ev = relevance.read(ATTACK_ON_CIVILIANS, 0)
    assert ev.actions == 0
    assert verdict(ATTACK_ON_CIVILIANS) == "not_about_operations"


def test_the_lead_skips_mastheads_menus_and_bylines() -> None:
    ev = relevance.read(MASTHEAD, 0)
    assert ev.lead_actions == (
        "Army units launched an offensive against the rebels near Gao on Monday, the "
        "general staff said in a statement.",
    )


@pytest.mark.parametrize(
    ("text", "acts"),
    [
        ("Iraqi forces began the third phase of the operation on Monday in the desert.", 1),
        ("The minister began the meeting with a statement on the budget and trade.", 0),
        ("The ministry welcomed the army's liberation of Tikrit after weeks of fighting.", 1),
        ("The forces attempted to seize the hospital complex from the militants.", 1),
    ],
)
def test_what_counts_as_a_force_acting(text: str, acts: int) -> None:
    assert relevance.read(text, 0).actions == acts


def test_assembly_drops_the_lists_of_a_page_with_no_operation() -> None:
    lp = labelling.plan(DIPLOMACY)
    fields = {c.id: "operation_force" if c.kind == "group" else c.labels[0] for c in lp.candidates}
    answer = lp.answer_model.model_validate(
        {
            "summary": "Two ministers met.",
            **{labelling.key_of(c): fields[c.id] for c in lp.candidates},
            "country": "none",
            "status": "unknown",
            "relevance": "operation_report",
        }
    )
    report = labelling.assemble(lp, answer)
    assert report["relevance"] == "not_about_operations"
    assert "forces" not in report


def test_a_name_never_runs_across_a_line_break() -> None:
    names = [c.name for c in entities.candidates(MASTHEAD, labelling.LABELS)]
    assert not any("Skip" in n or "\n" in n for n in names)
