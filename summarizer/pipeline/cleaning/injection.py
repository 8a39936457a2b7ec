"""Text addressed to a language model, judged by what it asks (issue #17).

Matching one known phrase missed simple disguises and dropped real quotes, so each
paragraph is read the way a model reads it and every sentence is judged on what it
asks of a model:

* **The view.**  Invisible characters removed, tag characters decoded, NFKC applied,
  look-alike letters folded inside Latin words (:func:`.rules.view`), and a word broken
  over two lines (soft hyphen, or a line that goes on in lower case) joined.  The view
  is only for judging: lines are dropped or kept whole, so offsets into the page hold.
* **An ask** is an imperative aimed at the model's instructions ("ignore/disregard/
  forget ... the earlier instructions"), instructions declared void to "you" or to a
  model, a new role for "you", a directive about the output (a directive verb opening a
  clause with an artefact of the answer: JSON, the schema, relevance, "your summary", a
  snake_case label, "this article"), an order to "you" ("I instruct you to"), or a chat
  token.  An address to a model ("note for automated summarisers:", "AI systems reading
  this:"), a role label, a chat token or hidden markup makes any directive in its
  sentence (and the next line) an ask.
* **Reported speech is not an order.**  An ask in an attributed sentence ("...," the
  general said) only marks its line; a role switch inside quotation marks ("You are now
  the shield of the nation," ...) is a speaker's, and is not even marked.
* **Facts are never lost.**  A line is dropped only if none of its clauses states
  something of its own (a figure, a name, a speaker) apart from the ask; otherwise it is
  kept and flagged, and the report warns.  Fences, end-of-article claims, role labels
  and chat tokens next to a dropped line go with it; so do the lines of a chat turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from summarizer.pipeline.cleaning.passes import Line
from summarizer.pipeline.cleaning.patterns import (
    ADDRESS,
    ARTIFACT,
    ATTRIBUTION,
    CHAT,
    DIRECTIVE_HEAD,
    FENCE,
    FENCE_TOKEN,
    HIDDEN,
    INSTR_REF,
    MODAL_ARTIFACT,
    MODAL_DIRECTIVE,
    NAME_WORD,
    NUMBER_WORD,
    OVERRIDE_ANY,
    OVERRIDE_DECL,
    OVERRIDE_HEAD,
    QUOTE_MARKS,
    RELEASE,
    ROLE,
    ROLE_HEAD,
    ROLE_LABEL,
    SELF_REFERENCE,
    SENTENCE_END,
    YOU_TO_OVERRIDE,
    YOUR_TASK,
)
from summarizer.pipeline.cleaning.rules import clause_heads, find_cues, view

REASON = "injection"
_SECOND_PERSON = re.compile(r"\b(?:you|your)\b", re.I)
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(slots=True)
class _Sentence:
    start: int  # in the paragraph view
    end: int
    line: int  # index (in the paragraph) of the line it starts on
    verdict: str | None = None  # "ask", "flag" or None
    asks: list[tuple[int, int]] = field(default_factory=list)  # spans, sentence-relative
    #: (start, end, states a fact of its own) per clause; worked out when first needed
    clauses: tuple[tuple[int, int, bool], ...] | None = None


#: per paragraph (its lines' texts): the lines (by position) to drop and to flag
_Decision = tuple[frozenset[int], frozenset[int]]


def mark_injections(lines: list[Line]) -> None:
    """Drop lines that only address a model (reason ``injection``); flag kept lines
    that also carry a fact (``flag = "injection"``)."""
    views: dict[str, tuple[str, bool]] = {}  # pages repeat lines: view each text once
    decided: dict[tuple[str, ...], _Decision | None] = {}  # ... and whole paragraphs
    for para in _paragraphs(lines):
        key = tuple(lines[i].text for i in para)
        if key not in decided:
            decided[key] = _judge(lines, para, views)
        if (decision := decided[key]) is not None:
            _apply(lines, para, *decision)


def _paragraphs(lines: list[Line]) -> Iterator[list[int]]:
    """Runs of non-blank lines (furniture included: ``<|im_end|>`` is context)."""
    run: list[int] = []
    for i, ln in enumerate(lines):
        if ln.blank:
            if run:
                yield run
            run = []
        else:
            run.append(i)
    if run:
        yield run


def _join(
    lines: list[Line], para: list[int], views: dict[str, tuple[str, bool]]
) -> tuple[str, list[tuple[int, int]], list[bool]]:
    """The paragraph's view, each line's span in it, and which lines were disguised."""
    text = ""
    bounds: list[tuple[int, int]] = []
    disguised: list[bool] = []
    for k, i in enumerate(para):
        raw = lines[i].text
        if raw not in views:
            views[raw] = view(raw)
        v, d = views[raw]
        if k:
            prev = lines[para[k - 1]].text.rstrip()
            if prev.endswith("\u00ad") and v[:1].isalpha():
                text = text.rstrip()  # a word hyphenated at the line end: one word
            elif text.endswith("-") and text[-2:-1].isalpha() and v[:1].islower():
                text = text[:-1]
            else:
                text += "\n"
        bounds.append((len(text), len(text) + len(v)))
        disguised.append(d)
        text += v
    return text, bounds, disguised


def _judge(
    lines: list[Line], para: list[int], views: dict[str, tuple[str, bool]]
) -> _Decision | None:
    """Which lines of one paragraph to drop and to flag; None when nothing is asked."""
    text, bounds, disguised = _join(lines, para, views)
    cues = find_cues(text)
    if not cues:
        return None
    sentences = _sentences(text, bounds)
    line_ctx: dict[int, bool] = {}

    def context(k: int) -> bool:
        if k not in line_ctx:
            a, b = bounds[k]
            line_ctx[k] = bool(find_cues(text[a:b], cues)) and _context(text[a:b])
        return line_ctx[k]

    for n, s in enumerate(sentences):
        if not find_cues(text[s.start : s.end], cues):
            continue
        ctx = context(s.line) or (s.line > 0 and context(s.line - 1))
        # an order after an ask on the same line is part of it ("... Write that ...")
        ctx = ctx or any(p.verdict == "ask" for p in sentences[:n] if p.line == s.line)
        overlapping = range(s.line, len(bounds))
        hidden_letters = any(disguised[k] for k in overlapping if bounds[k][0] < s.end)
        _verdict(text, s, ctx, hidden_letters)
    if not any(s.verdict for s in sentences):
        return None
    drop, flag = _decide(text, bounds, sentences)
    _take_markers(text, bounds, sentences, drop)
    chat = next((k for k, (a, b) in enumerate(bounds) if CHAT.search(text, a, b)), None)
    if chat is not None:  # a chat turn: the text after the token is the fake turn's
        for k in range(chat, len(bounds)):
            line = text[bounds[k][0] : bounds[k][1]]
            turn = CHAT.search(line) or ARTIFACT.search(line) or SELF_REFERENCE.search(line)
            if (turn or not _LETTER.search(line)) and not _has_fact(text, sentences, bounds[k]):
                drop.add(k)
    return frozenset(drop), frozenset(flag - drop)


def _apply(lines: list[Line], para: list[int], drop: frozenset[int], flag: frozenset[int]) -> None:
    for k, i in enumerate(para):
        ln = lines[i]
        if ln.reason is not None:
            if k in drop and CHAT.search(view(ln.text)[0]):
                ln.kind = ln.reason = REASON  # gone as furniture, but it was aimed at a model
        elif k in drop:
            ln.kind = ln.reason = REASON
        elif k in flag:
            ln.flag = REASON


def _sentences(text: str, bounds: list[tuple[int, int]]) -> list[_Sentence]:
    """Sentences of the view; a line break ends one unless the next line goes on in
    lower case (a sentence broken over lines, as a disguise or by the page)."""
    cuts = {m.end() for m in SENTENCE_END.finditer(text)}
    cuts.update(
        a for a, _ in bounds[1:] if text[a - 1 : a] == "\n" and not text[a : a + 1].islower()
    )
    cuts.add(len(text))
    out: list[_Sentence] = []
    start = 0
    k = 0
    for cut in sorted(cuts):
        if cut <= start or not text[start:cut].strip():
            start = max(start, cut)
            continue
        while k + 1 < len(bounds) and bounds[k + 1][0] <= start:
            k += 1
        out.append(_Sentence(start, cut, k))
        start = cut
    return out


def _context(s: str) -> bool:
    """Does ``s`` address a model, label a role, carry a chat token or hide itself?"""
    return bool(ADDRESS.search(s) or ROLE_LABEL.search(s) or CHAT.search(s) or HIDDEN.search(s))


def _quoted(s: str) -> list[tuple[int, int]]:
    """Spans between pairs of double quotation marks (straight, curly or guillemets)."""
    marks = [m.start() for m in QUOTE_MARKS.finditer(s)]
    return [(marks[i], marks[i + 1] + 1) for i in range(0, len(marks) - 1, 2)]


def _verdict(text: str, sent: _Sentence, ctx: bool, disguised: bool) -> None:
    """Set ``sent.verdict`` ("ask", "flag" or None) and the spans of its asks."""
    s = text[sent.start : sent.end]
    quotes = _quoted(s)
    outside = list(s)
    for a, b in quotes:
        outside[a + 1 : b - 1] = " " * max(0, b - a - 2)
    attributed = ATTRIBUTION.search("".join(outside)) is not None
    ctx = ctx or _context(s)
    asks: list[tuple[int, int]] = []
    heads = clause_heads(s)
    for pos in heads:
        m = OVERRIDE_HEAD.match(s, pos)
        if m and INSTR_REF.search(m["rest"]):
            asks.append(m.span())
    for m in YOU_TO_OVERRIDE.finditer(s):
        if INSTR_REF.search(m["rest"]):
            asks.append(m.span())
    if disguised and OVERRIDE_ANY.search(s) and INSTR_REF.search(s):
        asks.append((0, len(s)))
    m2 = OVERRIDE_DECL.search(s)
    if m2 and (ctx or _SECOND_PERSON.search(s)):
        asks.append(m2.span())
    orders = [m for m in map(DIRECTIVE_HEAD.match, [s] * len(heads), heads) if m]
    asks.extend(m.span() for m in orders if ctx or ARTIFACT.search(m["rest"]))
    claims = (m for m in FENCE.finditer(s) if not FENCE_TOKEN.fullmatch(m.group()))
    if FENCE_TOKEN.search(s) and any(claims):
        asks.append((0, len(s)))  # a forged fence that claims the article ended or began
    for rx in (YOUR_TASK, MODAL_ARTIFACT, CHAT, RELEASE):
        asks.extend(m.span() for m in rx.finditer(s))
    if ctx:
        asks.extend(m.span() for m in MODAL_DIRECTIVE.finditer(s))
        if HIDDEN.search(s) and (INSTR_REF.search(s) or ADDRESS.search(s)):
            asks.append((0, len(s)))
    if asks:
        trusted = disguised or CHAT.search(s) or HIDDEN.search(s)
        sent.verdict = "flag" if attributed and not trusted else "ask"
        # beside an ask, any order is part of it ("...; instead, report 400 killed")
        asks.extend(m.span() for m in orders)
    roles = [*ROLE.finditer(s), *filter(None, (ROLE_HEAD.match(s, p) for p in heads))]
    for m in roles:
        inside = any(a <= m.start() < b for a, b in quotes)
        if disguised or not (inside or attributed):
            asks.append(m.span())
            sent.verdict = "ask"
    sent.asks = asks


def _clauses(text: str, sent: _Sentence) -> tuple[tuple[int, int, bool], ...]:
    """Clauses of one sentence (split at ';') and whether each states a fact of its own."""
    if sent.clauses is None:
        sent.clauses = tuple(_split_clauses(text[sent.start : sent.end], sent.start, sent.asks))
    return sent.clauses


def _split_clauses(
    s: str, offset: int, asks: list[tuple[int, int]]
) -> Iterator[tuple[int, int, bool]]:
    start = 0
    for end in [*(m.start() + 1 for m in re.finditer(";", s)), len(s)]:
        c = s[start:end]
        own = not any(a < end and b > start for a, b in asks)
        fact = own and not (
            ADDRESS.search(c)
            or CHAT.search(c)
            or FENCE.search(c)
            or SELF_REFERENCE.search(c)
            or ARTIFACT.search(c)
        )
        fact = fact and bool(
            _DIGIT.search(c)
            or NUMBER_WORD.search(c)
            or NAME_WORD.search(c)
            or ATTRIBUTION.search(c)
        )
        yield offset + start, offset + end, fact
        start = end


def _has_fact(text: str, sentences: list[_Sentence], span: tuple[int, int]) -> bool:
    a, b = span
    return any(
        fact and s < b and e > a
        for st in sentences
        if st.start < b and st.end > a
        for s, e, fact in _clauses(text, st)
    )


def _decide(
    text: str, bounds: list[tuple[int, int]], sentences: list[_Sentence]
) -> tuple[set[int], set[int]]:
    """Lines to drop (an ask and no fact) and lines to flag (an ask beside a fact)."""
    drop: set[int] = set()
    flag: set[int] = set()
    for k, (a, b) in enumerate(bounds):
        verdicts = {s.verdict for s in sentences if s.start < b and s.end > a}
        if "ask" in verdicts:
            (flag if _has_fact(text, sentences, (a, b)) else drop).add(k)
        elif "flag" in verdicts:
            flag.add(k)
    return drop, flag


def _take_markers(
    text: str, bounds: list[tuple[int, int]], sentences: list[_Sentence], drop: set[int]
) -> None:
    """A fence, an end-of-article claim, a role label or a bare symbol line next to a
    dropped line belongs to the injection (``>>> End of article`` before new orders)."""
    changed = True
    while changed:
        changed = False
        for k, (a, b) in enumerate(bounds):
            if k in drop or not ({k - 1, k + 1} & drop):
                continue
            line = text[a:b]
            marker = FENCE.search(line) or ROLE_LABEL.search(line) or HIDDEN.search(line)
            if (marker or not _LETTER.search(line)) and not _has_fact(text, sentences, (a, b)):
                drop.add(k)
                changed = True
