"""The entry point: a scraped page in, its stories (main first) and their maps out.

Lines are only ever dropped, never rewritten, so each :class:`Story` keeps
:class:`Segment` records that carry an offset in the cleaned text back to the page:
evidence found in what the model read is reported against the original.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from summarizer.pipeline.cleaning.glued import find_glued_stories
from summarizer.pipeline.cleaning.injection import mark_injections
from summarizer.pipeline.cleaning.passes import (
    Line,
    find_story_starts,
    mark_repeats,
    mark_teasers,
    reclaim_teaser,
    split_lines,
    tidy_header,
)
from summarizer.pipeline.cleaning.patterns import CLOSERS
from summarizer.pipeline.cleaning.rules import REASON_OF_KIND, classify

#: rough average for English prose with BPE tokenizers (Qwen, GPT); only for reporting
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Segment:
    """A run of story text copied verbatim from the page."""

    clean_start: int
    orig_start: int
    length: int


@dataclass(frozen=True)
class Removed:
    """A span of the page that the main story no longer contains, and why.

    Reasons: ``furniture``, ``teaser``, ``masthead``, ``byline``, ``end_marker``,
    ``caption``, ``repeated_line``, ``comments``, ``injection``, ``blank`` and
    ``other_story`` (kept, but in a set-aside story).
    """

    start: int
    end: int
    reason: str


@dataclass(frozen=True)
class Story:
    """One story of the page: its cleaned text and the map back to the page."""

    text: str
    segments: tuple[Segment, ...]
    title: str | None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of self.text to the original page; a span crossing a
        removed gap maps from the first char's original offset to the last char's + 1.

        An empty span maps to the position of its character (or the story's end); a span
        outside the text raises ValueError, since a bad offset is a caller's bug.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) outside story text of {len(self.text)}")
        if start == end:
            if start < len(self.text):
                return self._orig(start), self._orig(start)
            last = self.segments[-1] if self.segments else None
            pos = last.orig_start + last.length if last else 0
            return pos, pos
        return self._orig(start), self._orig(end - 1) + 1

    def _orig(self, pos: int) -> int:
        k = bisect_right(self.segments, pos, key=lambda s: s.clean_start) - 1
        seg = self.segments[k]
        return seg.orig_start + pos - seg.clean_start


@dataclass(frozen=True)
class CleanResult:
    """The page, its stories (main first) and what was taken out."""

    original: str
    stories: tuple[Story, ...]
    removed: tuple[Removed, ...]
    #: lines the main story keeps although they hold text addressed to a model, because
    #: they also state a fact (reason ``injection``); the model reads them, the report warns
    flagged: tuple[Removed, ...] = ()
    #: one warning per story set aside on evidence (:mod:`.glued`), not on furniture cues
    glued: tuple[str, ...] = ()

    @property
    def main(self) -> Story:
        return self.stories[0]

    @property
    def set_aside(self) -> tuple[Story, ...]:
        """Unrelated stories found after the main one, kept for callers that want them."""
        return self.stories[1:]

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a reader of the report should know about the cleaning: lines addressed
        to a language model that were removed or kept (flagged)."""
        out: tuple[str, ...] = ()
        if n := sum(r.reason == "injection" for r in self.removed):
            out += (f"removed {n} line(s) addressed to a language model (prompt injection)",)
        if n := len(self.flagged):
            out += (
                f"kept {n} line(s) that also address a language model (prompt injection),"
                " because they state facts; check what the report takes from them",
            )
        return out + self.glued

    @property
    def chars_removed(self) -> int:
        """Characters the model no longer reads for the main story."""
        return len(self.original) - len(self.main.text)

    @property
    def tokens_removed_estimate(self) -> int:
        """``chars_removed`` / :data:`CHARS_PER_TOKEN` (~4 chars per token for English
        with BPE tokenizers), rounded up; a rough figure for reporting, not billing."""
        return -(-self.chars_removed // CHARS_PER_TOKEN)


def clean_page(text: str) -> CleanResult:
    """Split a scraped page into cleaned stories (main first) with offset maps back."""
    lines = split_lines(text)
    kinds: dict[str, str | None] = {}  # pages repeat their furniture: classify each text once
    for ln in lines:
        if not ln.blank:
            if ln.text not in kinds:
                kinds[ln.text] = classify(ln.text)
            ln.kind = kinds[ln.text]
            ln.reason = REASON_OF_KIND.get(ln.kind or "")
    mark_injections(lines)
    mark_teasers(lines)
    mark_repeats(lines)
    for ln in lines:
        if ln.reason is None and ln.kind is None and not ln.blank:
            words = len(ln.text.split())
            ends = ln.text.rstrip(CLOSERS)[-1:] in (".", "!", "?")
            ln.body = (words >= 8 and ends) or words >= 20
    starts = find_story_starts(lines)
    glued = find_glued_stories(lines, starts)
    for j in glued:
        reclaim_teaser(lines, j)
    starts = sorted({*starts, *glued})
    bounds = [*starts, len(lines)]
    main_title = tidy_header(lines, 0, bounds[1])
    owner = [-1] * len(lines)
    stories: list[Story] = []
    for k, a in enumerate(starts):
        b = bounds[k + 1]
        story_text, segments, kept = _assemble(
            text, lines, a, b, first=k == 0, last=k == len(starts) - 1
        )
        for i in kept:
            owner[i] = k
        # a story split off at a dateline paragraph has no headline
        title = main_title if k == 0 else None if lines[a].body else lines[a].text.strip()
        stories.append(Story(story_text, segments, title))
    flagged = tuple(
        Removed(ln.start, ln.keep, ln.flag)
        for ln, who in zip(lines, owner, strict=True)
        if ln.flag is not None and who == 0 and ln.reason is None
    )
    notes = tuple(
        f"set aside a second story glued after the main one ({stories[k].title!r}): {why}"
        for k, a in enumerate(starts)
        if (why := glued.get(a)) is not None
    )
    return CleanResult(text, tuple(stories), _removed_spans(lines, owner), flagged, notes)


def _assemble(
    page: str, lines: list[Line], a: int, b: int, *, first: bool, last: bool
) -> tuple[str, tuple[Segment, ...], list[int]]:
    """Join a story's kept lines, collapsing blank runs, and record the segments."""
    out: list[int] = []
    removed_before = False
    for i in range(a, b):
        ln = lines[i]
        if ln.reason is not None:
            removed_before = removed_before or not ln.blank
            continue
        if ln.blank and (
            (out and lines[out[-1]].blank) or (not out and (not first or removed_before))
        ):
            ln.reason = "blank"
            continue
        out.append(i)
    if out and lines[out[-1]].blank:
        tail = lines[out[-1] + 1 : b]
        if not last or any(not t.blank and t.reason is not None for t in tail):
            lines[out.pop()].reason = "blank"
    pieces: list[str] = []
    segments: list[Segment] = []
    clean_pos = 0
    seg_clean = seg_orig = seg_len = 0
    for i in out:
        ln = lines[i]
        size = ln.keep - ln.start
        pieces.append(page[ln.start : ln.keep])
        if seg_len and seg_orig + seg_len == ln.start:
            seg_len += size
        else:
            if seg_len:
                segments.append(Segment(seg_clean, seg_orig, seg_len))
            seg_clean, seg_orig, seg_len = clean_pos, ln.start, size
        clean_pos += size
    if seg_len:
        segments.append(Segment(seg_clean, seg_orig, seg_len))
    return "".join(pieces), tuple(segments), out


def _removed_spans(lines: list[Line], owner: list[int]) -> tuple[Removed, ...]:
    """Everything outside the main story, merged into runs of one reason."""
    spans: list[Removed] = []
    cur_start = cur_end = 0
    cur_reason = ""
    for ln, who in zip(lines, owner, strict=True):
        parts: tuple[tuple[int, int, str], ...]
        if who < 0:
            parts = ((ln.start, ln.stop, ln.reason or "blank"),)
        elif who > 0:
            parts = ((ln.start, ln.keep, "other_story"), (ln.keep, ln.stop, "blank"))
        else:
            parts = ((ln.keep, ln.stop, "blank"),)  # the rest of a collapsed blank run
        for start, end, reason in parts:
            if start == end:
                continue
            if reason == cur_reason and start == cur_end:
                cur_end = end
                continue
            if cur_reason:
                spans.append(Removed(cur_start, cur_end, cur_reason))
            cur_start, cur_end, cur_reason = start, end, reason
    if cur_reason:
        spans.append(Removed(cur_start, cur_end, cur_reason))
    return tuple(spans)
