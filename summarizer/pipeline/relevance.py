"""Relevance by evidence (#18 item 6): what the text shows of an operation, read
from the parse, bounds the model's one-word verdict.

A 1.5B model asked "is this page about an operation?" after labelling names for "the
operation" answers ``operation_report`` for almost every page (condolences, diplomatic
readouts and exercises included: relevance accuracy 0.50 on the first 6 re3d
documents).  The parse shows what a verdict needs: a force acting (strikes, kills,
liberates, seizes) and where the page says it, counted outcomes, and words that refer
to an operation at all.  The rules are about sentence structure, not phrases of any
one page:

* nothing of an operation (no action by a force, no counted outcome, no operation
  word, no named operation): ``not_about_operations``, whatever the model says;
* a force acting in the lead (the first two sentences of prose), or in two sentences
  or more: ``operation_report``;
* otherwise the page refers to an operation without reporting one:
  ``mentions_operation``, unless the model says the page is not about one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.core.nlp import analyse

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from summarizer.core.schema import Relevance


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: verbs of an operation's action, as lemmas
_ACTIONS = _words(
    "strike bomb bombard shell kill destroy liberate retake recapture seize clear "
    "capture assault advance raid launch conduct target engage isolate free attack fight "
    "pound hit neutralize neutralise eliminate arrest storm repel"
)
#: verbs that start or carry on an operation named by their object ("Iraqi forces began
#: the third phase of Operation ...")
_BEGINS = _words("begin start commence continue resume carry")
_ACTING = _ACTIONS | _BEGINS
_OPERATION_NOUNS = _words(
    "phase stage operation offensive campaign strike airstrike raid assault sweep"
)
#: an action's result named as a noun ("the Government of Iraq's liberation of Tikrit")
_ACTION_NOUNS = _words("liberation recapture retaking capture")
#: words of a force or its means, as lemmas, in the acting phrase
_FORCE_WORDS = _words(
    "force coalition aircraft troop army military soldier unit police airstrike strike "
    "militia regime jet drone artillery battalion brigade division government marine "
    "navy commando"
)
#: words of an adversary or an attacker: their attacks are not an operation by a force
ATTACKER_WORDS = _words(
    "isil isis daesh da'esh terrorist militant bomber al-qaida qaida bomb attacker "
    "insurgent gunman extremist"
)
#: words that refer to an operation; not the plural "operations" (contingency, oil or
#: special operations: a named operation is caught by ``_NAMED``) nor a "campaign of"
#: terror or violence
_REFERENCES = re.compile(
    r"\b(?:operation|offensives?|campaigns?(?! of)|bombardments?|air ?strikes?|strikes|"
    r"shelling|liberat\w+|assaults?|raids?)\b",
    re.IGNORECASE,
)
#: events of a foe, named as nouns
_FOE_EVENTS = _words("attack bombing massacre atrocity")
#: deeds no operation does, whoever the text says did them
_ATROCITIES = _words("murder massacre slaughter behead kidnap abduct")
#: a meeting's words: the place is a venue
_MEETINGS = _words("meet meeting talk visit conference summit")
#: reference words that are military only next to a force or a foe ("a campaign" of
#: market inspections, "operations" of a business are not)
_AMBIGUOUS = re.compile(r"operation|campaign|strikes|assault|raid", re.IGNORECASE)
_MILITARY_CONTEXT = _FORCE_WORDS | ATTACKER_WORDS | _words("war enemy fight battle defeat")
#: the victims of an attack on civilians: such an attack is not an operation
_CIVILIANS = _words("civilian people resident child woman worshipper shopper pilgrim family")
_NAMED = re.compile(r"\bOperation\s+[A-Z]")
#: how many sentences of prose make the lead
_LEAD = 2


@dataclass(frozen=True)
class Evidence:
    """What one text shows of an operation."""

    lead_actions: tuple[str, ...]
    actions: int
    tallies: int
    references: int
    named: bool

    @property
    def any(self) -> bool:
        return bool(self.actions or self.tallies >= 2 or self.references or self.named)

    @property
    def reports(self) -> bool:
        """The page reports an operation: a force acts in its lead or throughout."""
        return bool(self.lead_actions) or self.actions >= 2


def actors(verb: Token) -> list[Token]:
    """Who acts: the subject, the agent of a passive, or the subject of the verb an
    ``xcomp``/``conj`` hangs from ("forces attempted to seize")."""
    node: Token | None = verb
    while node is not None:
        found: list[Token] = []
        for child in node.children:
            if child.dep_ in ("nsubj", "csubj"):
                found.append(child)
            elif child.dep_ == "agent":
                found += [g for g in child.children if g.dep_ == "pobj"]
        if found:
            return found
        node = node.head if node.dep_ in ("xcomp", "conj") and node.head is not node else None
    return []


#: dependents that describe another thing than the actor ("airstrikes against al-Qaida
#: operatives", "forces who fought ISIL"): not read as the actor's own words
_OTHER_THINGS = frozenset(["prep", "relcl", "acl", "advcl", "appos"])


def _actor_words(actors: list[Token], skip: frozenset[str] = _OTHER_THINGS) -> set[str]:
    """Lemmas of the actors' own phrases: the head, its compounds and modifiers and any
    joined actor, without the dependents in ``skip`` (the prepositional and clausal
    tails, and appositions unless asked for)."""
    words: set[str] = set()
    stack = list(actors)
    while stack:
        tok = stack.pop()
        words.add(tok.lemma_.lower())
        stack += [c for c in tok.children if c.dep_ not in skip]
    return words


def _is_force(actors: list[Token]) -> bool:
    words = _actor_words(actors)
    if words & ATTACKER_WORDS:
        return False
    return bool(words & _FORCE_WORDS) or any(a.ent_type_ in ("ORG", "NORP", "GPE") for a in actors)


def _against_civilians(verb: Token) -> bool:
    """The action's object, or the object of a clause under it, is civilians
    ("barrel bomb attacks which have killed ... innocent civilians")."""
    objects = [t for t in verb.subtree if t.dep_ in ("dobj", "pobj", "nsubjpass")]
    return any(t.lemma_.lower() in _CIVILIANS for t in objects)


def operation_noun(tok: Token) -> bool:
    """The word names an operation or a strike ("the Mosul operation", "offensive")."""
    return tok.lemma_.lower() in _OPERATION_NOUNS


def _names_operation(verb: Token) -> bool:
    return any(c.dep_ == "dobj" and c.lemma_.lower() in _OPERATION_NOUNS for c in verb.children)


def acts(sent: Span) -> bool:
    """A force acts in ``sent``: a verb of action with a force as its actor, or a
    liberation/recapture of a named place."""
    for tok in sent:
        lemma = tok.lemma_.lower()
        if tok.pos_ == "VERB" and lemma in _ACTING and _is_force(actors(tok)):
            if lemma in _ACTIONS and not _against_civilians(tok):
                return True
            if lemma in _BEGINS and _names_operation(tok):
                return True
        if tok.pos_ == "NOUN" and lemma in _ACTION_NOUNS:
            of = [c for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"]
            if any(g.ent_type_ in ("GPE", "LOC", "FAC") for p in of for g in p.subtree):
                return True
    return False


def _references(doc: Doc) -> int:
    """Words that refer to an operation, the ambiguous ones only in a sentence that
    also names a force or a foe."""
    count = 0
    for m in _REFERENCES.finditer(doc.text):
        if _AMBIGUOUS.match(m.group(0)):
            span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
            if span is None:
                continue
            lemmas = {t.lemma_.lower() for t in span.sent}
            if not lemmas & _MILITARY_CONTEXT:
                continue
        count += 1
    return count


def by_foe(verb: Token) -> bool:
    """The doer of ``verb`` is an adversary or an attacker ("ISIL has killed 70")."""
    return bool(_actor_words(actors(verb)) & ATTACKER_WORDS)


def foe_acts(sent: Span) -> bool:
    """``sent`` reports what a foe did (an attack, a bombing, a massacre, a town it
    took): the scene of that is not the operation's place."""
    for tok in sent:
        lemma = tok.lemma_.lower()
        if tok.pos_ == "VERB" and (lemma in _ATROCITIES or (lemma in _ACTIONS and by_foe(tok))):
            return True
        if tok.pos_ == "NOUN" and lemma in _FOE_EVENTS:
            return True
        # "the use of chemical weapons by Daesh in Marea"
        if tok.lower_ == "by" and any(c.dep_ == "pobj" and _foe_phrase(c) for c in tok.children):
            return True
    return False


#: pronouns that carry the last sentence's subject on
_PRONOUNS = frozenset(["he", "she", "they"])
#: the tails alone: an apposition describes the phrase's own head
_TAILS = _OTHER_THINGS - {"appos"}


def _foe_phrase(tok: Token) -> bool:
    """The phrase names a foe, with its appositions ("Abu Jandal, an ISIL leader")."""
    return bool(_actor_words([tok], _TAILS) & ATTACKER_WORDS)


def foe_is_subject(sent: Span) -> bool:
    """The sentence goes on about a foe the last one named ("He had led the group's
    seizure of Baga", after a sentence about a militant leader): its places are the
    foe's past, not the operation's."""
    if sent.start == 0:
        return False
    before = sent.doc[sent.start - 1].sent.root
    told = [c for c in before.children if c.dep_ in ("nsubj", "nsubjpass")]
    pronoun = any(c.dep_ == "nsubj" and c.lower_ in _PRONOUNS for c in sent.root.children)
    return pronoun and any(_foe_phrase(t) for t in told)


def targeted(tok: Token) -> bool:
    """The name is what an action is aimed at ("strikes against X", "forces
    liberated X", "X was hit")."""
    head = tok.head
    if tok.dep_ == "pobj" and head.lower_ == "against":
        return True
    return tok.dep_ in ("dobj", "nsubjpass") and head.lemma_.lower() in _ACTIONS


_FIGHTING = _words("fight defeat battle war combat")


def fighting(sent: Span) -> bool:
    """The sentence is about fighting: a force acting, a word of an operation, or of a
    fight ("supported the forces in their efforts to defeat ISIL")."""
    if _REFERENCES.search(sent.text) or acts(sent):
        return True
    return any(t.lemma_.lower() in _FIGHTING for t in sent)


def meets(sent: Span) -> bool:
    """``sent`` reports a meeting, talks or a visit: its place is a venue."""
    return any(t.lemma_.lower() in _MEETINGS for t in sent)


def is_prose(sent: Span) -> bool:
    """A sentence of the story, not a menu, byline or caption credit: a verb, eight
    words or more, and not mostly capitalised words."""
    words = [t for t in sent if t.is_alpha]
    if len(words) < 8 or not any(t.pos_ in ("VERB", "AUX") for t in sent):
        return False
    return sum(t.is_title for t in words) / len(words) < 0.6


def read(text: str, tallies: int) -> Evidence:
    """The evidence in ``text`` (the cleaned text the model sees); ``tallies`` is the
    number of counted outcomes the tally reader found."""
    doc = analyse(text)
    lead: list[str] = []
    actions = 0
    seen = 0
    for sent in doc.sents:
        in_lead = seen < _LEAD
        seen += is_prose(sent)
        if acts(sent):
            actions += 1
            if in_lead:
                lead.append(sent.text.strip())
    return Evidence(
        lead_actions=tuple(lead),
        actions=actions,
        tallies=tallies,
        references=_references(doc),
        named=bool(_NAMED.search(text)),
    )


def decide(answered: Relevance, ev: Evidence) -> Relevance:
    """The verdict: the model's, bounded by what the text shows."""
    if not ev.any:
        return "not_about_operations"
    if ev.reports:
        return "operation_report"
    return "not_about_operations" if answered == "not_about_operations" else "mentions_operation"
