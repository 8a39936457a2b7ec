"""What one line of a page is, judged on its own text: furniture, byline, caption, ...

Each rule looks at a single line, so a page's repeated furniture is classified once
per distinct line; the passes (:mod:`.passes`) then use the neighbours.  The cheap
tests run first and skip regexes that cannot match: a page has thousands of lines.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType

from summarizer.pipeline.cleaning.patterns import (
    BYLINE,
    CAPTION_CREDIT,
    CAPTION_CREDIT_WORDS,
    CAPTION_END,
    CAPTION_END_WORDS,
    CAPTION_START,
    CLAUSE_BREAK,
    CLOSERS,
    CONFUSABLES,
    COPYRIGHT,
    CREDIT,
    CRUMB_SPLIT,
    DATE_TOKEN,
    DATE_WORDS,
    DATELINE_LINE,
    DESK,
    DESK_WORD,
    DIGIT,
    END_MARKER,
    HEAD_CUE,
    HEAD_FIRST,
    HEAD_WORD,
    INJECTION_KEYED,
    INJECTION_STEM_COMBOS,
    INJECTION_STEMS,
    INVISIBLE,
    LETTER_RUN,
    LONG_FURNITURE_START,
    MONTH_WORDS,
    NAME_PARTICLES,
    NAME_SPLIT,
    NAV_SPLIT,
    NON_LATIN_LETTER,
    NUMERIC_DATE,
    PHRASES,
    POSTED_BY,
    QUOTE_CHARS,
    QUOTES,
    SOCIAL_TOKENS,
    TAG_CHARS,
    TOKEN_SPLIT,
    YOU_ARE_HERE,
    ZERO_WIDTH,
)

#: furniture is short; longer lines are prose and are never matched against phrases
_MAX_FURNITURE_LEN = 400
#: longer lines are judged furniture only if they open or close like it
_SHORT_LINE = 100

#: kinds that end a story (a following headline may start the next one)
STRONG_KINDS = frozenset({"strong", "comments", "end_marker", "credit"})
TEASER_KINDS = frozenset({"teaser_header", "teaser_inline"})
#: kinds dropped on sight, with the reason reported; other kinds are kept or left to the passes
REASON_OF_KIND = MappingProxyType(
    {
        "furniture": "furniture",
        "share": "furniture",
        "strong": "furniture",
        "comments": "furniture",
        "teaser_header": "furniture",
        "teaser_inline": "furniture",
        "end_marker": "end_marker",
        "credit": "byline",
        "byline": "byline",
        "caption": "caption",
        "injection": "injection",
    }
)


#: letters whose lower case is longer, or that ``(?i)`` equates with ASCII: folded first
_DOTTED = MappingProxyType(str.maketrans({"\u0130": "I", "\u0131": "i"}))


def view(text: str) -> tuple[str, bool]:
    """``text`` as a model reads it, for judging only, and whether it was disguised.

    Invisible characters go, tag characters become the ASCII they encode, NFKC undoes
    full-width and styled letters, and Cyrillic or Greek look-alikes inside a Latin word
    become Latin.  Lengths change, so the view never yields offsets: the judge only
    decides whole lines.  *Disguised* is true when letters were hidden or swapped that
    way (an invisible character between two letters, a mixed-script word, a styled
    letter, a tag character): ordinary text does not do that.
    """
    if text.isascii():
        return text, False
    disguised = False
    if TAG_CHARS.search(text):
        text = TAG_CHARS.sub(lambda m: chr(ord(m.group()) - 0xE0000), text)
        disguised = True
    for m in INVISIBLE.finditer(text):
        if text[m.start() - 1 : m.start()].isalpha() and text[m.end() : m.end() + 1].isalpha():
            disguised = True
            break
    text = INVISIBLE.sub("", text).translate(_DOTTED)
    if not unicodedata.is_normalized("NFKC", text):
        styled = any(c.isalpha() and unicodedata.normalize("NFKC", c) != c for c in text)
        disguised = disguised or styled
        text = unicodedata.normalize("NFKC", text)
    if NON_LATIN_LETTER.search(text):
        folded = LETTER_RUN.sub(_fold_mixed_word, text)
        disguised = disguised or folded != text
        text = folded
    return text, disguised


def _fold_mixed_word(m: re.Match[str]) -> str:
    word = m.group()
    if NON_LATIN_LETTER.search(word) and any("a" <= c <= "z" or "A" <= c <= "Z" for c in word):
        return word.translate(CONFUSABLES)
    return word


def clause_heads(text: str) -> list[int]:
    """Where clauses of ``text`` start: its start, and after a sentence end, a colon, a
    comma, a bracket, a quote or a dash (white space not skipped)."""
    return [0, *(m.end() for m in CLAUSE_BREAK.finditer(text))]


@dataclass(frozen=True)
class Cues:
    """Which cues of :data:`.patterns.INJECTION` a text holds (or may hold)."""

    stems: tuple[str, ...] = INJECTION_STEMS
    keyed: tuple[tuple[str, re.Pattern[str]], ...] = INJECTION_KEYED
    combos: tuple[str, ...] = INJECTION_STEM_COMBOS
    heads: bool = True  # an order opening a clause

    def __bool__(self) -> bool:
        return bool(self.stems or self.keyed or self.combos or self.heads)


ALL_CUES = Cues()
#: white space other than single spaces: squeezed before the stems are looked up
_SPACE_RUN = re.compile(r"\s\s|[^\S ]")


def find_cues(text: str, within: Cues = ALL_CUES) -> Cues:
    """The cues of ``within`` that the view ``text`` holds.  A paragraph is searched for
    all of them, its sentences only for those the paragraph holds: substring tests, a
    few short regexes behind literal keys, and a set lookup per clause, which give the
    same answer as the :data:`.patterns.INJECTION` regex (its reference)."""
    low = text.lower()
    if _SPACE_RUN.search(low):
        low = " ".join(low.split())
    return Cues(
        tuple(stem for stem in within.stems if stem in low),
        tuple((key, rx) for key, rx in within.keyed if key in low and rx.search(low)),
        tuple(c for c in within.combos if c in low),
        within.heads and _has_head(text),
    )


def _has_head(text: str) -> bool:
    for pos in clause_heads(text):
        m = HEAD_WORD.match(text, pos)
        if m and m[1].lower() in HEAD_FIRST and HEAD_CUE.match(text, pos):
            return True
    return False


def cued(text: str) -> bool:
    """Does the view ``text`` hold any cue of :data:`.patterns.INJECTION`?"""
    return bool(find_cues(text))


def may_hold_injection(text: str) -> bool:
    """Can :mod:`.injection` call anything in ``text`` an injection?  Each of its rules
    needs a cue of :data:`.patterns.INJECTION` in the view; most paragraphs have none."""
    return cued(view(text)[0])


def unify_quotes(text: str) -> str:
    """``text.translate(QUOTES)``; most lines have nothing to translate."""
    return text.translate(QUOTES) if QUOTE_CHARS.search(text) else text


def _norm(text: str) -> str:
    """Lower-case, unify quotes, drop edge symbols and squeeze spaces for phrase matching.

    Same as ``SPACES.sub(" ", EDGE.sub("", ...))``: ``[\\W_]`` is exactly "not
    ``isalnum()``", and once the edges are alphanumeric ``split()`` squeezes the same
    white space; done with string methods, as the regexes try every position."""
    low = unify_quotes(text).lower()
    i, j = 0, len(low)
    while i < j and not low[i].isalnum():
        i += 1
    while j > i and not low[j - 1].isalnum():
        j -= 1
    return " ".join(low[i:j].split())


def count_words(text: str) -> int:
    """Words with a letter: numbers and symbols do not make a line a sentence."""
    return sum(1 for w in text.split() if any(c.isalpha() for c in w))


def _namey(rest: str) -> bool:
    """Does ``rest`` read like names (capitalised words and particles), not a sentence?"""
    tokens = [t for t in NAME_SPLIT.split(rest.strip()) if t]
    if not tokens or len(tokens) > 14 or not tokens[0][:1].isupper():
        return False
    for tok in tokens:
        low = tok.lower().strip(".'’")
        if low in NAME_PARTICLES or low.split("-", 1)[0] in NAME_PARTICLES:
            continue
        if not tok[:1].isupper() or any(c.isdigit() for c in tok):
            return False
    return True


def _is_social(norm: str) -> bool:
    if len(norm) > 150 or norm.split(" ", 1)[0].strip("|,/:•·") not in SOCIAL_TOKENS:
        return False
    tokens = [t for t in TOKEN_SPLIT.split(norm) if t]
    return len(tokens) >= 2 and all(t in SOCIAL_TOKENS for t in tokens)


def _is_breadcrumb(norm: str) -> bool:
    if not norm.startswith(("home", "main", "start", "you are here")):
        return False
    norm = YOU_ARE_HERE.sub("", norm)
    parts = [p for p in CRUMB_SPLIT.split(norm) if p]
    return (
        len(parts) >= 2
        and parts[0] in {"home", "homepage", "main", "start"}
        and all(len(p.split()) <= 5 and p[-1] not in ".!?" for p in parts)
    )


def _is_navbar(text: str) -> bool:
    """Three or more short, digit-free items separated by bars: a section menu."""
    if "|" not in text and "•" not in text and "·" not in text:
        return False
    parts = [p for p in NAV_SPLIT.split(text) if p]
    return len(parts) >= 3 and all(
        len(p) <= 30 and len(p.split()) <= 3 and not DIGIT.search(p) and p[-1] not in ".!?"
        for p in parts
    )


def _is_date_line(text: str) -> bool:
    """A line made only of date/time words and numbers ("Published: March 16, 2025 - 10:42")."""
    if len(text) > 80 or not DIGIT.search(text):
        return False
    m = POSTED_BY.search(text)  # "Posted on March 4, 2025 by admin"
    if m and (_namey(m["who"]) or m["who"].islower()):
        text = text[: m.start()]
    low = text.lower()
    tokens = DATE_TOKEN.findall(low)
    letters = [t for t in tokens if not t.isdigit()]
    if any(t not in DATE_WORDS for t in letters) or sum(t.isdigit() for t in tokens) > 6:
        return False
    return (
        any(t in MONTH_WORDS for t in letters)
        or "ago" in letters
        or NUMERIC_DATE.search(low) is not None
    )


def _is_caption(text: str) -> bool:
    """A line labelled as a picture: "Image: ...", "... Photo: Outlet", "(Photo: ...)"."""
    if CAPTION_START.match(text):
        return True
    # each search needs one of its words in the tail; most lines have none, and the
    # regexes try every position (U+0130 and U+0131 are i to a (?i) regex)
    tail = text[-120:]
    low = tail.lower()
    if "\u0130" in tail or "\u0131" in tail:
        low = tail.replace("\u0130", "i").replace("\u0131", "i").lower()
    if any(w in low for w in CAPTION_END_WORDS) and CAPTION_END.search(tail):
        return True
    return any(w in tail for w in CAPTION_CREDIT_WORDS) and bool(CAPTION_CREDIT.search(tail))


def _is_byline(text: str) -> bool:
    m = BYLINE.match(text)
    if m and len(text.split()) <= 14 and _namey(m["rest"]):
        return True
    return (
        len(text) <= 80 and DESK_WORD.search(text) is not None and DESK.fullmatch(text) is not None
    )


def _is_credit(text: str) -> bool:
    m = CREDIT.match(text)
    if not m or len(text.split()) > 40:
        return False
    return (text.startswith("(") and text.endswith(")")) or _namey(m["rest"].strip(" ()"))


def classify(text: str) -> str | None:
    """What a line looks like on its own; None for ordinary content.  (Injections are
    judged with their paragraph, in :mod:`.injection`.)"""
    s = text.strip().strip(ZERO_WIDTH).strip()
    if len(s) > _MAX_FURNITURE_LEN:
        return None
    if len(s) > _SHORT_LINE:
        low = s.lower()
        tail = low[-60:]
        if not (
            LONG_FURNITURE_START.match(low)
            or "all rights reserved" in low
            or ":" in tail
            or "/" in tail
            or low.endswith(")")
            or any(w in tail for w in ("photo", "afp", "reuters", "getty", "epa", "anadolu"))
        ):
            return None
    if END_MARKER.fullmatch(s):
        return "end_marker"
    norm = _norm(s)
    if not norm:
        return "furniture"  # symbols only: separators, icons
    low = s.lower()
    maybe_copyright = "©" in s or "(c)" in low or "right" in low or "powered" in low
    if maybe_copyright and len(s) <= 300 and COPYRIGHT.search(low):
        return "strong"
    m = PHRASES.fullmatch(norm)
    if m:
        return m.lastgroup
    if _is_social(norm):
        return "share"
    if _is_breadcrumb(norm) or _is_navbar(s):
        return "furniture"
    if _is_credit(s):
        return "credit"
    if _is_byline(s):
        return "byline"
    if _is_caption(s):
        return "caption"
    if _is_date_line(s):
        return "date"
    if len(s) <= 80 and DATELINE_LINE.fullmatch(s):
        return "dateline"
    return None


def title_like(text: str) -> bool:
    """Could be a headline: a few capitalised words without a closing full stop."""
    s = text.strip()
    if not s or len(s) > 250 or s[-1] in ".,;:":
        return False
    if not 3 <= count_words(s) <= 30:
        return False
    first = next((c for c in s if c.isalnum()), "")
    return bool(first) and not first.islower()


def is_prose(text: str) -> bool:
    """A short sentence ("One soldier was wounded.") still continues the story."""
    return len(text.split()) >= 3 and text.rstrip(CLOSERS)[-1:] in (".", "!", "?")


def is_short(text: str) -> bool:
    s = text.strip()
    return len(s.split()) <= 3 and s[-1:] not in (".", "!", "?")
