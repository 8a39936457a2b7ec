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
# ------------------------------------------------------ text addressed to a model
# Read by :mod:`.injection` on a *view* of each paragraph (invisible characters gone,
# look-alike letters folded, a word broken over two lines joined); all ignore case.

#: characters a reader never sees but a tokenizer does: soft hyphen, zero-width and bidi
#: controls, invisible operators, variation selectors, fillers.  (Tag characters,
#: U+E0020-U+E007E, are decoded instead: a model reads them as ASCII.)
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]+"
)
TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
#: Cyrillic and Greek letters drawn like Latin ones; folded only inside a word that also
#: has Latin letters ("IGNОRE" with a Cyrillic O), so Russian or Greek text stays itself
CONFUSABLES = MappingProxyType(
    str.maketrans(
        "аеорсухѕіјһԁԛԝӏкАВЕКМНОРСТУХІЈЅԚԜҮαορνικυχεΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
        "aeopcyxsijhdqwlkABEKMHOPCTYXIJSQWYaopvikuxeABEZHIKMNOPTYX",
    )
)
NON_LATIN_LETTER = re.compile("[\u0370-\u03ff\u0400-\u052f]")
LETTER_RUN = re.compile(r"[^\W\d_]+")

_OVERRIDE_VERB = (
    r"(?:ignore|disregard|forget|override|overrule|bypass|discard|abandon|neglect|skip"
    r"|(?:set|put|cast|leave)\s+aside|(?:do\s+not|don'?t|never)\s+(?:follow|obey|heed|apply|use)"
    r"|stop\s+(?:following|obeying|using|applying)|no\s+longer\s+(?:follow|obey)"
    r"|ignorez|ignorer|oubliez|oublie|ignora|ignoren|olvida|olvide|olviden|olvidad|esque[cç]a"
    r"|dimentica"
    r"|ignoriere|ignorieren|vergiss|vergessen|تجاهل|تجاهلي|تجاهلوا|انس|انسى)"
)
#: what a model's instructions are called; the generic words need a qualifier
_INSTR_STRONG = (
    r"(?:instructions?|instruction\s+set|prompts?|schema|directives?|programming|guardrails?"
    r"|system\s+(?:prompt|message|rules?|instructions?|settings)|consignes|instrucciones"
    r"|indicaciones|instru[cç][oõ]es|istruzioni|anweisungen|instruktionen|vorgaben"
    r"|التعليمات|تعليمات|الأوامر)"
)
_INSTR_QUAL = (
    r"(?:previous|prior|earlier|above|preceding|foregoing|original|initial|existing|former|old"
    r"|your|system|developer|all(?:\s+(?:of\s+)?(?:the|your))?|any)"
)
_INSTR_WEAK = (
    r"(?:guidance|guidelines?|rules?|orders?|commands?|context|constraints?|restrictions?"
    r"|polic(?:y|ies)|directions|messages?|requests?|tasks?)"
)
INSTR_REF = re.compile(
    rf"\b(?:{_INSTR_STRONG}\b|{_INSTR_QUAL}\s+(?:[\w-]+\s+){{0,2}}?{_INSTR_WEAK}\b"
    r"|(?:what|everything|anything|all)\s+(?:that\s+)?you\s+(?:were|have\s+been|'ve\s+been"
    r"|are\s+being|had\s+been)\s+(?:told|given|taught|asked|instructed|shown)"
    rf"|{_INSTR_WEAK}\s+(?:that\s+|which\s+)?you\s+(?:were\s+|have\s+been\s+|'ve\s+been\s+"
    r"|had\s+been\s+|have\s+|'ve\s+|had\s+)?(?:given|told|taught|shown|issued|received)\b"
    r"|(?:everything|anything|all)\s+(?:above|before|prior|previously|earlier|so\s+far)"
    r"|the\s+(?:above|foregoing)\b|(?:the\s+)?(?:text|lines?|content)\s+above)",
    re.I,
)
#: "... no longer applies", "... are void": instructions declared dead
OVERRIDE_DECL = re.compile(
    INSTR_REF.pattern + r".{0,60}?\b(?:no\s+longer\s+(?:appl(?:y|ies)|valid|in\s+(?:force|effect)"
    r"|relevant|binding|stands?)|(?:do|does|did|shall|will|should)\s+not\s+(?:apply|count|matter)"
    r"|don'?t\s+(?:apply|count|matter)|(?:is|are|was|were|has\s+been|have\s+been|had\s+been|be"
    r"|being|now)\s+(?:now\s+|hereby\s+|all\s+)?(?:void|null|invalid|outdated|obsolete|withdrawn"
    r"|cancell?ed|revoked|rescinded|superseded|replaced|suspended|lifted|retired|deprecated"
    r"|overridden|expired|a\s+test|fake|wrong|false|irrelevant|disabled|removed|deleted)\b)",
    re.I | re.S,
)
#: "you are no longer bound by ...", "the following overrides your prior instructions"
RELEASE = re.compile(
    r"\byou\s+are\s+(?:now\s+)?(?:no\s+longer|not)\s+(?:bound|restricted|limited|constrained"
    r"|governed)\s+by\b|\b(?:this|the\s+following|these|what\s+follows|the\s+text\s+below)\s+"
    r"(?:overrides?|replaces?|supersedes?|cancels?|voids?|takes\s+precedence\s+over)\s+"
    rf"(?:[\w-]+\s+){{0,3}}?(?:{INSTR_REF.pattern})",
    re.I,
)
#: who a note may be addressed to: a model, an AI tool, a summariser, a bot
_MODEL_STRICT = (
    r"(?:a\.?i\.?|artificial\s+intelligence|llms?|large\s+language\s+models?|language\s+models?"
    r"|chat\s*bots?|chatgpt|gpt(?:-?\d[\w.]*)?|claude|gemini|copilot|bots|crawlers|scrapers"
    r"|(?:ai|llm|gpt)[-\s](?:based\s+|powered\s+)?(?:assistants?|systems?|models?|tools?|agents?"
    r"|bots?|summari[sz]ers?|readers?|crawlers?|scrapers?|services?)"
    r"|(?:automated|automatic)\s+(?:[\w-]+\s+)?(?:summari[sz]ers?|summari[sz]ation"
    r"\s+tools?|tools?|systems?|readers?|agents?|crawlers?|scrapers?|processors?|pipelines?"
    r"|models?)|summari[sz](?:ers?|ation\s+(?:tools?|systems?|models?|engines?|software))"
    r"|summari[sz]ing\s+(?:models?|tools?|systems?|assistants?|ai|engines?))"
)
_MODEL = rf"(?:{_MODEL_STRICT}|(?:the\s+)?(?:assistants?|models?|bots?))"
_OPENER = r"(?:^|(?<=[.!?;(\[{\"“”«»>]))\s*"
ADDRESS = re.compile(
    r"\b(?:note|notes|message|notice|memo|warning|reminder|instructions?|attention|directive"
    rf"|request|hint|tip|p\.?\s?s\.?)\s*(?:for|to)\s+(?:all\s+|any\s+|every\s+|the\s+)?{_MODEL}\b"
    rf"|{_OPENER}(?:dear|hey|hi|hello|attention|attn|notice|important|note)\s*[,:]?\s+"
    rf"(?:all\s+|any\s+|every\s+)?{_MODEL}\b\s*[,:!]"
    rf"|{_OPENER}(?:[\w-]+\s+){{0,2}}?{_MODEL}\s*:"
    rf"|{_OPENER}(?:hey\s+|ok\s+|okay\s+)?{_MODEL}\s*[,—–]|\byou,\s+(?:the\s+)?{_MODEL},"
    rf"|{_OPENER}(?:[\w-]+\s+)?{_MODEL_STRICT}\s+(?:must|should|shall|need\s+to|have\s+to|are\s+to"
    r"|is\s+to|are\s+(?:required|instructed|asked)\s+to)\b"
    rf"|\bif\s+you\s+are\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,2}}?{_MODEL}\b"
    rf"|\bif\s+(?:an?\s+|the\s+|any\s+)?{_MODEL_STRICT}\s+(?:is|are)\s+(?:reading|processing"
    r"|parsing|summari[sz]ing|seeing|viewing)\b"
    rf"|\b{_MODEL_STRICT}\s+(?:reading|processing|parsing|summari[sz]ing|crawling|scraping"
    r"|analy[sz]ing|ingesting|indexing|seeing|viewing|handling)\s+(?:this|these|the\s+(?:page"
    r"|article|text|content|document))",
    re.I,
)
#: a clause starts after a sentence end, a colon, a comma, a bracket, a quote or a dash;
#: the head regexes below are matched (anchored) at those places only
CLAUSE_BREAK = re.compile(r"[.!?:;,(\[{\"“”«»>]|\s[-–—]")
_CLAUSE = r"(?:^|(?<=[.!?:;,(\[{\"“”«»>])|(?<=\s[-–—]))\s*"  # the same, as a regex prefix
HEAD_WORD = re.compile(r"\s*([^\W\d_]+(?:'[^\W\d_]+)?)")
_POLITE = (
    r"(?:(?:please|kindly|now|just|simply|so|then|first|also|instead|immediately|always|only"
    r"|therefore|hence|from\s+now\s+on|and|but)[,\s]+)*"
)
_SUBJECT = (
    r"(?:(?:you|u|i|we)\s+)?(?:(?:will|shall|must|should|now|only|also|always|simply|just"
    r"|need\s+to|have\s+to|are\s+to|am\s+going\s+to|are\s+going\s+to|are\s+required\s+to"
    r"|are\s+expected\s+to|'ll|do\s+not|don'?t|never)\s+){0,3}"
)
OVERRIDE_HEAD = re.compile(
    rf"\s*{_POLITE}{_SUBJECT}(?:{_OVERRIDE_VERB})\b(?P<rest>[^.!?;]{{0,100}})", re.I
)
OVERRIDE_ANY = re.compile(rf"\b{_OVERRIDE_VERB}\b", re.I)
YOU_TO_OVERRIDE = re.compile(
    rf"\byou\s+to\s+(?:now\s+|also\s+|simply\s+|just\s+)?{_OVERRIDE_VERB}\b"
    r"(?P<rest>[^.!?;]{0,100})",
    re.I,
)
#: a new role for the model, in the second person (a quoted one is a speaker's, not ours)
ROLE = re.compile(
    r"\byou\s+are\s+now\s+(?:a|an|the|my|no\s+longer)\b"
    r"|\bfrom\s+now\s+on,?\s+(?:you\s+)?(?:are|will\s+be\s+(?:a|an|the)|answer|reply|respond"
    r"|write|output|speak|only|must\s+(?:answer|reply|respond|write|output|only|speak))\b"
    r"|\b(?:developer|dan|god|debug|admin|jailbr\w+|unrestricted|unfiltered|sudo)\s+mode\b"
    r"|\bnew\s+(?:role|persona|identity)\s*:"
    r"|\byou\s+are\s+(?:a|an)\s+(?:helpful|unrestricted|unfiltered|uncensored|jailbroken|free"
    r"|new|different|obedient)\s+(?:[\w-]+\s+)?(?:assistant|ai|model|chatbot|bot)\b",
    re.I,
)
_ROLE_VERB = (
    r"(?:act\s+as\s+(?:a|an|if|though)|pretend\s+(?:to\s+be|you\s+are|that\s+you)"
    r"|role-?\s?play\s+as|behave\s+as\s+(?:a|an|if))"
)
ROLE_HEAD = re.compile(rf"\s*{_POLITE}{_ROLE_VERB}\b", re.I)
_DIRECTIVE_VERB = (
    r"(?:output|print|reply|respond|answer|write|return|reveal|repeat|say|state|report|classify"
    r"|mark|set|treat|include|add|insert|replace|change|rename|summari[sz]e|describe|list"
    r"|translate|leave|omit|remove|delete|label|tag|format|emit|generate|produce|begin|start"
    r"|stop|fill|put|use|make|name|call|give|tell|show|display|assign|record|consider|regard"
    r"|type|copy|quote|cite|disclose|expose|dump|drop|exclude|hide|mention|invent|fabricate)"
)
DIRECTIVE_HEAD = re.compile(
    rf"\s*{_POLITE}{_SUBJECT}(?:{_DIRECTIVE_VERB})\b(?=\s+[\w\"'“«])"
    r"(?P<rest>[^.!?;]{0,120})",
    re.I,
)
#: what a directive about the model's output names: the answer, its fields and labels
ARTIFACT = re.compile(
    rf"{INSTR_REF.pattern}"
    r"|\b(?:json|relevance|not_about_operations|mentions_operation|operation_report)\b"
    r"|\b[a-z]+_[a-z_]+\b"
    r"|\b(?:the|your|this|every|each|all|any|its)\s+(?:final\s+|full\s+|whole\s+|entire\s+)?"
    r"(?:answer|response|reply|output|summary|report|fields?|keys?|outcomes?|quantit(?:y|ies)"
    r"|categor(?:y|ies)|evidence|quotes?|configuration|(?:[\w-]+\s+)?list)\b"
    r"|\b(?:outcome|forces|officials|locations)\s+(?:list|quantit(?:y|ies)|field)\b"
    r"|\b(?:this|the\s+(?:whole|entire))\s+(?:article|page|text|paragraph|sentence|line|story"
    r"|document|website|site|post)\b"
    r"|\b(?:the\s+)?operation(?:\s+|_)name\b|\bword\s+for\s+word\b|\bverbatim\b"
    r"|\bthe\s+(?:single\s+|one\s+)?word\b"
    r"|\bthe\s+text\s*:|\bcapital\s+letters\b|\bupper\s*case\b"
    r"|\bin\s+(?:french|spanish|german|english|arabic|russian|chinese|prose|plain\s+(?:text|prose)"
    r"|rhyme|verse)\b|\b(?:a|an)\s+(?:short\s+)?(?:poem|haiku|limerick|song|joke)\b"
    r"|\bnothing\s+(?:but|else)\b|\b(?:only|just)\s+(?:with|the\s+word|in)\b"
    r"|\bwith\s+(?:the\s+word|an?\s+empty|nothing)\b|\bempty\s+(?:report|list|json|answer|object)\b"
    r"|\b(?:as|to)\s+(?:zero|null|none|unknown|empty|not\s+relevant|irrelevant)\b"
    r"|\b(?:relevance|status|phase|country|category)\s+(?:to|as)\b",
    re.I,
)
#: "your final answer must be ...", "summaries must say ...", "every outcome must ..."
MODAL_ARTIFACT = re.compile(
    r"\b(?:your\s+(?:final\s+|full\s+)?(?:answer|response|reply|output|summary|report|json)"
    r"|summar(?:y|ies)|(?:every|each|all|any)\s+(?:outcome|field|quantit|categor|evidence)\w*"
    r"|the\s+(?:json|output|relevance)|relevance|[a-z]+_[a-z_]+)\s+(?:\w+\s+)?(?:must|should"
    r"|shall|has\s+to|have\s+to|needs?\s+to|is\s+to|are\s+to)\b",
    re.I,
)
#: an order given in the first person to "you", or a new task for "you"
YOUR_TASK = re.compile(
    r"\byour\s+(?:new|real|actual|next|only|true|updated)\s+(?:task|job|role|instructions?|goal"
    r"|objective|purpose|mission|orders?)\b|\b(?:the\s+)?real\s+instructions\b"
    r"|\b(?:i|we)\s+(?:hereby\s+)?(?:instruct|order|command|direct|require)\s+you\s+to\b",
    re.I,
)
#: in a sentence addressed to a model, any order in the modal voice is one
MODAL_DIRECTIVE = re.compile(
    r"\b(?:must|should|shall|need\s+to|have\s+to|are\s+to|is\s+to)\s+(?:not\s+|only\s+|always\s+"
    rf"|never\s+)?(?:be\s+)?(?:{_DIRECTIVE_VERB}|{_OVERRIDE_VERB})\w*",
    re.I,
)
#: chat-template tokens and role headers: never news
CHAT = re.compile(
    r"<\|[\w-]{2,24}\|>|\[/?inst\]|<</?sys>>|\[/?sys(?:tem)?\]|\[/?instructions?\]"
    r"|</?(?:system|assistant|user|human|instructions?|inst|im_start|im_end)\b[^<>]{0,40}>"
    r"|(?:^|\n)\s*#{2,}\s*(?:system|instructions?|response|input|user|assistant|human|prompt"
    r"|context)\b",
    re.I,
)
ROLE_LABEL = re.compile(
    r"(?:^|\n|<!--)\s*\W{0,3}(?:system|assistant|user|human|ai|model|bot)"
    r"(?:\s+(?:override|notice|message|alert|instructions?|update|prompt))?\s*:",
    re.I,
)
#: a forged end of the article: the prompt's own fence, a closing tag, an end claim
FENCE = re.compile(
    r"(?:^|\s)(?:>{3,}|<{3,})|</?article\b[^<>]{0,40}>|\[/?article\]"
    r"|(?:^|\n)\s*(?:\"{3}|'{3}|`{3})|\bend\s+(?:of\s+)?(?:the\s+)?(?:article|text|document"
    r"|input|content|story|page|user\s+(?:input|message)|context)\b"
    r"|\b(?:the\s+)?(?:article|text|document)\s+(?:has\s+)?(?:ended|is\s+over|ends\s+here)\b"
    r"|\b(?:new|next|another|second)\s+(?:article|document|text)\s*:"
    r"|\bbegin(?:ning)?\s+of\s+(?:the\s+)?(?:new\s+)?(?:instructions|prompt|system)\b",
    re.I,
)
#: the tokens that fence an article in a prompt (ours, and the usual tags)
FENCE_TOKEN = re.compile(r"(?:^|\s)(?:>{3,}|<{3,})|</?article\b[^<>]{0,40}>|\[/?article\]", re.I)
#: markup that hides text from the page's readers (but not from a model)
HIDDEN = re.compile(
    r"<!--|-->|display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])"
    r"|opacity\s*:\s*0(?![.\d]*[1-9])|<\w+[^<>]*\bhidden\b[^<>]*>|aria-hidden\s*=\s*[\"']?true"
    r"|color\s*:\s*(?:white|#fff\b|#ffffff|transparent)",
    re.I,
)
#: "..., the ministry said": reported speech, a speaker's words and not ours
ATTRIBUTION = re.compile(
    r"(?:,|[\"”»]\s*,?)\s*(?:[\w'’.-]+\s+){0,6}?(?:said|says|told|tells|added|adds|wrote|writes"
    r"|shouted|asked|declared|announced|stated|explained|urged|warned|recalled|insisted"
    r"|replied|noted|demanded|ordered|admitted|confirmed)\b(?!\s+(?:you|u)\b)"
    r"|(?:^|,\s*)according\s+to\b",
    re.I,
)
#: a clause that talks about the text, the model or its answer rather than the world
SELF_REFERENCE = re.compile(
    r"\b(?:you|your|yours|yourself)\b|\b(?:below|above)\b|\bcorrect\s+ones\b"
    r"|\bthis\s+(?:article|page|text|paragraph|sentence|line|story|document|website|site|post"
    r"|report|summary|prompt)\b|\bthe\s+(?:article|prompt|schema|output|answer|response|json)\b",
    re.I,
)
NUMBER_WORD = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundreds?|thousands?|millions?|dozens?|scores)\b",
    re.I,
)
#: a capitalised word (a name) inside a sentence: after a lower-case word or a comma
NAME_WORD = re.compile(r"(?<=[a-z,;]\s)[A-Z][a-z]+")
QUOTE_MARKS = re.compile('["“”«»„]')
#: a sentence ends at . ! ? (and closing quotes) before white space
SENTENCE_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?=\s|$)")
#: every rule of :mod:`.injection` needs one of these in the paragraph (and in the
#: sentence) it judges: a literal stem of the lower-cased view, a short word, or an
#: order opening a clause.  :func:`.rules.may_hold_injection` checks them fast;
#: :data:`INJECTION` is the same set as one regex, its reference.
INJECTION_STEMS = (
    *sorted(
        _wordset(
            "ignor disregard forget overrid overrul bypass discard abandon neglect skip aside"
            " obey heed oubli olvid esque dimentic vergiss vergessen تجاهل انس instruct prompt"
            " schema directive programming guardrail consigne indicacion istruzion anweisung"
            " vorgabe تعليمات الأوامر guidance guideline json relevance summar assistant llm gpt"
            " a.i. chatbot chatgpt claude gemini copilot crawler scraper supersede precedence"
            " replaces cancels voids jailbr >>> <<< <!-- --> ##"
        )
    ),
    "from now on",
    "language model",
    "chat bot",
    "artificial intelligence",
    "new role",
    "new persona",
    "new identity",
    "the output",
    "bound by",
)
#: cues that need a pattern, each tried only when its literal key is in the text
INJECTION_KEYED = (
    ("follow", re.compile(r"(?:not|n't|never|stop|longer)\s+follow")),
    ("you", re.compile(r"\byou\s+(?:are|were|have|'ve|had|got|received|to|must|should|will)\b")),
    (
        "your",
        re.compile(
            r"\byour\s+(?:new|real|actual|next|only|true|updated|final|full|answer|response|reply"
            r"|output|summary|report|json|prompt|instruction|system|earlier|prior|previous|original"
            r"|rule|guidance|order|programming)"
        ),
    ),
    ("_", re.compile(r"[a-z]_[a-z]")),
    (
        "<",
        re.compile(
            r"<\|[\w-]|</?(?:system|assistant|user|human|instruction|inst|im_|article)|<<\s*/?sys"
        ),
    ),
    ("[", re.compile(r"\[/?(?:inst|sys|instruction|article)")),
    ("mode", re.compile(r"(?:developer|dan|god|debug|admin|unrestricted|unfiltered|sudo)\s+mode")),
    (
        ":",
        re.compile(
            r"(?:system|user|human|assistant|model|bot|ai)(?:\s+\w+)?\s*:"
            r"|(?:color|display|visibility|font-size|opacity)\s*:"
        ),
    ),
    ("hidden", re.compile(r"<\w+[^<>]*\bhidden\b")),
    (
        "automat",
        re.compile(
            r"automat\w*\s+(?:[\w-]+\s+)?(?:summari|tool|system|reader|agent|crawler|scraper"
            r"|processor|pipeline|model)"
        ),
    ),
    ("ai", re.compile(r"(?<![^\W\d_])ai(?![^\W\d_])")),
    ("bot", re.compile(r"(?<![^\W\d_])bots?(?![^\W\d_])")),
    ("model", re.compile(r"(?<![^\W\d_])models?(?![^\W\d_])")),
)
INJECTION_STEM_COMBOS = tuple(
    f"{a} {b}"
    for a in ("every", "each", "all", "any")
    for b in ("outcome", "field", "quantit", "categor", "evidence")
)
_HEAD_CUE = (
    rf"{_POLITE}{_SUBJECT}(?:{_OVERRIDE_VERB}|{_DIRECTIVE_VERB}|{_ROLE_VERB}"
    r"|act|pretend|role-?\s?play|behave)\b"
)
HEAD_CUE = re.compile(rf"\s*{_HEAD_CUE}", re.I)
#: the first words :data:`HEAD_CUE` can start with, for a set lookup before the regex
HEAD_FIRST = _wordset(
    "please kindly now just simply so then first also instead immediately always only therefore"
    " hence from and but you u i we will shall must should need have are am do don't dont never"
    " ignore disregard forget override overrule bypass discard abandon neglect skip set put cast"
    " leave stop no ignorez ignorer oubliez oublie ignora ignoren olvida olvide olviden olvidad"
    " esqueça esqueca dimentica ignoriere ignorieren vergiss vergessen تجاهل تجاهلي تجاهلوا انس"
    " انسى output print reply respond answer write return reveal repeat say state report classify"
    " mark treat include add insert replace change rename summarise summarize describe list"
    " translate omit remove delete label tag format emit generate produce begin start fill use"
    " make name call give tell show display assign record consider regard type copy quote cite"
    " disclose expose dump drop exclude hide mention invent fabricate act pretend role roleplay"
    " behave"
)
INJECTION = re.compile(
    "|".join(re.escape(w) for w in (*INJECTION_STEMS, *INJECTION_STEM_COMBOS))
    + "".join(f"|{rx.pattern}" for _, rx in INJECTION_KEYED)
    + rf"|{_CLAUSE}{_HEAD_CUE}",
    re.I,
)
#: a caption regex can only match a line whose tail holds one of these words
CAPTION_END_WORDS = ("photo", "image", "picture", "credit")
CAPTION_CREDIT_WORDS = ("REUTERS", "AFP", "EPA", "AP Photo", "Getty Images", "Anadolu", "/")
