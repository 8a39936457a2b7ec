"""The passes over a page's lines, each deciding lines from their neighbours.

Line by line (:mod:`.rules`) cannot tell a teaser list from a subheading or where a
second story starts; these passes can, and they run in a fixed order because each
reads what the earlier ones decided (a line's ``kind`` and ``reason``).
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.pipeline.cleaning.patterns import (
    CAPTION_HINT,
    CAPTION_LABEL,
    COMMENT_FORM,
    DATELINE_PREFIX,
    LINE_RE,
    SENT_END,
    SIGNOFF,
    TERMINATOR,
    ZERO_WIDTH,
)
from summarizer.pipeline.cleaning.rules import (
    STRONG_KINDS,
    TEASER_KINDS,
    count_words,
    is_prose,
    is_short,
    title_like,
    unify_quotes,
)

#: shorter repeated lines ("Share this:") are left to the phrase rules
MIN_REPEAT_LEN = 25
#: how many lines a candidate headline may look ahead for the body of its story
_LOOKAHEAD = 60


@dataclass(slots=True)
class Line:
    """Working record for one line (or one run of blank lines); private to one call."""

    start: int
    keep: int  # end of what is copied when kept: the line, or a blank run's first line
    stop: int  # end including the terminator (of the whole run, for blank lines)
    text: str  # content without terminator
    blank: bool
    kind: str | None = None  # what the line looks like, judged on its own
    reason: str | None = None  # why it is dropped; None while kept
    body: bool = False
    flag: str | None = None  # kept, but marked for the report's warnings (why)


def split_lines(text: str) -> list[Line]:
    """Lines with exact offsets; \\r\\n, \\r and \\n all end a line.

    A run of blank lines becomes one record (kept as its first line when kept), so a page
    of a million newlines stays cheap.
    """
    out: list[Line] = []
    for m in LINE_RE.finditer(text):
        start, stop = m.span()
        if m.lastgroup == "blank":
            first = TERMINATOR.search(text, start, stop)
            out.append(Line(start, first.end() if first else stop, stop, "", True))
            continue
        content = m.group().rstrip("\r\n")
        blank = not content[:1].isalnum() and not content.strip().strip(ZERO_WIDTH).strip()
        out.append(Line(start, stop, stop, "" if blank else content, blank))
    return out


def _teaser_like(ln: Line) -> bool:
    if ln.reason is not None:
        return False
    if ln.kind == "date":
        return True
    s = ln.text.strip()
    return ln.kind is None and 2 <= len(s.split()) <= 25 and len(s) <= 220 and s[-1] not in ".;:,"


def mark_teasers(lines: list[Line]) -> None:
    """Teaser headlines (and their dates) directly under a teaser header."""
    for i, ln in enumerate(lines):
        if ln.kind != "teaser_header":
            continue
        blanks = 0
        for k in range(i + 1, len(lines)):
            nxt = lines[k]
            if nxt.blank:
                blanks += 1
                if blanks > 1:
                    break
                continue
            if not _teaser_like(nxt):
                break
            nxt.reason = "teaser"
            blanks = 0


def _repeat_key(text: str) -> str:
    key = " ".join(unify_quotes(text).lower().split())
    return CAPTION_LABEL.sub("", key)


def mark_repeats(lines: list[Line]) -> None:
    """Repeated captions go entirely; other repeated lines keep their first copy."""
    groups: dict[str, list[Line]] = {}
    for ln in lines:
        if ln.blank or (ln.reason is not None and ln.kind != "caption"):
            continue
        if len(ln.text) < MIN_REPEAT_LEN:
            continue
        key = _repeat_key(ln.text)
        if len(key) >= MIN_REPEAT_LEN:
            groups.setdefault(key, []).append(ln)
    for group in groups.values():
        if len(group) < 2:
            continue
        # copies differ at most by case, spacing or a picture label: one hint check will do
        if any(g.kind == "caption" for g in group) or CAPTION_HINT.search(group[0].text):
            for g in group:
                g.reason = "caption"
        else:
            for g in group[1:]:
                g.reason = "repeated_line"


def _lookahead(lines: list[Line], j: int) -> tuple[int, int]:
    """Start-of-story score and body sentences found after candidate line ``j``."""
    cand = lines[j]
    in_body = cand.body
    start = 1 if in_body else 0
    sentences = _sentences(cand.text) if in_body else 0
    for ln in lines[j + 1 : j + _LOOKAHEAD]:
        if sentences >= 2:
            break
        if ln.blank:
            continue
        if ln.kind == "date" and not in_body:
            start = max(start, 1)  # kept, or taken as a teaser's date under "Check Also"
            continue
        if ln.reason is None:
            if ln.body:
                if not in_body and DATELINE_PREFIX.match(ln.text):
                    start = max(start, 1)
                in_body = True
                sentences += _sentences(ln.text)
                continue
            if in_body:
                break
            if ln.kind == "dateline":
                start = max(start, 1)
                continue
            break
        if ln.kind == "byline" and not in_body:
            start = 2
            continue
        if ln.kind in STRONG_KINDS or ln.kind in TEASER_KINDS or ln.reason == "teaser":
            break  # the end of something, not the top of a story
    return start, sentences


def count_sentences(text: str) -> int:
    """Sentence ends in ``text``: ., ! or ? (and closing quotes) before white space."""
    return len(SENT_END.findall(text))


_sentences = count_sentences


def _is_candidate(ln: Line) -> bool:
    if ln.reason is None and ln.body:
        return DATELINE_PREFIX.match(ln.text) is not None
    if ln.reason is None and ln.kind is None:
        return title_like(ln.text)
    return ln.reason == "teaser" and ln.kind is None and title_like(ln.text)


def reclaim_teaser(lines: list[Line], j: int) -> None:
    """A teaser that turned out to head a story is kept, with the date under it."""
    if lines[j].reason != "teaser":
        return
    lines[j].reason = None
    for ln in lines[j + 1 :]:
        if ln.blank:
            continue
        if ln.reason != "teaser" or ln.kind != "date":
            break
        ln.reason = None


def find_story_starts(lines: list[Line]) -> list[int]:
    """Line indexes where a story begins; see rule 3 of the package docstring."""
    starts = [0]
    has_body = blocked = strong = share = teaser = in_comments = False
    for j, ln in enumerate(lines):
        if ln.blank:
            continue
        if has_body and not blocked and _is_candidate(ln):
            end_score = 2 if strong else min(2, int(share) + int(teaser or ln.reason == "teaser"))
            start_score, sentences = _lookahead(lines, j)
            if end_score + start_score >= 2 and sentences >= 2:
                starts.append(j)
                reclaim_teaser(lines, j)
                has_body = ln.body
                blocked = strong = share = teaser = in_comments = False
                continue
        if ln.reason is None and in_comments:
            ln.reason = "comments"
        elif ln.reason is None:
            if ln.body or (has_body and is_prose(ln.text)):
                has_body, blocked = True, False
                strong = SIGNOFF.search(ln.text[-200:]) is not None
                share = teaser = False
            elif ln.kind not in ("date", "dateline") and not is_short(ln.text):
                blocked = True
        elif ln.kind == "comments" and has_body:
            # "12 comments" may be a toolbar link mid-article; trust it once the article ended
            in_comments = strong or share or teaser or bool(COMMENT_FORM.search(ln.text))
            strong = True
        elif ln.kind in STRONG_KINDS:
            strong = True
        elif ln.kind == "share":
            share = True
        elif ln.kind in TEASER_KINDS or ln.reason == "teaser":
            teaser = True
    return starts


def _all_caps(text: str) -> bool:
    return text.upper() == text and any(c.isalpha() for c in text)


def tidy_header(lines: list[Line], a: int, b: int) -> str | None:
    """Pick the main headline; drop masthead lines above it when chrome surrounds them."""
    first_body = next((i for i in range(a, b) if lines[i].reason is None and lines[i].body), None)
    zone_end = b if first_body is None else first_body
    cands = [
        i
        for i in range(a, zone_end)
        if lines[i].reason is None and lines[i].kind is None and title_like(lines[i].text)
    ]
    if not cands:
        return None
    # the headline sits right above the article's byline, date, share buttons or body;
    # among those, prefer mixed case and more words (site names and taglines are short)
    t = max(
        cands,
        key=lambda i: (
            _above_meta(lines, i, b),
            not _all_caps(lines[i].text),
            count_words(lines[i].text),
            i,
        ),
    )
    if first_body is not None:
        date_below = any(
            lines[i].reason is None and lines[i].kind == "date" for i in range(t + 1, first_body)
        )
        chrome = False
        for ln in lines[a:t]:
            if ln.blank:
                continue
            if ln.reason is not None:
                chrome = True
            elif chrome and ln.kind == "date":
                if date_below:
                    ln.reason = "masthead"
            elif chrome and ln.kind is None and _masthead_like(ln.text):
                ln.reason = "masthead"
    return lines[t].text.strip()


def _above_meta(lines: list[Line], i: int, b: int) -> bool:
    """Is the next non-blank line removed, a date, a dateline or body text?"""
    for ln in lines[i + 1 : b]:
        if not ln.blank:
            return ln.reason is not None or ln.kind in ("date", "dateline") or ln.body
    return False


def _masthead_like(text: str) -> bool:
    s = text.strip()
    return len(s.split()) <= 6 and not any(c.isdigit() for c in s) and s[-1] not in ".!?"
