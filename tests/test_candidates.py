"""Outcome tallies read by the parse (no model): verb, figure and counted noun."""

from __future__ import annotations

from summarizer.pipeline.candidates import tallies

PAGE = (
    "The army destroyed 9 hideouts and two tunnels in the Jebel Sawda foothills on March 3. "
    "Troops seized 40 kilograms of fertiliser and 17 explosive devices, searched 31 villages "
    "and arrested three suspects. Engineers dismantled 12 roadside bombs. "
    "Five strikes destroyed a bridge. The unit did not arrest any of the 11 men questioned. "
    "Police denied reports that 30 civilians were killed. "
    "Gunmen killed or wounded 60 people in the market."
)


def _seen() -> set[tuple[str, str, float]]:
    return {(t.category, t.object, t.value) for t in tallies(PAGE)}


def test_every_tally_of_a_list_gets_its_verb() -> None:
    seen = _seen()
    for fact in (
        ("destroyed", "hideouts", 9.0),
        ("destroyed", "tunnels", 2.0),
        ("seized", "kilograms of fertiliser", 40.0),
        ("seized", "explosive devices", 17.0),
        ("searched", "villages", 31.0),
        ("arrested", "suspects", 3.0),
        ("defused", "roadside bombs", 12.0),
    ):
        assert fact in seen, fact


def test_no_tally_from_doers_dates_negations_denials_or_shared_figures() -> None:
    values = {v for _, _, v in _seen()}
    assert 5.0 not in values  # the strikes did the destroying
    assert 3.0 in values and all(v != 3.0 or c == "arrested" for c, _, v in _seen())  # March 3
    assert 11.0 not in values and 30.0 not in values and 60.0 not in values


def test_each_tally_points_at_its_sentence() -> None:
    for t in tallies(PAGE):
        sentence = PAGE[t.start : t.end]
        assert t.figure in sentence and t.verb in sentence


def test_a_clearance_is_not_a_search() -> None:
    from summarizer.pipeline.candidates import tallies

    found = [
        (t.category, t.object)
        for t in tallies("Troops cleared 12 villages and searched 31 houses near the border.")
    ]
    assert found == [("cleared", "villages"), ("searched", "houses")]


def test_damaged_and_disabled_things_are_outcomes_of_no_named_category() -> None:
    text = (
        "Near Jilib, four strikes engaged two militant units; destroyed a truck; and damaged "
        "12 supply routes and three culverts. Near Baardheere, a strike disabled two ferries."
    )
    got = {(t.category, t.figure, t.object) for t in tallies(text)}
    assert got >= {("other", "12", "supply routes"), ("other", "three", "culverts")}
    assert ("other", "two", "ferries") in got
    assert not any(t.verb.startswith("engag") for t in tallies(text))  # units engaged
