"""The public-benchmark scorers: their key parsing and matching, right and wrong cases.

The data stays in ../shared/evaldata; these tests build their own tiny keys.
"""

from __future__ import annotations

from bench.muc4 import Counts, Entity, head_noun, macro, parse_role, score_role
from bench.re3d import recalled


def test_key_alternatives_and_tied_descriptions() -> None:
    templates = [
        {
            "PERP: INDIVIDUAL ID": ['"URBAN GUERRILLAS" / "GUERRILLAS"', "-"],
            "HUM TGT: NAME": ['"HECTOR OQUELI"'],
            "HUM TGT: DESCRIPTION": ['"UNDERSECRETARY OF THE MNR": "HECTOR OQUELI"', '"MAIDS"'],
            "PHYS TGT: ID": ["*"],
        },
        {"PERP: INDIVIDUAL ID": ['? "GUERRILLAS"']},
    ]
    perp = parse_role(templates, "PerpInd")
    assert [e.mentions for e in perp] == [["URBAN GUERRILLAS", "GUERRILLAS"]]
    assert perp[0].optional is False  # required in one template: required
    victims = parse_role(templates, "Victim")
    assert [e.mentions for e in victims] == [
        ["HECTOR OQUELI", "UNDERSECRETARY OF THE MNR"],
        ["MAIDS"],
    ]
    assert parse_role(templates, "Target") == []


def test_head_noun() -> None:
    assert head_noun("MEMBERS OF THE SHINING PATH") == "members"
    assert head_noun("heavily armed men in civilian clothes") == "men"
    assert head_noun("the FMLN") == "fmln"


def test_head_match_scores_right_and_wrong() -> None:
    gold = [Entity(["HEAVILY ARMED MEN"]), Entity(["JESUIT PRIESTS"])]
    c = score_role(["armed men in uniform", "soldiers", "armed men"], gold, "head")
    # "armed men" twice by head noun counts once; "soldiers" is wrong; priests missed
    assert (c.p_hit, c.n_pred, c.r_hit, c.n_gold) == (1, 2, 1, 2)
    exact = score_role(["armed men in uniform"], gold, "exact")
    assert (exact.p_hit, exact.r_hit) == (0, 0)


def test_exact_is_one_to_one() -> None:
    gold = [Entity(["NATIONALIST REPUBLICAN ALLIANCE", "ARENA"])]
    c = score_role(["Arena", "Nationalist Republican Alliance"], gold, "exact")
    assert (c.p_hit, c.n_pred, c.r_hit, c.n_gold) == (1, 2, 1, 1)


def test_macro_is_f1_of_mean_p_and_r() -> None:
    roles = {"a": Counts(1, 1, 1, 2), "b": Counts(0, 2, 0, 1)}
    p, r, f = macro(roles)
    assert (p, r) == (0.5, 0.25)
    assert abs(f - 2 * 0.5 * 0.25 / 0.75) < 1e-12


def test_re3d_recall_rules() -> None:
    names = ["northern Syria", "Syrian Democratic Forces", "weapons caches"]
    assert recalled("Location", "Syria", names, [])
    assert recalled("Organisation", "the Syrian Democratic Forces", names, [])
    assert not recalled("Organisation", "Kurdish YPG", names, [])
    assert recalled("Quantity", "more than 18,000", [], [18000.0])
    assert not recalled("Quantity", "60-plus", [], [18000.0])
