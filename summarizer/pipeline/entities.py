"""Named candidates read from the text: the people, groups and places an article
names, each once however often (and however) it is spelled, with the offsets of every
mention and of the sentence around it.

The labelling mode (:mod:`summarizer.pipeline.labelling`) shows the model these
candidates by id and asks it only what needs judgement (is this force on the
operation's side, which person commands, which place is the operation's); the spans
come from here, so every fact it keeps is located by construction.  Entity types
restrict the labels a candidate may get: a person can never become a place.

spaCy's small English model mislabels some names (Daesh as a country, a town as a
nationality), so the kinds are broad: *person* (PERSON), *group* (ORG, NORP, and noun
chunks headed by a force word: "Coalition aircraft", "Kurdish partners") and *place*
(GPE, LOC, FAC); a country or a group may act as a force, so places may be labelled
as forces or adversaries too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from summarizer.core.names import name_key
from summarizer.core.nlp import analyse

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

Kind = Literal["person", "group", "place"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: how many candidates of each kind are shown, in order of first mention: a 1.5B model
#: labels a short list well and a long one badly, and each id costs output tokens
LIMITS: dict[Kind, int] = {"person": 8, "group": 12, "place": 12}
_KIND_OF: dict[str, Kind] = {
    "PERSON": "person",
    "ORG": "group",
    "NORP": "group",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
}
#: head nouns that make an unnamed noun chunk a force candidate ("Coalition aircraft")
FORCE_HEADS = _words(
    """force forces troop troops unit units coalition army armies police partner partners
    aircraft military soldier soldiers fighter fighters militia militias brigade brigades
    division battalion regiment navy marines marine commando commandos jet jets plane
    planes drone drones gunship gunships service services guard guards opposition
    government regime rebel rebels insurgent insurgents militant militants"""
)
#: chunks that are only generic words ("the forces", "our partners") say nothing
_GENERIC = _words("the a an our their its his her this these those some all other")
_LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
#: "Near Ar Raqqah" tagged as a person: a place after its preposition
_PREPOSITION = re.compile(r"^(?:Near|In|At|Around|Outside|North of|South of|East of|West of)\s+")
#: weapons and vehicles the recogniser takes for organisations
_NOT_ACTORS = _words("vbied svbied ied ieds vbieds uav uavs rpg rpgs mraap atgm")
#: words of a chunk that only count or size the head ("multiple aircraft")
_QUANTIFIERS = _words("single multiple several many few numerous various two three")
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_ACRONYM = re.compile(r"[A-Z]{2,6}")
#: a place at the head of a strike-list line ("Near Ar Raqqah, five strikes ..."),
#: which the recogniser often misses
_LISTED_PLACE = re.compile(
    r"(?m)^[\s.•·*–—-]*(?:Near|In|At)\s+((?:[A-Z][\w'’-]*)(?:\s+[A-Z][\w'’-]*){0,3}),"
)
_ABBREVIATION = re.compile(r"(?:^|[\s.])[A-Z]\.$")
#: a line that is only a name is page furniture (a byline, a caption credit)
_MAX_NAME = 80


@dataclass
class Candidate:
    """One name the text gives, with every place it stands."""

    id: str
    kind: Kind
    name: str
    labels: tuple[str, ...]
    #: (start, end) of each mention in the analysed text
    mentions: list[tuple[int, int]] = field(default_factory=list)
    #: (start, end) of the sentence around each mention, same order
    sentences: list[tuple[int, int]] = field(default_factory=list)
    spellings: set[str] = field(default_factory=set)
    #: the name as each mention writes it, same order as ``mentions``
    forms: list[str] = field(default_factory=list)
    #: whether each mention's sentence has a verb (same order)
    verbs: list[bool] = field(default_factory=list)


def clean_name(text: str) -> str:
    """A mention as a name: no article, possessive, quotes or sentence stop."""
    text = " ".join(text.split())
    text = _POSSESSIVE.sub("", _LEADING.sub("", text))
    text = text.strip(" ,;:-–—\"'“”‘’()")
    if text.endswith(".") and not _ABBREVIATION.search(text):
        text = text[:-1]  # the sentence's full stop, not "U.S."
    return text


def _adjective(span: Span) -> bool:
    """A nationality used as an adjective ("Iraqi", "Syrian") names no actor."""
    return span.label_ == "NORP" and len(span) == 1 and span[0].pos_ == "ADJ"


def _chunks(doc: Doc) -> list[tuple[Kind, Span]]:
    """Noun chunks headed by a force word that carry more than generic words."""
    out: list[tuple[Kind, Span]] = []
    for chunk in doc.noun_chunks:
        if chunk.root.lower_ not in FORCE_HEADS:
            continue
        words = [t for t in chunk if t.lower_ not in _GENERIC and not t.is_punct]
        if len(words) < 2 and chunk.root.lower_ != "coalition":
            continue
        if any(t.like_num or t.pos_ == "NUM" or t.lower_ in _QUANTIFIERS for t in chunk):
            continue  # "40 fighters", "multiple aircraft": a tally, not an actor
        out.append(("group", chunk))
    return out


def _spans(doc: Doc) -> list[tuple[Kind, Span]]:
    found: list[tuple[Kind, Span]] = [
        (_KIND_OF[e.label_], e) for e in doc.ents if e.label_ in _KIND_OF and not _adjective(e)
    ]
    taken = {(s.start, s.end) for _, s in found}
    for kind, chunk in _chunks(doc):
        inside = any(s.start >= chunk.start and s.end <= chunk.end for _, s in found)
        if (chunk.start, chunk.end) not in taken and not (
            inside and chunk.root.ent_type_ and len(chunk) <= 2
        ):
            found.append((kind, chunk))
    for m in _LISTED_PLACE.finditer(doc.text):
        start, end = m.span(1)
        if any(s.start_char < end and start < s.end_char for _, s in found):
            continue
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            found.append(("place", span))
    # a "name" across a line break joins a masthead to a menu or a headline to a
    # site name ("Northgate Observer\nSkip to content"): it names nobody
    return sorted((ks for ks in found if "\n" not in ks[1].text), key=lambda ks: ks[1].start_char)


def _verbless(span: Span) -> bool:
    """The mention stands in a line without a verb: a menu, a heading, a credit."""
    return not any(t.pos_ in ("VERB", "AUX") for t in span.sent)


def _acronyms(text: str) -> dict[str, str]:
    """ "Syrian Democratic Forces (SDF)": the acronym is another spelling of the name
    before it (its initials), so both are one candidate."""
    out: dict[str, str] = {}
    for m in re.finditer(r"((?:[A-Z][\w’'-]*\s+){1,6})\(([A-Z]{2,6})\)", text):
        words = m.group(1).split()
        acronym = m.group(2)
        initials = [w[0] for w in words if w[0].isupper()]
        for k in range(len(initials), 1, -1):
            if "".join(initials[-k:]) == acronym:
                out[acronym] = " ".join(words[len(words) - sum(1 for _ in words[-k:]) :])
                break
    return out


def _same_person(a: str, b: str) -> bool:
    """ "Votel" and "Joseph L. Votel" are one person: a surname alone matches the last
    word of a longer name."""
    wa, wb = a.split(), b.split()
    if len(wa) == 1 or len(wb) == 1:
        return name_key(wa[-1]) == name_key(wb[-1])
    short, long = sorted((wa, wb), key=len)
    if name_key(" ".join(short)) == name_key(" ".join(long[: len(short)])):
        return True  # "Abu Jandal" and "Abu Jandal al-Kuwaiti"
    return name_key(a) == name_key(b) or (
        name_key(wa[0]) == name_key(wb[0]) and name_key(wa[-1]) == name_key(wb[-1])
    )


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[0].isupper())


def _find(cands: list[Candidate], kind: Kind, name: str) -> Candidate | None:
    if kind != "person" and _ACRONYM.fullmatch(name):
        # "SDF" after "Syrian Democratic Forces", even without "(SDF)" to say so
        for c in cands:
            if c.kind != "person" and any(_initials(s) == name for s in c.spellings):
                return c
    key = name_key(name)
    for c in cands:
        if c.kind == "person" and kind == "person":
            if _same_person(c.name, name):
                return c
        elif key and any(name_key(s) == key for s in c.spellings):
            return c
    return None


def candidates(text: str, labels: dict[Kind, tuple[str, ...]]) -> list[Candidate]:
    """The named candidates of ``text``, in order of first mention, numbered per kind
    (P1, G1, L1 ...) and capped at :data:`LIMITS`; ``labels`` are the labels each kind
    may take.  Deterministic: the same text always gives the same list."""
    doc = analyse(text)
    found: list[Candidate] = []
    aliases = _acronyms(text)
    for kind, span in _spans(doc):
        name = clean_name(span.text)
        if _PREPOSITION.match(name):
            name, kind = _PREPOSITION.sub("", name), "place"
        if len(name) < 2 or len(name) > _MAX_NAME or not any(ch.isalpha() for ch in name):
            continue
        if name.lower() in _NOT_ACTORS or name.lower().startswith("operation "):
            continue  # a weapon, or the operation itself
        cand = _find(found, kind, aliases.get(name, name))
        if cand is None:
            cand = Candidate(id="", kind=kind, name=name, labels=labels[kind])
            found.append(cand)
        elif len(name) > len(cand.name) and kind == "person":
            cand.name = name  # the fullest spelling names the person
        cand.spellings.add(name)
        cand.forms.append(name)
        cand.mentions.append((span.start_char, span.end_char))
        sent = span.sent
        cand.sentences.append((sent.start_char, sent.end_char))
        cand.verbs.append(not _verbless(span))
    # a name the text only gives in verbless lines is page furniture, not an actor
    found = [c for c in found if not all(speaks is False for speaks in c.verbs)]
    out: list[Candidate] = []
    counts: dict[Kind, int] = dict.fromkeys(LIMITS, 0)
    prefix: dict[Kind, str] = {"person": "P", "group": "G", "place": "L"}
    for cand in found:
        if counts[cand.kind] >= LIMITS[cand.kind]:
            continue
        counts[cand.kind] += 1
        cand.id = f"{prefix[cand.kind]}{counts[cand.kind]}"
        out.append(cand)
    return out
