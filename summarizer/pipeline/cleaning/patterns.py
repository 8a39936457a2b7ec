"""The regular expressions and word lists that recognise page furniture.

Kept apart from the rules that use them, so that a new site's boilerplate phrase,
agency or caption credit is a one-line change here with no logic around it; what a
match means is decided in :mod:`.rules`.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from summarizer.core.text import TYPOGRAPHY

# ---------------------------------------------------------------------------- lines

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# white space and zero-width characters other than \r and \n
_HSPACE = r" \t\f\v\x1c-\x1f\x85\xa0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
# one match per line, except that a run of blank lines is one match (it ends at its last
# terminator: greedy class, then back off to the last \r or \n)
LINE_RE = re.compile(
    rf"(?P<blank>[{_HSPACE}]*(?:\r\n|\r|\n)(?:[{_HSPACE}\r\n]*[\r\n])?)"
    r"|[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+"
)
TERMINATOR = re.compile(r"\r\n|\r|\n")

# -------------------------------------------------------------------------- words


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: the look-alikes that phrase matching unifies: the shared table's curly quotes and
#: no-break space, and "…" as "..." (not one to one: only lines are compared, never
#: offsets).  The table's dashes and rarer quotes stay out: they would change which
#: lines are dropped, and with them the cleaned text that every cache key hashes.
QUOTES = MappingProxyType(
    {c: TYPOGRAPHY[c] for c in map(ord, "\u2018\u2019\u201c\u201d\u00a0")} | {ord("\u2026"): "..."}
)
QUOTE_CHARS = re.compile("[" + "".join(chr(c) for c in QUOTES) + "]")
EDGE = re.compile(r"^[\W_]+|[\W_]+$")
SPACES = re.compile(r"\s+")

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
PHRASES = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _PHRASE_KINDS), re.X)
SOCIAL_TOKENS = _wordset(
    "facebook twitter x whatsapp telegram linkedin reddit pinterest email e-mail mail print"
    " tweet share messenger viber tumblr vk pocket flipboard threads bluesky instagram"
    " youtube tiktok rss sms wechat weibo skype snapchat copy link"
)
TOKEN_SPLIT = re.compile(r"[\s|,/•·:]+")

COPYRIGHT = re.compile(r"^\W*(?:©|\(c\)|copyright\b)|\ball rights reserved\b|^powered by\b")
END_MARKER = re.compile(
    r"\#{3,}|-\s*30\s*-|[-–—=*\s]*\(?\s*ends?\s*\)?[-–—=*\s]*"
    r"|[-–—(\s]*(?:with\s+)?(?:afp|reuters|ap|xinhua|dpa|anadolu|efe|upi|ina|agencies)[)\s]*",
    re.I,
)
CREDIT = re.compile(
    r"\(?\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|written|reported|edited"
    r"|translated|contributed|contributing|produced)\b[^()]{0,40}?\bby\b(?P<rest>.*)",
    re.I,
)
BYLINE = re.compile(r"(?:By|BY|Written by|Words by|Posted by|Author:)\s+(?P<rest>.+)")
DESK = re.compile(
    r"(?:[A-Z][\w&'’.]*\s){0,3}(?:Desk|Newsroom|Bureau)(?:\s*[-–—|,/:]\s*[\w .&'’-]{1,40})?"
    r"|(?:Staff|Agencies)(?:\s+(?:Writer|Reporter|Correspondent|Report))?"
    r"(?:\s*[-–—|,/:]\s*[\w .&'’-]{1,40})?"
    r"|[\w .&'’-]{1,40}[-–—|,/]\s*(?:Staff\s+(?:Writer|Reporter)|Agencies"
    r"|(?:Senior\s+|Chief\s+|Security\s+|Political\s+|Special\s+)?Correspondent)"
)
DESK_WORD = re.compile(r"Desk|Newsroom|Bureau|Staff|Agencies|Correspondent")
NAME_PARTICLES = _wordset(
    "al el ad ag an ar as ash at az bin ibn bint abu de da di del della der den van von le la"
    " du dos das y and in for of the ul ud with from by editing writing reporting additional"
    " compiled"
)
NAME_SPLIT = re.compile(r"[\s,;|/()·•–—]+|\s-\s")

CAPTION_START = re.compile(
    r"(?:photo|image|picture|pictured|caption|photo\s+caption|image\s+caption|media\s+caption"
    r"|image\s+source|photo\s+credit)\s*[:,]",
    re.I,
)
# searched in a line's last 120 characters only: end-anchored searches are linear per start
CAPTION_END = re.compile(
    r"\b(?:photo|image|picture|credit|photo\s+credit)\s*:\s*[^.!?:]{1,60}$"
    r"|\((?:photo|image|picture|file\s+photo|credit)\b[^()]{0,80}\)\s*$",
    re.I,
)
# an agency picture credit ending the line: "REUTERS/Name/File Photo", "AFP", "Getty Images"
CAPTION_CREDIT = re.compile(
    r"(?:\bREUTERS|\bAFP(?: PHOTO)?|\bEPA(?:-EFE)?|\bAP Photo|Getty Images|Anadolu(?: Agency)?)"
    r"(?:\s*/\s*[\w .'’-]{1,40}){0,3}\s*$|/\s*File(?: Photo)?\s*$"
)
CAPTION_HINT = re.compile(
    r"\bAFP\b|\bREUTERS\b|\bReuters/|\bAP Photo\b|Getty Images|/\s*File\b|(?i:\bfile photo\b)"
    r"|(?i:\bcaption\b)|\([^()]{2,60}\)\s*$"
)
# labels and gallery counters that differ between copies of one caption
CAPTION_LABEL = re.compile(
    r"^(?:(?:image|photo|picture|pictured|caption|photo caption|image caption)\s*[:,]"
    r"|item \d+ of \d+|\[\d+\s*/\s*\d+\]|\(\d+\s*/\s*\d+\))\s*"
)

DIGIT = re.compile(r"\d")
YOU_ARE_HERE = re.compile(r"^you are here:?\s*")
CRUMB_SPLIT = re.compile(r"\s*(?:/|»|›|>|→|\\|\||::)\s*")
NAV_SPLIT = re.compile(r"\s*[|•·]\s*")

_MONTHS = (
    "january february march april may june july august september october november december"
    " jan feb mar apr jun jul aug sep sept oct nov dec"
)
_WEEKDAYS = (
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs"
    " fri sat sun"
)
MONTH_WORDS = _wordset(_MONTHS)
DATE_WORDS = (
    MONTH_WORDS
    | _wordset(_WEEKDAYS)
    | _wordset(
        "published updated posted last modified on at am pm a m p date gmt utc local time ago"
        " today yesterday and hours hour minutes minute mins min days day weeks week months"
        " month st nd rd th ast est edt cet cest bst wat eat cat ist pst pdt msk trt"
    )
)
POSTED_BY = re.compile(r"\s+by\s+(?P<who>\S+(?:\s+\S+){0,3})$")
DATE_TOKEN = re.compile(r"[^\W\d_]+|\d+")
NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")

DATELINE_LINE = re.compile(
    r"[A-Z][\w.'’-]*(?:[ ,]+[A-Z][\w.'’-]*){0,2}\s*(?:\([^)]{2,40}\))?\s*[-–—]{1,2}"
    r"\s*(?:[A-Z][\w.'’&-]*(?:\s+[A-Z][\w.'’&-]*){0,3})?"
)
DATELINE_PREFIX = re.compile(
    r"[A-Z][A-Z.'’-]{2,}(?:[ ,]+[A-Z][\w.'’-]*){0,3}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"\s*(?:\([^)]{2,40}\))?\s*[-–—]{1,2}\s"
    r"|[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,2}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"\s*\([^)]{2,40}\)\s*[-–—]{1,2}\s"
)
SIGNOFF = re.compile(
    r"(?:\((?:AFP|Reuters|AP|Xinhua|dpa|Anadolu|UPI|INA|EFE)\)|[-–—]\s*(?:AFP|Reuters|Xinhua))"
    r"\s*$|(?i:\((?:additional\s+)?reporting\s+by\b[^()]*\))\s*$"
)
SENT_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?=\s|$)")
CLOSERS = "\"'”’»)] \t"
# long lines skip the phrase rules unless they open or close like the few long furniture kinds
LONG_FURNITURE_START = re.compile(
    r"\W*(?:tags?\b|tagged|topics?\b|keywords|filed under|categor|posted in|your e-?mail"
    r"|save my name|notify me|you are commenting|this (?:web)?site uses|we use cookies"
    r"|our (?:web)?site uses|\(?(?:additional )?(?:reporting|writing|editing|compiled|written"
    r"|reported|edited|translated|contributed|contributing|produced)\b|©|\(c\)|copyright"
    r"|powered by|image|photo|picture|pictured|caption|media caption|item \d|\[\d|\d+ (?:thoughts"
    r"|responses|replies|comments)\b)"
)

COMMENT_FORM = re.compile(
    r"(?i)leave a (?:reply|comment)|\d+ (?:thoughts?|responses?|replies) (?:on|to)\b"
)
#: text addressed to a language model, not to readers: an injection, never news content
INJECTION = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*"
    r"(?:previous|prior|above|earlier|system)\s+(?:instructions?|prompts?|rules|messages?)"
    r"|\byou are now (?:a|an|the)\b|\bsystem prompt\b|\bas an ai(?: language)? model\b"
    r"|<\|im_(?:start|end)\|>"
)
#: every match of :data:`INJECTION` contains one of these once the page is lowered with
#: the few non-ASCII letters that ``(?i)`` equates with ASCII ones (U+0130, U+0131, U+017F,
#: U+212A) folded first; a page with none of them skips the per-line search (it is the
#: costliest rule, and pages almost never contain such text)
INJECTION_WORDS = (
    "ignore",
    "disregard",
    "forget",
    "override",
    "you are now",
    "system prompt",
    "as an ai",
    "<|im_",
)
INJECTION_FOLD = MappingProxyType(
    str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
)
INJECTION_FOLD_CHARS = re.compile("[\u0130\u0131\u017f\u212a]")
#: a caption regex can only match a line whose tail holds one of these words
CAPTION_END_WORDS = ("photo", "image", "picture", "credit")
CAPTION_CREDIT_WORDS = ("REUTERS", "AFP", "EPA", "AP Photo", "Getty Images", "Anadolu", "/")
