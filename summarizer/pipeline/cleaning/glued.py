"""Second stories glued after the main one, found by evidence (issues #14 and #18).

Scraped pages often end with another, unrelated story.  :func:`.passes.find_story_starts`
splits one off when furniture cues agree (a sign-off, a byline); real pages glue the
next story on with no such cue, and the model then reads both.  Two kinds of evidence
are used here, neither a phrase of any site:

* **The page's own header shape, repeated.**  A site prints every story's header the
  same way: the headline, its photo caption (often twice), a short site marker, the
  headline again.  A block after the main story's body that repeats the *opening's*
  shape (a headline repeated within the block where the opening's was, captions where
  the opening had captions, a short line of the opening printed again) and is followed
  by a body starts a new story.
* **Nothing in common with the lead story.**  A headline after end-of-story furniture,
  followed by a body whose named entities (people, organisations, places, groups;
  spaCy's ``en_core_web_sm``) share none with the main story's body, starts a new story
  too.  The parse is only run for such a candidate, on bounded text.

Each story set aside this way carries a warning for the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.pipeline.cleaning.passes import Line, count_sentences
from summarizer.pipeline.cleaning.rules import STRONG_KINDS, TEASER_KINDS, count_words, title_like

#: how many non-blank lines a header block may span before its body
_BLOCK = 12
#: characters of the lead story and of a candidate story given to the entity parser
_PARSE_CHARS = 3000
#: at most this many candidates per page are parsed (a page is not a corpus)
_MAX_PARSES = 4
#: entity labels that say who and where a story is about
_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})
_KEY_SPLIT = re.compile(r"[^\w]+")
_SKIP_WORDS = frozenset({"the", "of", "and", "al", "el", "de", "for", "in", "on"})

REPEATS_HEADER = "it repeats the page's opening headline block"
NOTHING_SHARED = "it names no one and nothing the main story names"


@dataclass(frozen=True)
class _Shape:
    """What a header block holds: its headline printed again, another line printed
    twice or dropped as a caption (a photo caption), short lines (a site marker)."""

    title_repeat: bool
    captions: bool
    short_lines: frozenset[str]
    #: another title-like line printed twice: the block's real headline, further down
    later_headline: bool = False


#: reasons a header line may have been dropped for and still be part of the header
_HEADER_REASONS = (None, "teaser", "repeated_line", "caption")


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _shape(lines: list[Line], a: int, b: int, title: str | None) -> _Shape:
    keys = [(ln, _key(ln.text)) for ln in lines[a:b] if not ln.blank]
    keys = [(ln, k) for ln, k in keys if ln.reason in _HEADER_REASONS and not ln.body]
    counts: dict[str, int] = {}
    for _, k in keys:
        counts[k] = counts.get(k, 0) + 1
    if title is None:  # the opening: the headline is its most repeated title-like line
        titles = [k for ln, k in keys if title_like(ln.text) and counts[k] >= 2]
        title = max(titles, key=lambda k: counts[k], default=None)
    head = _key(title) if title is not None else None
    return _Shape(
        head is not None and counts.get(head, 0) >= 2,
        any(ln.reason == "caption" or (counts[k] >= 2 and k != head) for ln, k in keys),
        frozenset(k for k in counts if len(k.split()) <= 4 and k != head),
        any(k != head and counts[k] >= 2 and title_like(ln.text) for ln, k in keys[1:]),
    )


def find_glued_stories(lines: list[Line], starts: list[int]) -> dict[int, str]:
    """Line indexes (after the main story's body) where an unrelated story begins, each
    with the evidence for the report's warning; the main story is ``starts[0]..``."""
    first_body = next((i for i, ln in enumerate(lines) if ln.body and ln.reason is None), None)
    if first_body is None:
        return {}
    end = starts[1] if len(starts) > 1 else len(lines)
    opening = _shape(lines, starts[0], first_body, None)
    found: dict[int, str] = {}
    parses = 0
    story_start = first_body
    last_body = first_body
    furniture = False
    for j in range(first_body + 1, end):
        ln = lines[j]
        if ln.blank:
            continue
        if ln.reason is None and (ln.body or _continues(ln)):
            last_body, furniture = j, False
            continue
        if ln.reason is not None:
            furniture = furniture or ln.kind in STRONG_KINDS or ln.kind in TEASER_KINDS
            furniture = furniture or ln.reason in ("teaser", "furniture", "end_marker")
        if not _candidate(ln) or j <= last_body:
            continue
        body = _body_after(lines, j, end)
        if body is None:
            continue
        block = _shape(lines, j, body, ln.text)
        if block.later_headline and not block.title_repeat:
            continue  # a teaser above the glued story's own headline block
        if not title_like(ln.text) and not block.title_repeat:
            continue  # a short headline ("UK-France Summit 2016") only when printed again
        score = 2 * (block.title_repeat and opening.title_repeat)
        score += block.captions and opening.captions
        score += bool(block.short_lines & opening.short_lines)
        why = REPEATS_HEADER if score >= 2 else None
        if why is None and furniture and parses < _MAX_PARSES:
            parses += 1
            lead = _text(lines, story_start, last_body + 1)
            if _disjoint(lead, _text(lines, body, end)):
                why = NOTHING_SHARED
        if why is not None:
            found[j] = why
            story_start = last_body = body
            furniture = False
    return found


def _continues(ln: Line) -> bool:
    """A kept short sentence ("One soldier was wounded.") still belongs to the body."""
    s = ln.text.strip()
    return ln.kind is None and len(s.split()) >= 3 and s[-1:] in '.!?"”'


def _candidate(ln: Line) -> bool:
    """A headline: a kept (or taken for a teaser) line that reads like one, not body
    text; one or two words are enough here, if the block prints it again."""
    if not (ln.reason is None or ln.reason == "teaser") or ln.kind is not None:
        return False
    s = ln.text.strip()
    first = next((c for c in s if c.isalnum()), "")
    return (
        bool(first)
        and not first.islower()
        and len(s) <= 250
        and s[-1] not in ".,;:"
        and 1 <= count_words(s) <= 30
    )


def _body_after(lines: list[Line], j: int, end: int) -> int | None:
    """The first body line of the story headed at ``j``, if two sentences follow it in
    kept lines ("The minister said:" between them is fine) within a header block's
    reach; None otherwise."""
    seen = 0
    for k in range(j + 1, end):
        ln = lines[k]
        if ln.blank:
            continue
        if ln.reason is None and ln.body:
            sentences = 0
            for m in range(k, min(end, k + _BLOCK)):
                if lines[m].blank:
                    continue
                if lines[m].reason is not None:
                    break
                sentences += count_sentences(lines[m].text)
                if sentences >= 2:
                    return k
            return None
        seen += 1
        if seen > _BLOCK:
            return None
    return None


def _text(lines: list[Line], a: int, b: int) -> str:
    out: list[str] = []
    size = 0
    for ln in lines[a:b]:
        if ln.reason is None and ln.body:
            out.append(ln.text)
            size += len(ln.text)
            if size >= _PARSE_CHARS:
                break
    return "\n".join(out)[:_PARSE_CHARS]


def _disjoint(lead: str, other: str) -> bool:
    """Do two texts name nobody and nothing in common?  Each must name two things at
    least, or there is no evidence either way."""
    a, b = _names(lead), _names(other)
    if len(a) < 2 or len(b) < 2:
        return False
    return not (a & b)


def _names(text: str) -> set[str]:
    """Keys of the named entities in ``text``: each significant word's first five
    letters, so "Iraq" and "Iraqi", "Syria" and "Syrian" meet."""
    keys: set[str] = set()
    for label, name in entities(text):
        if label in _LABELS:
            for word in _KEY_SPLIT.split(name.lower()):
                if len(word) >= 3 and word not in _SKIP_WORDS and not word.isdigit():
                    keys.add(word[:5])
    return keys


def entities(text: str) -> list[tuple[str, str]]:
    """(label, text) of the named entities spaCy finds in ``text`` (the shared pipeline
    of :mod:`summarizer.core.nlp`, loaded on first use)."""
    from summarizer.core import nlp

    return nlp.entities(text)
