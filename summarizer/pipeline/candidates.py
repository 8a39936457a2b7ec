"""Outcome tallies read from the text itself: a figure, the noun it counts and the verb
that acts on that noun ("destroyed 9 hideouts and two tunnels" gives destroyed 9
hideouts and destroyed 2 tunnels), each with the offsets of its sentence.

This is the deterministic half of "the text proposes, the model decides" (#18): a
1.5B model copies tallies slowly and often wrongly, while the dependency parse finds
them with exact offsets.  Nothing here calls a model; the candidates are measured
against gold by ``bench/candidates.py`` before any pipeline uses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.core import claims
from summarizer.core.nlp import analyse

if TYPE_CHECKING:
    from spacy.tokens import Token

#: first family wins for a verb in several ("dismantle" is destroyed, unless it is a
#: device: then defused; "capture" is an arrest of people, a seizure of things)
_ORDER = ("killed", "wounded", "arrested", "destroyed", "seized", "defused", "searched", "cleared")
_PEOPLE = claims.OBJECT_FAMILIES[0] | claims.OBJECT_FAMILIES[1] | claims.OBJECT_FAMILIES[2]
_PEOPLE = _PEOPLE | claims.OBJECT_FAMILIES[6] | frozenset({"man", "woman", "leader", "commander"})
_DEVICES = claims.OBJECT_FAMILIES[4]
_CLEARING = frozenset({"clear", "secure", "liberate", "free", "retake"})
#: verbs of a result no category names ("damaged 29 supply routes", "disabled two
#: bridges"): an outcome of category ``other``
_OTHER = frozenset({"damage", "disable"})
_MONTHS = re.compile(
    r"^(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?$", re.IGNORECASE
)


@dataclass(frozen=True)
class Tally:
    """One counted outcome the text states, located by its sentence."""

    category: str
    object: str
    value: float
    figure: str
    verb: str
    start: int
    end: int
    #: offset of the verb in the text (who did it is read from there)
    verb_at: int = -1


def _reads_category(verb: Token) -> bool:
    lemma = verb.lemma_.lower()
    return lemma in _OTHER or bool(claims.categories_of(lemma))


def _category(verb: Token, noun: Token) -> str | None:
    lemma = verb.lemma_.lower()
    if lemma in _OTHER:
        return "other"
    cats = [c for c in _ORDER if lemma in claims.ACTIONS[c]]
    if not cats:
        return None
    head = noun.lemma_.lower()
    if "searched" in cats and "cleared" in cats:
        # "cleared 12 villages" is a clearance, "searched 31 villages" a search
        return "cleared" if lemma in _CLEARING else "searched"
    if "defused" in cats and head in _DEVICES:
        return "defused"
    if ("arrested" in cats or "seized" in cats) and lemma in ("capture", "seize"):
        return "arrested" if head in _PEOPLE else "seized"
    return cats[0]


def _phrase(noun: Token) -> str:
    """The counted noun with its compounds and adjectives, and an "of" complement."""
    left = [
        c
        for c in noun.lefts
        if c.dep_ in ("compound", "amod") and not c.like_num and c.pos_ != "NUM"
    ]
    words = [*(t.text for t in left), noun.text]
    for c in noun.rights:
        if c.dep_ == "prep" and c.lower_ == "of":
            objs = [g for g in c.children if g.dep_ == "pobj"]
            if objs:
                words += ["of", " ".join(t.text for t in objs[0].subtree)]
    return " ".join(words)


def _is_date(num: Token) -> bool:
    near = [num.head, *num.children]
    if num.i > 0:
        near.append(num.doc[num.i - 1])
    if num.i + 1 < len(num.doc):
        near.append(num.doc[num.i + 1])
    if any(_MONTHS.match(t.text) for t in near):
        return True
    return bool(re.fullmatch(r"(19|20)\d\d", num.text))


def _agent(noun: Token, verb: Token) -> bool:
    """The counted noun is the doer of an active verb that has an object of its own."""
    return noun.dep_ == "nsubj" and any(c.dep_ == "dobj" for c in verb.children)


def tallies(text: str) -> list[Tally]:
    """Every "<verb> <figure> <noun>" the text states, in order, once per sentence (the
    same tally in two sentences may be two places' figures: the model decides)."""
    doc = analyse(text)
    out: list[Tally] = []
    seen: set[tuple[str, str, float, int]] = set()
    for num, value in claims.numbers(doc):
        if _is_date(num) or not (num.like_num or num.pos_ == "NUM"):
            continue  # a date, or a vague "dozens": no figure to propose
        noun = claims.counted(num)
        if noun is num:
            continue  # what it counts is left out ("and three arrested"): not read here
        verb = claims.predicate(noun)
        if verb is None or not _reads_category(verb):
            verb = claims.list_verb(num) or verb
        if verb is None or claims.negated(verb) or claims.attempted(verb):
            continue
        if _agent(noun, verb):
            continue  # "five strikes destroyed a tank": the strikes did it
        category = _category(verb, noun)
        if category is None or claims.shared_with_other(verb, category):
            continue
        sent = num.sent
        key = (category, noun.lemma_.lower(), value, sent.start)
        if key in seen:
            continue
        seen.add(key)
        out.append(
            Tally(
                category=category,
                object=_phrase(noun),
                value=value,
                figure=num.text,
                verb=verb.text,
                start=sent.start_char,
                end=sent.end_char,
                verb_at=verb.idx,
            )
        )
    return out
