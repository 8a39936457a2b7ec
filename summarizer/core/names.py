"""Normalised forms of names, kept *beside* the article's spelling, never instead of it.

Two levels:

* :func:`normalize_name` — a readable canonical form: known transliteration variants
  mapped to one spelling (Ninawa → Nineveh, Daesh → Islamic State), diacritics,
  "al-"/"Al-" prefixes and titles dropped, case folded.
* :func:`name_key` — a matching key: the consonant skeleton of each word of the
  normalised form, so vowel-only differences between outlets (Thamer al-Kubaisi /
  Thamir al-Kobaisi, Mohammed / Muhammad) give the same key.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: known variants (normalised, lower case) → canonical spelling; extend per project
ALIASES: dict[str, str] = {
    "ninawa": "Nineveh",
    "ninewa": "Nineveh",
    "nineveh": "Nineveh",
    "anbar": "Anbar",
    "mawsil": "Mosul",
    "mosul": "Mosul",
    "daesh": "Islamic State",
    "daish": "Islamic State",
    "isis": "Islamic State",
    "isil": "Islamic State",
    "is": "Islamic State",
    "islamic state": "Islamic State",
    "islamic state of iraq and the levant": "Islamic State",
    "islamic state of iraq and syria": "Islamic State",
    "salahuddin": "Salah al-Din",
    "salah ad din": "Salah al-Din",
    "salah din": "Salah al-Din",
    "hashd shaabi": "Popular Mobilization Forces",
    "popular mobilization forces": "Popular Mobilization Forces",
    "popular mobilisation forces": "Popular Mobilization Forces",
    "pmf": "Popular Mobilization Forces",
    "pmu": "Popular Mobilization Forces",
    "boko haram": "Boko Haram",
    "iswap": "Islamic State West Africa Province",
}

_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "sheikh",
        "shaikh",
        "minister",
        "general",
        "gen",
        "brigadier",
        "brig",
        "major",
        "maj",
        "colonel",
        "col",
        "lieutenant",
        "lt",
        "captain",
        "capt",
        "commander",
        "cmdr",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "president",
        "governor",
        "mayor",
        "deputy",
        "prime",
        "chief",
        "staff",
        "sergeant",
        "sgt",
        "admiral",
        "adm",
        "lt-gen",
        "maj-gen",
    ]
)
_VOWELS = re.compile(r"[aeiouy]")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_ish = "".join(c for c in decomposed if not unicodedata.combining(c))
    return ascii_ish.casefold().replace("\u2019", "'")


def _words(name: str) -> list[str]:
    folded = _fold(name)
    folded = re.sub(r"\b(?:al|el|ad|ar|as|ash|at|az)[-\s](?=\w)", "", folded)
    folded = re.sub(r"['`]", "", folded)
    words = re.findall(r"[a-z0-9]+", folded)
    while words and words[0] in _TITLES | {"the"}:
        words.pop(0)
    return words


@lru_cache(maxsize=4096)
def normalize_name(name: str) -> str:
    """Readable canonical form; the alias table wins where it knows the name.

    Memoised: pure (the built-in alias table is a constant), and called for every
    name of every report on each validation and merge."""
    words = _words(name)
    joined = " ".join(words)
    if joined in ALIASES:
        return ALIASES[joined]
    for drop in ("province", "governorate", "district", "city", "town", "village"):
        trimmed = " ".join(w for w in words if w != drop)
        if trimmed != joined and trimmed in ALIASES:
            return ALIASES[trimmed]
    return joined


def _skeleton(word: str) -> str:
    if word.isdigit():
        return word
    head, rest = word[0], _VOWELS.sub("", word[1:])
    collapsed = re.sub(r"(.)\1+", r"\1", head + rest)
    return collapsed.replace("q", "k").replace("dh", "d")


def name_key(name: str) -> str:
    """Key for matching spellings of one name across outlets."""
    return " ".join(_skeleton(w) for w in normalize_name(name).casefold().split())


def same_name(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)
