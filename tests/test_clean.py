"""Page cleaning: offset maps, furniture, captions, glued stories, and inputs that must not break.

The examples are judged on what the model would read (``main.text``); every test also
checks the offset guarantee, because evidence offsets are reported against the page.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from summarizer.pipeline.cleaning import CHARS_PER_TOKEN, CleanResult, Story, clean_page
from tests.conftest import EXAMPLES, load_manifest

MANIFEST = load_manifest()

#: furniture phrases from the brief; none may survive as a whole line of a main story
FURNITURE_LINES = {
    "skip to main content",
    "skip to content",
    "share this",
    "share on facebook",
    "share on twitter",
    "tweet",
    "whatsapp",
    "print",
    "email",
    "related posts",
    "related articles",
    "read also",
    "read more",
    "check also",
    "leave a reply",
    "cancel reply",
    "your email address will not be published",
    "required fields are marked",
    "your email address will not be published. required fields are marked",
    "comment",
    "name",
    "website",
    "post comment",
    "save my name, email, and website in this browser for the next time i comment",
    "log out / change",
    "back to top",
    "advertisement",
    "subscribe to our newsletter",
    "like this",
    "like loading",
    "loading",
    "menu",
    "search",
    "previous | next",
}
FURNITURE_PREFIXES = (
    "click to share",
    "click to email",
    "tags:",
    "skip to",
    "home /",
    "home »",
    "(c) ",
    "© ",
    "copyright",
    "you are commenting using",
    "this site uses akismet",
    "notify me of",
    "read also:",
    "by ",
    "(reporting by",
)

#: per example: the headline, sentences/figures that must survive, and text that must not
EXPECTED: dict[str, dict[str, Any]] = {
    "iron_harvest_phase2_outlet_a": {
        "title": (
            "Iraqi forces launch second phase of Operation Iron Harvest in western Anbar desert"
        ),
        "keep": [
            "BAGHDAD (Tigris Wire) - Iraqi security forces launched the second phase of "
            "Operation Iron Harvest on Saturday, March 15, 2025",
            "more than 12,000 square kilometres",
            '"Our forces killed 27 terrorists and destroyed 43 hideouts',
            "defused 61 improvised explosive devices and found 9 tunnels",
            "The first phase of Iron Harvest began on March 2",
            "Two soldiers were wounded",
            "Published: March 16, 2025",
        ],
        "drop": ["Kurdistan region announces", "Oil exports through northern pipeline"],
    },
    "iron_harvest_phase2_outlet_b": {
        "title": "Security forces clear 12,460 square kilometres in second phase of “Iron Harvest”",
        "keep": [
            "Iraqi security forces on Saturday started the second phase of the “Iron Harvest”",
            "Thamir al-Kobaisi",
            "killed 25 terrorists and destroyed 41 hideouts",
            "dismantled 64 explosive devices and discovered 9 tunnels and 3 caves",
            "Iraqi Army Aviation helicopters",
            "Anbar - Euphrates Post",
        ],
        "drop": [
            "3-1",
            "12,000",
            "31 points",
            "Al-Anbar club",
            "Ramadi Olympic Stadium",
            "Striker",
            "Sports Desk",
            "Anbar governor inaugurates",
        ],
    },
    "iron_harvest_phase3_outlet_c": {
        "title": "Iron Harvest enters third phase in Jazira desert north of Haditha",
        "keep": [
            "Iraqi forces began the third phase of Operation Iron Harvest on Wednesday, May 14",
            "which began in late April",
            "did not take part in this phase",
            "cleared about 8,300 square kilometres since May 14",
            "They killed 14 militants, destroyed 22 hideouts, defused 37 improvised explosive "
            "devices and found 4 tunnels",
            "71 militants have been killed since the start of Iron Harvest",
        ],
        "drop": ["load-shedding", "Trebil crossing", "Basra festival", "Nineveh council"],
    },
    "sahel_border_sweep": {
        "title": "Operation Sand Wall: army arrests dozens of suspects along border in Tillaberi",
        "keep": [
            "NIAMEY - Soldiers and gendarmes arrested between 30 and 40 suspects",
            "under Operation Sand Wall",
            "The operation ran from June 1 to June 7 in the Tillaberi region",
            "Kouré-Bangou",
            "About 300 soldiers",
            "At least 12 motorcycles were seized",
            "about 400 litres of fuel",
            "Colonel Abdoulaye Hamidou Garba",
        ],
        "drop": ["Akismet", "girls' education", "Onion exporters"],
    },
    "lake_region_raids": {
        "title": "Troops, police arrest 19 suspected insurgent suppliers in Lake Chad raids",
        "keep": [
            "Troops and police officers have arrested 19 suspected suppliers",
            "Sunday, July 20",
            "Brigadier General Mohammed Sani Bukar",
            "Brigadier General Muhammad Sani Bukar",
            "Gen. Mohammed Bukar",
            "412 rounds of 7.62mm ammunition",
            "16 of the suspects were men and three were women",
        ],
        "drop": ["Super Eagles", "Weapons and ammunition recovered from suspects"],
    },
    "market_prices_not_operations": {
        "title": "Tomato prices double in Mosul markets after import ban",
        "keep": [
            "rose from 750 Iraqi dinars to 1,500 dinars",
            "about 2,400 tonnes of tomatoes",
            "closed 6 shops",
            "Hamdaniya and Bashiqa",
        ],
        "drop": ["Gold prices rise", "Mosul university opens"],
    },
    "diyala_orchards_mentions": {
        "title": "Diyala council approves compensation budget for drought-hit orchard owners",
        "keep": [
            "approved a budget of 11.2 billion Iraqi dinars",
            "Nine members voted in favour of the budget",
            "security forces launched an operation to search those orchards",
        ],
        "drop": ["Khanaqin hospital", "road safety week"],
    },
}


# ------------------------------------------------------------------------ helpers


def _stem(entry: dict[str, Any]) -> str:
    return Path(entry["file"]).stem


def _load(entry: dict[str, Any]) -> str:
    return (EXAMPLES / Path(entry["file"])).read_text(encoding="utf-8")


def _norm_line(line: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"^[\W_]+|[\W_]+$", "", line.lower()))


def collapse_blank_runs(text: str) -> str:
    """The reference for a page with no noise: blank-line runs shrink to one blank line."""
    out: list[str] = []
    prev_blank = False
    for line in text.splitlines(keepends=True):
        blank = not line.strip()
        if blank and prev_blank:
            continue
        out.append(line)
        prev_blank = blank
    return "".join(out)


def check_story_map(original: str, story: Story) -> None:
    """Segments copy the page exactly, in order, and tile the story text."""
    pos = 0
    last_orig = -1
    for seg in story.segments:
        assert seg.length > 0
        assert seg.clean_start == pos
        assert seg.orig_start > last_orig
        assert (
            original[seg.orig_start : seg.orig_start + seg.length]
            == story.text[seg.clean_start : seg.clean_start + seg.length]
        )
        pos += seg.length
        last_orig = seg.orig_start + seg.length - 1
    assert pos == len(story.text)


def check_invariants(result: CleanResult, rng: random.Random | None = None) -> None:
    """Every story maps back exactly; main segments and removed spans tile the page."""
    original = result.original
    assert result.stories, "there is always a main story"
    for story in result.stories:
        check_story_map(original, story)
    spans = [(s.orig_start, s.orig_start + s.length) for s in result.main.segments]
    spans += [(r.start, r.end) for r in result.removed]
    spans.sort()
    pos = 0
    for start, end in spans:
        assert start == pos and end > start
        pos = end
    assert pos == len(original)
    assert result.chars_removed == len(original) - len(result.main.text)
    assert result.tokens_removed_estimate == -(-result.chars_removed // CHARS_PER_TOKEN)
    rng = rng or random.Random(0)
    text = result.main.text
    for _ in range(20):
        if not text:
            break
        s = rng.randrange(len(text))
        e = rng.randrange(s + 1, len(text) + 1)
        o1, o2 = result.main.to_original(s, e)
        assert original[o1] == text[s]
        assert original[o2 - 1] == text[e - 1]
        assert o2 - o1 >= e - s


def checked_clean(page: str) -> CleanResult:
    """``clean_page(page)``, checked for the invariants every result keeps."""
    result = clean_page(page)
    check_invariants(result)
    return result


def reasons(result: CleanResult) -> set[str]:
    """Why text was taken out of the page."""
    return {r.reason for r in result.removed}


def main_lines(result: CleanResult) -> list[str]:
    return [ln for ln in result.main.text.splitlines() if ln.strip()]


# ----------------------------------------------------------------------- examples


@pytest.mark.parametrize("entry", MANIFEST, ids=_stem)
def test_example_offsets_map_back(entry: dict[str, Any]) -> None:
    check_invariants(clean_page(_load(entry)))


@pytest.mark.parametrize("entry", MANIFEST, ids=_stem)
def test_example_no_furniture_survives(entry: dict[str, Any]) -> None:
    result = clean_page(_load(entry))
    for line in main_lines(result):
        norm = _norm_line(line)
        assert norm not in FURNITURE_LINES, line
        assert not line.strip().lower().startswith(FURNITURE_PREFIXES), line
        assert " | " not in line, line  # menu bars, masthead editions, copyright footers
    assert result.chars_removed > 0


@pytest.mark.parametrize("entry", MANIFEST, ids=_stem)
def test_example_repeated_captions_are_gone(entry: dict[str, Any]) -> None:
    page = _load(entry)
    result = clean_page(page)
    counts: dict[str, int] = {}
    for line in page.splitlines():
        if len(line.strip()) >= 25:
            counts[line.strip()] = counts.get(line.strip(), 0) + 1
    repeated = [line for line, n in counts.items() if n >= 2]
    kept = {ln.strip() for ln in main_lines(result)}
    for line in repeated:
        assert line not in kept, line
    # "Image: <caption>" is the same caption with a label: it goes too
    assert not any(ln.startswith(("Image:", "Photo:")) for ln in kept)


@pytest.mark.parametrize("entry", MANIFEST, ids=_stem)
def test_example_story_survives(entry: dict[str, Any]) -> None:
    page = _load(entry)
    result = clean_page(page)
    expected = EXPECTED[_stem(entry)]
    text = result.main.text
    assert result.main.title == expected["title"]
    assert text.startswith(expected["title"])  # the headline is kept, first
    for phrase in expected["keep"]:
        assert phrase in text, phrase
        start = text.index(phrase)
        o1, o2 = result.main.to_original(start, start + len(phrase))
        assert page[o1:o2] == phrase
    for phrase in expected["drop"]:
        assert phrase not in text, phrase
    # every body paragraph (a long line ending a sentence) of the main story survives;
    # all example pages end the main story before their tag list
    for line in page[: page.index("\nTags:")].splitlines():
        if len(line.split()) >= 15 and line.rstrip().endswith((".", '"', "”")):
            if "Photo" in line or page.count(line) > 1:
                continue  # captions
            assert line in text, line


def test_football_story_is_set_aside() -> None:
    page = (EXAMPLES / "articles" / "iron_harvest_phase2_outlet_b.txt").read_text("utf-8")
    result = clean_page(page)
    assert len(result.set_aside) == 1
    other = result.set_aside[0]
    assert other.title == "Al-Anbar club beat Al-Qaim 3-1 in front of 12,000 fans"
    for phrase in ("3-1", "12,000 spectators", "31 points", "Ramadi Olympic Stadium", "22 points"):
        assert phrase in other.text
        assert phrase not in result.main.text
    # its own furniture went too
    assert "Related Posts" not in other.text and "Ramadi university" not in other.text
    assert "Leave a Reply" not in other.text and "Sports Desk" not in other.text
    assert any(r.reason == "other_story" for r in result.removed)


@pytest.mark.parametrize("entry", MANIFEST, ids=_stem)
def test_only_the_glued_page_splits(entry: dict[str, Any]) -> None:
    result = clean_page(_load(entry))
    expected = 1 if _stem(entry) == "iron_harvest_phase2_outlet_b" else 0
    assert len(result.set_aside) == expected


# ---------------------------------------------------------------------- synthetic

CLEAN_ARTICLE = (
    "Troops clear five villages near the border in new sweep\n"
    "\n"
    "MOSUL - The army said on Monday that troops had cleared five villages near the border. "
    "Officers found two weapons caches and a tunnel.\n"
    "\n"
    "\n"
    "\n"
    "A spokesman said the sweep would continue for a week.\n"
    '"We will not stop until the area is safe," he said.\n'
    "\n"
    "\n"
    "Residents said the roads were closed for two days and that schools stayed shut.\n"
)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_clean_article_only_loses_blank_runs(newline: str) -> None:
    page = CLEAN_ARTICLE.replace("\n", newline)
    result = checked_clean(page)
    assert result.main.text == collapse_blank_runs(page)
    assert result.main.title == "Troops clear five villages near the border in new sweep"
    assert result.set_aside == ()
    assert reasons(result) == {"blank"}


def test_clean_article_edges_collapse_but_stay() -> None:
    page = "\n\n\n" + CLEAN_ARTICLE + "\n\n"
    result = checked_clean(page)
    assert result.main.text == collapse_blank_runs(page)


def test_sentences_with_furniture_words_survive() -> None:
    sentences = [
        "Officers searched every email account linked to the cell.",
        "Share prices of the state oil company fell after the attack.",
        "Comment from the ministry was not available on Monday.",
        "The unit will print leaflets and advertise a reward for information.",
        "Home guards joined the sweep",
        "Police said the related arrests took place in Basra and Mosul.",
        "Email",
    ]
    page = (
        "Skip to content\n"
        "Police widen inquiry into militant financing network\n"
        "Share this:\n"
        "Tweet\n"
        "\n"
        "BASRA - Police arrested four men on Sunday in a raid on a money exchange office.\n"
        + "\n".join(sentences)
        + "\nAdvertisement\nLeave a Reply\nName *\n"
    )
    result = checked_clean(page)
    kept = result.main.text.splitlines()
    for sentence in sentences[:-1]:
        assert sentence in kept
    assert "Email" not in kept  # the same word alone on a line is a share button
    for furniture in ("Skip to content", "Share this:", "Tweet", "Advertisement", "Name *"):
        assert furniture not in kept


def test_empty_page() -> None:
    result = clean_page("")
    assert result.stories == (Story("", (), None),)
    assert result.main.text == "" and result.removed == () and result.set_aside == ()
    assert result.chars_removed == 0 and result.tokens_removed_estimate == 0
    assert result.main.to_original(0, 0) == (0, 0)


def test_page_of_only_furniture() -> None:
    page = (
        "Skip to Main Content\r\n"
        "Home » World\r\n"
        "Menu\r\n\r\n\r\n"
        "Share this:\r\n"
        "Click to share on Twitter (Opens in new window)\r\n"
        "Related Posts\r\n"
        "Leave a Reply\r\n"
        "Your email address will not be published. Required fields are marked *\r\n"
        "Back To Top\r\n"
        "© 2025 Some Outlet. All rights reserved."
    )
    result = checked_clean(page)
    assert result.main.text == ""
    assert result.main.title is None
    assert result.chars_removed == len(page)
    assert "blank" in reasons(result)


def test_unicode_and_crlf_offsets_are_exact() -> None:
    page = (
        "\ufeffSkip to content\r\n"
        "Home / Actualités / Sécurité\r\n"
        "\r\n"
        "Opération «Mur de sable» : l'armée arrête 40 suspects à Kouré-Bangou\r\n"
        "\r\n"
        "By Moussa Adamou Issa\r\n"
        "\r\n"
        "📷 Share on Facebook 📷\r\n"
        "NIAMEY - Les soldats ont arrêté entre 30 et 40 suspects près de Kouré-Bangou 🇳🇪. "
        "L'opération a duré sept jours.\r\n"
        "\r\n\r\n\r\n"
        "قال المتحدث إن العملية ستستمر في المناطق الحدودية خلال الأسابيع المقبلة.\r\n"
        "\r\n"
        "Tags: Niger, Sécurité\r\n"
    )
    result = checked_clean(page)
    text = result.main.text
    assert text.startswith("Opération «Mur de sable»")
    assert "NIAMEY - Les soldats ont arrêté entre 30 et 40 suspects" in text
    assert "قال المتحدث" in text
    assert "Share on Facebook" not in text and "Tags:" not in text and "By Moussa" not in text
    assert "\r\n\r\n\r\n" not in text
    i = text.index("Kouré-Bangou 🇳🇪")
    o1, o2 = result.main.to_original(i, i + len("Kouré-Bangou 🇳🇪"))
    assert page[o1:o2] == "Kouré-Bangou 🇳🇪"


def test_to_original_across_a_removed_gap() -> None:
    page = "First sentence of the story is here.\nAdvertisement\nSecond sentence follows now.\n"
    result = clean_page(page)
    text = result.main.text
    assert text == "First sentence of the story is here.\nSecond sentence follows now.\n"
    s = text.index("here.")
    e = text.index("Second") + len("Second")
    o1, o2 = result.main.to_original(s, e)
    assert page[o1:o2] == "here.\nAdvertisement\nSecond"
    assert result.main.to_original(len(text), len(text)) == (len(page), len(page))
    with pytest.raises(ValueError):
        result.main.to_original(3, 2)
    with pytest.raises(ValueError):
        result.main.to_original(0, len(text) + 1)


# ----------------------------------------------------------- repeated lines / captions

BODY = (
    "The army said the operation began on Saturday in the desert west of the city. "
    "Troops searched caves and valleys for hideouts.\n"
)


def test_repeated_caption_is_dropped_everywhere() -> None:
    caption = "Soldiers search a valley near Rutba on Saturday. (Photo: Joint Command)"
    credit = "Smoke rises over the village after an air strike on Monday. REUTERS/Staff"
    page = f"{caption}\n\n{BODY}\n{credit}\n\n{caption}\nMore troops arrived later.\n{credit}\n"
    result = checked_clean(page)
    assert caption not in result.main.text and credit not in result.main.text
    assert BODY in result.main.text
    assert reasons(result) >= {"caption"}


def test_repeated_plain_line_keeps_its_first_copy() -> None:
    pull_quote = '"The terrorists have no safe place left in the western desert," he said.'
    page = f"{BODY}\n{pull_quote}\n\nThe operation continues this week in two provinces.\n\n"
    page += f"{pull_quote}\n\nOfficials gave no figure for casualties among civilians.\n"
    result = checked_clean(page)
    assert result.main.text.count(pull_quote) == 1
    assert result.main.text.index(pull_quote) == page.index(pull_quote)
    assert "repeated_line" in reasons(result)


def test_single_labelled_caption_is_dropped() -> None:
    page = f"Image: Soldiers at a checkpoint near Rutba\n\n{BODY}"
    result = clean_page(page)
    assert result.main.text == BODY


# ---------------------------------------------------------------- story boundaries

MAIN = (
    "Army launches Operation Desert Shield in the western valleys\n"
    "\n"
    "By Omar Haddad\n"
    "March 3, 2025\n"
    "\n"
    "RUTBA - The army launched Operation Desert Shield on Sunday to clear the western "
    "valleys of militant cells, a military statement said.\n"
    "\n"
    "Advertisement\n"
    "\n"
    "Fighting in the valleys\n"
    "\n"
    "Troops killed 12 militants and destroyed 8 hideouts in the first two days, the "
    "statement said. Engineers defused 20 explosive devices.\n"
    "\n"
    "Read also: Governor opens new bridge over the Euphrates\n"
    "\n"
    '"We will keep going until the last valley is clear"\n'
    "\n"
    "A spokesman said the operation would last two weeks. He gave no casualty figures.\n"
)


def test_subheadings_quotes_and_inline_teasers_do_not_split() -> None:
    result = checked_clean(MAIN)
    assert result.set_aside == ()
    text = result.main.text
    for kept in (
        "Fighting in the valleys",
        '"We will keep going until the last valley is clear"',
        "Troops killed 12 militants and destroyed 8 hideouts",
        "A spokesman said the operation would last two weeks.",
        "March 3, 2025",
    ):
        assert kept in text
    assert "Read also" not in text and "By Omar Haddad" not in text
    assert "Advertisement" not in text


def test_wire_sign_off_then_dateline_starts_a_new_story() -> None:
    other = (
        "MOSUL, March 3 (Reuters) - Prices of vegetables rose sharply in Mosul this week. "
        "Traders blamed the import ban.\n"
        "\n"
        "The ministry said it would review the ban next month.\n"
    )
    page = MAIN + "\n(Reporting by Omar Haddad; Editing by Lina Sabri)\n\n" + other
    result = checked_clean(page)
    assert len(result.set_aside) == 1
    assert result.set_aside[0].text == other
    assert result.set_aside[0].title is None
    assert "Prices of vegetables" not in result.main.text
    assert "A spokesman said the operation would last two weeks." in result.main.text


def test_second_byline_after_the_body_starts_a_new_story() -> None:
    other = (
        "Basra port handles record cargo volumes in February\n"
        "\n"
        "By Lina Sabri\n"
        "\n"
        "The port of Umm Qasr handled 2.1 million tonnes of cargo in February. "
        "Officials said new cranes had cut waiting times.\n"
    )
    result = checked_clean(MAIN + "\n" + other)
    assert [s.title for s in result.set_aside] == [
        "Basra port handles record cargo volumes in February"
    ]
    assert "Umm Qasr" in result.set_aside[0].text and "Umm Qasr" not in result.main.text
    assert "By Lina Sabri" not in result.set_aside[0].text


def test_check_also_headline_with_body_starts_a_new_story() -> None:
    other_body = (
        "The club won 2-0 on Friday in front of 8,000 fans. "
        "The coach praised the defence after the match.\n"
    )
    page = MAIN + "\nCheck Also\nBaghdad club wins cup final\nMarch 2, 2025\n\n" + other_body
    result = checked_clean(page)
    assert [s.title for s in result.set_aside] == ["Baghdad club wins cup final"]
    assert other_body in result.set_aside[0].text
    assert "8,000 fans" not in result.main.text


def test_teasers_without_a_body_are_not_a_story() -> None:
    page = MAIN + "\nRelated Articles\nBaghdad club wins cup final\nBasra port reopens\n\n"
    page += "Leave a Reply\nComment\n"
    result = checked_clean(page)
    assert result.set_aside == ()
    assert "Baghdad club" not in result.main.text and "Basra port" not in result.main.text


# ------------------------------------------------------------- other site layouts


def test_wire_layout_with_gallery_captions_and_unbracketed_credit() -> None:
    page = (
        "Skip to main content\n"
        "World\n"
        "Iraq launches operation against Islamic State remnants in Kirkuk hills\n"
        "By Reuters\n"
        "March 3, 2025 4:32 PM GMT+3 Updated 2 hours ago\n"
        "\n"
        "Item 1 of 2 Iraqi soldiers patrol in the Hamrin mountains, Iraq, March 1, 2025. "
        "REUTERS/Thaier Al-Sudani/File Photo\n"
        "[1/2] Iraqi soldiers patrol in the Hamrin mountains, Iraq, March 1, 2025. "
        "REUTERS/Thaier Al-Sudani/File Photo\n"
        "\n"
        "BAGHDAD, March 3 (Reuters) - Iraqi forces launched an operation on Monday against "
        "Islamic State remnants in the hills south of Kirkuk, the military said.\n"
        "\n"
        "Advertisement · Scroll to continue\n"
        "\n"
        '"Our troops will pursue them everywhere," a military spokesman said.\n'
        "\n"
        "Reporting by Ahmed Rasheed; Editing by Alison Williams\n"
    )
    result = checked_clean(page)
    assert result.main.title == (
        "Iraq launches operation against Islamic State remnants in Kirkuk hills"
    )
    assert result.main.text == (
        "Iraq launches operation against Islamic State remnants in Kirkuk hills\n"
        "March 3, 2025 4:32 PM GMT+3 Updated 2 hours ago\n"
        "\n"
        "BAGHDAD, March 3 (Reuters) - Iraqi forces launched an operation on Monday against "
        "Islamic State remnants in the hills south of Kirkuk, the military said.\n"
        "\n"
        '"Our troops will pursue them everywhere," a military spokesman said.\n'
    )


def test_readers_comments_are_dropped_but_a_comment_link_mid_article_is_not() -> None:
    article = (
        "Army clears three villages near Tal Afar, arrests 7 suspects\n"
        "Posted on March 4, 2025 by admin\n"
        "The army said on Tuesday it had cleared three villages near Tal Afar. "
        "Two weapons caches were found.\n"
        "12 Comments\n"
        "Officers said the sweep would continue for several more days in the area.\n"
    )
    comments = (
        "Share this:\n"
        "Facebook\n"
        "\n"
        "2 thoughts on “Army clears three villages near Tal Afar, arrests 7 suspects”\n"
        "Ali says:\n"
        "March 4, 2025 at 9:12 pm\n"
        "Good work by the army, finally some security for the villages of the area.\n"
        "Reply\n"
        "Leave a Reply Cancel reply\n"
    )
    result = checked_clean(article + comments)
    assert result.main.title == "Army clears three villages near Tal Afar, arrests 7 suspects"
    assert "Officers said the sweep would continue" in result.main.text
    assert "Posted on March 4, 2025" in result.main.text  # a date line is kept
    assert "Ali says" not in result.main.text and "Good work" not in result.main.text
    assert "comments" in reasons(result)


def test_sign_off_marker_splits_even_after_a_short_last_paragraph() -> None:
    page = (
        "Troops kill 5 militants in Diyala raid\n"
        "DIYALA, Iraq (AP) — Iraqi troops killed five militants in a raid in Diyala province "
        "on Friday, officials said. The raid targeted a hideout in the orchards.\n"
        "\n"
        "One soldier was wounded.\n"
        "\n"
        "###\n"
        "\n"
        "Flooding kills 3 in northern Iraq\n"
        "ERBIL, Iraq (AP) — Flash floods killed three people in northern Iraq on Saturday. "
        "Rescue teams searched for two missing.\n"
    )
    result = checked_clean(page)
    assert result.main.text.endswith("One soldier was wounded.\n")
    assert [s.title for s in result.set_aside] == ["Flooding kills 3 in northern Iraq"]


# ----------------------------------------------------------------- robustness, size

POOL = [
    "",
    "",
    "   ",
    "Skip to Main Content",
    "Share this:",
    "Tags: Anbar, Rutba",
    "Related Posts",
    "Check Also",
    "Short teaser headline about something",
    "March 3, 2025",
    "By Jane Doe",
    "(Reporting by Jane Doe)",
    "###",
    "Soldiers patrol a road near Rutba. Photo: Some Outlet",
    "BAGHDAD (Reuters) - Troops launched a new operation on Sunday. It will last a week.",
    "The army said 12 militants were killed and 8 hideouts destroyed in the sweep.",
    "Officers searched every email account linked to the cell.",
    "A subheading without a period",
    '"We will not stop," the commander said.',
    "Ünïcödé — “quotes” ‘and’ dashes – 12,000 km²",
    "\t\u00a0\u200b",
    "© 2025 Outlet",
]


@pytest.mark.parametrize("seed", range(40))
def test_random_pages_keep_the_guarantees(seed: int) -> None:
    rng = random.Random(seed)
    newline = rng.choice(["\n", "\r\n", "\r"])
    lines = [rng.choice(POOL) for _ in range(rng.randrange(0, 60))]
    page = newline.join(lines) + rng.choice(["", newline])
    result = clean_page(page)
    check_invariants(result, rng)


@pytest.mark.parametrize("seed", range(20))
def test_random_characters_never_raise(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = "ab .,:|/*©()\r\n\t\u2028\x00\ufeff\u200bÉ😀-–—\"'#"
    page = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 400)))
    check_invariants(clean_page(page), rng)


def test_five_megabyte_page_keeps_its_story_map() -> None:
    """A 5 MB page of many stories still maps back to the page exactly; how long it
    takes is a benchmark (``python bench/clean_speed.py``), not a timed test."""
    pages = [_load(entry) for entry in MANIFEST]
    chunks: list[str] = []
    size = 0
    n = 0
    while size < 5_000_000:
        page = pages[n % len(pages)].replace("2025", str(1000 + n))  # vary lines a little
        chunks.append(page)
        size += len(page)
        n += 1
    big = "".join(chunks)
    check_story_map(big, clean_page(big).main)
    line = "word " * 1_000_000  # one giant line with no newline
    check_story_map(line, clean_page(line).main)


@pytest.mark.parametrize("entry", MANIFEST, ids=_stem)
def test_example_pages_hold_nothing_to_warn_about(entry: dict[str, Any]) -> None:
    """No line of the examples is addressed to a model, and no story is set aside on
    evidence (outlet B's football story goes on furniture cues, as before)."""
    result = clean_page(_load(entry))
    assert result.flagged == () and result.glued == () and result.warnings == ()
    assert not any(r.reason == "injection" for r in result.removed)


def test_view_folds_disguises_but_keeps_plain_text() -> None:
    from summarizer.pipeline.cleaning.rules import view

    assert view("Troops advanced 3 km.") == ("Troops advanced 3 km.", False)
    assert view("Ig\u200bnore") == ("Ignore", True)
    assert view("IGN\u041eRE") == ("IGNORE", True)  # Cyrillic O inside a Latin word
    assert view("\uff29gnore")[0] == "Ignore"
    assert view("Мы не забудем") == ("Мы не забудем", False)  # Russian stays Russian
    assert view("Police arrested 5 sus\u00adpects") == ("Police arrested 5 suspects", True)
