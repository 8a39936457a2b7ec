"""The labelling mode's deterministic half: candidates read from the text, the answer
schema the model fills, and the report assembled from an answer (no model here: the
answers below are written by hand to exercise the assembly, as a recorded answer
would)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from summarizer import Summarizer
from summarizer.core.ground import GroundingContext
from summarizer.core.results import Extraction
from summarizer.core.schema import OperationReport
from summarizer.pipeline import entities, labelling

ARTICLE = (
    "Iraqi Security Forces (ISF) launched the second phase of Operation Granite Dawn "
    "in Kirkuk province on Sunday, the Joint Operations Command said.\n\n"
    "Brigadier General Saad Maan, spokesman for the Joint Operations Command, said "
    "the troops destroyed 14 hideouts and arrested 9 suspects near the village of "
    "Tal Ward. Coalition aircraft supported the advance with strikes on Islamic State "
    "positions.\n\n"
    "The operation covers more than 2,300 square kilometres, Maan said. Residents of "
    "Hawija told reporters that markets reopened. The ISF did not say when the phase "
    "would end."
)


@pytest.fixture(scope="module")
def plan() -> labelling.LabelPlan:
    return labelling.plan(ARTICLE)


def by_name(lp: labelling.LabelPlan) -> dict[str, entities.Candidate]:
    return {c.name: c for c in lp.candidates}


def test_one_candidate_per_name_however_spelled(plan: labelling.LabelPlan) -> None:
    cands = by_name(plan)
    # the acronym in brackets is the same force; the surname alone is the same person
    assert "ISF" not in cands
    isf = cands["Iraqi Security Forces"]
    assert {"ISF", "Iraqi Security Forces"} <= isf.spellings
    assert len(isf.mentions) == 3
    person = next(c for c in plan.candidates if c.kind == "person")
    assert person.name == "Saad Maan"
    assert person.forms == ["Saad Maan", "Maan"]


def test_mentions_are_offsets_into_the_text(plan: labelling.LabelPlan) -> None:
    for c in plan.candidates:
        for (start, end), form in zip(c.mentions, c.forms, strict=True):
            assert form in ARTICLE[start:end]
        for start, end in c.sentences:
            assert ARTICLE[start:end].strip()


def test_kinds_restrict_the_labels(plan: labelling.LabelPlan) -> None:
    schema = plan.answer_model.model_json_schema()
    props = schema["properties"]
    person = next(c for c in plan.candidates if c.kind == "person")
    assert props[labelling.key_of(person)]["enum"] == ["official", "not_official"]
    # a person can never be a place: the grammar has no such choice for it
    place = next(c for c in plan.candidates if c.kind == "place")
    assert "operation_place" in props[labelling.key_of(place)]["enum"]
    assert "operation_place" not in props[labelling.key_of(person)]["enum"]
    # relevance is asked last, the summary first
    keys = list(props)
    assert keys[0] == "summary" and keys[-1] == "relevance"


def test_the_prompt_lists_the_candidates_after_the_article(plan: labelling.LabelPlan) -> None:
    messages = plan.messages(None)
    user = messages[1]["content"]
    assert user.index("Granite Dawn") < user.index("Names in the article:")
    assert "Saad Maan" in user.split("Names in the article:")[1]


def answer(lp: labelling.LabelPlan, labels: dict[str, str], **top: str) -> object:
    data: dict[str, str] = {
        "summary": "Iraqi forces began a new phase in Kirkuk.",
        "country": "none",
        "status": "ongoing",
        "relevance": "operation_report",
    }
    data.update(top)
    for c in lp.candidates:
        data[labelling.key_of(c)] = labels.get(c.name, c.labels[-1])
    return lp.answer_model.model_validate_json(json.dumps(data))


def test_assembly_is_grounded_and_checked(plan: labelling.LabelPlan) -> None:
    ans = answer(
        plan,
        {
            "Iraqi Security Forces": "operation_force",
            "Coalition aircraft": "operation_force",
            "Saad Maan": "official",
            "Kirkuk province": "operation_place",
            "Islamic State": "enemy",
        },
    )
    data = labelling.assemble(plan, ans)  # type: ignore[arg-type]
    report = OperationReport.model_validate(data, context=GroundingContext(ARTICLE, strict=False))
    assert report.operation_name == "Granite Dawn"
    assert report.phase == 2
    assert report.area is not None and report.area.value == pytest.approx(2300)
    forces = {f.name: f for f in report.forces}
    assert forces["Coalition aircraft"].role == "air_support"
    assert forces["Coalition aircraft"].category == "coalition"
    assert forces["Iraqi Security Forces"].role in ("lead", "participating")
    assert [o.role for o in report.officials] == ["spokesperson"]
    outcomes = {(o.category, o.quantity.value if o.quantity else None) for o in report.outcomes}
    assert outcomes == {("destroyed", 14.0), ("arrested", 9.0)}
    for ev in report.evidence_items():
        # every quote is a sentence of the text, located exactly
        assert ev.status == "exact" and ev.start is not None and ev.end is not None
        assert ARTICLE[ev.start : ev.end] == ev.quote


def test_a_person_no_title_makes_an_official_is_dropped(plan: labelling.LabelPlan) -> None:
    # the model may call anyone an official; no title word near the name, no official
    lp = labelling.plan(ARTICLE + " Ahmed Salih, a shopkeeper, said prices fell.")
    ans = answer(lp, {"Ahmed Salih": "official", "Saad Maan": "official"})
    data = labelling.assemble(lp, ans)  # type: ignore[arg-type]
    assert [o["name"] for o in data["officials"]] == ["Saad Maan"]


def test_an_off_topic_answer_yields_to_a_force_acting_in_the_lead(
    plan: labelling.LabelPlan,
) -> None:
    # "Iraqi Security Forces (ISF) launched the second phase ...": the text reports an
    # operation, so the model's "not about operations" does not empty the report
    ans = answer(
        plan, {"Iraqi Security Forces": "operation_force"}, relevance="not_about_operations"
    )
    data = labelling.assemble(plan, ans)  # type: ignore[arg-type]
    assert data["relevance"] == "operation_report"
    assert [f["name"] for f in data["forces"]] == ["Iraqi Security Forces"]


def test_the_country_is_a_place_of_the_text(plan: labelling.LabelPlan) -> None:
    with pytest.raises(ValidationError):
        answer(plan, {}, country="Atlantis")
    places = [c.name for c in plan.candidates if c.kind == "place"]
    ans = answer(plan, {}, country=places[0])
    data = labelling.assemble(plan, ans)  # type: ignore[arg-type]
    # a province, a village and a town are places of the text but not a country
    assert places[0] == "Kirkuk" and "country" not in data


def test_strike_lists_menus_and_initials() -> None:
    text = (
        "Harbour Times\nNEWS  SPORT  BUSINESS  WORLD  CULTURE  WEATHER  LOGIN\n\n"
        "Coalition forces struck targets in support of the Syrian Democratic Forces.\n"
        ".   Near Qaryat Sahil, three strikes destroyed two fighting positions.\n"
        ".   Near Tell Abyad, one strike destroyed a vehicle.\n"
        "The SDF said the advance continued."
    )
    names = {c.name: c for c in entities.candidates(text, labelling.LABELS)}
    # places at the head of a strike-list line, which the recogniser misses
    assert names["Qaryat Sahil"].kind == "place"
    assert names["Tell Abyad"].kind == "place"
    # initials name the force given in full earlier, brackets or not
    assert "SDF" in names["Syrian Democratic Forces"].spellings and "SDF" not in names
    # a name only a verbless line gives (a menu) is page furniture
    assert "CULTURE" not in names and "Harbour Times" not in names


def test_candidates_are_capped_and_deterministic() -> None:
    towns = " ".join(f"Strikes hit the town of Town{chr(65 + i)}ville." for i in range(20))
    first = labelling.plan(towns)
    again = labelling.plan(towns)
    assert [c.name for c in first.candidates] == [c.name for c in again.candidates]
    places = [c for c in first.candidates if c.kind == "place"]
    assert len(places) <= entities.LIMITS["place"]


# --------------------------------------------------------------------------- recorded

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "articles"


def test_a_recorded_page_in_the_labelling_mode(settings_for: Any, cassette: Any) -> None:
    """One page through the whole mode against the embedded model's recorded answer:
    one request whose grammar offers only each candidate's labels, a report whose every
    quote is a located sentence, and a rerun that asks nothing."""
    page = (EXAMPLE / "iron_harvest_phase2_outlet_a.txt").read_text(encoding="utf-8")
    settings = settings_for(extraction="labels")
    with cassette("labels_iron_harvest_a") as tape, Summarizer(settings) as s:
        ex: Extraction[OperationReport] = s.extract(text=page, published=date(2025, 3, 16))
        bodies = [json.loads(r.body) for r in tape.requests]
        again: Extraction[OperationReport] = s.extract(text=page, published=date(2025, 3, 16))
    assert len(bodies) == 1
    schema = bodies[0]["response_format"]["schema"]
    props = schema["properties"]
    keys = list(props)
    assert keys[0] == "summary" and keys[-1] == "relevance"
    person_keys = [k for k in props if k.startswith("P")]
    assert person_keys and all(
        props[k]["enum"] == ["official", "not_official"] for k in person_keys
    )
    report = ex.value
    assert ex.meta.prompt_version == "operation_labels.v3"
    assert ex.meta.usage.requests == 1
    assert report.operation_name == "Iron Harvest"
    assert report.phase == 2
    assert report.area is not None and report.area.value == pytest.approx(12000)
    tallies = {(o.category, o.quantity.value) for o in report.outcomes if o.quantity}
    assert {("killed", 27.0), ("destroyed", 43.0), ("defused", 61.0)} <= tallies
    marks = '"“” '
    for ev in report.evidence_items():
        assert ev.status == "exact" and ev.start is not None and ev.end is not None
        # (alignment locates a quote without the quotation marks around it)
        assert page[ev.start : ev.end].strip(marks) == ev.quote.strip(marks)
    assert again.meta.cache_hit and again.value.model_dump(exclude={"extraction"}) == (
        report.model_dump(exclude={"extraction"})
    )


def test_a_stricter_assembly_does_not_ask_the_model_again(settings_for: Any, cassette: Any) -> None:
    """A labels answer grounds by construction; when a later assembly keeps fewer facts
    than were stored with it, the cached answer is still the answer (the quote mode's
    planted-entry check compares grounded counts, which here are the library's own)."""
    page = (EXAMPLE / "iron_harvest_phase2_outlet_a.txt").read_text(encoding="utf-8")
    settings = settings_for(extraction="labels")
    with cassette("labels_iron_harvest_a") as tape, Summarizer(settings) as s:
        s.extract(text=page, published=date(2025, 3, 16))
        job = s.prepare(text=page, published=date(2025, 3, 16))
        assert s._cache is not None
        stored = s._cache.get(job.key)
        assert stored is not None
        s._cache.set(job.key, {**stored, "grounded": int(stored["grounded"]) + 50})
        again = s.extract_prepared(job)
        assert len(tape.requests) == 1
    assert again.meta.cache_hit


def test_home_towns_and_bases_are_not_operation_places() -> None:
    text = (
        "Coalition aircraft struck targets near Ramadi on Monday. "
        "Sgt. Dana Reyes, of Millbrook, Alabama, died Tuesday in Ramadi. "
        "Reyes was assigned to 3rd Squadron, 2nd Cavalry Regiment, Fort Halvorsen, Nevada."
    )
    lp = labelling.plan(text)
    places = {c.name: c for c in lp.candidates if c.kind == "place"}
    labels = dict.fromkeys(places, "operation_place")
    data = labelling.assemble(lp, answer(lp, labels))  # type: ignore[arg-type]
    kept = {loc["name"] for loc in data["locations"]}
    assert "Ramadi" in kept
    assert not kept & {"Millbrook", "Alabama", "Fort Halvorsen", "Nevada"}, kept


def test_a_counted_area_is_the_area_not_an_outcome() -> None:
    text = (
        "Army units launched Operation Desert Lantern on Monday. The troops cleared "
        "more than 900 square kilometres of desert and destroyed 12 hideouts, "
        "the Desert Lantern command said."
    )
    lp = labelling.plan(text)
    labels = {c.name: c.labels[0] for c in lp.candidates}
    data = labelling.assemble(lp, answer(lp, labels))  # type: ignore[arg-type]
    assert data["operation_name"] == "Desert Lantern"
    assert data["area"]["raw"] == "more than 900 square kilometres"
    # the counted area is the area field, not an outcome
    assert [(o["category"], o["quantity"]["raw"]) for o in data["outcomes"]] == [
        ("destroyed", "12")
    ]


def test_labels_are_the_embedded_default_quotes_an_endpoints() -> None:
    from summarizer.settings import Settings

    assert Settings().resolved_extraction == "labels"
    remote = Settings(base_url="https://models.example.org/v1", model="m")
    assert remote.resolved_extraction == "quotes"
    assert Settings(extraction="quotes").resolved_extraction == "quotes"
    assert Settings.from_env({"SUMMARIZER_EXTRACTION": "quotes"}).extraction == "quotes"


def test_a_raw_line_break_in_the_summary_is_read(plan: labelling.LabelPlan) -> None:
    """llama-cpp-python's grammar lets a raw line break into a string; the rest of such
    an answer is whole, so it is read (recorded once on an example page)."""
    keys = ", ".join(f'"{labelling.key_of(c)}": "{c.labels[-1]}"' for c in plan.candidates)
    content = (
        '{"summary": "Iraqi forces began a phase.\n", '
        + keys
        + ', "country": "none", "status": "ongoing", "relevance": "operation_report"}'
    )
    ans = plan.answer_model.model_validate_json(content)
    assert ans.model_dump()["summary"] == "Iraqi forces began a phase.\n"
    with pytest.raises(ValidationError):
        plan.answer_model.model_validate_json('{"summary": "cut off')


# ----------------------------------------------------------- what a label cannot make

SIDES = (
    "Kenyan troops, aided by our ally Uganda, raided a militant camp near the town of "
    "Kolbio on Tuesday, the Ministry of Defence said.\n\n"
    "Minister for the Coast Amina Odhiambo welcomed the raid. The soldiers killed 12 "
    "militants and destroyed 3 trucks, the ministry said.\n\n"
    "Al-Shabaab militants killed 9 villagers in an attack on the town of Mpeketoni last "
    "month. Somalis living in the area fled. The ministers met in Nairobi to discuss "
    "the border."
)


@pytest.fixture(scope="module")
def sides() -> labelling.LabelPlan:
    return labelling.plan(SIDES)


def everything(lp: labelling.LabelPlan, place: str, group: str) -> object:
    """An answer that labels every group a force and every place the operation's."""
    return answer(
        lp,
        {c.name: {"group": group, "place": place}.get(c.kind, c.labels[-1]) for c in lp.candidates},
    )


def test_bodies_titles_peoples_and_scenes_are_not_forces(sides: labelling.LabelPlan) -> None:
    names = {c.name: c.kind for c in sides.candidates}
    data = labelling.assemble(sides, everything(sides, "operation_force", "operation_force"))  # type: ignore[arg-type]
    forces = [f["name"] for f in data["forces"]]
    assert "Kenyan troops" in forces
    # a place is a force only where it stands as a side ("our ally Uganda")
    assert names["Uganda"] == "place" and "Uganda" in forces
    for not_force in ("Ministry of Defence", "Kolbio", "Mpeketoni", "Nairobi", "militants"):
        assert not any(not_force in f for f in forces), not_force
    assert not any(f.startswith("Somali") for f in forces)


def test_scenes_of_a_foes_attack_or_a_meeting_are_not_the_operations_places(
    sides: labelling.LabelPlan,
) -> None:
    data = labelling.assemble(sides, everything(sides, "operation_place", "neither"))  # type: ignore[arg-type]
    places = [p["name"] for p in data["locations"]]
    assert "Kolbio" in places
    assert "Mpeketoni" not in places  # the foe's attack
    assert "Nairobi" not in places  # the meeting


def test_a_foes_tally_is_not_an_outcome(sides: labelling.LabelPlan) -> None:
    data = labelling.assemble(sides, everything(sides, "neither", "neither"))  # type: ignore[arg-type]
    outcomes = {(o["category"], o["quantity"]["raw"]) for o in data["outcomes"]}
    assert ("killed", "12") in outcomes and ("destroyed", "3") in outcomes
    assert ("killed", "9") not in outcomes  # Al-Shabaab's killing of villagers
    assert len(sides.tallies) == 3  # the text reader still reads all three


#: names whose every label the assembly overrules: the operation's own name, a person
#: no title word makes an official, a bare "army" and a newspaper that acts in nothing
MOOT = (
    "Kenyan troops launched Operation Linda Pwani against al-Shabaab near Kolbio on "
    "Tuesday, army spokesman Colonel Paul Njuguna said. A farmer, Hassan Omar, said the "
    "fighting had stopped. The Daily Nation reported the raid."
)


def test_names_the_assembly_would_overrule_are_not_asked() -> None:
    lp = labelling.plan(MOOT)
    asked = [c.name for c in lp.asked]
    assert asked == ["Kenyan troops", "al-Shabaab", "Kolbio", "Paul Njuguna"]
    listed = lp.messages(None)[1]["content"].split("Names in the article:")[1]
    assert "Hassan Omar" not in listed and "Linda Pwani" not in listed
    assert "Hassan Omar" in [c.name for c in lp.candidates]  # still read, for the country
    schema = lp.answer_model.model_json_schema()["properties"]
    assert all(labelling.key_of(c) in schema for c in lp.asked)
    assert not any(labelling.key_of(c) in schema for c in lp.candidates if c not in lp.asked)
    # every label of an unasked name is overruled: the answer could not have listed it
    labels = {"Kenyan troops": "operation_force", "al-Shabaab": "enemy", "Paul Njuguna": "official"}
    data = {"summary": "Troops raided a village.", "country": "none", "status": "ongoing"}
    data["relevance"] = "operation_report"
    data |= {labelling.key_of(c): labels.get(c.name, "operation_place") for c in lp.asked}
    report = labelling.assemble(lp, lp.answer_model.model_validate_json(json.dumps(data)))
    assert [f["name"] for f in report["forces"]] == ["Kenyan troops"]
    assert [o["name"] for o in report["officials"]] == ["Paul Njuguna"]
