"""Claim checks: does a quote STATE the fact it backs?  Deterministic, with a reason.

Locating a quote (:mod:`summarizer.core.ground`) proves the words are in the
article; it does not prove they say what the fact says.  "Troops arrested 19
suspected suppliers" located perfectly still does not state "killed 19".  Each check
reads the quote's dependency parse and lemmas (:mod:`summarizer.core.nlp`) and
returns a :class:`Verdict`:

* outcome: the figure counts the fact's object (or a word of its family: militants,
  fighters, terrorists...) and the verb governing that noun is an action of the
  fact's category (killed: kill, die, eliminate, neutralise...; arrested: arrest,
  detain, capture, apprehend...), not negated and not denied;
* force role: ``not_participating`` needs a negated participation near the force
  ("did not take part", "was not involved", "stayed out"); any other role fails when
  the force's clause negates it, and ``lead`` needs a leading verb of the force;
* official: the quote holds the person's name (transliterations allowed by
  :func:`summarizer.core.names.same_name`) and, where a role is claimed, a title word
  near the name that fits it (a spokesman is no commander);
* area: a figure with an area unit that converts to the fact's km²;
* phase: the ordinal, cardinal or Roman numeral next to "phase" or "stage".

``contradicted`` marks what the quote states otherwise (another category, a figure
that counts another thing, a title of another role, a negation): the strict pass
re-asks for those.  A fact the checks cannot confirm is only marked unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from summarizer.core import quantities
from summarizer.core.names import same_name
from summarizer.core.nlp import parse

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


@dataclass(frozen=True)
class Verdict:
    """Whether a quote states a fact, and why (shown to analysts and to the model)."""

    ok: bool
    reason: str
    #: the quote states something else (re-asked in the strict pass)
    contradicted: bool = False


def _yes(reason: str) -> Verdict:
    return Verdict(True, reason)


def _no(reason: str, contradicted: bool = False) -> Verdict:
    return Verdict(False, reason, contradicted)


# --------------------------------------------------------------------------- outcomes


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: lemmas of verbs (and a few nouns/adjectives) that state each category
ACTIONS: dict[str, frozenset[str]] = {
    "killed": _set(
        "kill die dead death eliminate neutralise neutralize slay execute behead "
        "assassinate fatality massacre murder"
    ),
    "wounded": _set("wound injure hurt injured wounded injury maim"),
    "arrested": _set("arrest detain capture apprehend nab round"),
    "captured": _set("capture arrest detain apprehend seize abduct kidnap take"),
    "destroyed": _set(
        "destroy demolish blow raze burn torch level wreck dismantle explode obliterate"
    ),
    "seized": _set("seize confiscate find recover capture discover uncover impound net"),
    "searched": _set("search comb clear sweep raid inspect scour"),
    "cleared": _set("clear search comb sweep secure liberate free retake"),
    "defused": _set("defuse dismantle disarm deactivate neutralise neutralize"),
}
#: families of object words: "killed 27 terrorists" states "killed 27 militants"
OBJECT_FAMILIES: tuple[frozenset[str], ...] = (
    _set(
        "militant fighter terrorist insurgent gunman jihadist extremist rebel element "
        "attacker combatant member operative"
    ),
    _set("suspect suspected"),
    _set("soldier troop serviceman personnel servicemember"),
    _set("hideout hideaway den safehouse shelter"),
    _set("device ied bomb explosive mine"),
    _set("weapon rifle gun arm firearm"),
    _set("civilian people person resident villager"),
    _set("vehicle truck car"),
)
#: a verb that takes back what its clause says: "denied reports that 30 were killed"
_DENIALS = _set("deny refute reject dismiss")
_NEGATIONS = _set("not n't never no none neither nor without")
_SCALE_WORDS = _set("hundred thousand million billion dozen dozens hundreds thousands scores")
#: dependency relations from a counted noun up to the verb that acts on it
_ARGUMENT_DEPS = _set("dobj nsubjpass nsubj attr oprd pobj dative appos")


def _object_words(obj: str) -> set[str]:
    doc = parse(obj)
    words = {t.lemma_.lower() for t in doc if t.pos_ in ("NOUN", "PROPN", "ADJ", "VERB", "NUM")}
    return words or {t.lemma_.lower() for t in doc if t.is_alpha}


def _family(word: str) -> frozenset[str]:
    for fam in OBJECT_FAMILIES:
        if word in fam:
            return fam
    return frozenset({word})


def _noun_matches(noun: Token, wanted: set[str]) -> bool:
    """The counted noun (with its modifiers and an "of" complement) names the object."""
    words = {noun.lemma_.lower(), noun.text.lower()}
    for child in noun.children:
        if child.dep_ in ("compound", "amod", "nmod"):
            words.add(child.lemma_.lower())
        if child.dep_ == "prep" and child.lower_ == "of":
            words.update(g.lemma_.lower() for g in child.children if g.dep_ == "pobj")
            for g in child.children:
                words.update(c.lemma_.lower() for c in g.children if c.dep_ in ("compound", "amod"))
    expanded: set[str] = set()
    for w in wanted:
        expanded |= _family(w)
    return bool(_singular(words) & _singular(expanded))


def _singular(words: set[str]) -> set[str]:
    """Words with a crude singular beside them: the tagger lemmatises a plural proper
    noun ("Britons") as itself, and a bare fact object ("Britons") as a noun."""
    return words | {w[:-1] for w in words if len(w) > 3 and w.endswith("s")}


def _number_value(tok: Token) -> float | None:
    """The value of the number this token belongs to ("two", "1,200", "1.2 million")."""
    parts = [tok]
    for child in tok.children:
        if child.dep_ in ("compound", "quantmod") and (
            child.like_num or child.lower_ in _SCALE_WORDS
        ):
            parts.append(child)
    head = tok.head
    if tok.dep_ == "compound" and head.like_num:
        return None  # counted through its head
    text = " ".join(t.text for t in sorted(parts, key=lambda t: t.i))
    return quantities.parse_quantity(text).value


def _numbers(doc: Doc) -> list[tuple[Token, float]]:
    out: list[tuple[Token, float]] = []
    for tok in doc:
        if tok.like_num or tok.pos_ == "NUM" or tok.lower_ in _SCALE_WORDS:
            if tok.ent_type_ == "DATE":
                continue
            v = _number_value(tok)
            if v is not None:
                out.append((tok, v))
    return out


def _counted(num: Token) -> Token:
    """The noun a number counts; the number itself when the noun is left out
    ("two were killed and three arrested")."""
    if num.dep_ in ("nummod", "quantmod", "compound", "amod") and num.head.pos_ in (
        "NOUN",
        "PROPN",
    ):
        return num.head
    for child in num.children:  # "three of the suspects"
        if child.dep_ == "prep" and child.lower_ == "of":
            for g in child.children:
                if g.dep_ == "pobj":
                    return g
    return num


def _predicate(noun: Token) -> Token | None:
    """The verb (or adjective such as "dead") whose argument ``noun`` is: up through
    noun conjunctions and "any of the ..." to the first verb, or a participle
    attached to the noun ("militants killed in the strike")."""
    top = noun
    while top.dep_ == "compound" and top.head is not top:
        top = top.head  # "Operator 1st Class Charles Keating, who was killed"
    for holder in dict.fromkeys((noun, top)):
        for child in holder.children:
            attached = child.dep_ in ("acl", "relcl", "amod") and child.pos_ in ("VERB", "ADJ")
            if attached and child.lemma_.lower() in _ALL_ACTIONS:
                return child
    tok = noun
    for _ in range(8):
        dep = tok.dep_
        head = tok.head
        if head is tok:
            return tok if tok.pos_ in ("VERB", "ADJ") else None
        if dep in ("conj", "appos") and head.pos_ in ("NOUN", "PROPN", "NUM", "PRON"):
            tok = head
            continue
        if dep == "pobj" and head.lower_ == "of":
            tok = head.head  # "any of the 11 men", "three of the suspects"
            continue
        if dep == "pobj" and head.lower_ == "by" and head.dep_ == "agent":
            return head.head
        if dep in _ARGUMENT_DEPS and dep != "pobj":
            if head.pos_ in ("VERB", "AUX", "ADJ"):
                return head
            return None
        if dep in ("nummod", "compound", "amod", "nmod") and head.pos_ in ("NOUN", "PROPN"):
            tok = head
            continue
        return None
    return None


_ALL_ACTIONS = frozenset().union(*ACTIONS.values())


def _negated(verb: Token) -> bool:
    """The verb, or a verb above it, is negated or a denial ("denied reports that ...")."""
    if any(
        c.dep_ == "neg" or c.lower_ in _NEGATIONS
        for c in verb.children
        if c.dep_ in ("neg", "advmod", "det")
    ):
        return True
    tok = verb
    for _ in range(6):
        # a denial reaches down into what it denies (its object clause), not into an
        # adverbial clause beside it ("denied that 12 were killed, saying four were hurt")
        if tok.head is tok or tok.dep_ not in _DENIED_DEPS:
            break
        tok = tok.head
        if tok.lemma_.lower() in _DENIALS:
            return True
    return False


_DENIED_DEPS = _set("ccomp acl dobj relcl conj xcomp")
#: verbs that make the action under them an intention, not an event
_ATTEMPTS = _set("attempt try seek plan intend threaten fail aim want")


def _attempted(verb: Token) -> bool:
    """ "attempted to seize the complex" states no seizure."""
    return verb.dep_ == "xcomp" and verb.head.lemma_.lower() in _ATTEMPTS


def _no_determiner(noun: Token) -> bool:
    return any(c.dep_ == "det" and c.lower_ in ("no", "none") for c in noun.children)


def _categories_of(lemma: str) -> list[str]:
    return [cat for cat, words in ACTIONS.items() if lemma in words]


def _adjacent(a: Token, b: Token) -> bool:
    """``a and b`` / ``a or b``: two verbs joined directly share their arguments."""
    lo, hi = sorted((a.i, b.i))
    return hi - lo == 2 and a.doc[lo + 1].dep_ == "cc"


def _shared_with_other(verb: Token, category: str) -> str | None:
    """A verb of another category sharing the object: "killed or injured 60" counts
    both, so it states neither on its own."""
    for c in verb.children:
        if c.dep_ == "conj" and c.pos_ == "VERB":
            own = not _adjacent(verb, c) and any(
                g.dep_ in ("dobj", "nsubjpass", "nsubj") for g in c.children
            )
            cats = _categories_of(c.lemma_.lower())
            if not own and cats and category not in cats:
                return c.text
    if verb.dep_ == "conj" and verb.head.pos_ == "VERB":
        own = not _adjacent(verb, verb.head) and any(
            g.dep_ in ("dobj", "nsubjpass", "nsubj") for g in verb.children
        )
        cats = _categories_of(verb.head.lemma_.lower())
        if not own and cats and category not in cats:
            return verb.head.text
    return None


#: tokens that may sit inside a list of counted things ("14 bags of fertiliser, four
#: canoes fitted with outboard engines and about 600 litres")
_LIST_POS = _set("NUM NOUN PROPN ADJ DET ADP PUNCT CCONJ ADV PART")


def _joined_action(pred: Token, category: str) -> Token:
    """A verb joined to ``pred`` with the same subject that states the category
    ("surrendered and were taken into custody"), else ``pred`` itself."""
    actions = ACTIONS.get(category, frozenset())
    if pred.lemma_.lower() in actions:
        return pred
    for c in pred.children:
        if c.dep_ == "conj" and c.pos_ == "VERB":
            own = any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)
            if not own and (c.lemma_.lower() in actions or (_custody(c) and category in _CUSTODY)):
                return c
    return pred


_CUSTODY = ("arrested", "captured")


def _custody(verb: Token) -> bool:
    """ "taken into custody" / "placed in detention": an arrest."""
    return any(
        c.dep_ == "prep" and any(g.lemma_.lower() in ("custody", "detention") for g in c.children)
        for c in verb.children
    )


def _list_verb(tok: Token) -> Token | None:
    """The action verb a list item hangs from when the parse attached it elsewhere:
    left along the list (items, commas, "and", "of" phrases, participles) to the
    first verb, if it is an action.  Only a fallback for a parse with no action."""
    for left in reversed(tok.doc[tok.sent.start : tok.i]):
        if left.pos_ == "VERB":
            if _categories_of(left.lemma_.lower()):
                return left
            if left.dep_ in ("acl", "amod"):  # "canoes fitted with engines"
                continue
            return None
        if left.pos_ not in _LIST_POS or left.text in (";", ":", "."):
            return None
    return None


def outcome(category: str, obj: str, values: Sequence[float], quote: str) -> Verdict:
    """Does ``quote`` state ``category`` of ``values`` ``obj`` (e.g. killed 27 militants)?

    ``values`` are the acceptable figures (a range's bounds); empty when the fact has
    no figure, then the object and the action are checked."""
    doc = parse(quote)
    wanted = _object_words(obj)
    actions = ACTIONS.get(category)
    if values:
        nums = [(t, v) for t, v in _numbers(doc) if any(abs(v - x) < 1e-6 for x in values)]
        if not nums:
            if 1.0 in values:  # "a car bomb", "the leader": one, unwritten
                nouns = [t for t in doc if t.pos_ in ("NOUN", "PROPN") and _noun_matches(t, wanted)]
                if nouns:
                    return _judge(category, actions, [(None, n) for n in nouns], obj, wanted, doc)
            figure = ", ".join(f"{v:g}" for v in values)
            return _no(f"the figure {figure} is not in the quote", contradicted=False)
        pairs: list[tuple[Token | None, Token]] = [(t, _counted(t)) for t, _ in nums]
        if 1.0 in values:  # "one of our own, a Navy operator, who was killed"
            pairs += [
                (None, t) for t in doc if t.pos_ in ("NOUN", "PROPN") and _noun_matches(t, wanted)
            ]
    else:
        nouns = [t for t in doc if t.pos_ in ("NOUN", "PROPN") and _noun_matches(t, wanted)]
        if not nouns:
            return _no(f"the quote does not mention {obj!r}")
        pairs = [(None, n) for n in nouns]
    return _judge(category, actions, pairs, obj, wanted, doc)


def _judge(
    category: str,
    actions: frozenset[str] | None,
    pairs: Sequence[tuple[Token | None, Token]],
    obj: str,
    wanted: set[str],
    doc: Doc,
) -> Verdict:
    """The best verdict over the figure/noun pairs: one that states the fact wins."""
    failures: list[Verdict] = []
    for num, noun in pairs:
        elided = num is not None and noun is num
        if not elided and not _noun_matches(noun, wanted):
            figure = num.text if num is not None else ""
            failures.append(
                _no(f"{figure} counts {noun.text!r}, not {obj!r}".strip(), contradicted=True)
            )
            continue
        if elided and not any(_noun_matches(t, wanted) for t in doc if t.pos_ in ("NOUN", "PROPN")):
            # what it counts is unclear, but an action of another category is not
            pred = _predicate(noun) or _list_verb(noun)
            cats = _categories_of(pred.lemma_.lower()) if pred is not None else []
            if pred is not None and cats and category not in cats:
                failures.append(
                    _no(f"the quote says '{pred.text}' ({cats[0]}), not {category}", True)
                )
            else:
                failures.append(_no(f"the quote does not say what {noun.text} counts"))
            continue
        if _no_determiner(noun):
            failures.append(_no(f"the quote says no {noun.text}", contradicted=True))
            continue
        pred = _predicate(noun)
        if pred is None or not _categories_of(pred.lemma_.lower()):
            pred = _list_verb(num or noun) or pred
        lemma = noun.lemma_.lower()
        if actions is None:  # "other": the figure and object are all there is to check
            return _yes(f"states {noun.text}")
        if pred is None:
            if lemma in actions:  # "5 deaths", "3 dead"
                return _yes(f"'{noun.text}' states {category}")
            failures.append(_no(f"no action on {noun.text!r} in the quote"))
            continue
        plemma = pred.lemma_.lower()
        if _negated(pred):
            failures.append(_no(f"'{pred.text}' is negated or denied", contradicted=True))
            continue
        if _attempted(pred):
            failures.append(_no(f"'{pred.head.text} ... {pred.text}' is an attempt, not an event"))
            continue
        pred = _joined_action(pred, category)
        if plemma in actions or (category in _CUSTODY and _custody(pred)):
            other = _shared_with_other(pred, category)
            if other is not None:
                failures.append(
                    _no(f"'{pred.text}' and '{other}' share the figure", contradicted=True)
                )
                continue
            return _yes(f"'{pred.text} ... {noun.text}' states {category}")
        cats = _categories_of(plemma)
        if cats:
            failures.append(
                _no(f"the quote says '{pred.text}' ({cats[0]}), not {category}", contradicted=True)
            )
        else:
            failures.append(_no(f"'{pred.text}' does not state {category}"))
    contradicted = [f for f in failures if f.contradicted]
    return (contradicted or failures)[0]


# --------------------------------------------------------------------------- forces

_PARTICIPATION = _set("participate take join involve engage contribute deploy fight be arrive")
_LEAD = _set("lead spearhead head command direct launch begin start initiate")


def _mentions(doc: Doc, name: str) -> list[Token]:
    """Tokens of ``doc`` that are the head of a mention of ``name``."""
    wanted = {
        t.lemma_.lower()
        for t in parse(name)
        if t.is_alpha and t.lower_ not in _GENERIC_NAME_WORDS and len(t.text) > 1
    }
    if not wanted:
        wanted = {t.lemma_.lower() for t in parse(name) if t.is_alpha}
    hits = [t for t in doc if t.lemma_.lower() in wanted or t.lower_ in wanted]
    heads: list[Token] = []
    for t in hits:
        h = t
        while h.dep_ in ("compound", "amod", "nmod") and h.head is not h:
            h = h.head
        if h not in heads:
            heads.append(h)
    return heads


_GENERIC_NAME_WORDS = _set("the of and forces force units unit troops")


def _clause_verb(tok: Token) -> Token | None:
    """The verb whose clause the mention belongs to (through conjunctions of nouns)."""
    t = tok
    for _ in range(8):
        if t.dep_ in ("conj", "appos") and t.head.pos_ in ("NOUN", "PROPN"):
            t = t.head
            continue
        if t.dep_ == "pobj" and t.head.lower_ == "of":
            t = t.head.head
            continue
        head = t.head
        if head is t:
            return t if t.pos_ in ("VERB", "AUX") else None
        if head.pos_ in ("VERB", "AUX"):
            return head
        t = head
    return None


def _verb_negated(verb: Token) -> bool:
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    # "stayed out of", "kept out of"
    if verb.lemma_.lower() in ("stay", "keep", "remain") and any(
        c.lower_ == "out" for c in verb.children
    ):
        return True
    return verb.lemma_.lower() in ("refuse", "decline", "abstain", "withdraw")


def _clause_negated(verb: Token) -> bool:
    """The verb or a verb joined to it with the same subject is negated."""
    if _verb_negated(verb):
        return True
    for c in verb.children:
        joined = c.dep_ in ("conj", "xcomp") and c.pos_ == "VERB"
        own_subject = any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)
        if joined and not own_subject and _verb_negated(c):
            return True
    return False


def force_role(name: str, role: str, quote: str) -> Verdict:
    """Does ``quote`` state that the force ``name`` has ``role``?"""
    doc = parse(quote)
    mentions = _mentions(doc, name)
    if not mentions:
        return _no(f"the quote does not mention {name!r}")
    clauses = [(m, _clause_verb(m)) for m in mentions]
    verbs = [v for _, v in clauses if v is not None]
    negated = any(_clause_negated(v) for v in verbs)
    if role == "not_participating":
        if negated:
            return _yes("the quote negates the force's part")
        return _no("nothing in the quote says the force did not take part", contradicted=True)
    if negated:
        return _no("the quote says the force did not take part", contradicted=True)
    if role == "lead":
        own = [c for m in mentions for c in m.children if c.dep_ in ("relcl", "acl")]
        if any(v.lemma_.lower() in _LEAD for v in [*verbs, *own]) or any(
            t.lemma_.lower() in _LEAD and t.dep_ == "agent" for t in doc
        ):
            return _yes("the force leads")
        return _no("nothing in the quote says the force leads")
    named_air = bool(_AIR & {w.lower() for w in re.findall(r"\w+", name)})
    if role == "air_support" and not named_air and not any(_in_the_air(m, v) for m, v in clauses):
        return _no("nothing in the quote puts the force in the air")
    return _yes(f"the quote names the force ({role} is not contradicted)")


_AIR = _set(
    "air aircraft airstrike airstrikes aviation jets jet helicopters helicopter drones "
    "drone warplanes bombers gunships sorties strikes"
)


def _in_the_air(mention: Token, verb: Token | None) -> bool:
    """Air words on the force's own words, or on what the force does as a subject
    ("coalition aircraft", "provided air cover", "conducted strikes")."""
    if {t.lower_ for t in mention.subtree} & _AIR:
        return True
    if verb is None or mention.dep_ not in ("nsubj", "nsubjpass"):
        return False
    return any(
        {t.lower_ for t in c.subtree} & _AIR for c in verb.children if c.dep_ in ("dobj", "prep")
    )


# --------------------------------------------------------------------------- officials

TITLES: dict[str, frozenset[str]] = {
    "commander": _set("commander commanding command commands chief"),
    "spokesperson": _set("spokesperson spokesman spokeswoman spokespeople press spokesmen"),
    "politician": _set(
        "minister governor mayor president premier senator lawmaker mp parliamentarian "
        "secretary deputy councillor ambassador"
    ),
    "analyst": _set("analyst expert researcher professor scholar fellow"),
    "announcer": _set("say announce state declare tell"),
}
#: words that belong to a title but do not fix a role on their own
_ROLE_FREE = _set("secretary press deputy chief")
_NAME_WINDOW = 10


def _name_span(doc: Doc, name: str) -> tuple[int, int] | None:
    """Token span of ``name`` in ``doc``, transliterations allowed."""
    target = [w for w in re.findall(r"[\w'-]+", name) if w]
    n = len(target)
    for size in sorted({n, max(1, n - 1), n + 1}, reverse=True):
        for i in range(len(doc) - size + 1):
            span = doc[i : i + size]
            if span[0].is_punct or span[-1].is_punct:
                continue
            if same_name(span.text, name):
                return span.start, span.end
    # the family name alone ("al-Khazraji said")
    last = target[-1] if target else ""
    for t in doc:
        if len(last) > 3 and same_name(t.text, last):
            return t.i, t.i + 1
    return None


def official(name: str, role: str | None, quote: str) -> Verdict:
    """Does ``quote`` name the person and, if a role is claimed, a title that fits it?"""
    doc = parse(quote)
    span = _name_span(doc, name)
    if span is None:
        return _no(f"the quote does not name {name!r}")
    if role is None or role == "other":
        return _yes("the quote names the person")
    start, end = span
    own_words = {w.lower() for w in re.findall(r"[\w']+", name)}
    near = [
        t
        for t in doc[max(0, start - _NAME_WINDOW) : min(len(doc), end + _NAME_WINDOW)]
        if not (start <= t.i < end) or t.lower_ not in own_words
    ]
    # the person's own relative clause ("who commands the 7th Division") counts too
    for t in doc[start:end]:
        for c in t.children:
            if c.dep_ in ("relcl", "appos", "acl"):
                near.extend(c.subtree)
    # "Joint Operations Command" names an organisation; "commands" as a verb is a title
    near = [
        t for t in near if not (t.pos_ == "PROPN" and t.lemma_.lower() in ("command", "commands"))
    ]
    lemmas = {t.lemma_.lower() for t in near} | {t.lower_ for t in near}
    found = {r for r, words in TITLES.items() if lemmas & words and r != "announcer"}
    if role == "announcer":
        if lemmas & TITLES["announcer"]:
            return _yes("the person is quoted or announces")
        return _no("the quote does not have the person announce anything")
    if role in found:
        return _yes(f"a title word near the name fits {role}")
    specific = {r for r in found if lemmas & (TITLES[r] - _ROLE_FREE)}
    if specific:
        return _no(
            f"the title near the name is {sorted(specific)[0]}, not {role}", contradicted=True
        )
    return _no(f"no title word near the name says {role}")


# --------------------------------------------------------------------------- area, phase

_AREA_RE = re.compile(
    r"(?:about |around |approximately |nearly |almost |more than |over |some |roughly )?"
    r"[\d][\d,.]*(?:\s*(?:thousand|million))?\s*(?:-\s*)?"
    r"(?:square\s+(?:kilomet(?:er|re)s?|km|miles?|meters?|metres?)|sq\.?\s*(?:km|mi)\b|"
    r"km2|km²|hectares?|dunams?|acres?)",
    re.IGNORECASE,
)


def area(value_km2: float, quote: str, tolerance: float = 0.01) -> Verdict:
    """Does ``quote`` give an area of ``value_km2`` (any area unit, converted)?"""
    seen: list[str] = []
    for m in _AREA_RE.finditer(quote):
        parsed = quantities.parse_area_km2(m.group(0))
        if parsed.unit != "km2" or parsed.value is None:
            continue
        seen.append(m.group(0))
        if abs(parsed.value - value_km2) <= tolerance * max(1.0, value_km2):
            return _yes(f"'{m.group(0)}' is {value_km2:g} km²")
    if seen:
        return _no(f"the quote's area is {seen[0]!r}, not {value_km2:g} km²", contradicted=True)
    return _no("the quote gives no area with a unit")


_ORDINALS = {
    1: "first one i 1st initial opening", 2: "second two ii 2nd", 3: "third three iii 3rd",
    4: "fourth four iv 4th", 5: "fifth five v 5th", 6: "sixth six vi 6th",
    7: "seventh seven vii 7th", 8: "eighth eight viii 8th", 9: "ninth nine ix 9th",
    10: "tenth ten x 10th",
}  # fmt: skip
_PHASE_WORDS = r"(?:phase|stage)"


def _phase_numbers(quote: str) -> list[int]:
    low = quote.lower()
    found: list[int] = []
    for n, words in _ORDINALS.items():
        alts = "|".join(re.escape(w) for w in [*words.split(), str(n)])
        before = rf"\b(?:{alts})\s+{_PHASE_WORDS}\b"
        after = rf"\b{_PHASE_WORDS}\s+(?:{alts})\b"
        if re.search(before, low) or re.search(after, low):
            found.append(n)
    return found


def phase(value: int, quote: str) -> Verdict:
    """Does ``quote`` number the phase ``value`` ("second phase", "phase two", "Phase II")?"""
    found = _phase_numbers(quote)
    if value in found:
        return _yes(f"the quote names phase {value}")
    if found:
        return _no(f"the quote names phase {found[0]}, not {value}", contradicted=True)
    return _no(f"the quote does not number a phase {value}")


def values_of(low: float | None, value: float | None, high: float | None) -> tuple[float, ...]:
    """The figures a parsed quantity may appear as in a quote (bounds of a range)."""
    return tuple(dict.fromkeys(v for v in (value, low, high) if v is not None))


# --------------------------------------------------------------------------- for readers
# The parse helpers above, for stages that read tallies out of a text
# (:mod:`summarizer.pipeline.candidates`) with the same rules the checks apply.
numbers = _numbers
counted = _counted
predicate = _predicate
list_verb = _list_verb
negated = _negated
attempted = _attempted
categories_of = _categories_of
shared_with_other = _shared_with_other
phase_numbers = _phase_numbers
AREA_PATTERN = _AREA_RE
