"""Second stories glued to a page are set aside on evidence (issues #14 and #18).

Synthetic pages here are written for these tests; the page-shaped re3d variants are
built by bench/pages.py from ../shared/evaldata (read by path, skipped when absent).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from summarizer.pipeline.cleaning import clean_page, glued
from tests.conftest import EXAMPLES, ROOT
from tests.test_clean import checked_clean

DATA = ROOT.parent / "shared" / "evaldata" / "re3d"

LEAD_BODY = (
    "Iraqi army units and Federal Police cleared 12 villages south of Kirkuk on Tuesday, "
    "the Joint Operations Command said in a statement.\n"
    "The operation in the Hawija district targeted remnants of Islamic State hiding in the "
    "orchards along the Zab river, according to Brigadier Yahya Rasool.\n"
    "Troops destroyed 9 hideouts and seized two weapons caches, the statement said.\n"
)
OTHER_BODY = (
    "Growers in the Maule valley say reservoirs are at their lowest level in a decade, and "
    "the agriculture ministry in Santiago has promised emergency pumps.\n"
    "Cherry exporters told Reuters that shipments to China could fall by a third.\n"
)
RELATED_BODY = (
    "Families began returning to the villages south of Kirkuk on Wednesday, the Joint "
    "Operations Command said, after engineers cleared roadside bombs.\n"
    "Brigadier Yahya Rasool said the army would keep checkpoints along the Zab river.\n"
)


def _header(title: str) -> str:
    """A site's header block: headline, caption twice, site marker, headline again."""
    caption = f"{title.split(' in ')[0]} (Photo: Kestrel Images)"
    return f"{title}\n{caption}\n{title}\n{caption}\nTHE RIVER GAZETTE\n{title}\n"


def _after_a_share_bar(title: str, body: str) -> str:
    """The lead story, a share bar, then a section headed ``title``."""
    lead = "Iraqi forces clear villages south of Kirkuk in new sweep\n\n" + LEAD_BODY
    return f"{lead}\nShare this:\nFacebook | Twitter | WhatsApp\n\n{title}\n{body}"


def test_a_block_repeating_the_opening_header_is_set_aside() -> None:
    page = (
        "The River Gazette\n\n"
        + _header("Iraqi forces clear villages south of Kirkuk in new sweep")
        + "\n"
        + LEAD_BODY
        + "\n"
        + _header("Farmers fear a second dry winter in the south")
        + "\n"
        + OTHER_BODY
    )
    result = checked_clean(page)
    assert LEAD_BODY in result.main.text
    assert "Maule" not in result.main.text and "Farmers fear" not in result.main.text
    assert [s.title for s in result.set_aside] == ["Farmers fear a second dry winter in the south"]
    assert "Maule valley" in result.set_aside[0].text
    assert any(glued.REPEATS_HEADER in w for w in result.warnings)


def test_a_story_sharing_no_names_after_furniture_is_set_aside() -> None:
    page = _after_a_share_bar("Farmers in Chile fear a second dry winter", OTHER_BODY)
    result = checked_clean(page)
    assert result.main.text.endswith(LEAD_BODY)
    assert [s.title for s in result.set_aside] == ["Farmers in Chile fear a second dry winter"]
    assert any(glued.NOTHING_SHARED in w for w in result.warnings)


def test_a_section_about_the_same_places_stays() -> None:
    page = _after_a_share_bar("Residents return to villages near Hawija", RELATED_BODY)
    result = clean_page(page)
    assert not result.set_aside and not result.warnings
    assert RELATED_BODY in result.main.text


def test_without_end_of_story_furniture_names_alone_split_nothing() -> None:
    """Measured on MUC-4 newswire: hard-wrapped lines look like headlines, and without a
    furniture cue the entity test alone split 16 of 200 real texts.  It is not used."""
    page = (
        "Iraqi forces clear villages south of Kirkuk in new sweep\n\n"
        + LEAD_BODY
        + "\nFarmers in Chile fear a second dry winter\n"
        + OTHER_BODY
    )
    assert not clean_page(page).set_aside


def test_pages_without_a_candidate_never_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> list[tuple[str, str]]:
        raise AssertionError("spaCy was asked to parse")

    monkeypatch.setattr(glued, "entities", refuse)
    for path in sorted((EXAMPLES / "articles").glob("*.txt")):
        clean_page(path.read_text("utf-8"))


def test_example_pages_set_aside_what_they_did() -> None:
    manifest: list[dict[str, Any]] = json.loads((EXAMPLES / "manifest.json").read_text())
    aside = {
        Path(e["file"]).stem: [
            s.title for s in clean_page((EXAMPLES / e["file"]).read_text("utf-8")).set_aside
        ]
        for e in manifest
    }
    assert aside.pop("iron_harvest_phase2_outlet_b") == [
        "Al-Anbar club beat Al-Qaim 3-1 in front of 12,000 fans"
    ]
    assert all(titles == [] for titles in aside.values())


@pytest.mark.skipif(
    not (DATA / "CENTCOM" / "documents.json").exists(), reason=f"re3d texts not found at {DATA}"
)
def test_page_shaped_variants_lose_their_second_story_and_keep_the_first() -> None:
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    import pages
    import second_story

    rows = [second_story.score_variant(v) for v in pages.make_variants(DATA, pages.GOLD)]
    summary = second_story.summarise(rows)
    assert summary["variants"] >= 30
    assert summary["entirely"] == summary["variants"], [r.id for r in rows]
    assert summary["first_lost_share"] < 0.002  # only a repeated copy of a headline
    assert summary["headline_found"] == summary["variants"]
    assert all(any("second story" in w for w in r.warnings) for r in rows)
