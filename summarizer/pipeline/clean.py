"""Clean a scraped news page before the model reads it.

A small local model pays for every prompt token, and site furniture (skip links, share
buttons, teaser lists, comment forms), repeated photo captions and stories glued after
the main one cost time and mislead it.  This module drops such lines, and never rewrites
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
   subheading or a quoted line inside a story never splits it.
4. *Comments*: once the article has ended (or under "Leave a Reply", "N thoughts on"),
   readers' comments below a comment-section header are dropped as ``comments``.
5. *Header*: the main story's headline (the title-like line right above its byline,
   date, share buttons or body) is kept and reported as ``title``, as are date and
   dateline lines; short masthead lines above the headline are dropped as ``masthead``
   when site furniture surrounds them.
6. *Blank lines*: runs collapse to one blank line; blank lines left at a story's edge
   by a removal are dropped.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "CHARS_PER_TOKEN",
    "MIN_REPEAT_LEN",
    "CleanResult",
    "Removed",
    "Segment",
    "Story",
    "clean_page",
]

#: rough average for English prose with BPE tokenizers (Qwen, GPT); only for reporting
CHARS_PER_TOKEN = 4
#: shorter repeated lines ("Share this:") are left to the phrase rules
MIN_REPEAT_LEN = 25
#: furniture is short; longer lines are prose and are never matched against phrases
_MAX_FURNITURE_LEN = 400
#: how many lines a candidate headline may look ahead for the body of its story
_LOOKAHEAD = 60


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
    ``caption``, ``repeated_line``, ``comments``, ``blank`` and ``other_story`` (kept,
    but in a set-aside story).
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

    @property
    def main(self) -> Story:
        return self.stories[0]

    @property
    def set_aside(self) -> tuple[Story, ...]:
        """Unrelated stories found after the main one, kept for callers that want them."""
        return self.stories[1:]

    @property
    def chars_removed(self) -> int:
        """Characters the model no longer reads for the main story."""
        return len(self.original) - len(self.main.text)

    @property
    def tokens_removed_estimate(self) -> int:
        """``chars_removed`` / :data:`CHARS_PER_TOKEN` (~4 chars per token for English
        with BPE tokenizers), rounded up; a rough figure for reporting, not billing."""
        return -(-self.chars_removed // CHARS_PER_TOKEN)


# ---------------------------------------------------------------------------- lines


@dataclass(slots=True)
class _Line:
    """Working record for one line (or one run of blank lines); private to one call."""

    start: int
    keep: int  # end of what is copied when kept: the line, or a blank run's first line
    stop: int  # end including the terminator (of the whole run, for blank lines)
    text: str  # content without terminator
    blank: bool
    kind: str | None = None  # what the line looks like, judged on its own
    reason: str | None = None  # why it is dropped; None while kept
    body: bool = False


_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# white space and zero-width characters other than \r and \n
_HSPACE = r" \t\f\v\x1c-\x1f\x85\xa0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
# one match per line, except that a run of blank lines is one match (it ends at its last
# terminator: greedy class, then back off to the last \r or \n)
_LINE_RE = re.compile(
    rf"(?P<blank>[{_HSPACE}]*(?:\r\n|\r|\n)(?:[{_HSPACE}\r\n]*[\r\n])?)"
    r"|[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+"
)
_TERMINATOR = re.compile(r"\r\n|\r|\n")


def _split_lines(text: str) -> list[_Line]:
    """Lines with exact offsets; \\r\\n, \\r and \\n all end a line.

    A run of blank lines becomes one record (kept as its first line when kept), so a page
    of a million newlines stays cheap.
    """
    out: list[_Line] = []
    for m in _LINE_RE.finditer(text):
        start, stop = m.span()
        if m.lastgroup == "blank":
            first = _TERMINATOR.search(text, start, stop)
            out.append(_Line(start, first.end() if first else stop, stop, "", True))
            continue
        content = m.group().rstrip("\r\n")
        blank = not content[:1].isalnum() and not content.strip().strip(_ZERO_WIDTH).strip()
        out.append(_Line(start, stop, stop, "" if blank else content, blank))
    return out


# ------------------------------------------------------------------------- patterns


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_QUOTES = MappingProxyType(
    str.maketrans(
        {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u2026": "..."}
    )
)
_QUOTE_CHARS = re.compile("[" + "".join(chr(c) for c in _QUOTES) + "]")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")

_SOCIAL = (
    "facebook|twitter|x|whatsapp|telegram|linkedin|reddit|pinterest|e-?mail|mail|print|tweet"
    "|messenger|viber|tumblr|vk|pocket|flipboard|threads|bluesky|instagram|youtube|tiktok"
    "|rss|sms|wechat|weibo|skype|snapchat|copy link"
)
_SHARE_WORDS = (
    r"this|the|on|via|to|with|it|now|article|story|post|page|link|your|friends|social"
    r"|media|" + _SOCIAL
)

# each named group is one kind of furniture; the whole normalised line must match
_PHRASE_KINDS = (
    (
        "share",
        rf"""
        share(?:\s*:?\s*(?:{_SHARE_WORDS})){{0,8}}
        |click\ to\ (?:share|email|print|tweet|pin|copy)\b.{{0,100}}
        |(?:e-?mail|mail)\ (?:this|a\ link|the\ link|to\ a\ friend)(?:\ \w+){{0,5}}
        |like\ this|like\ loading|loading|be\ the\ first\ to\ like\ this
        |\(?opens\ in\ (?:a\ )?new\ window|copy\ link|link\ copied
        |(?:print|email)\ (?:this\ )?(?:page|article|story)|tweet(?:\ this)?|pin\ it
        |\d+\ shares?|(?:{_SOCIAL})
    """,
    ),
    (
        "strong",
        r"""
        (?:tags?|tagged(?:\ with|\ as)?|topics?|keywords|filed\ under|categor(?:y|ies)
           |posted\ in|related\ topics)\s*:.{0,300}
        |(?:filed\ under|posted\ in)\ [^.]{1,150}
        |cancel\ reply|post\ (?:a\ |your\ )?comment
        |submit(?:\ comment)?|comment|no\ comments(?:\ yet)?
        |(?:show|view|load|hide)\ (?:all\ |more\ )?comments|be\ the\ first\ to\ comment.{0,40}
        |reply|log\ in\ to\ (?:reply|comment)
        |(?:your\ )?e-?mail\ address\ will\ not\ be\ published.{0,60}
        |required\ fields\ are\ marked
        |(?:your\ )?(?:name|e-?mail|e-?mail\ address|website|url|message)(?:\ required|\ optional)?
        |save\ my\ name,?\ e-?mail,?\ and\ website\ in\ this\ browser\ for\ the\ next\ time\ i
           \ comment
        |notify\ me\ of\ (?:new\ posts|follow-up\ comments|new\ comments|replies)
           (?:\ by|\ via)\ e-?mail
        |you\ are\ commenting\ using\ your\ .{1,60}\ account.{0,40}|log\ out\ ?/\ ?change
        |this\ site\ uses\ akismet\ to\ reduce\ spam.{0,100}
    """,
    ),
    (
        # the start of a comment section: readers' comments below it are not the article
        "comments",
        r"""
        leave\ a\ (?:reply|comment)(?:\ cancel\ reply)?|comments(?:\ \(?\d+)?|\d+\ comments?
        |\d+\ (?:thoughts?\ on|responses?\ to|replies\ to)\ .{1,200}
        |join\ the\ (?:discussion|conversation)|reader\ comments
    """,
    ),
    (
        "teaser_header",
        r"""
        related(?:\ (?:posts?|articles?|stories|news|content|reading|coverage|links|items))?
        |(?:read|see)\ (?:also|more|next)|also\ read|check\ also|further\ reading
        |more\ (?:stories|news|articles|headlines)(?:\ from\ [\w\ ]{1,30})?
        |more\ from\ [\w\ ]{1,30}|more\ on\ this(?:\ story|\ topic)?
        |you\ (?:may|might)\ (?:also\ )?like
        |recommended(?:\ (?:for\ you|stories|articles|reading))?
        |(?:most|top)\ (?:read|popular|viewed|shared|stories)|trending(?:\ (?:now|stories|news))?
        |popular(?:\ (?:posts|stories|now))?|latest(?:\ (?:news|posts|stories|articles|headlines))?
        |don't\ miss|editor's\ picks?|in\ other\ news|up\ next|what\ to\ read\ next
    """,
    ),
    (
        "teaser_inline",
        r"""
        (?:read\ (?:also|more|next)|also\ read|see\ also|check\ also|related|recommended
           |don't\ miss|must\ read|watch|listen)\s*[:|>»–—-]\s*.{3,200}
    """,
    ),
    (
        "furniture",
        r"""
        skip\ to\ (?:the\ )?(?:main\ )?
           (?:content|navigation|menu|search|footer|sidebar|primary\ sidebar|article|main)
        |skip\ (?:links|navigation)|jump\ to\ (?:main\ )?(?:content|navigation)
        |(?:main\ |open\ |close\ |toggle\ )?(?:menu|navigation)|close|you\ are\ here
        |search(?:\ (?:for|this\ site|the\ site|site|news))?
        |(?:back|scroll|go|return|jump)\ to\ top|to\ top|top\ of\ page|home(?:page)?
        |advertisements?(?:\s*[-–—·|:]\s*(?:scroll|continue|story)\ .{0,40})?
        |advert|ads?|sponsored(?:\ (?:content|post|links?|stories))?
        |promoted(?:\ (?:content|stories))?|paid\ (?:content|post)|report\ this\ ad
        |scroll\ to\ continue(?:\ with\ content)?|(?:story|article)\ continues\ below.{0,20}
        |continue\ reading(?:\ below)?
        |(?:photo\ |image\ |video\ )?gallery(?:\ \(?\d+\ ?(?:/|of)\ ?\d+\)?)?
        |view\ (?:gallery|slideshow)|slideshow
        |(?:previous|prev|next|older|newer)(?:\ (?:post|article|story|image|slide|page|item))?
           (?:\ ?[|/]\ ?(?:previous|prev|next|older|newer)
           (?:\ (?:post|article|story|image|slide|page|item))?)?
        |(?:\d+\ )?min(?:ute)?s?\ read|reading\ time.{0,20}
        |listen\ to\ (?:this|the)\ (?:article|story)|\d+\ views?|font\ size|text\ size
        |follow\ us(?:\ on\ [\w\ ,&]{1,40})?
        |join\ (?:us|our)\ .{1,60}(?:channel|group|community|newsletter)
        |download\ (?:our|the)\ app.{0,40}|get\ the\ app
        |newsletters?|subscribe(?:\ (?:now|today|here))?
        |(?:subscribe|sign\ up)\ (?:to|for)\ (?:our|the)\ (?:\w+\ )?newsletters?.{0,80}
        |sign\ (?:in|up)|log\ ?in|log\ ?out|register|my\ account
        |enter\ your\ e-?mail(?:\ address)?
        |(?:this|our)\ (?:web)?site\ uses\ cookies.{0,300}|we\ use\ cookies.{0,300}
        |(?:accept|reject|allow|decline)(?:\ all)?(?:\ cookies)?
        |cookie\ (?:policy|settings|preferences|consent|notice)
        |manage\ (?:cookies|consent|preferences|cookie\ settings)|i\ (?:agree|accept)|got\ it
        |about(?:\ us)?|contact(?:\ us)?|privacy(?:\ policy)?|terms(?:\ of\ (?:use|service))?
        |terms\ (?:and|&)\ conditions|advertise(?:\ with\ us)?|careers|sitemap|rss(?:\ feeds?)?
        |faq|our\ standards.{0,80}
    """,
    ),
)
_PHRASES = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _PHRASE_KINDS), re.X)
_SOCIAL_TOKENS = _wordset(
    "facebook twitter x whatsapp telegram linkedin reddit pinterest email e-mail mail print"
    " tweet share messenger viber tumblr vk pocket flipboard threads bluesky instagram"
    " youtube tiktok rss sms wechat weibo skype snapchat copy link"
)
_TOKEN_SPLIT = re.compile(r"[\s|,/•·:]+")

_COPYRIGHT = re.compile(r"^\W*(?:©|\(c\)|copyright\b)|\ball rights reserved\b|^powered by\b")
_END_MARKER = re.compile(
    r"\#{3,}|-\s*30\s*-|[-–—=*\s]*\(?\s*ends?\s*\)?[-–—=*\s]*"
    r"|[-–—(\s]*(?:with\s+)?(?:afp|reuters|ap|xinhua|dpa|anadolu|efe|upi|ina|agencies)[)\s]*",
    re.I,
)
_CREDIT = re.compile(
    r"\(?\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|written|reported|edited"
    r"|translated|contributed|contributing|produced)\b[^()]{0,40}?\bby\b(?P<rest>.*)",
    re.I,
)
_BYLINE = re.compile(r"(?:By|BY|Written by|Words by|Posted by|Author:)\s+(?P<rest>.+)")
_DESK = re.compile(
    r"(?:[A-Z][\w&'’.]*\s){0,3}(?:Desk|Newsroom|Bureau)(?:\s*[-–—|,/:]\s*[\w .&'’-]{1,40})?"
    r"|(?:Staff|Agencies)(?:\s+(?:Writer|Reporter|Correspondent|Report))?"
    r"(?:\s*[-–—|,/:]\s*[\w .&'’-]{1,40})?"
    r"|[\w .&'’-]{1,40}[-–—|,/]\s*(?:Staff\s+(?:Writer|Reporter)|Agencies"
    r"|(?:Senior\s+|Chief\s+|Security\s+|Political\s+|Special\s+)?Correspondent)"
)
_DESK_WORD = re.compile(r"Desk|Newsroom|Bureau|Staff|Agencies|Correspondent")
_NAME_PARTICLES = _wordset(
    "al el ad ag an ar as ash at az bin ibn bint abu de da di del della der den van von le la"
    " du dos das y and in for of the ul ud with from by editing writing reporting additional"
    " compiled"
)
_NAME_SPLIT = re.compile(r"[\s,;|/()·•–—]+|\s-\s")

_CAPTION_START = re.compile(
    r"(?:photo|image|picture|pictured|caption|photo\s+caption|image\s+caption|media\s+caption"
    r"|image\s+source|photo\s+credit)\s*[:,]",
    re.I,
)
# searched in a line's last 120 characters only: end-anchored searches are linear per start
_CAPTION_END = re.compile(
    r"\b(?:photo|image|picture|credit|photo\s+credit)\s*:\s*[^.!?:]{1,60}$"
    r"|\((?:photo|image|picture|file\s+photo|credit)\b[^()]{0,80}\)\s*$",
    re.I,
)
# an agency picture credit ending the line: "REUTERS/Name/File Photo", "AFP", "Getty Images"
_CAPTION_CREDIT = re.compile(
    r"(?:\bREUTERS|\bAFP(?: PHOTO)?|\bEPA(?:-EFE)?|\bAP Photo|Getty Images|Anadolu(?: Agency)?)"
    r"(?:\s*/\s*[\w .'’-]{1,40}){0,3}\s*$|/\s*File(?: Photo)?\s*$"
)
_CAPTION_HINT = re.compile(
    r"\bAFP\b|\bREUTERS\b|\bReuters/|\bAP Photo\b|Getty Images|/\s*File\b|(?i:\bfile photo\b)"
    r"|(?i:\bcaption\b)|\([^()]{2,60}\)\s*$"
)
# labels and gallery counters that differ between copies of one caption
_CAPTION_LABEL = re.compile(
    r"^(?:(?:image|photo|picture|pictured|caption|photo caption|image caption)\s*[:,]"
    r"|item \d+ of \d+|\[\d+\s*/\s*\d+\]|\(\d+\s*/\s*\d+\))\s*"
)

_DIGIT = re.compile(r"\d")
_YOU_ARE_HERE = re.compile(r"^you are here:?\s*")
_CRUMB_SPLIT = re.compile(r"\s*(?:/|»|›|>|→|\\|\||::)\s*")
_NAV_SPLIT = re.compile(r"\s*[|•·]\s*")

_MONTHS = (
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec"
)
_WEEKDAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs"
    " fri sat sun"
)
_MONTH_WORDS = _wordset(_MONTHS)
_DATE_WORDS = (
    _MONTH_WORDS
    | _wordset(_WEEKDAYS)
    | _wordset(
        "published updated posted last modified on at am pm a m p date gmt utc local time ago"
        " today yesterday and hours hour minutes minute mins min days day weeks week months"
        " month st nd rd th ast est edt cet cest bst wat eat cat ist pst pdt msk trt"
    )
)
_POSTED_BY = re.compile(r"\s+by\s+(?P<who>\S+(?:\s+\S+){0,3})$")
_DATE_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")

_DATELINE_LINE = re.compile(
    r"[A-Z][\w.'’-]*(?:[ ,]+[A-Z][\w.'’-]*){0,2}\s*(?:\([^)]{2,40}\))?\s*[-–—]{1,2}"
    r"\s*(?:[A-Z][\w.'’&-]*(?:\s+[A-Z][\w.'’&-]*){0,3})?"
)
_DATELINE_PREFIX = re.compile(
    r"[A-Z][A-Z.'’-]{2,}(?:[ ,]+[A-Z][\w.'’-]*){0,3}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"\s*(?:\([^)]{2,40}\))?\s*[-–—]{1,2}\s"
    r"|[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,2}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"\s*\([^)]{2,40}\)\s*[-–—]{1,2}\s"
)
_SIGNOFF = re.compile(
    r"(?:\((?:AFP|Reuters|AP|Xinhua|dpa|Anadolu|UPI|INA|EFE)\)|[-–—]\s*(?:AFP|Reuters|Xinhua))"
    r"\s*$|(?i:\((?:additional\s+)?reporting\s+by\b[^()]*\))\s*$"
)
_SENT_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?=\s|$)")
_CLOSERS = "\"'”’»)] \t"
# long lines skip the phrase rules unless they open or close like the few long furniture kinds
_LONG_FURNITURE_START = re.compile(
    r"\W*(?:tags?\b|tagged|topics?\b|keywords|filed under|categor|posted in|your e-?mail"
    r"|save my name|notify me|you are commenting|this (?:web)?site uses|we use cookies"
    r"|our (?:web)?site uses|\(?(?:additional )?(?:reporting|writing|editing|compiled|written"
    r"|reported|edited|translated|contributed|contributing|produced)\b|©|\(c\)|copyright"
    r"|powered by|image|photo|picture|pictured|caption|media caption|item \d|\[\d|\d+ (?:thoughts"
    r"|responses|replies|comments)\b)"
)
_SHORT_LINE = 100

_COMMENT_FORM = re.compile(
    r"(?i)leave a (?:reply|comment)|\d+ (?:thoughts?|responses?|replies) (?:on|to)\b"
)
_STRONG_KINDS = frozenset({"strong", "comments", "end_marker", "credit"})
_TEASER_KINDS = frozenset({"teaser_header", "teaser_inline"})
_REASON_OF_KIND = MappingProxyType(
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
#: text addressed to a language model, not to readers: an injection, never news content
_INJECTION = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|earlier|system)\s+(?:instructions?|prompts?|rules|messages?)"
    r"|\byou are now (?:a|an|the)\b|\bsystem prompt\b|\bas an ai(?: language)? model\b"
    r"|<\|im_(?:start|end)\|>"
)
#: every match of :data:`_INJECTION` contains one of these once the page is lowered with
#: the few non-ASCII letters that ``(?i)`` equates with ASCII ones (U+0130, U+0131, U+017F,
#: U+212A) folded first; a page with none of them skips the per-line search (it is the
#: costliest rule, and pages almost never contain such text)
_INJECTION_WORDS = (
    "ignore",
    "disregard",
    "forget",
    "override",
    "you are now",
    "system prompt",
    "as an ai",
    "<|im_",
)
_INJECTION_FOLD = MappingProxyType(
    str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
)


_INJECTION_FOLD_CHARS = re.compile("[\u0130\u0131\u017f\u212a]")


def _may_hold_injection(page: str) -> bool:
    if _INJECTION_FOLD_CHARS.search(page):
        page = page.translate(_INJECTION_FOLD)
    low = page.lower()
    return any(w in low for w in _INJECTION_WORDS)


# ---------------------------------------------------------------------- predicates


def _unify_quotes(text: str) -> str:
    """``text.translate(_QUOTES)``; most lines have nothing to translate."""
    return text.translate(_QUOTES) if _QUOTE_CHARS.search(text) else text


def _norm(text: str) -> str:
    """Lower-case, unify quotes, drop edge symbols and squeeze spaces for phrase matching.

    Same as ``_SPACES.sub(" ", _EDGE.sub("", ...))``: ``[\\W_]`` is exactly "not
    ``isalnum()``", and once the edges are alphanumeric ``split()`` squeezes the same
    white space; done with string methods, as the regexes try every position."""
    low = _unify_quotes(text).lower()
    i, j = 0, len(low)
    while i < j and not low[i].isalnum():
        i += 1
    while j > i and not low[j - 1].isalnum():
        j -= 1
    return " ".join(low[i:j].split())


def _words(text: str) -> int:
    return sum(1 for w in text.split() if any(c.isalpha() for c in w))


def _namey(rest: str) -> bool:
    """Does ``rest`` read like names (capitalised words and particles), not a sentence?"""
    tokens = [t for t in _NAME_SPLIT.split(rest.strip()) if t]
    if not tokens or len(tokens) > 14 or not tokens[0][:1].isupper():
        return False
    for tok in tokens:
        low = tok.lower().strip(".'’")
        if low in _NAME_PARTICLES or low.split("-", 1)[0] in _NAME_PARTICLES:
            continue
        if not tok[:1].isupper() or any(c.isdigit() for c in tok):
            return False
    return True


def _is_social(norm: str) -> bool:
    if len(norm) > 150 or norm.split(" ", 1)[0].strip("|,/:•·") not in _SOCIAL_TOKENS:
        return False
    tokens = [t for t in _TOKEN_SPLIT.split(norm) if t]
    return len(tokens) >= 2 and all(t in _SOCIAL_TOKENS for t in tokens)


def _is_breadcrumb(norm: str) -> bool:
    if not norm.startswith(("home", "main", "start", "you are here")):
        return False
    norm = _YOU_ARE_HERE.sub("", norm)
    parts = [p for p in _CRUMB_SPLIT.split(norm) if p]
    return (
        len(parts) >= 2
        and parts[0] in {"home", "homepage", "main", "start"}
        and all(len(p.split()) <= 5 and p[-1] not in ".!?" for p in parts)
    )


def _is_navbar(text: str) -> bool:
    """Three or more short, digit-free items separated by bars: a section menu."""
    if "|" not in text and "•" not in text and "·" not in text:
        return False
    parts = [p for p in _NAV_SPLIT.split(text) if p]
    return len(parts) >= 3 and all(
        len(p) <= 30 and len(p.split()) <= 3 and not _DIGIT.search(p) and p[-1] not in ".!?"
        for p in parts
    )


def _is_date_line(text: str) -> bool:
    """A line made only of date/time words and numbers ("Published: March 16, 2025 - 10:42")."""
    if len(text) > 80 or not _DIGIT.search(text):
        return False
    m = _POSTED_BY.search(text)  # "Posted on March 4, 2025 by admin"
    if m and (_namey(m["who"]) or m["who"].islower()):
        text = text[: m.start()]
    low = text.lower()
    tokens = _DATE_TOKEN.findall(low)
    letters = [t for t in tokens if not t.isdigit()]
    if any(t not in _DATE_WORDS for t in letters) or sum(t.isdigit() for t in tokens) > 6:
        return False
    return (
        any(t in _MONTH_WORDS for t in letters)
        or "ago" in letters
        or _NUMERIC_DATE.search(low) is not None
    )


def _is_caption(text: str) -> bool:
    """A line labelled as a picture: "Image: ...", "... Photo: Outlet", "(Photo: ...)"."""
    if _CAPTION_START.match(text):
        return True
    # each search needs one of its words in the tail; most lines have none, and the
    # regexes try every position (U+0130 and U+0131 are i to a (?i) regex)
    tail = text[-120:]
    low = tail.lower()
    if "\u0130" in tail or "\u0131" in tail:
        low = tail.replace("\u0130", "i").replace("\u0131", "i").lower()
    if any(w in low for w in _CAPTION_END_WORDS) and _CAPTION_END.search(tail):
        return True
    return any(w in tail for w in _CAPTION_CREDIT_WORDS) and bool(_CAPTION_CREDIT.search(tail))


_CAPTION_END_WORDS = ("photo", "image", "picture", "credit")
_CAPTION_CREDIT_WORDS = ("REUTERS", "AFP", "EPA", "AP Photo", "Getty Images", "Anadolu", "/")


def _is_byline(text: str) -> bool:
    m = _BYLINE.match(text)
    if m and len(text.split()) <= 14 and _namey(m["rest"]):
        return True
    return (
        len(text) <= 80
        and _DESK_WORD.search(text) is not None
        and _DESK.fullmatch(text) is not None
    )


def _is_credit(text: str) -> bool:
    m = _CREDIT.match(text)
    if not m or len(text.split()) > 40:
        return False
    return (text.startswith("(") and text.endswith(")")) or _namey(m["rest"].strip(" ()"))


def _classify(text: str, injection_possible: bool = True) -> str | None:
    """What a line looks like on its own; None for ordinary content."""
    if injection_possible and _INJECTION.search(text):
        return "injection"
    s = text.strip().strip(_ZERO_WIDTH).strip()
    if len(s) > _MAX_FURNITURE_LEN:
        return None
    if len(s) > _SHORT_LINE:
        low = s.lower()
        tail = low[-60:]
        if not (
            _LONG_FURNITURE_START.match(low)
            or "all rights reserved" in low
            or ":" in tail
            or "/" in tail
            or low.endswith(")")
            or any(w in tail for w in ("photo", "afp", "reuters", "getty", "epa", "anadolu"))
        ):
            return None
    if _END_MARKER.fullmatch(s):
        return "end_marker"
    norm = _norm(s)
    if not norm:
        return "furniture"  # symbols only: separators, icons
    low = s.lower()
    maybe_copyright = "©" in s or "(c)" in low or "right" in low or "powered" in low
    if maybe_copyright and len(s) <= 300 and _COPYRIGHT.search(low):
        return "strong"
    m = _PHRASES.fullmatch(norm)
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
    if len(s) <= 80 and _DATELINE_LINE.fullmatch(s):
        return "dateline"
    return None


def _title_like(text: str) -> bool:
    s = text.strip()
    if not s or len(s) > 250 or s[-1] in ".,;:":
        return False
    if not 3 <= _words(s) <= 30:
        return False
    first = next((c for c in s if c.isalnum()), "")
    return bool(first) and not first.islower()


def _teaser_like(ln: _Line) -> bool:
    if ln.reason is not None:
        return False
    if ln.kind == "date":
        return True
    s = ln.text.strip()
    return ln.kind is None and 2 <= len(s.split()) <= 25 and len(s) <= 220 and s[-1] not in ".;:,"


def _prose(text: str) -> bool:
    """A short sentence ("One soldier was wounded.") still continues the story."""
    return len(text.split()) >= 3 and text.rstrip(_CLOSERS)[-1:] in (".", "!", "?")


def _short(text: str) -> bool:
    s = text.strip()
    return len(s.split()) <= 3 and s[-1:] not in (".", "!", "?")


# ----------------------------------------------------------------------- passes


def _mark_teasers(lines: list[_Line]) -> None:
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
    key = " ".join(_unify_quotes(text).lower().split())
    return _CAPTION_LABEL.sub("", key)


def _mark_repeats(lines: list[_Line]) -> None:
    """Repeated captions go entirely; other repeated lines keep their first copy."""
    groups: dict[str, list[_Line]] = {}
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
        if any(g.kind == "caption" for g in group) or _CAPTION_HINT.search(group[0].text):
            for g in group:
                g.reason = "caption"
        else:
            for g in group[1:]:
                g.reason = "repeated_line"


def _lookahead(lines: list[_Line], j: int) -> tuple[int, int]:
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
                if not in_body and _DATELINE_PREFIX.match(ln.text):
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
        if ln.kind in _STRONG_KINDS or ln.kind in _TEASER_KINDS or ln.reason == "teaser":
            break  # the end of something, not the top of a story
    return start, sentences


def _sentences(text: str) -> int:
    return len(_SENT_END.findall(text))


def _is_candidate(ln: _Line) -> bool:
    if ln.reason is None and ln.body:
        return _DATELINE_PREFIX.match(ln.text) is not None
    if ln.reason is None and ln.kind is None:
        return _title_like(ln.text)
    return ln.reason == "teaser" and ln.kind is None and _title_like(ln.text)


def _reclaim_teaser(lines: list[_Line], j: int) -> None:
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


def _find_story_starts(lines: list[_Line]) -> list[int]:
    """Line indexes where a story begins; see rule 3 of the module docstring."""
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
                _reclaim_teaser(lines, j)
                has_body = ln.body
                blocked = strong = share = teaser = in_comments = False
                continue
        if ln.reason is None and in_comments:
            ln.reason = "comments"
        elif ln.reason is None:
            if ln.body or (has_body and _prose(ln.text)):
                has_body, blocked = True, False
                strong = _SIGNOFF.search(ln.text[-200:]) is not None
                share = teaser = False
            elif ln.kind not in ("date", "dateline") and not _short(ln.text):
                blocked = True
        elif ln.kind == "comments" and has_body:
            # "12 comments" may be a toolbar link mid-article; trust it once the article ended
            in_comments = strong or share or teaser or bool(_COMMENT_FORM.search(ln.text))
            strong = True
        elif ln.kind in _STRONG_KINDS:
            strong = True
        elif ln.kind == "share":
            share = True
        elif ln.kind in _TEASER_KINDS or ln.reason == "teaser":
            teaser = True
    return starts


def _all_caps(text: str) -> bool:
    return text.upper() == text and any(c.isalpha() for c in text)


def _tidy_header(lines: list[_Line], a: int, b: int) -> str | None:
    """Pick the main headline; drop masthead lines above it when chrome surrounds them."""
    first_body = next((i for i in range(a, b) if lines[i].reason is None and lines[i].body), None)
    zone_end = b if first_body is None else first_body
    cands = [
        i
        for i in range(a, zone_end)
        if lines[i].reason is None and lines[i].kind is None and _title_like(lines[i].text)
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
            _words(lines[i].text),
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


def _above_meta(lines: list[_Line], i: int, b: int) -> bool:
    """Is the next non-blank line removed, a date, a dateline or body text?"""
    for ln in lines[i + 1 : b]:
        if not ln.blank:
            return ln.reason is not None or ln.kind in ("date", "dateline") or ln.body
    return False


def _masthead_like(text: str) -> bool:
    s = text.strip()
    return len(s.split()) <= 6 and not any(c.isdigit() for c in s) and s[-1] not in ".!?"


def _assemble(
    page: str, lines: list[_Line], a: int, b: int, *, first: bool, last: bool
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


def clean_page(text: str) -> CleanResult:
    """Split a scraped page into cleaned stories (main first) with offset maps back."""
    lines = _split_lines(text)
    kinds: dict[str, str | None] = {}  # pages repeat their furniture: classify each text once
    injection_possible = _may_hold_injection(text)
    for ln in lines:
        if not ln.blank:
            if ln.text not in kinds:
                kinds[ln.text] = _classify(ln.text, injection_possible)
            ln.kind = kinds[ln.text]
            ln.reason = _REASON_OF_KIND.get(ln.kind or "")
    _mark_teasers(lines)
    _mark_repeats(lines)
    for ln in lines:
        if ln.reason is None and ln.kind is None and not ln.blank:
            words = len(ln.text.split())
            ends = ln.text.rstrip(_CLOSERS)[-1:] in (".", "!", "?")
            ln.body = (words >= 8 and ends) or words >= 20
    starts = _find_story_starts(lines)
    bounds = [*starts, len(lines)]
    main_title = _tidy_header(lines, 0, bounds[1])
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
    return CleanResult(text, tuple(stories), _removed_spans(lines, owner))


def _removed_spans(lines: list[_Line], owner: list[int]) -> tuple[Removed, ...]:
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
