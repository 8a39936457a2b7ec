"""What the parse contradicts: the labels assembly's overrules (#18).

A 1.5B model labels names by their look: a ministry is a "force", a town named in
the foe's biography is "the operation's place", the same force spelled three ways is
three forces.  Each rule here reads the sentence structure around a candidate's
mentions (dependency heads, who acts, which sentence reports what) and says where a
label cannot stand; :func:`summarizer.pipeline.labelling.assemble` applies them.
The rules are about structure, never about phrases of any one page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from summarizer.core.countries import is_country
from summarizer.core.nlp import analyse
from summarizer.pipeline import relevance

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

    from summarizer.pipeline.candidates import Tally
    from summarizer.pipeline.entities import Candidate


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: what stands before a place that is someone's home or a unit's base, not where the
#: operation happened ("a native of X", "Spc. Y, of X, Texas", "assigned to ..., Fort X")
_HOME_BEFORE = re.compile(
    r"(?:native of|home ?town(?: of)?|born in|[\w.]+, of|assigned to [^.\n]{0,80}, |"
    r"stationed (?:at|in)|based (?:at|in))\s*$",
    re.IGNORECASE,
)


def home_or_base(text: str, c: Candidate) -> bool:
    """Every mention of the place names a home town or a base (or the state after one:
    "Vermillion, South Dakota"): gold-standard annotation keeps those out, and a
    small model labels them operation places."""
    for start, _ in c.mentions:
        before = text[max(0, start - 100) : start]
        if _HOME_BEFORE.search(before):
            continue
        head = re.search(r"([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*),\s*$", before)
        if head and _HOME_BEFORE.search(text[max(0, start - 200) : start - len(head.group(0))]):
            continue  # the state or country after a home town
        return False
    return bool(c.mentions)


#: heads of civilian bodies: a ministry, office or council issues statements and holds
#: meetings; it does not conduct an operation
_CIVIL_HEADS = frozenset(
    [
        *("department", "office", "ministry", "committee", "council", "press"),
        *("embassy", "parliament", "agency", "nations", "un"),
    ]
)


def _civil_body(name: str) -> bool:
    """ "Department of Defense", "Public Affairs Office", "UN": the head word (the last,
    or the one before "of") names a civilian body."""
    words = name.lower().replace(".", "").split()
    head = words[words.index("of") - 1] if "of" in words[1:] else words[-1]
    return head in _CIVIL_HEADS


def _holds_person(c: Candidate, cands: tuple[Candidate, ...]) -> bool:
    """A group "name" that ends with a person's name ("Middle East Tobias Ellwood", cut
    from "Minister for the Middle East Tobias Ellwood") is a title, not a force."""
    people = [p.name for p in cands if p.kind == "person"]
    return any(c.name != p and c.name.endswith(p) for p in people)


def mention_spans(text: str, c: Candidate) -> list[Span]:
    """The candidate's mentions as spans of the analysed text (its offsets come from
    that same parse, so every mention has its span)."""
    doc = analyse(text)
    spans = (doc.char_span(s, e, alignment_mode="expand") for s, e in c.mentions)
    return [sp for sp in spans if sp is not None]


_SIDE_NOUNS = frozenset(["ally", "partner", "member", "country", "nation"])


def _stands_as_side(span: Span) -> bool:
    root = span.root
    # not a passive subject: "Dhobley had been held by the militants" is a scene
    if root.dep_ in ("nsubj", "poss"):
        return True
    if root.dep_ in ("appos", "compound") and root.head.lemma_.lower() in _SIDE_NOUNS:
        return True
    return root.dep_ == "conj" and root.head.dep_ == "nsubj"


def acts_as_side(text: str, c: Candidate) -> bool:
    """A place named as a side, not only as a scene: the subject of a clause ("the UK
    is working"), a possessor ("Turkey's forces"), "our ally Turkey", or joined to a
    subject ("Turkish jets and the United States struck")."""
    return any(_stands_as_side(sp) for sp in mention_spans(text, c))


#: a chunk about someone's quality or deed, not an actor
_SOMEONES_THING = re.compile(r"['’]s\s+[a-z]")
#: title nouns a body's name modifies ("Defense Secretary", "Foreign Office Minister")
_TITLES = _set("secretary minister spokesman spokesperson envoy ambassador official")


def _in_titles_only(text: str, c: Candidate) -> bool:
    spans = mention_spans(text, c)
    return bool(spans) and all(
        sp.root.dep_ == "compound" and sp.root.head.lemma_.lower() in _TITLES for sp in spans
    )


def furniture_only(text: str, c: Candidate) -> bool:
    """Every mention stands outside the story's prose: a menu, a masthead, a headline
    or a caption credit ("Home News Defence Diplomacy", "CROSSROADS DAILY")."""
    spans = mention_spans(text, c)
    return bool(spans) and not any(relevance.is_prose(sp.root.sent) for sp in spans)


def names_foe(name: str) -> bool:
    """The name has a word of the foe or an attacker ("ISIL tactical unit", "Daesh",
    "militants")."""
    words = _name_words(name)
    words |= {w[:-1] for w in words if w.endswith("s")}  # "militants"
    return bool(words & relevance.ATTACKER_WORDS)


def _masthead(name: str) -> bool:
    """Several words all in capitals ("CROSSROADS DAILY"): a masthead or a section
    title; a force's capitals are initials in one word ("SDF", "CJTF-OIR")."""
    words = [w for w in name.split() if any(ch.isalpha() for ch in w)]
    return len(words) >= 2 and all(w.isupper() and len(w) > 2 for w in words)


def not_a_force(text: str, c: Candidate, cands: tuple[Candidate, ...]) -> bool:
    """Names a small model labels as forces that cannot be one: a civilian body, a
    title, a name of the foe ("ISIL tactical unit"), a people or a faith named in one
    word ("Syrians", "Sunnis"), a place that only stands as a scene ("the town of
    Dabiq"), a lower-case description of means ("remotely piloted aircraft"), a side
    only backed politically."""
    if furniture_only(text, c) or generic(c.name) or _masthead(c.name):
        return True
    if _civil_body(c.name) or _holds_person(c, cands) or names_foe(c.name):
        return True
    if _in_titles_only(text, c):  # "Defense" of "Defense Secretary Ash Carter"
        return True
    if _SOMEONES_THING.search(c.name):  # "Keating's honorable and selfless service"
        return True
    if c.kind == "place":
        return not acts_as_side(text, c)
    if only_backed(text, c):
        return True
    first = mention_spans(text, c)[:1]
    return bool(first) and len(first[0]) == 1 and first[0].root.ent_type_ == "NORP"


def not_a_place(text: str, c: Candidate) -> bool:
    """A "place of the operation" that is not one: a home town or a base, a name of
    the foe, or a name never standing where the operation happened."""
    if furniture_only(text, c) or home_or_base(text, c) or names_foe(c.name):
        return True
    return not_the_scene(text, c)


def by_foe(text: str, t: Tally) -> bool:
    """The tally is what a foe did ("ISIL has killed 70 members of the tribe")."""
    if t.verb_at < 0:
        return False
    doc = analyse(text)
    span = doc.char_span(t.verb_at, t.verb_at + len(t.verb), alignment_mode="expand")
    return span is not None and relevance.by_foe(span.root)


#: words that make a tally a running total, not what this report's event achieved
_RUNNING_TOTAL = re.compile(
    r"\b(?:since the (?:start|beginning|launch)|since (?:it|the operation|the campaign|the "
    r"offensive) (?:began|started)|so far|to date|in total|in all)\b",
    re.IGNORECASE,
)


def running_total(text: str, t: Tally) -> bool:
    """The tally counts everything since the operation began ("71 militants have been
    killed since the start of Iron Harvest"): a total over reports, never one of this
    report's outcomes."""
    doc = analyse(text)
    span = doc.char_span(t.start, t.end, alignment_mode="expand")
    sentence = span[0].sent.text if span is not None else text[t.start : t.end]
    return bool(_RUNNING_TOTAL.search(sentence))


def speaks_only(text: str, c: Candidate) -> bool:
    """Every mention is the subject of a clause ("the UK is working", "the United
    States condemns"): the name is a speaker, not a scene."""
    return all(sp.root.dep_ == "nsubj" for sp in mention_spans(text, c))


def container_score(text: str, c: Candidate) -> int:
    """How often the text uses the name to place another place, after a comma that
    follows one ("near Tabqa Dam, Syria") or as its possessor ("Syria's Idlib
    province"), or as the scene of a force's action ("In Syria, forces conducted")."""
    score = 0
    for span in mention_spans(text, c):
        root = span.root
        placing = root.dep_ == "poss" or (
            root.dep_ == "appos" and root.head.ent_type_ in ("GPE", "LOC", "FAC")
        )
        # "In Syria, Coalition military forces conducted 23 strikes"
        scene = root.dep_ == "pobj" and root.head.lower_ in ("in", "across", "throughout")
        score += placing or (scene and relevance.acts(root.sent))
    return score


# ------------------------------------------------------------------ places as scenes

#: a mention that names a side, not a scene: a clause's subject ("the UK is
#: working"), a modifier ("U.S. service members", "Iraq's efforts")
_SIDE_DEPS = frozenset(["nsubj", "poss", "compound", "amod", "nmod"])
#: prepositions after which a name is where something happened
_AT = frozenset(["in", "near", "at", "around", "outside", "across", "into", "throughout"])
#: nouns whose "of" names a place ("the town of Dabiq")
_PLACE_NOUNS = _set(
    "town city village province district area region outskirts airfield base desert valley "
    "governorate state mountains neighbourhood neighborhood"
)
#: verbs whose object is a place taken
_TAKE = _set("liberate retake recapture seize capture besiege free clear")


def _first_conjunct(tok: Token) -> Token:
    """The phrase a joined or appended name stands in for ("Palmyra, Syria": Syria
    stands where Palmyra does; "its backers, notably Russia": the backers')."""
    while tok.head is not tok and (
        tok.dep_ in ("conj", "appos")
        # "western Anbar province", "the Wadi Houran valley": the place itself
        or (tok.dep_ == "compound" and tok.head.lemma_.lower() in _PLACE_NOUNS)
    ):
        tok = tok.head
    return tok


def _side_mention(span: Span) -> bool:
    """The mention names a side: a subject, a modifier, a partner ("working closely
    with Turkey"), a country attacked or striking ("to attack the United States", "a
    U.S. strike"), or the charge of a title ("Minister for the Middle East").  Not after
    a word of place ("Near Palmyra, one strike destroyed", which the parser reads as a
    subject) nor as the place of an operation noun ("the Mosul operation")."""
    root = _first_conjunct(span.root)
    head = root.head
    if root.dep_ == "pobj" and head.lower_ in ("in", "at") and head.head.lemma_.lower() in _SAY:
        return True  # "the minister said in Nairobi": where a statement was made
    before = span.doc[span.start - 1] if span.start > 0 else span[0]
    if before.lower_ in _AT or span[0].lower_ in _AT:  # the mention may hold "Near"
        return False
    country = is_country(span.text)
    if root.dep_ in _SIDE_DEPS:
        return country or not (root.dep_ != "nsubj" and relevance.operation_noun(head))
    if country and _aimed_at(root):
        return True
    if root.dep_ == "pobj" and head.lower_ in ("for", "of") and head.head.lemma_.lower() in _TITLES:
        return True
    # "working closely with Turkey", "in cooperation with Jordan"; not "the border
    # with Syria"
    if root.dep_ != "pobj" or head.lower_ != "with":
        return False
    joined = head.head
    return joined.pos_ in ("VERB", "AUX") or joined.lemma_.lower() in _WITH_PARTNER


#: verbs of a statement: the place they are said in is a venue
_SAY = _set("say tell announce speak brief state declare")
#: verbs whose object is a side attacked or threatened
_ATTACK = _set("attack threaten target strike")


def _aimed_at(root: Token) -> bool:
    """The name is what an attack or a threat is aimed at ("to attack the United
    States", "attacks against the United States")."""
    head = root.head
    if root.dep_ == "dobj" and head.lemma_.lower() in _ATTACK:
        return True
    return root.dep_ == "pobj" and head.lower_ == "against"


#: nouns whose "with" names a partner
_WITH_PARTNER = _set("cooperation coordination partnership talks agreement")


def _off_scene(sent: Span) -> bool:
    """The sentence reports something other than the operation: a foe's earlier deeds
    ("He had led their seizure of Baga"), or a foe's attack or a meeting with no force
    acting in it."""
    if relevance.foe_is_subject(sent):
        return True
    if relevance.acts(sent):
        return False
    return relevance.foe_acts(sent) or relevance.meets(sent)


def _campaign_scene(span: Span) -> bool:
    """The mention is where an operation named as a noun happens, whatever the
    sentence is about ("to accelerate the campaign against Da'esh in Iraq and Syria"):
    an operation noun governs it, with "in" and no verb between them."""
    doc = span.doc
    for up in span.root.ancestors:
        if up.pos_ in ("VERB", "AUX"):
            return False
        if up.pos_ == "NOUN" and relevance.operation_noun(up) and up.i < span.start:
            return any(t.lower_ == "in" for t in doc[up.i + 1 : span.start])
    return False


def _scene(span: Span) -> bool:
    """The mention is a scene of the story: an operation's place, or neither a side
    nor in a sentence about something else."""
    if _campaign_scene(span):
        return True
    return not (_side_mention(span) or _off_scene(span.root.sent))


def not_the_scene(text: str, c: Candidate) -> bool:
    """No mention of the place is where the operation happened: each names a side
    ("the UK is working with its allies", "U.S. service members"), or stands in a
    sentence about something else (a foe's attack or earlier deeds, a meeting)."""
    spans = mention_spans(text, c)
    return bool(spans) and not any(_scene(sp) for sp in spans)


#: nouns after which a country is a neighbour, not the scene ("near the border with
#: Syria")
_EDGES = _set("border borders frontier boundary")


def _neighbour(span: Span) -> bool:
    root = _first_conjunct(span.root)
    return root.dep_ == "pobj" and root.head.head.lemma_.lower() in _EDGES


def scene_count(text: str, c: Candidate) -> int:
    """How many mentions of the place are scenes of the story: not a side, not in a
    sentence about something else, not a neighbour across a border."""
    return sum(_scene(sp) and not _neighbour(sp) for sp in mention_spans(text, c))


def _headline_line(text: str, start: int) -> bool:
    """The line holding ``start`` is a headline: short, with no sentence's end."""
    end = text.find("\n", start)
    line = text[text.rfind("\n", 0, start) + 1 : end if end >= 0 else len(text)].strip()
    return bool(line) and len(line.split()) <= 20 and line[-1] not in ".!?:;,"


def headline_scene(text: str, c: Candidate) -> bool:
    """The name stands, after "in", only on headline lines ("Regime Offensive Actions
    in Syria"): the page's own placing of its story, used for the country when the
    prose names none as a scene."""
    spans = mention_spans(text, c)
    return (
        bool(spans)
        and all(_headline_line(text, sp.start_char) for sp in spans)
        and any(sp.start > 0 and sp.doc[sp.start - 1].lower_ == "in" for sp in spans)
    )


#: last words that make a name a place's ("Tiyas Military Airfield", "Tabqa Dam"; not
#: "State", which ends "Islamic State")
_PLACE_ENDINGS = _set("airfield airport airbase base dam province district governorate valley")


def _placed(span: Span) -> bool:
    root = _first_conjunct(span.root)
    head = root.head
    if root.dep_ == "pobj" and head.lower_ in _AT:
        return True
    if root.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.lower() in _PLACE_NOUNS:
        return True
    return root.dep_ == "dobj" and head.lemma_.lower() in _TAKE


def stands_as_place(text: str, c: Candidate) -> bool:
    """A name the recogniser took for an organisation that is a place: its last word
    is a place's ("Tiyas Military Airfield"), or the text places things in it ("near
    X", "the town of Dabiq", "liberated Dabiq") more often than it makes it a side."""
    if c.name.split()[-1].lower() in _PLACE_ENDINGS:
        return True
    spans = mention_spans(text, c)
    placed = sum(_placed(sp) for sp in spans)
    return placed > 0 and placed > sum(_stands_as_side(sp) for sp in spans)


def an_ally(text: str, c: Candidate) -> bool:
    """A country named as an ally or partner ("our ally Turkey"): a supporting side,
    not a place of the operation."""
    return any(
        sp.root.dep_ in ("appos", "compound") and sp.root.head.lemma_.lower() in ("ally", "partner")
        for sp in mention_spans(text, c)
    )


# ------------------------------------------------------------------- forces and foes

#: verbs of backing: the object is helped, it does not itself take part
_BACK = _set("support back help assist aid arm equip fund")
#: heads of a lower-case force name that still names an actor ("international forces",
#: "federal police brigades")
_FORCE_HEADS = _set(
    "coalition force forces troop troops army military police militia brigade brigades "
    "battalion battalions regiment regiments division divisions soldiers commandos marines"
)
_DETERMINER = re.compile(r"^(?:our|its|their|his|her|all|both)\s+", re.IGNORECASE)


def plain_name(name: str) -> str:
    """The name without a leading possessive or quantifier ("our Syrian partners" is
    "Syrian partners"): the actor, not the speaker's relation to it."""
    return _DETERMINER.sub("", name)


#: words that make a lower-case description a force whatever its head ("coalition
#: aircraft", "army engineers")
_FORCE_WORDS = _set("coalition police army navy")


def generic(name: str) -> bool:
    """A lower-case description that names no actor: a means or a service
    ("remotely piloted aircraft", "military service", "both tactical units")."""
    words = [w.lower() for w in plain_name(name).split()]
    if not words or name != name.lower():
        return False
    return words[-1] not in _FORCE_HEADS and not _FORCE_WORDS & set(words)


def only_backed(text: str, c: Candidate) -> bool:
    """Every mention is the object of backing ("to support the moderate opposition to
    defend the people") in a sentence with no operation in it: a side helped
    politically, not a force in an operation."""
    spans = mention_spans(text, c)
    for sp in spans:
        root = sp.root
        if not (root.dep_ == "dobj" and root.head.lemma_.lower() in _BACK):
            return False
        if relevance.fighting(root.sent):
            return False
    return bool(spans)


_COUNTER = re.compile(r"\b(?:counter|anti)[-\s]", re.IGNORECASE)


def not_a_foe(text: str, c: Candidate) -> bool:
    """Names a small model labels as the enemy that cannot be: page furniture, a body
    named as against the foe ("counter-ISIL coalition"), or a country the text never
    shows as a target or an attacker (the scene of a soldier's death, a state in
    talks)."""
    if furniture_only(text, c) or _COUNTER.search(c.name) or _in_titles_only(text, c):
        return True
    if c.kind != "place" or relevance.ATTACKER_WORDS & _name_words(c.name):
        return False
    return not any(relevance.targeted(sp.root) for sp in mention_spans(text, c))


def _name_words(name: str) -> set[str]:
    return {w.strip(".,'’").lower() for w in name.split()}


#: words that qualify an actor or name its means without making another actor
#: ("Coalition aircraft", "Iraqi security forces", "ISIL fighters", "global coalition")
_QUALIFIERS = _set(
    "force forces military security armed aircraft airstrike airstrikes jet jets troop troops "
    "global international local moderate all both our its their the fighter fighters "
    "terrorist terrorists militant militants tactical unit units"
)
_LINKS = frozenset(["of", "the", "and", "for"])


def _content(name: str) -> frozenset[str]:
    words = re.findall(r"[\w]+", re.sub(r"['’]s\b", "", name.lower()))
    return frozenset(w for w in words if w not in _QUALIFIERS)


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[\w]+", name) if w.lower() not in _LINKS).upper()


def same_actor(a: str, b: str) -> bool:
    """Two spellings of one actor: the same words once qualifiers and means are set
    aside ("Iraqi forces", "Iraqi security forces"), or one the initials of the other
    ("SDF", "Syrian Democratic Forces")."""
    ca, cb = _content(a), _content(b)
    if ca and ca == cb:
        return True
    for short, full in ((ca, b), (cb, a)):
        if len(short) == 1:
            (word,) = short
            if len(word) >= 2 and len(full.split()) > 1 and word.upper() == _initials(full):
                return True
    return False


def distinct(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per actor, the first the text gives (a 1.5B model lists "SDF", "SDF
    forces" and "Syrian Democratic Forces" as three)."""
    kept: list[dict[str, Any]] = []
    for item in items:
        if not any(same_actor(item["name"], k["name"]) for k in kept):
            kept.append(item)
    return kept
