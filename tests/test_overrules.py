"""The labels assembly's overrules: where the sentence structure shows a label cannot
stand (the article is written here; its names are ones the parser knows)."""

from __future__ import annotations

import json

import pytest

from summarizer.pipeline import labelling, overrules

BORDER = (
    "Kenyan troops, backed by our ally Uganda, recaptured the town of Kismayo on Monday, the "
    "army said. The African Union Mission in Somalia (AMISOM) said its aircraft struck fighters "
    "near Kismayo Airport.\n\n"
    "Al-Shabaab commander Ahmed Hassan, a militant leader in Kismayo, was killed by a Kenyan "
    "airstrike near Jilib. He had led the group's seizure of Baidoa, Somalia, before moving "
    "to Jilib.\n\n"
    "Ethiopia is working with Djibouti to support the Somali National Army to protect farmers. "
    "Also today, the governor commented on a terrorist bombing in Mogadishu. "
    "AMISOM forces and the mission's remotely piloted aircraft killed 14 fighters."
)


@pytest.fixture(scope="module")
def border() -> labelling.LabelPlan:
    return labelling.plan(BORDER)


def assembled(lp: labelling.LabelPlan, country: str = "none", **by_kind: str) -> dict[str, object]:
    """The assembly of an answer that gives every candidate of a kind one label."""
    data = {"summary": "Troops retook a town.", "country": country, "status": "ongoing"}
    data["relevance"] = "operation_report"
    for c in lp.candidates:
        data[labelling.key_of(c)] = by_kind.get(c.kind, c.labels[-1])
    return labelling.assemble(lp, lp.answer_model.model_validate_json(json.dumps(data)))


def names(data: dict[str, object], field: str) -> list[str]:
    items = data[field]
    assert isinstance(items, list)
    return [i["name"] for i in items]


def test_a_place_is_the_operations_only_where_something_happened_there(
    border: labelling.LabelPlan,
) -> None:
    places = names(assembled(border, place="operation_place"), "locations")
    assert "Jilib" in places and "Kismayo Airport" in places
    assert "Baidoa" not in places  # the foe's earlier deed ("He had led ...")
    assert "Ethiopia" not in places  # the subject that speaks and works
    assert "Djibouti" not in places  # the partner ("working with Djibouti")
    assert "Mogadishu" not in places  # a terrorist bombing's scene


def test_forces_are_actors_once_each(border: labelling.LabelPlan) -> None:
    forces = names(assembled(border, place="operation_force", group="operation_force"), "forces")
    assert "Kenyan troops" in forces
    assert "Uganda" in forces  # "our ally Uganda" supports
    assert "Somali National Army" not in forces  # only backed, in no operation
    assert not any("remotely piloted" in f for f in forces)  # a means, not an actor
    assert sum(f.startswith("AMISOM") for f in forces) == 1  # "AMISOM", "AMISOM forces"


def test_a_country_never_shown_as_a_target_is_not_the_foe(border: labelling.LabelPlan) -> None:
    foes = names(assembled(border, place="enemy", group="enemy"), "adversaries")
    assert "Al-Shabaab" in foes
    assert not {"Ethiopia", "Djibouti", "Uganda"} & set(foes)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("SDF", "Syrian Democratic Forces", True),
        ("Iraqi forces", "Iraqi Security Forces", True),
        ("Coalition aircraft", "the Coalition", True),
        ("ISIL tactical unit", "ISIL", True),
        ("Coalition", "Syrian Arab Coalition", False),
        ("Kurdish forces", "Iraqi forces", False),
        ("UN", "United States", False),
    ],
)
def test_same_actor(a: str, b: str, same: bool) -> None:
    assert overrules.same_actor(a, b) is same
    assert overrules.same_actor(b, a) is same


def test_names_lose_the_speakers_possessive_not_their_own() -> None:
    assert overrules.plain_name("our Syrian partners") == "Syrian partners"
    assert overrules.plain_name("Iraq's forces") == "Iraq's forces"
    assert overrules.generic("remotely piloted aircraft")
    assert not overrules.generic("international forces")
    assert not overrules.generic("Coalition aircraft")


def test_without_the_models_country_the_scene_country_is_taken(
    border: labelling.LabelPlan,
) -> None:
    for answered in ("none", "Ethiopia", "Djibouti", "Somalia"):
        # none, the speaker, the partner: the country the story happens in
        country = assembled(border, country=answered, place="neither").get("country")
        assert isinstance(country, dict) and country["name"] == "Somalia", answered


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Syria", True),
        ("the U.S.", True),
        ("UK", True),
        ("South Sudan", True),
        ("Texas", False),
        ("Mosul", False),
        ("Borno State", False),
        ("Middle East", False),
    ],
)
def test_a_country_is_told_from_a_city_or_a_region(name: str, country: bool) -> None:
    from summarizer.core.countries import is_country

    assert is_country(name) is country


TOWN = (
    "Kenyan troops seized the town of Dhobley from al-Shabaab on Friday, Defence Secretary "
    "Mary Wambui said. Dhobley had been held by the militants since May. Troops also cleared "
    "the area around Kulbiyow Airfield, the army said."
)


def test_a_named_place_the_model_calls_a_force_is_a_place() -> None:
    lp = labelling.plan(TOWN)
    data = assembled(lp, group="operation_force", place="operation_force")
    forces = names(data, "forces")
    assert "Kenyan troops" in forces
    assert "Dhobley" not in forces and "Defence" not in forces  # a town; a title's word
    assert "Dhobley" in names(data, "locations")


SIDES = (
    "A Kenya strike hit an al-Shabaab camp near Jilib on Monday, the army said. Al-Shabaab has "
    "threatened to attack Kenya again, the Minister for East Africa said in Nairobi. "
    "Corporal Otieno's brave and selfless service was praised."
)


def test_a_side_a_title_or_a_venue_is_not_the_scene() -> None:
    lp = labelling.plan(SIDES)
    places = names(assembled(lp, place="operation_place"), "locations")
    assert "Jilib" in places
    assert "Kenya" not in places  # the side that strikes and is threatened
    assert "East Africa" not in places  # a minister's charge
    assert "Nairobi" not in places  # where the statement was made
    forces = names(assembled(lp, group="operation_force"), "forces")
    assert not any("service" in f for f in forces)


#: a meeting notice: its only scene is the campaign's ("in Somalia and Kenya"); the
#: meeting's venue is not a scene
MEETING = (
    "The envoy will lead a delegation to Oslo, Norway for a meeting on March 3 with partners. "
    "The meeting will be a chance to discuss ways to accelerate the campaign against "
    "al-Shabaab in Somalia and Kenya. Coalition aircraft struck al-Shabaab camps last week."
)


def test_a_campaigns_place_is_a_scene_even_in_a_meeting_notice() -> None:
    lp = labelling.plan(MEETING)
    by_name = {c.name: c for c in lp.candidates}
    assert overrules.scene_count(MEETING, by_name["Somalia"]) == 1
    assert overrules.scene_count(MEETING, by_name["Norway"]) == 0
    country = assembled(lp, place="operation_place").get("country")
    assert isinstance(country, dict) and country["name"] == "Somalia"


#: a page whose prose names no country as a scene; its headline places the story
HEADLINED = (
    "Car Bombs Kill 12 in Baidoa as Fighting Spreads in Somalia\n"
    "Harbour Post Reporters\n\n"
    "The government condemns the bombings today in the town of Baidoa, for which the "
    "militants claimed responsibility. Police said 12 civilians were killed. Army units "
    "raided militant hideouts near Baidoa on Tuesday."
)


def test_the_headlines_country_stands_when_the_prose_names_none() -> None:
    lp = labelling.plan(HEADLINED)
    somalia = next(c for c in lp.candidates if c.name == "Somalia")
    assert overrules.headline_scene(HEADLINED, somalia)
    country = assembled(lp, place="operation_place").get("country")
    assert isinstance(country, dict) and country["name"] == "Somalia"
    # the same line as the last sentence of a paragraph is prose, not a headline
    prose = HEADLINED.replace("Somalia\n", "Somalia.\n", 1)
    assert not overrules.headline_scene(prose, somalia)
