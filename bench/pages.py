"""Page-shaped variants of real text: re3d press releases in the furniture of scraped pages.

    python bench/pages.py [--seed 14] [--out bench/out/pages] [--data DIR] [--gold DIR]
    python bench/pages.py --show page-CENTCOM-26CC3286

One variant per gold document of ``bench/gold/re3d`` (issue #14): the document (the
*first* story) wrapped the way a scraper hands a news page over — a menu line, a share
line, the headline with a photo caption block repeated twice, a site-marker line, a
byline, the body with an inline "Read more:" teaser, a "Check Also" teaser block —
and then a *second*, unrelated real re3d document glued after it with its own
headline/caption block, followed by a comment form and a footer.  The gold of a variant
is the gold of its first document plus **traps**: the names and figures of the second
story, which a report of the first must not contain.

Everything is deterministic: the furniture template, the teaser texts, where the inline
teaser goes and which document is glued on all come from ``random.Random`` seeded with
the ``--seed`` and the document id, so the same seed gives byte-identical pages.

The second document is chosen among the other re3d documents, preferring one that yields
traps, comes from another source, and shares the fewest actor/place words with the first
(gold ``country``/forces/locations/adversaries where a document has gold, else its re3d
Location and Organisation entities with confidence ≥ 0.5).  Its traps come from its gold
when it has gold (forces, locations, officials, adversaries, operation name and outcome
values, and its own name/number traps); otherwise (or when that gold names nothing) from
its Organisation, Location and Person entities and Quantity numbers.  A trap is dropped
when any of its distinctive words (or spellings: keyed like the scorer keys names) or its
number occurs in the first document's title or text or gold, so it never punishes a fact
the first story states too.

The texts stay in ``../shared/evaldata/re3d`` and are read by path; pages are written
to ``bench/out/pages`` (git-ignored) as ``<id>.txt`` with ``<id>.gold.json``.  (Those
names do not follow :func:`summarizer.evaluate.load_gold`'s rule that a file's stem is
the article stem: load them with :func:`load_page_gold` or :func:`gold_for`.)

Publication dates of re3d are unknown, so the byline carries no calendar date (only a
relative time): an invented year would let a model resolve "Jan. 8" that the gold
deliberately leaves undated.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summarizer.core.names import name_key
from summarizer.core.quantities import SMALL_NUMBER_WORDS, TENS_WORDS, parse_number
from summarizer.evaluate.gold import Gold

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "evaldata" / "re3d"
GOLD = ROOT / "bench" / "gold" / "re3d"
OUT = ROOT / "bench" / "out" / "pages"
SOURCES = ("CENTCOM", "UK_Government", "US_State_Department")
DEFAULT_SEED = 14
MIN_CONFIDENCE = 0.5
ENTITY_TRAP_TYPES = ("Organisation", "Location", "Person")
NAME_FIELDS = ("forces", "locations", "officials", "adversaries")
TRAP_NOTE = "second story"

#: words that say nothing about who or where: the scorer's generic words (a trap holding
#: only these could never fire by containment), pronouns and function words
_GENERIC_WORDS = frozenset(
    {"forces", "force", "units", "unit", "troops", "personnel", "security", "military"}
    | {"operation", "operations", "group", "groups", "province", "region", "district"}
    | {"area", "state", "national", "government", "of", "and", "the", "a", "an", "in", "on"}
    | {"for", "to", "we", "our", "us", "they", "their", "them", "it", "its", "he", "his"}
    | {"she", "her", "i", "you", "who", "which", "this", "these", "that", "those", "all"}
)
_GENERIC_KEYS = frozenset(k for w in _GENERIC_WORDS for k in name_key(w).split())
#: re3d Organisation entities that name the enemy side go to ``adversaries`` traps
_ADVERSARY_RE = re.compile(
    r"isil|isis|daesh|da'esh|islamic state|qa'?ida|qaeda|nusra|taliban|terroris|"
    r"militan|insurgen|regime|extremis|jihad|hezbollah|boko|shabaab|ansar",
    re.IGNORECASE,
)
#: number words beyond the small ones, as whole numbers a trap figure may be written in
_TENS = {**TENS_WORDS, "hundred": 100, "thousand": 1000}
_DIGITS_RE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Doc:
    """One re3d document and what this module knows about it."""

    source: str
    id: str
    title: str
    text: str
    gold: dict[str, Any] | None
    entities: tuple[tuple[str, str], ...]  # (type, value), confidence ≥ 0.5, file order

    @property
    def ref(self) -> str:
        return f"re3d/{self.source}/{self.id}"


@dataclass(frozen=True)
class DocRef:
    """Which document a part of a page comes from."""

    source: str
    id: str
    title: str
    article: str  # "re3d/<SOURCE>/<_id>", as in the gold files


def _doc_ref(doc: Doc) -> DocRef:
    return DocRef(doc.source, doc.id, doc.title, doc.ref)


def _json_lines(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_docs(data_dir: Path, gold_dir: Path) -> list[Doc]:
    """All re3d documents of the three sources, file order, with gold and entities."""
    docs: list[Doc] = []
    for source in SOURCES:
        entities: dict[str, list[tuple[str, str]]] = {}
        ents_path = data_dir / source / "entities.json"
        if ents_path.exists():
            for e in _json_lines(ents_path):
                if float(e.get("confidence", 0)) >= MIN_CONFIDENCE:
                    entities.setdefault(e["documentId"], []).append((e["type"], e["value"]))
        for d in _json_lines(data_dir / source / "documents.json"):
            gold_path = gold_dir / source / f"{d['_id']}.json"
            gold = json.loads(gold_path.read_text(encoding="utf-8")) if gold_path.exists() else None
            docs.append(
                Doc(
                    source=source,
                    id=d["_id"],
                    title=" ".join(str(d.get("title", "")).split()),
                    text=d["text"],
                    gold=gold,
                    entities=tuple(entities.get(d["_id"], [])),
                )
            )
    return docs


# --------------------------------------------------------------------------- words and numbers


def _name_tokens(name: str) -> set[str]:
    """Distinctive keyed words of a name: spellings and aliases fold together."""
    return {k for w in name.split() for k in name_key(w).split() if k not in _GENERIC_KEYS}


def _numbers(text: str) -> set[float]:
    """Every number a text states: digits ("1,200") and number words ("three")."""
    out = {float(m.group().replace(",", "")) for m in _DIGITS_RE.finditer(text)}
    for w in _WORD_RE.findall(text.casefold()):
        value = SMALL_NUMBER_WORDS.get(w, _TENS.get(w))
        if value is not None:
            out.add(float(value))
    return out


def _gold_names(gold: dict[str, Any] | None) -> Iterator[str]:
    if not gold:
        return
    for key in ("operation_name", "country"):
        value = gold.get(key) or []
        yield from [value] if isinstance(value, str) else value
    for key in NAME_FIELDS:
        for item in gold.get(key) or []:
            names = item["name"]
            yield from [names] if isinstance(names, str) else names


def _gold_values(gold: dict[str, Any] | None) -> Iterator[float]:
    if not gold:
        return
    values: list[Any] = [o.get("value") for o in gold.get("outcomes") or []]
    if gold.get("area"):
        values.append(gold["area"].get("value"))
    for v in values:
        if isinstance(v, int | float):
            yield float(v)
        elif isinstance(v, list):
            yield from (float(x) for x in v)


@dataclass(frozen=True)
class _Vocabulary:
    """What the first story states: keyed name words and numbers."""

    tokens: frozenset[str]
    numbers: frozenset[float]

    @classmethod
    def of(cls, doc: Doc) -> _Vocabulary:
        words = f"{doc.title}\n{doc.text}"
        tokens = {k for w in _WORD_RE.findall(words) for k in name_key(w).split()}
        for name in _gold_names(doc.gold):
            tokens |= _name_tokens(name)
        numbers = _numbers(words) | set(_gold_values(doc.gold))
        return cls(frozenset(tokens), frozenset(numbers))

    def names_any(self, names: Iterable[str]) -> bool:
        return any(_name_tokens(n) & self.tokens for n in names)


# --------------------------------------------------------------------------- traps


def _trap_value(value: Any) -> float | list[float] | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list) and len(value) == 2:
        return [float(value[0]), float(value[1])]
    return None


def _candidate_traps(doc: Doc) -> list[dict[str, Any]]:
    """Every name and figure of ``doc`` as a trap, before filtering against the first story."""
    traps: list[dict[str, Any]] = []
    gold = doc.gold
    if gold:
        op = gold.get("operation_name") or []
        op_names = [op] if isinstance(op, str) else list(op)
        if op_names:
            traps.append({"field": "operation_name", "name": op_names})
        for key in NAME_FIELDS:
            for item in gold.get(key) or []:
                names = item["name"]
                traps.append({"field": key, "name": [names] if isinstance(names, str) else names})
        for item in gold.get("outcomes") or []:
            value = _trap_value(item.get("value"))
            if value is not None:
                traps.append({"field": "outcomes", "value": value})
        for trap in gold.get("traps") or []:
            if trap["field"] in NAME_FIELDS and trap.get("name"):
                names = trap["name"]
                traps.append(
                    {"field": trap["field"], "name": [names] if isinstance(names, str) else names}
                )
            elif trap["field"] == "outcomes":
                value = _trap_value(trap.get("value"))
                if value is not None:
                    traps.append({"field": "outcomes", "value": value})
        if traps:
            return traps
    # no gold, or gold that names nothing (a relevance negative): the re3d entities
    for etype, surface in doc.entities:
        if etype in ENTITY_TRAP_TYPES:
            bare = re.sub(r"^(?:the|a|an)\s+", "", surface.strip(), flags=re.IGNORECASE)
            if not bare[:1].isupper() or not _name_tokens(surface):
                continue  # "the victims", "camp residents", "we": no proper name
            where = {"Location": "locations", "Person": "officials"}.get(etype)
            if where is None:
                where = "adversaries" if _ADVERSARY_RE.search(surface) else "forces"
            traps.append({"field": where, "name": [surface]})
        elif etype == "Quantity":
            number = parse_number(surface)
            if number is not None:
                traps.append({"field": "outcomes", "value": float(number)})
    return traps


def _as_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def traps_for(first: Doc, second: Doc, vocab: _Vocabulary | None = None) -> list[dict[str, Any]]:
    """The second story's names and figures that the first story does not state too.

    A name trap is dropped whole when any of its spellings shares a distinctive keyed
    word with the first story (the scorer matches names by contained words, so a kept
    trap could otherwise fire on a fact of the first story); an outcome trap when its
    number (either bound of a range) occurs there.  Duplicates are merged."""
    vocab = vocab or _Vocabulary.of(first)
    out: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()
    for trap in _candidate_traps(second):
        if trap["field"] == "outcomes":
            value = trap["value"]
            bounds = value if isinstance(value, list) else [value]
            if any(b in vocab.numbers for b in bounds):
                continue
            key: tuple[Any, ...] = ("outcomes", *bounds)
            number: Any = [_as_number(b) for b in bounds] if isinstance(value, list) else None
            trap = {"field": "outcomes", "value": number or _as_number(value)}
        else:
            names = [n for n in dict.fromkeys(" ".join(n.split()) for n in trap["name"]) if n]
            if not names or vocab.names_any(names):
                continue
            if not any(_name_tokens(n) for n in names):
                continue
            key = (trap["field"], frozenset(name_key(n) for n in names))
            trap = {"field": trap["field"], "name": names}
        if key in seen:
            continue
        seen.add(key)
        out.append({**trap, "note": TRAP_NOTE})
    return out


# --------------------------------------------------------------------------- choosing the second


#: the countries a document is about, from their names, demonyms and the cities re3d
#: mentions most (a document about Aleppo is about Syria even if it never says so)
_COUNTRY_WORDS: dict[str, str] = {
    "Syria": "syria syrian syrians aleppo damascus raqqa raqqah palmyra tadmur homs idlib hama"
    " hasaka hasakah tartus jabla dabiq manbij tabqa deir dayr kobani daraa barada madaya",
    "Iraq": "iraq iraqi iraqis mosul baghdad karrada tikrit ramadi fallujah sinjar erbil kirkuk"
    " hilla anbar babylon basra qayyarah hawijah hurriya kurdistan peshmerga nineveh",
    "Turkey": "turkey turkish turks ankara istanbul incirlik",
    "Jordan": "jordan jordanian amman",
    "Lebanon": "lebanon lebanese beirut",
    "Russia": "russia russian moscow lavrov",
    "Iran": "iran iranian tehran",
    "Saudi Arabia": "saudi riyadh",
    "Afghanistan": "afghanistan afghan kabul",
    "Yemen": "yemen yemeni",
    "Libya": "libya libyan",
    "Egypt": "egypt egyptian cairo",
    "Uzbekistan": "uzbekistan uzbek tashkent",
    "France": "france french paris",
}
_COUNTRY_OF = {w: c for c, words in _COUNTRY_WORDS.items() for w in words.split()}


def countries_of(doc: Doc) -> set[str]:
    """The countries a document's title, text and gold ``country`` name."""
    words = _WORD_RE.findall(f"{doc.title}\n{doc.text}".casefold())
    found = {_COUNTRY_OF[w] for w in words if w in _COUNTRY_OF}
    for name in (doc.gold or {}).get("country") or []:
        found |= {_COUNTRY_OF[w] for w in _WORD_RE.findall(name.casefold()) if w in _COUNTRY_OF}
    return found


def _actor_tokens(doc: Doc) -> set[str]:
    """Who and where a document is about: its gold names, else its re3d entities.

    Keyed words of one letter ("U.S." gives "u", "s") say nothing and are left out."""
    names: list[str] = list(_gold_names(doc.gold)) if doc.gold else []
    if not names:
        names = [v for t, v in doc.entities if t in ("Location", "Organisation")]
    return {t for n in names for t in _name_tokens(n) if len(t) > 1}


def choose_second(
    first: Doc, docs: Sequence[Doc], rng: random.Random, used: Counter[str] | None = None
) -> Doc:
    """The glued-on story, seeded among the best candidates.

    Best, in this order: it yields traps; it is about none of the first story's countries
    (:func:`countries_of`), or the fewest; it shares no actor or place word with the first
    story (gold names, else re3d Location/Organisation entities); it comes from another
    source; it has been glued on least often so far (``used``, by document id, keeps one
    short document from being every page's second story); fewest shared words."""
    used = used if used is not None else Counter()
    mine, my_countries = _actor_tokens(first), countries_of(first)
    vocab = _Vocabulary.of(first)

    def rank(doc: Doc) -> tuple[int, int, int, int, int, int]:
        no_traps = 0 if traps_for(first, doc, vocab) else 1
        countries = len(countries_of(doc) & my_countries)
        actors = len(_actor_tokens(doc) & mine)
        same_source = 1 if doc.source == first.source else 0
        return (no_traps, countries, min(actors, 1), same_source, used[doc.id], actors)

    others = [d for d in docs if (d.source, d.id) != (first.source, first.id) and d.text.strip()]
    ranked = {id(d): rank(d) for d in others}
    best = min(ranked.values())
    return rng.choice([d for d in others if ranked[id(d)] == best])


# --------------------------------------------------------------------------- furniture


@dataclass(frozen=True)
class Template:
    """One site's furniture; the words are invented, the site names fictitious."""

    name: str
    site: str
    menu: str
    share: str
    marker: str
    caption: str  # "{words}" from the headline, "{agency}" an invented photo agency
    byline: str
    read_more: str  # "{teaser}"
    check_also: str  # heading of the teaser block
    footer: str
    share_after_body: bool


TEMPLATES: tuple[Template, ...] = (
    Template(
        name="harbor",
        site="The Harbor Ledger",
        menu="Home | World | Middle East | Politics | Opinion | Video | Subscribe",
        share="Share on Facebook | Tweet | Email",
        marker="Harbor Ledger",
        caption="File photo: {words}. ({agency})",
        byline="By Ledger Staff | Updated {ago}",
        read_more="Read more: {teaser}",
        check_also="Check Also",
        footer="© The Harbor Ledger. All rights reserved. | Privacy | Terms | Contact us",
        share_after_body=False,
    ),
    Template(
        name="crossroads",
        site="Crossroads Daily",
        menu="NEWS  SPORT  BUSINESS  WORLD  CULTURE  WEATHER  LOGIN",
        share="Share on Facebook | Tweet | Email | WhatsApp",
        marker="CROSSROADS DAILY",
        caption="{words} (Photo: {agency})",
        byline="Posted {ago} by News Desk",
        read_more="READ MORE: {teaser}",
        check_also="Check Also",
        footer="Crossroads Daily © Crossroads Media Group | About | Advertise | Cookie settings",
        share_after_body=True,
    ),
    Template(
        name="meridian",
        site="Meridian Post",
        menu="Menu ☰  Latest  Region  Security  Economy  Analysis  Newsletters",
        share="Share on Facebook | Tweet | Email | Copy link",
        marker="MP",
        caption="Archive image: {words}. Photograph: {agency}",
        byline="Meridian Post correspondent · {ago} · 3 min read",
        read_more="Read more: {teaser}",
        check_also="Check Also",
        footer="Meridian Post | Terms of use | Privacy policy | Sitemap | Back to top ↑",
        share_after_body=False,
    ),
    Template(
        name="northgate",
        site="Northgate Observer",
        menu="Skip to content  Home  News  Defence  Diplomacy  Features  Search",
        share="Share on Facebook | Tweet | Email | Print",
        marker="Northgate Observer",
        caption="Undated handout photo: {words} ({agency})",
        byline="Observer Reporters — last updated {ago}",
        read_more="Read more: {teaser}",
        check_also="Check Also",
        footer="Copyright © Northgate Observer | Contact | Corrections | RSS",
        share_after_body=True,
    ),
)

#: fictitious photo agencies (no real agency names)
AGENCIES = ("Lanternfoto", "Meridian Wire Images", "Castell Photo Service", "Brightwater Pictures")
#: invented teaser headlines: no names, places or figures a report could take as a fact
TEASERS = (
    "Port authority unveils plans for a larger cargo terminal",
    "Why winter fuel prices are rising again",
    "City council delays vote on new tram line",
    "Heatwave warning issued for coastal towns",
    "Analysts weigh the cost of a long campaign",
    "Five things to know before the budget vote",
    "Museum reopens after lengthy restoration",
    "Farmers warn of poor harvest after dry spring",
    "Opinion: the quiet return of shuttle diplomacy",
    "Rail strike called off after late-night talks",
)
AGOS = ("2 hours ago", "35 minutes ago", "5 hours ago", "yesterday", "1 hour ago")
COMMENT_FORMS = (
    (
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
        "Comment",
        "Name *",
        "Email *",
        "Website",
        "Post Comment",
    ),
    (
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
        "Comment",
        "Name *",
        "Email *",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Post Comment",
    ),
)
_CAPTION_SKIP = frozenset(
    {"on", "in", "of", "the", "a", "an", "and", "for", "to", "with", "at", "by", "from"}
)


def caption_for(title: str, template: Template, rng: random.Random) -> str:
    """An invented photo caption built from the headline's words."""
    words = [w for w in title.rstrip(".").split() if w.strip(":")]
    while words and words[0].casefold().strip(":") in _CAPTION_SKIP:
        words.pop(0)
    cut = max(3, min(len(words), rng.randint(4, 9)))
    return template.caption.format(
        words=" ".join(words[:cut]).rstrip(":,;"), agency=rng.choice(AGENCIES)
    )


def headline_block(title: str, caption: str, marker: str) -> str:
    """Headline and caption, repeated (as scrapers pick up the image twice), marker, headline."""
    return "\n".join((title, caption, title, caption, marker, title))


# --------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class Variant:
    """One page: its text, where the first story's body sits, and the second story's traps.

    ``body_pieces`` are the page spans of the first document's text in order: each piece
    is verbatim document text and the pieces concatenated are exactly ``doc["text"]``
    (the inline "Read more" teaser sits between two pieces).  ``body_span`` runs from the
    first piece's start to the last piece's end; ``second_span`` is the second document's
    text, verbatim.  :meth:`page_offset` maps a document offset to a page offset.
    """

    id: str
    text: str
    body_span: tuple[int, int]
    body_pieces: tuple[tuple[int, int], ...]
    second_span: tuple[int, int]
    first: DocRef
    second: DocRef
    traps: tuple[dict[str, Any], ...]
    template: str
    gold: dict[str, Any] = field(repr=False, compare=False)

    def page_offset(self, doc_offset: int) -> int:
        """Where character ``doc_offset`` of the first document's text is in the page."""
        consumed = 0
        for start, end in self.body_pieces:
            if doc_offset < consumed + (end - start):
                return start + doc_offset - consumed
            consumed += end - start
        if doc_offset == consumed:
            return self.body_pieces[-1][1]
        raise IndexError(f"offset {doc_offset} is past the document's {consumed} characters")


def _paragraph_ends(text: str) -> list[int]:
    """Offsets where a paragraph ends and the next starts (after the newline run)."""
    return [m.end() for m in re.finditer(r"\n+", text) if m.start() > 0 and m.end() < len(text)]


class _Page:
    """Assembles page lines and remembers the spans of verbatim text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def text(self) -> str:
        return "".join(self.parts)


def build_page(
    first: Doc, second: Doc, rng: random.Random
) -> tuple[str, tuple[tuple[int, int], ...], tuple[int, int], str]:
    """The page text, the first body's pieces, the second body's span, the template name."""
    tpl = rng.choice(TEMPLATES)
    page = _Page()
    page.add(f"{tpl.site}\n{tpl.menu}\n{tpl.share}\n\n")
    caption = caption_for(first.title, tpl, rng)
    page.add(headline_block(first.title, caption, tpl.marker) + "\n")
    page.add(tpl.byline.format(ago=rng.choice(AGOS)) + "\n\n")

    teasers = rng.sample(TEASERS, 4)
    text = first.text
    ends = _paragraph_ends(text.rstrip())
    # after which paragraph the inline teaser goes; len(ends) means after the last one
    after = rng.randint(0, len(ends))
    gap = "\n" if text.endswith("\n") else "\n\n"
    pieces: list[tuple[int, int]] = []
    if after < len(ends):
        cut = ends[after]
        sep = re.search(r"\n+$", text[:cut])
        pieces.append(page.add(text[:cut]))
        page.add(tpl.read_more.format(teaser=teasers[0]) + (sep.group() if sep else "\n\n"))
        pieces.append(page.add(text[cut:]))
        page.add(gap)
    else:
        pieces.append(page.add(text))
        page.add(gap + tpl.read_more.format(teaser=teasers[0]) + "\n\n")
    if tpl.share_after_body:
        page.add(tpl.share + "\n\n")
    page.add(tpl.check_also + "\n" + "\n".join(teasers[1:]) + "\n\n")

    second_caption = caption_for(second.title, tpl, rng)
    page.add(headline_block(second.title, second_caption, tpl.marker) + "\n")
    page.add(tpl.byline.format(ago=rng.choice(AGOS)) + "\n\n")
    second_span = page.add(second.text.strip())
    page.add("\n\n")
    page.add("\n".join(rng.choice(COMMENT_FORMS)) + "\n\n")
    page.add(tpl.footer + "\n")
    return page.text(), tuple(pieces), second_span, tpl.name


def _rng(seed: int, *parts: str) -> random.Random:
    """A generator for one page: string seeds hash the same in every process."""
    return random.Random(":".join((str(seed), *parts)))


def make_variants(data_dir: Path, gold_dir: Path, seed: int = DEFAULT_SEED) -> list[Variant]:
    """One page-shaped variant per gold document, in source and file order."""
    docs = load_docs(Path(data_dir), Path(gold_dir))
    variants: list[Variant] = []
    used: Counter[str] = Counter()
    for first in docs:
        if first.gold is None:
            continue
        second = choose_second(first, docs, _rng(seed, "second", first.source, first.id), used)
        used[second.id] += 1
        text, pieces, second_span, template = build_page(
            first, second, _rng(seed, "page", first.source, first.id)
        )
        variants.append(
            Variant(
                id=f"page-{first.source}-{first.id[:8]}",
                text=text,
                body_span=(pieces[0][0], pieces[-1][1]),
                body_pieces=pieces,
                second_span=second_span,
                first=_doc_ref(first),
                second=_doc_ref(second),
                traps=tuple(traps_for(first, second)),
                template=template,
                gold=first.gold,
            )
        )
    return variants


def gold_for(variant: Variant) -> dict[str, Any]:
    """The first document's gold for the page: its article is the variant id, plus traps."""
    gold: dict[str, Any] = json.loads(json.dumps(variant.gold))
    gold["article"] = variant.id
    if "country" not in Gold.model_fields:
        gold.pop("country", None)
    gold["traps"] = list(gold.get("traps") or []) + [dict(t) for t in variant.traps]
    return gold


def load_page_gold(path: Path) -> Gold:
    """A written ``<id>.gold.json`` as a :class:`Gold`."""
    return Gold.model_validate_json(Path(path).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--show", metavar="ID", help="print one page instead of writing the set")
    args = ap.parse_args(argv)
    variants = make_variants(args.data, args.gold, seed=args.seed)
    if args.show:
        match = [v for v in variants if v.id == args.show]
        if not match:
            print(f"no page {args.show!r}; ids: {', '.join(v.id for v in variants)}")
            return 1
        sys.stdout.write(match[0].text)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for v in variants:
        gold = gold_for(v)
        Gold.model_validate(gold)
        (args.out / f"{v.id}.txt").write_text(v.text, encoding="utf-8")
        (args.out / f"{v.id}.gold.json").write_text(
            json.dumps(gold, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    traps = [len(v.traps) for v in variants]
    lengths = [len(v.text) for v in variants]
    cross = sum(v.first.source != v.second.source for v in variants)
    templates = sorted({v.template for v in variants})
    print(f"pages: {len(variants)} (seed {args.seed}) -> {args.out}")
    mean_len = statistics.mean(lengths)
    print(f"mean page length: {mean_len:.0f} chars (min {min(lengths)}, max {max(lengths)})")
    print(
        f"traps per page: mean {statistics.mean(traps):.1f}, "
        f"min {min(traps)}, max {max(traps)}, total {sum(traps)}"
    )
    print(f"second story from another source: {cross}/{len(variants)}; templates: {templates}")
    for v in variants:
        second = f"{v.second.source}/{v.second.id[:8]}"
        print(f"  {v.id:36} + {second:28} traps {len(v.traps):2}  {v.template}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
