"""The entry point: one ``Summarizer`` per settings, shared by threads and tasks.

Data flows one way: input → prompt → cache lookup → model (instructor) → ground →
metadata → cache write.  The embedded server is started only on a cache miss, so a
fully cached run never loads the model.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from summarizer._version import __version__
from summarizer.cache.store import ResponseCache
from summarizer.core.ground import GroundingContext
from summarizer.core.results import Extraction
from summarizer.core.schema import (
    SCHEMA_VERSION,
    CleaningMeta,
    ExtractionMeta,
    ExtractionUsage,
    OperationReport,
    grounded_share,
    iter_evidence,
    request_schema,
)
from summarizer.errors import ConfigError
from summarizer.llm import client as llm_client
from summarizer.llm import transport
from summarizer.pipeline import labelling
from summarizer.pipeline.cleaning import Segment, clean_page
from summarizer.pipeline.inputs import Article, as_source, load_article
from summarizer.pipeline.keys import InputKeys, answer_key, from_index, index_entry
from summarizer.pipeline.labelling import LabelPlan
from summarizer.pipeline.prompts import Prompt, load_prompt
from summarizer.pipeline.resolve import resolve_report, unbacked_summary_figures
from summarizer.settings import EMBEDDED_MODEL_NAME, Settings

T = TypeVar("T", bound=BaseModel)

#: what the pipeline takes positionally (see :func:`~summarizer.pipeline.inputs.load_article`)
Source = str | Path | bytes | Article
#: what ``path=`` takes: always read from disk
PathArg = str | os.PathLike[str]


@dataclass(frozen=True)
class PendingRequest:
    """An item as a provider batch sees it (:meth:`Summarizer.pending_request`)."""

    key: str
    #: the request body a live call would send first; None when the cache answers
    body: dict[str, Any] | None
    cached: Extraction[Any] | None


@dataclass(frozen=True)
class PreparedJob:
    """One input made ready for the model (:meth:`Summarizer.prepare`): the text it
    will read, its prompt, and ``key``, the cache key of its answer.  Hand it to
    :meth:`Summarizer.extract_prepared` (or ``aextract_prepared``) of the same
    Summarizer; a job the input index found (``from_index``) has no messages and is
    prepared in full only if its answer is no longer cached."""

    article: Article
    published: date | None
    schema: type[BaseModel]
    prompt: Prompt
    messages: list[dict[str, str]]
    key: str
    source: GroundingContext  # the text the model reads, mapped back to the page
    cleaning: CleaningMeta | None
    warnings: tuple[str, ...] = ()
    #: the cleaned story's map back to the page (None when cleaning is off), for the
    #: prepared-input index
    segments: tuple[Segment, ...] | None = None
    #: its key in the input index, when already computed
    input_key: str | None = None
    #: read back from the input index: no messages, only good for a cache hit
    from_index: bool = False
    #: the labelling mode's reading of the text; the model answers its labels schema
    labels: LabelPlan | None = None

    @property
    def request_schema(self) -> type[BaseModel]:
        """What the model's answer is validated against (the labels in the labelling
        mode, else the schema the caller asked for)."""
        return self.labels.answer_model if self.labels is not None else self.schema


def truncation_point(text: str, limit: int) -> int:
    """Cut at the last paragraph break before ``limit``, else the last sentence end,
    else the last space: the model never sees half a sentence."""
    for sep in ("\n\n", "\n", ". "):
        i = text.rfind(sep, 0, limit)
        if i > limit // 2:
            return i + (1 if sep == ". " else 0)
    i = text.rfind(" ", 0, limit)
    return i if i > 0 else limit


def prepare_text(
    article: Article, s: Settings, published: date | None
) -> tuple[GroundingContext, CleaningMeta | None, tuple[str, ...]]:
    """What the model will read (cleaned, fitted to its input limit), the map back to
    the page, and the warnings a reader of the report should see."""
    source, cleaning, warnings, _ = _prepare_text(article, s, published)
    return source, cleaning, warnings


def _prepare_text(
    article: Article, s: Settings, published: date | None
) -> tuple[GroundingContext, CleaningMeta | None, tuple[str, ...], tuple[Segment, ...] | None]:
    warnings: tuple[str, ...] = ()
    if article.from_html:
        warnings += ("input was an HTML page; its visible text was used",)
    cleaning: CleaningMeta | None = None
    to_original = None
    segments = None
    text = article.text
    if s.clean:
        page = clean_page(article.text)
        text, to_original, segments = page.main.text, page.main.to_original, page.main.segments
        cleaning = CleaningMeta(
            chars_removed=page.chars_removed,
            tokens_removed_estimate=page.tokens_removed_estimate,
            set_aside=[st.title or st.text[:80] for st in page.set_aside],
        )
        warnings += page.warnings
    limit = s.resolved_max_input_chars
    if len(text) > limit:
        cut = truncation_point(text, limit)
        warnings += (
            f"article truncated from {len(text)} to {cut} characters to fit the "
            f"model's input limit ({limit}); facts after that point are not reported",
        )
        text = text[:cut]
    return GroundingContext(text, published, True, to_original), cleaning, warnings, segments


def _resolve_prompt(schema: type[BaseModel], prompt: Prompt | str | Path | None) -> Prompt:
    if prompt is None:
        return load_prompt("operation_report" if schema is OperationReport else "generic")
    if isinstance(prompt, Prompt):
        return prompt
    return Prompt.from_file(prompt)


@lru_cache(maxsize=64)
def _schema_version(schema: type[BaseModel]) -> str:
    """A custom schema's version: a hash of its request view."""
    rendered = json.dumps(request_schema(schema), sort_keys=True)
    return hashlib.sha256(rendered.encode()).hexdigest()[:12]


class Summarizer:
    """Holds settings, HTTP clients, the cache and (if needed) the embedded server.

    Use it as a context manager, or call :meth:`close`, so an embedded server it
    started is stopped.
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        if settings is None:
            settings = Settings.from_env(**overrides)
        elif overrides:
            settings = settings.model_copy(update=overrides)
        self.settings = settings
        self._lock = threading.Lock()
        self._server: Any = None
        self._base_url: str | None = settings.base_url
        self._patched: dict[bool, Any] = {}
        self._clients: list[Any] = []
        self._cache = ResponseCache.for_settings(settings) if settings.use_cache else None
        self._input_keys = InputKeys(settings)
        if not settings.embedded and not settings.model:
            raise ConfigError("a remote endpoint needs a model name (SUMMARIZER_MODEL)")

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Summarizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Summarizer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the async HTTP client too (``close`` cannot await it)."""
        for c in list(self._clients):
            close = getattr(c, "close", None)
            if close is not None and asyncio.iscoroutinefunction(close):
                await close()
        self.close()

    def close(self) -> None:
        with self._lock:
            for c in self._clients:
                close = getattr(c, "close", None)
                if close is not None and not asyncio.iscoroutinefunction(close):
                    close()
            self._clients.clear()
            self._patched.clear()
            if self._server is not None:
                self._server.stop()
                self._server = None
            if self._cache is not None:
                self._cache.close()

    @property
    def model_name(self) -> str:
        return self.settings.model or EMBEDDED_MODEL_NAME

    def _endpoint(self) -> str:
        """Base URL to talk to, starting the embedded server on first need."""
        if self._base_url is not None:
            return self._base_url
        from summarizer.llm import local

        url = local.find_running_server(self.settings)
        if url is None:
            self._server = local.LocalServer(self.settings)
            url = self._server.start()
        self._base_url = url
        return url

    def _call(self, job: PreparedJob) -> transport.Call:
        """What asking the model for ``job``'s answer sends, and what grounds it."""
        return transport.Call(
            self.settings, self.model_name, job.request_schema, job.messages, job.source
        )

    def _create(self, is_async: bool) -> Any:
        """instructor-patched ``create`` over our transport layer, built once per kind."""
        with self._lock:
            if is_async not in self._patched:
                client, create = llm_client.structured_create(
                    self.settings, self._endpoint(), is_async=is_async
                )
                self._clients.append(client)
                self._patched[is_async] = create
            return self._patched[is_async]

    # ------------------------------------------------------------------ pipeline
    def _job(
        self,
        source: Source,
        published: date | None,
        schema: type[BaseModel] | None,
        prompt: Prompt | str | Path | None,
        *,
        input_key: str | None = None,
    ) -> PreparedJob:
        article = load_article(source)
        s = self.settings
        ground_in, cleaning, warnings, segments = _prepare_text(article, s, published)
        model_text = ground_in.text
        schema = schema or OperationReport
        if self._labelling(schema, prompt):
            lp = labelling.plan(model_text)
            messages = lp.messages(published)
            key = answer_key(s, lp.prompt, messages, lp.answer_model)
            return PreparedJob(
                article, published, schema, lp.prompt, messages, key, ground_in, cleaning,
                warnings, segments, labels=lp,
            )  # fmt: skip
        prompt = _resolve_prompt(schema, prompt)
        req = request_schema(schema)
        messages = prompt.render(model_text, published=published, schema=req)
        key = answer_key(s, prompt, messages, schema)
        return PreparedJob(
            article,
            published,
            schema,
            prompt,
            messages,
            key,
            ground_in,
            cleaning,
            warnings,
            segments,
            input_key,
        )

    def _labelling(self, schema: type[BaseModel], prompt: Prompt | str | Path | None) -> bool:
        """The labelling mode applies to the operation report with its own prompt (a
        caller's schema or prompt asks for quotes)."""
        return (
            self.settings.resolved_extraction == "labels"
            and schema is OperationReport
            and prompt is None
        )

    # ------------------------------------------------------------------ input index
    # (pipeline/keys.py says what it is for and what it holds)

    def _indexed_job(
        self,
        article: Article,
        published: date | None,
        schema: type[BaseModel],
        prompt: Prompt,
        ikey: str,
    ) -> PreparedJob | None:
        """The job as the index remembers it (no messages: only for a cache hit)."""
        entry = self._cache.index.get(ikey) if self._cache is not None else None
        found = None if entry is None else from_index(entry, article, published)
        if found is None:
            return None
        return PreparedJob(
            article,
            published,
            schema,
            prompt,
            [],
            found.key,
            found.source,
            found.cleaning,
            found.warnings,
            input_key=ikey,
            from_index=True,
        )

    def _index(self, job: PreparedJob) -> None:
        """Remember what preparing ``job`` produced, under its input-index key (not in
        the labelling mode, whose request is read from the text each time)."""
        if job.labels is not None:
            return
        ikey = job.input_key or self._input_keys.key(
            job.article, job.published, job.schema, job.prompt
        )
        if ikey is not None and self._cache is not None:
            entry = index_entry(job.key, job.source, job.segments, job.cleaning, job.warnings)
            self._cache.index.set(ikey, entry)

    def _from_cache(self, job: PreparedJob) -> Extraction[Any] | None:
        if self._cache is None:
            return None
        entry = self._cache.get(job.key)
        if entry is None:
            return None
        started = time.perf_counter()
        try:
            # the stored alignments spare re-aligning every quote; the answer itself is
            # still validated in full, so a corrupt entry is a miss
            if job.source.memo is not None:
                job.source.memo.seed(entry.get("alignments"))
            value = self._validate(job, entry["content"])
            usage = ExtractionUsage.model_validate(entry.get("usage", {}))
        except (ValidationError, KeyError, TypeError):
            return None  # stale or corrupt: a miss
        if job.labels is None and not _still_grounds(value, entry):
            return None  # planted, or no longer grounded by the current checks: a miss
        # (a labels answer grounds by construction: how many facts its assembly keeps is
        # the library's doing, so a stricter assembly is no reason to ask again)
        meta = self._meta(
            job, usage, [*job.warnings, *entry.get("warnings", [])], time.perf_counter() - started
        )
        meta.cache_hit = True
        meta.attempts = int(entry.get("attempts", 1))
        return self._finish(job, value, meta)

    def _validate(self, job: PreparedJob, content: str) -> BaseModel:
        context = job.source.with_strict(False)
        value = job.request_schema.model_validate_json(content, context=context)
        return self._resolve(job, value)

    @staticmethod
    def _resolve(job: PreparedJob, value: BaseModel) -> BaseModel:
        if job.labels is not None:
            # the labels and the library's readings make the report; validating it
            # against the text locates every quote and runs the claim checks
            fields = labelling.assemble(job.labels, value, job.published)
            value = OperationReport.model_validate(fields, context=job.source.with_strict(False))
        if isinstance(value, OperationReport):
            resolve_report(value, job.source)
        return value

    def _meta(
        self, job: PreparedJob, usage: ExtractionUsage, warnings: list[str], latency: float
    ) -> ExtractionMeta:
        s = self.settings
        schema_version = (
            SCHEMA_VERSION if job.schema is OperationReport else _schema_version(job.schema)
        )
        return ExtractionMeta(
            model=self.model_name,
            endpoint_kind="embedded-llamacpp" if s.embedded else s.resolved_endpoint_kind,
            mode=transport.mode_for(s),
            prompt_version=job.prompt.id,
            schema_name=job.schema.__name__,
            schema_version=schema_version,
            usage=usage,
            attempts=max(usage.requests, 1),
            latency_s=round(latency, 4),
            published=job.published,
            source=job.article.source,
            content_sha256=job.article.sha256,
            cleaning=job.cleaning,
            warnings=list(warnings),
            library_version=__version__,
        )

    def _finish(self, job: PreparedJob, value: BaseModel, meta: ExtractionMeta) -> Extraction[Any]:
        meta.grounded_share = grounded_share(value)
        if "extraction" in type(value).model_fields:
            value.extraction = meta  # type: ignore[attr-defined]
        if isinstance(value, OperationReport):
            value._article = job.article.text
            unbacked = unbacked_summary_figures(value)
            if unbacked:
                meta.warnings.append(
                    "the summary states figures no supported fact backs: " + ", ".join(unbacked)
                )
        return Extraction(value=value, meta=meta)

    def _store(self, job: PreparedJob, answer: transport.Answer) -> Extraction[Any]:
        # the answer was validated against job.source already (strictly, or leniently
        # after the last re-ask); a strict pass that succeeded is what a lenient pass gives
        value = self._resolve(job, answer.value)
        usage = ExtractionUsage(
            requests=answer.stats.requests,
            prompt_tokens=answer.stats.prompt_tokens,
            completion_tokens=answer.stats.completion_tokens,
        )
        if self._cache is not None:
            entry: dict[str, Any] = {
                "content": answer.content,
                "usage": usage.model_dump(),
                "attempts": max(usage.requests, 1),
                "warnings": answer.warnings,
                "model": self.model_name,
                "prompt": job.prompt.id,
            }
            if job.source.memo is not None:
                entry["alignments"] = job.source.memo.export(e.quote for e in iter_evidence(value))
            entry["grounded"], entry["facts"] = _grounding_counts(value)
            self._cache.set(job.key, entry)
            self._index(job)
        warnings = [*job.warnings, *answer.warnings]
        return self._finish(job, value, self._meta(job, usage, warnings, answer.latency_s))

    # ------------------------------------------------------------------ public
    def prepare(
        self,
        source: Source | None = None,
        *,
        path: PathArg | None = None,
        text: str | bytes | None = None,
        published: date | None = None,
        schema: type[BaseModel] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> PreparedJob:
        """The input made ready for the model, with its cache key (``.key``); nothing
        is sent.  The input is ``source``, ``path=`` or ``text=``, read as
        :func:`~summarizer.pipeline.inputs.load_article` says (the same in every public
        method here): ``path=`` is always a file, ``text=`` never is.  A batch asks for
        the key (to skip items already done), then extracts
        the same job with :meth:`extract_prepared`, so nothing is prepared twice.  An
        input the input index knows is not cleaned or rendered at all."""
        article = load_article(as_source(source, path=path, text=text))  # read once
        schema_class = schema or OperationReport
        if self._labelling(schema_class, prompt):
            # no input index: the labelling mode's answer schema is read from the text
            return self._job(article, published, schema_class, None)
        the_prompt = _resolve_prompt(schema_class, prompt)
        ikey = None
        if self._cache is not None:
            ikey = self._input_keys.key(article, published, schema_class, the_prompt)
        if ikey is not None:
            indexed = self._indexed_job(article, published, schema_class, the_prompt, ikey)
            if indexed is not None:
                return indexed
        return self._job(article, published, schema_class, the_prompt, input_key=ikey)

    def item_key(
        self,
        source: Source | None = None,
        *,
        path: PathArg | None = None,
        text: str | bytes | None = None,
        published: date | None = None,
        schema: type[BaseModel] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> str:
        """Hash of the input and of everything that changes the answer (the cache key);
        a resumable run uses it to skip items already done with these settings."""
        source = as_source(source, path=path, text=text)
        return self.prepare(source, published=published, schema=schema, prompt=prompt).key

    def extract(
        self,
        source: Source | None = None,
        *,
        path: PathArg | None = None,
        text: str | bytes | None = None,
        published: date | None = None,
        schema: type[T] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> Extraction[T]:
        """Validated value plus metadata; works with any Pydantic schema."""
        source = as_source(source, path=path, text=text)
        job = self.prepare(source, published=published, schema=schema, prompt=prompt)
        return cast(Extraction[T], self.extract_prepared(job))

    def extract_prepared(self, job: PreparedJob) -> Extraction[Any]:
        """:meth:`extract` of a job :meth:`prepare` made."""
        job, hit = self._lookup(job)
        if hit is not None:
            return hit
        return self._store(job, transport.run_sync(self._create(is_async=False), self._call(job)))

    async def aextract(
        self,
        source: Source | None = None,
        *,
        path: PathArg | None = None,
        text: str | bytes | None = None,
        published: date | None = None,
        schema: type[T] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> Extraction[T]:
        """Async :meth:`extract`: reading, cleaning, cache reads and writes (disk and
        validation) run off the event loop, so other tasks' requests go out meanwhile."""
        source = as_source(source, path=path, text=text)
        job = await asyncio.to_thread(
            self.prepare, source, published=published, schema=schema, prompt=prompt
        )
        return cast(Extraction[T], await self.aextract_prepared(job))

    async def aextract_prepared(self, job: PreparedJob) -> Extraction[Any]:
        """Async :meth:`extract_prepared`."""
        return await self._aask(*await asyncio.to_thread(self._lookup, job))

    async def _aask(self, job: PreparedJob, hit: Extraction[Any] | None) -> Extraction[Any]:
        if hit is not None:
            return hit
        create = await asyncio.to_thread(self._create, True)  # may start the server
        answer = await transport.run_async(create, self._call(job))
        return await asyncio.to_thread(self._store, job, answer)

    def _lookup(self, job: PreparedJob) -> tuple[PreparedJob, Extraction[Any] | None]:
        """The job's cached extraction, if any.  A job read back from the input index
        whose answer is gone is prepared in full (it has no messages to send)."""
        hit = self._from_cache(job)
        if hit is not None or not job.from_index:
            return job, hit
        full = self._job(
            job.article, job.published, job.schema, job.prompt, input_key=job.input_key
        )
        return full, self._from_cache(full)

    def summarize(
        self,
        source: Source | None = None,
        *,
        path: PathArg | None = None,
        text: str | bytes | None = None,
        published: date | None = None,
        schema: type[T] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> T:
        source = as_source(source, path=path, text=text)
        return self.extract(source, published=published, schema=schema, prompt=prompt).value

    async def asummarize(
        self,
        source: Source | None = None,
        *,
        path: PathArg | None = None,
        text: str | bytes | None = None,
        published: date | None = None,
        schema: type[T] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> T:
        source = as_source(source, path=path, text=text)
        ex = await self.aextract(source, published=published, schema=schema, prompt=prompt)
        return ex.value

    # ------------------------------------------------------------------ provider batches
    def pending_request(
        self,
        source: Source | None = None,
        *,
        path: PathArg | None = None,
        text: str | bytes | None = None,
        published: date | None = None,
        schema: type[BaseModel] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> PendingRequest:
        """The item's key and the ``/chat/completions`` body :meth:`extract` would send
        first, or the cached extraction instead of a body; nothing is sent and no
        server is started (a provider batch file is made of these bodies)."""
        source = as_source(source, path=path, text=text)
        job, hit = self._lookup(
            self.prepare(source, published=published, schema=schema, prompt=prompt)
        )
        if hit is not None:
            return PendingRequest(job.key, None, hit)
        body = transport.request_body(
            self.settings, self.model_name, job.request_schema, job.messages
        )
        return PendingRequest(job.key, body, None)

    def extract_completion(
        self,
        source: Source,
        completion: dict[str, Any],
        *,
        published: date | None = None,
        schema: type[T] | None = None,
        prompt: Prompt | str | Path | None = None,
        key: str | None = None,
        lenient: bool = False,
    ) -> Extraction[T]:
        """What :meth:`extract` returns when the model's first answer is ``completion``
        (a chat-completion body obtained elsewhere: a provider batch's output line).
        It is validated like a live first answer (strict grounding; no re-ask, so a
        failure is an ``ExtractionError`` unless ``lenient``), then resolved and cached
        under the same key, so a later :meth:`extract` of the input is a cache hit.  An
        input already cached gives the cached extraction (collecting twice is
        harmless).  ``key`` is the key the completion was asked under: if the input or
        the settings no longer give it, ``ConfigError``."""
        job, hit = self._lookup(
            self.prepare(source, published=published, schema=schema, prompt=prompt)
        )
        if key is not None and job.key != key:
            raise ConfigError(
                "this input no longer gives the key its answer was asked under "
                "(the article, its date, the prompt, the schema or the settings changed)"
            )
        if hit is not None:
            return cast(Extraction[T], hit)
        answer = transport.answer_completion(self._call(job), completion, lenient=lenient)
        return cast(Extraction[T], self._store(job, answer))


def summarize(
    text_or_path: Source | None = None,
    *,
    path: PathArg | None = None,
    text: str | bytes | None = None,
    published: date | None = None,
    settings: Settings | None = None,
    schema: type[T] | None = None,
    prompt: Prompt | str | Path | None = None,
) -> T:
    """One article, one report.  For many, keep a :class:`Summarizer` open.

    Give the article once: ``path=`` (always read from disk), ``text=`` (never read
    from disk; the string or bytes are the article), or positionally.  Positionally a
    ``Path`` is read, ``bytes`` are the page, and a ``str`` is the text itself unless it
    looks like a path (one line, ending ``.txt``/``.md``/``.html``..., or like
    ``dir/name``, ``/abs``, ``./rel``): then it must name an article file (a regular
    file with one of those endings), which is read, or it is an ``InputError`` ("no
    such file: ...", or "pass path=... or text=...") and nothing is sent.  A string is
    thus never read unless it plainly names an article file, and never sent as text
    when it plainly names a path; say ``path=``/``text=`` to take guessing out.  No
    input is read past 20 MB (:data:`~summarizer.pipeline.inputs.MAX_BYTES`)."""
    source = as_source(text_or_path, path=path, text=text)
    with Summarizer(settings) as s:
        return s.summarize(source, published=published, schema=schema, prompt=prompt)


async def asummarize(
    text_or_path: Source | None = None,
    *,
    path: PathArg | None = None,
    text: str | bytes | None = None,
    published: date | None = None,
    settings: Settings | None = None,
    schema: type[T] | None = None,
    prompt: Prompt | str | Path | None = None,
) -> T:
    """Async :func:`summarize` (same inputs)."""
    source = as_source(text_or_path, path=path, text=text)
    async with Summarizer(settings) as s:
        return await s.asummarize(source, published=published, schema=schema, prompt=prompt)


def _grounding_counts(value: BaseModel) -> tuple[int, int]:
    """(grounded facts, facts with evidence) of an answer, stored with it in the cache."""
    evidence = list(iter_evidence(value))
    return sum(e.grounded for e in evidence), len(evidence)


def _still_grounds(value: BaseModel, entry: dict[str, Any]) -> bool:
    """Whether a cached answer, validated again against this article, grounds at least
    as many facts as when it was stored.  An entry planted by another writer of a
    shared cache (or one the current claim checks no longer accept) is then a miss,
    not a hit; one without counts is accepted only if something in it grounds."""
    grounded, facts = _grounding_counts(value)
    stored = entry.get("grounded")
    if type(stored) is int:
        return grounded >= stored
    return facts == 0 or grounded > 0
