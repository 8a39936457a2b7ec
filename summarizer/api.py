"""The entry point: one ``Summarizer`` per settings, shared by threads and tasks.

Data flows one way: input → prompt → cache lookup → model (instructor) → ground →
metadata → cache write.  The embedded server is started only on a cache miss, so a
fully cached run never loads the model.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError

from summarizer import extract
from summarizer._version import __version__
from summarizer.cache import ResponseCache, cache_key
from summarizer.clean import clean_page
from summarizer.errors import ConfigError
from summarizer.ground import GroundingContext, grounding
from summarizer.inputs import Article, load_article
from summarizer.prompts import Prompt, load_prompt
from summarizer.resolve import resolve_report
from summarizer.schema import (
    SCHEMA_VERSION,
    CleaningMeta,
    ExtractionMeta,
    ExtractionUsage,
    OperationReport,
    grounded_share,
    request_schema,
)
from summarizer.settings import EMBEDDED_MODEL_NAME, Settings

T = TypeVar("T", bound=BaseModel)

Source = str | Path | bytes | Article


@dataclass
class Extraction(Generic[T]):
    """A validated value and how it was obtained."""

    value: T
    meta: ExtractionMeta


@dataclass(frozen=True)
class _Job:
    article: Article
    published: date | None
    schema: type[BaseModel]
    prompt: Prompt
    messages: list[dict[str, str]]
    key: str
    source: GroundingContext  # the text the model reads, mapped back to the page
    cleaning: CleaningMeta | None
    warnings: tuple[str, ...] = ()


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
    warnings: tuple[str, ...] = ()
    if article.from_html:
        warnings += ("input was an HTML page; its visible text was used",)
    cleaning: CleaningMeta | None = None
    to_original = None
    text = article.text
    if s.clean:
        page = clean_page(article.text)
        text, to_original = page.main.text, page.main.to_original
        cleaning = CleaningMeta(
            chars_removed=page.chars_removed,
            tokens_removed_estimate=page.tokens_removed_estimate,
            set_aside=[st.title or st.text[:80] for st in page.set_aside],
        )
        if n := sum(r.reason == "injection" for r in page.removed):
            warnings += (f"removed {n} line(s) addressed to a language model (prompt injection)",)
    limit = s.resolved_max_input_chars
    if len(text) > limit:
        cut = truncation_point(text, limit)
        warnings += (
            f"article truncated from {len(text)} to {cut} characters to fit the "
            f"model's input limit ({limit}); facts after that point are not reported",
        )
        text = text[:cut]
    return GroundingContext(text, published, True, to_original), cleaning, warnings


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
        self._cache = ResponseCache(settings.resolved_cache_dir) if settings.use_cache else None
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

    def _model_identity(self) -> str:
        """What the cache key calls the model: the weights' hash when we serve them."""
        s = self.settings
        if not s.embedded:
            return s.model or ""
        if s.model_path is None:
            from summarizer.local import BUNDLED_SHA256

            return f"{EMBEDDED_MODEL_NAME}@sha256:{BUNDLED_SHA256}"
        if s.model_sha256:
            return f"gguf@sha256:{s.model_sha256}"
        st = Path(s.model_path).stat()
        return f"gguf:{Path(s.model_path).name}:{st.st_size}:{int(st.st_mtime)}"

    def _endpoint(self) -> str:
        """Base URL to talk to, starting the embedded server on first need."""
        if self._base_url is not None:
            return self._base_url
        from summarizer import local

        url = local.find_running_server(self.settings)
        if url is None:
            self._server = local.LocalServer(self.settings)
            url = self._server.start()
        self._base_url = url
        return url

    def _create(self, is_async: bool) -> Any:
        """instructor-patched ``create`` over our transport layer, built once per kind."""
        with self._lock:
            if is_async not in self._patched:
                import instructor
                import openai

                client_cls = openai.AsyncOpenAI if is_async else openai.OpenAI
                client = client_cls(
                    base_url=self._endpoint(),
                    api_key=self.settings.api_key_value(),
                    timeout=self.settings.timeout,
                    max_retries=0,  # tenacity in extract.py owns transport retries
                )
                self._clients.append(client)
                wrap: Any = extract.async_transport_create if is_async else extract.transport_create
                self._patched[is_async] = instructor.patch(
                    create=wrap(self.settings, client.chat.completions.create),
                    mode=instructor.Mode[extract.mode_for(self.settings)],
                )
            return self._patched[is_async]

    # ------------------------------------------------------------------ pipeline
    def _job(
        self,
        source: Source,
        published: date | None,
        schema: type[BaseModel] | None,
        prompt: Prompt | str | Path | None,
    ) -> _Job:
        article = load_article(source)
        s = self.settings
        ground_in, cleaning, warnings = prepare_text(article, s, published)
        model_text = ground_in.text
        schema = schema or OperationReport
        if prompt is None:
            prompt = load_prompt("operation_report" if schema is OperationReport else "generic")
        elif not isinstance(prompt, Prompt):
            prompt = Prompt.from_file(prompt)
        req = request_schema(schema)
        messages = prompt.render(model_text, published=published, schema=req)
        key = cache_key(
            {
                "endpoint_kind": s.resolved_endpoint_kind,
                "model": self._model_identity(),
                "mode": extract.mode_for(s),
                "prompt": prompt.id,
                "messages": messages,
                "schema": req,
                "sampling": {
                    "temperature": s.temperature,
                    "seed": s.seed,
                    "max_tokens": s.max_tokens,
                },
            }
        )
        return _Job(
            article, published, schema, prompt, messages, key, ground_in, cleaning, warnings
        )

    def _from_cache(self, job: _Job) -> Extraction[Any] | None:
        if self._cache is None:
            return None
        entry = self._cache.get(job.key)
        if entry is None:
            return None
        started = time.perf_counter()
        try:
            value = self._validate(job, entry["content"])
            usage = ExtractionUsage.model_validate(entry.get("usage", {}))
        except (ValidationError, KeyError, TypeError):
            return None  # stale or corrupt: a miss
        meta = self._meta(
            job, usage, [*job.warnings, *entry.get("warnings", [])], time.perf_counter() - started
        )
        meta.cache_hit = True
        meta.attempts = int(entry.get("attempts", 1))
        return self._finish(job, value, meta)

    def _validate(self, job: _Job, content: str) -> BaseModel:
        with grounding(job.source, strict=False):
            value = job.schema.model_validate_json(content)
        if isinstance(value, OperationReport):
            resolve_report(value, job.source)
        return value

    def _meta(
        self, job: _Job, usage: ExtractionUsage, warnings: list[str], latency: float
    ) -> ExtractionMeta:
        s = self.settings
        schema_version = (
            SCHEMA_VERSION
            if job.schema is OperationReport
            else hashlib.sha256(
                json.dumps(request_schema(job.schema), sort_keys=True).encode()
            ).hexdigest()[:12]
        )
        return ExtractionMeta(
            model=self.model_name,
            endpoint_kind="embedded-llamacpp" if s.embedded else s.resolved_endpoint_kind,
            mode=extract.mode_for(s),
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

    def _finish(self, job: _Job, value: BaseModel, meta: ExtractionMeta) -> Extraction[Any]:
        meta.grounded_share = grounded_share(value)
        if "extraction" in type(value).model_fields:
            value.extraction = meta  # type: ignore[attr-defined]
        if isinstance(value, OperationReport):
            value._article = job.article.text
        return Extraction(value=value, meta=meta)

    def _store(self, job: _Job, answer: extract.Answer) -> Extraction[Any]:
        value = self._validate(job, answer.content)
        usage = ExtractionUsage(
            requests=answer.stats.requests,
            prompt_tokens=answer.stats.prompt_tokens,
            completion_tokens=answer.stats.completion_tokens,
        )
        if self._cache is not None:
            self._cache.set(
                job.key,
                {
                    "content": answer.content,
                    "usage": usage.model_dump(),
                    "attempts": max(usage.requests, 1),
                    "warnings": answer.warnings,
                    "model": self.model_name,
                    "prompt": job.prompt.id,
                },
            )
        warnings = [*job.warnings, *answer.warnings]
        return self._finish(job, value, self._meta(job, usage, warnings, answer.latency_s))

    # ------------------------------------------------------------------ public
    def item_key(
        self,
        source: Source,
        *,
        published: date | None = None,
        schema: type[BaseModel] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> str:
        """Hash of the input and of everything that changes the answer (the cache key);
        a resumable run uses it to skip items already done with these settings."""
        return self._job(source, published, schema, prompt).key

    def extract(
        self,
        source: Source,
        *,
        published: date | None = None,
        schema: type[T] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> Extraction[T]:
        """Validated value plus metadata; works with any Pydantic schema."""
        job = self._job(source, published, schema, prompt)
        hit = self._from_cache(job)
        if hit is not None:
            return cast(Extraction[T], hit)
        answer = extract.run_sync(
            self._create(is_async=False),
            self.settings,
            self.model_name,
            job.schema,
            job.messages,
            job.source,
        )
        return cast(Extraction[T], self._store(job, answer))

    async def aextract(
        self,
        source: Source,
        *,
        published: date | None = None,
        schema: type[T] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> Extraction[T]:
        job = await asyncio.to_thread(self._job, source, published, schema, prompt)
        hit = self._from_cache(job)
        if hit is not None:
            return cast(Extraction[T], hit)
        create = await asyncio.to_thread(self._create, True)  # may start the server
        answer = await extract.run_async(
            create,
            self.settings,
            self.model_name,
            job.schema,
            job.messages,
            job.source,
        )
        return cast(Extraction[T], self._store(job, answer))

    def summarize(
        self,
        source: Source,
        *,
        published: date | None = None,
        schema: type[T] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> T:
        return self.extract(source, published=published, schema=schema, prompt=prompt).value

    async def asummarize(
        self,
        source: Source,
        *,
        published: date | None = None,
        schema: type[T] | None = None,
        prompt: Prompt | str | Path | None = None,
    ) -> T:
        ex = await self.aextract(source, published=published, schema=schema, prompt=prompt)
        return ex.value


def summarize(
    text_or_path: Source,
    *,
    published: date | None = None,
    settings: Settings | None = None,
    schema: type[T] | None = None,
    prompt: Prompt | str | Path | None = None,
) -> T:
    """One article, one report.  For many, keep a :class:`Summarizer` open."""
    with Summarizer(settings) as s:
        return s.summarize(text_or_path, published=published, schema=schema, prompt=prompt)


async def asummarize(
    text_or_path: Source,
    *,
    published: date | None = None,
    settings: Settings | None = None,
    schema: type[T] | None = None,
    prompt: Prompt | str | Path | None = None,
) -> T:
    async with Summarizer(settings) as s:
        return await s.asummarize(text_or_path, published=published, schema=schema, prompt=prompt)
