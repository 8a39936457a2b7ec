"""Clean a scraped news page before the model reads it.

A small local model pays for every prompt token, and site furniture (skip links, share
buttons, teaser lists, comment forms), repeated photo captions and stories glued after
the main one cost time and mislead it.  This package drops such lines, and never rewrites
one: every kept character is copied from the page, and each :class:`Story` carries
:class:`Segment` records mapping its text back to the page, so offsets found in the
cleaned text can be reported against the original.

Rules, in order (each one decides whole lines; the article's own line breaks stay):

1. *Furniture*: a short line that is, as a whole (ignoring case and surrounding
   symbols), a known web-boilerplate phrase (skip links, breadcrumbs and menu bars,
   share prompts, related/teaser headers, comment forms, cookie and newsletter prompts,
   tag lists, copyright lines...).  A sentence that merely *contains* such a word stays.
   Teaser headlines (and their dates) directly under a "Related Posts"/"Check Also"
   header go too.  Bylines and "Reporting by ..." credits go as ``byline``; agency
   sign-offs ("(AFP)", "###", "-- END --") as ``end_marker``.
2. *Captions*: a line labelled as a picture ("Image: ...", "... Photo: Outlet",
   "(Photo: ...)", "... REUTERS/Name") is dropped.  A line of 25+ characters printed more
   than once is dropped entirely if a copy looks like a caption (a picture label, an
   agency or file-photo credit, or a trailing parenthesised credit); otherwise only its
   first copy is kept (pull quotes, duplicated paragraphs).
3. *Other stories*: after the main story's body, a headline (or a "CITY (Agency) -"
   dateline) followed by at least two sentences of body starts a new story when enough
   cues agree: end-of-story furniture before it (tags, comment forms, copyright,
   sign-offs count 2; share buttons or a teaser list 1 each) plus start-of-story cues
   after it (a byline counts 2; a date or dateline 1).  Two points are needed, so a
   subheading or a quoted line inside a story never splits it.  Without such cues, a
   story glued on is found by evidence (:mod:`.glued`): a header block that repeats the
   page's opening one, or a story after end-of-story furniture that names nothing the
   main story names; each is set aside with a warning.
4. *Comments*: once the article has ended (or under "Leave a Reply", "N thoughts on"),
   readers' comments below a comment-section header are dropped as ``comments``.
5. *Header*: the main story's headline (the title-like line right above its byline,
   date, share buttons or body) is kept and reported as ``title``, as are date and
   dateline lines; short masthead lines above the headline are dropped as ``masthead``
   when site furniture surrounds them.
6. *Blank lines*: runs collapse to one blank line; blank lines left at a story's edge
   by a removal are dropped.
7. *Text addressed to a model* (:mod:`.injection`, judged before rules 1-6 use the
   neighbours): a line whose sentences only ask something of a model (ignore your
   instructions, a new role, dictate the output, a chat token, a forged end of the
   article), read through invisible characters and look-alike letters, is dropped as
   ``injection``; one that also states a fact is kept and reported in ``flagged``.

The parts, each importing only those before it: :mod:`.patterns` (regexes and word
lists), :mod:`.rules` (what one line is, on its own), :mod:`.passes` (decisions that
need the neighbouring lines), :mod:`.injection` and :mod:`.glued` (text addressed to a
model; stories glued on) and :mod:`.page` (:func:`clean_page` and its results).
"""

from summarizer.pipeline.cleaning.page import (
    CHARS_PER_TOKEN,
    CleanResult,
    Removed,
    Segment,
    Story,
    clean_page,
)
from summarizer.pipeline.cleaning.passes import MIN_REPEAT_LEN

__all__ = [
    "CHARS_PER_TOKEN",
    "MIN_REPEAT_LEN",
    "CleanResult",
    "Removed",
    "Segment",
    "Story",
    "clean_page",
]
