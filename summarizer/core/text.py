"""What the readers of an article's words share: one table of typographic look-alikes,
and the shapes in which a date is written.

Pages write "10–20 km", "15 March" with a no-break space and "don’t"; the model and
our patterns write "10-20", a plain space and "don't".  Dates, quantities, evidence
alignment and cleaning all compare such text, so they read it through this one table
instead of four drifting copies.  Every entry maps one character to one character:
a unified text has the length of the original, and an offset into one is an offset
into the other (alignment reports spans of the original page).

The date shapes are read by :mod:`summarizer.core.dates` and skipped by
:mod:`summarizer.core.quantities` ("12 March" holds no figure 12): one definition, so a
date format the one learns, the other learns too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "DAYS",
    "DMY_DATE",
    "ISO_DATE",
    "MONTHS_BUT_MAY",
    "ORDINAL",
    "TYPOGRAPHY",
    "unify",
]

_LOOK_ALIKES = {
    "-": "\u2010\u2011\u2012\u2013\u2014\u2015\u2212",  # hyphens, en/em dash, bar, minus
    " ": "\u00a0\u2007\u2009\u202f",  # no-break, figure, thin and narrow no-break space
    "'": "\u2018\u2019\u201a\u201b\u2032",  # single quotes and the prime
    '"': "\u201c\u201d\u201e\u2033",  # double quotes and the double prime
}

#: code point -> plain character, for ``str.translate``; one character to one
TYPOGRAPHY: Mapping[int, str] = MappingProxyType(
    {ord(c): plain for plain, chars in _LOOK_ALIKES.items() for c in chars}
)

_ANY_RE = re.compile("[" + "".join(chr(c) for c in TYPOGRAPHY) + "]")


def unify(text: str) -> str:
    """``text.translate(TYPOGRAPHY)``; most text has nothing to replace, so look first."""
    if _ANY_RE.search(text) is None:
        return text
    return _ANY_RE.sub(lambda m: TYPOGRAPHY[ord(m.group())], text)


# --------------------------------------------------------------------- date shapes

#: the suffix of "15th", or nothing
ORDINAL = r"(?:st|nd|rd|th)?"
#: "2025-03-15" (also "/" or "."); groups: year, month, day
ISO_DATE = r"(?<![0-9])([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])"
#: "15/03/2025", "15.03.25"; groups: first field, second field, year
DMY_DATE = r"(?<![0-9])([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4}|[0-9]{2})(?![0-9])"
#: the day (a group) or days that precede a month name: "15", "15th", "15-16", "15 to 16"
DAYS = rf"(?<![0-9])([0-9]{{1,2}}){ORDINAL}(?:\s*(?:-|to|and|&)\s*[0-9]{{1,2}}{ORDINAL})?"
#: month names and abbreviations, lower case; "may" is left to each reader, since which
#: verbs rule it out ("it may have been", "17 may rise") depends on what is being read
MONTHS_BUT_MAY = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
