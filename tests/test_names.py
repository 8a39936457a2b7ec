"""Name normalisation: variants that must meet, and names that must stay apart."""

from __future__ import annotations

import pytest

from summarizer.core.names import name_key, normalize_name, same_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Nineveh", "Ninawa"),
        ("Anbar", "Al-Anbar"),
        ("Anbar province", "al-Anbar"),
        ("Mosul", "Al-Mawsil"),
        ("Daesh", "ISIS"),
        ("ISIL", "the Islamic State"),
        ("Thamer al-Kubaisi", "Thamir al-Kobaisi"),
        ("Minister Thamer al-Kubaisi", "Thamir al-Kobaisi"),
        ("Mohammed Sani Bukar", "Muhammad Sani Bukar"),
        ("Gen. Mohammed Bukar", "Mohammed Bukar"),
        ("Kouré-Bangou", "Koure Bangou"),
        ("Popular Mobilization Forces", "PMF"),
    ],
)
def test_variants_meet(a: str, b: str) -> None:
    assert same_name(a, b), (name_key(a), name_key(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Rutba", "Ramadi"),
        ("Mosul", "Basra"),
        ("Thamer al-Kubaisi", "Thamer al-Khazraji"),
        ("Mohammed Bukar", "Mohammed Sani"),
        ("Federal Police", "Iraqi Army"),
    ],
)
def test_different_names_stay_apart(a: str, b: str) -> None:
    assert not same_name(a, b)


def test_normalized_form_is_readable() -> None:
    assert normalize_name("Al-Anbar") == "Anbar"
    assert normalize_name("Ninawa Governorate") == "Nineveh"
    assert normalize_name("Daesh") == "Islamic State"
    assert normalize_name("Brigadier General Ali Falah al-Khazraji") == "ali falah khazraji"
