"""What a prepared job is keyed by: the answer's cache key, and the prepared-input index.

The answer key hashes the request (prompt, schema, text, model, the settings that
change the answer), never module paths, so it survives refactoring.

The input index spares a cached rerun the work of finding that key: cleaning every
page and rendering every prompt again.  Beside each answer the cache keeps, under a key
of the raw input and of everything that shapes the request (settings, prompt and
schema, and the source of the code that cleans, renders and keys), what that work
produced: the answer's key, the text the model read and its map back to the page.  A
miss there, or anything malformed, just takes the long way.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from summarizer._version import __version__
from summarizer.cache.store import Canonical, cache_key, canonical_json
from summarizer.core.ground import GroundingContext
from summarizer.core.schema import CleaningMeta, request_schema
from summarizer.llm import transport
from summarizer.pipeline.cleaning import Segment, Story
from summarizer.pipeline.inputs import Article
from summarizer.pipeline.prompts import Prompt
from summarizer.settings import EMBEDDED_MODEL_NAME, Settings

#: the code that turns an article into the text the model reads, its prompt and its key
_PREPARING_MODULES = (
    "summarizer.pipeline.summarizer",
    "summarizer.pipeline.keys",
    "summarizer.core.text",
    "summarizer.pipeline.cleaning",
    "summarizer.pipeline.cleaning.page",
    "summarizer.pipeline.cleaning.passes",
    "summarizer.pipeline.cleaning.patterns",
    "summarizer.pipeline.cleaning.rules",
    "summarizer.pipeline.cleaning.injection",
    "summarizer.pipeline.cleaning.glued",
    "summarizer.core.nlp",
    "summarizer.pipeline.prompts",
    "summarizer.cache.store",
)


def model_identity(settings: Settings) -> str:
    """What the cache key calls the model: the weights' hash when we serve them."""
    s = settings
    if not s.embedded:
        return s.model or ""
    if s.model_path is None:
        from summarizer.llm.local import BUNDLED_SHA256

        return f"{EMBEDDED_MODEL_NAME}@sha256:{BUNDLED_SHA256}"
    if s.model_sha256:
        return f"gguf@sha256:{s.model_sha256}"
    st = Path(s.model_path).stat()
    return f"gguf:{Path(s.model_path).name}:{st.st_size}:{int(st.st_mtime)}"


def _sampling(s: Settings) -> dict[str, Any]:
    """The sampling settings both keys carry: they change the answer."""
    return {"temperature": s.temperature, "seed": s.seed, "max_tokens": s.max_tokens}


@lru_cache(maxsize=64)
def _canonical_schema(schema: type[BaseModel]) -> Canonical:
    """The request schema as the cache key renders it, once per schema class."""
    return Canonical(canonical_json(request_schema(schema)))


def answer_key(
    settings: Settings, prompt: Prompt, messages: list[dict[str, str]], schema: type[BaseModel]
) -> str:
    """The cache key of the answer to ``messages``: everything that changes it."""
    s = settings
    return cache_key(
        {
            "endpoint_kind": s.resolved_endpoint_kind,
            "model": model_identity(s),
            "mode": transport.mode_for(s),
            "prompt": prompt.id,
            "messages": messages,
            "schema": _canonical_schema(schema),
            "sampling": _sampling(s),
        }
    )


# --------------------------------------------------------------------------- input index


@lru_cache(maxsize=64)
def _prompt_digest(prompt: Prompt) -> str:
    return hashlib.sha256(f"{prompt.system}\0{prompt.user}".encode()).hexdigest()


@lru_cache(maxsize=64)
def _schema_digest(schema: type[BaseModel]) -> str:
    return hashlib.sha256(_canonical_schema(schema).json.encode()).hexdigest()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str | None:
    """Hash of the library version and of the preparing modules' source: the input
    index never serves text that other code prepared.  None (no index) if unreadable."""
    digest = hashlib.sha256(__version__.encode())
    for name in _PREPARING_MODULES:
        try:
            digest.update(Path(importlib.import_module(name).__file__ or "").read_bytes())
        except (OSError, ImportError):
            return None
    return digest.hexdigest()


def _segments(rows: Any, text_len: int, page_len: int) -> tuple[Segment, ...]:
    """Segments from the index, checked to tile ``text`` and to lie inside the page."""
    segments: list[Segment] = []
    pos = 0
    for row in rows:
        clean_start, orig_start, length = row
        if not all(type(v) is int for v in row) or clean_start != pos or length <= 0:
            raise ValueError("segments do not tile the text")
        if orig_start < 0 or orig_start + length > page_len:
            raise ValueError("segment outside the page")
        segments.append(Segment(clean_start, orig_start, length))
        pos += length
    if pos < text_len:
        raise ValueError("segments do not cover the text")
    return tuple(segments)


@dataclass(frozen=True)
class Indexed:
    """What the input index remembers of a prepared input: enough for a cache hit."""

    key: str
    source: GroundingContext
    cleaning: CleaningMeta | None
    warnings: tuple[str, ...]


class InputKeys:
    """The input-index key of an input under one ``Settings``; the part only settings
    and code decide is rendered once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._static: str | None = None

    def key(
        self, article: Article, published: date | None, schema: type[BaseModel], prompt: Prompt
    ) -> str | None:
        """The input's index key; None when the code cannot be fingerprinted (no index)."""
        static = self._static_part()
        if static is None:
            return None
        parts = [
            static,
            article.sha256,
            article.from_html,
            published.isoformat() if published else None,
            prompt.id,
            _prompt_digest(prompt),
            _schema_digest(schema),
            model_identity(self.settings),
        ]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def _static_part(self) -> str | None:
        if self._static is None:
            code = _code_fingerprint()
            if code is None:
                return None
            s = self.settings
            self._static = canonical_json(
                {
                    "index": "prepared-input/1",
                    "code": code,
                    "clean": s.clean,
                    "max_input_chars": s.resolved_max_input_chars,
                    "endpoint_kind": s.resolved_endpoint_kind,
                    "mode": transport.mode_for(s),
                    "sampling": _sampling(s),
                }
            )
        return self._static


def index_entry(
    key: str,
    source: GroundingContext,
    segments: tuple[Segment, ...] | None,
    cleaning: CleaningMeta | None,
    warnings: tuple[str, ...],
) -> dict[str, Any]:
    """The index entry of a prepared input (JSON data, read back by :func:`from_index`)."""
    return {
        "key": key,
        "text": source.text,
        "segments": None
        if segments is None
        else [[g.clean_start, g.orig_start, g.length] for g in segments],
        "cleaning": None if cleaning is None else cleaning.model_dump(),
        "warnings": list(warnings),
    }


def from_index(entry: dict[str, Any], article: Article, published: date | None) -> Indexed | None:
    """An index entry read back and checked against the article; None if malformed."""
    try:
        key, text, warnings = entry["key"], entry["text"], entry["warnings"]
        to_original = None
        if entry["segments"] is not None:
            segments = _segments(entry["segments"], len(text), len(article.text))
            to_original = Story(text, segments, None).to_original
        cleaning = (
            None if entry["cleaning"] is None else CleaningMeta.model_validate(entry["cleaning"])
        )
    except (KeyError, TypeError, ValueError):
        return None
    if not (
        isinstance(key, str)
        and isinstance(text, str)
        and isinstance(warnings, list)
        and all(isinstance(w, str) for w in warnings)
    ):
        return None
    source = GroundingContext(text, published, True, to_original)
    return Indexed(key, source, cleaning, tuple(warnings))
