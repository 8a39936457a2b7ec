"""Provider batch APIs: many articles as one OpenAI Batch job (half the price, answered
within 24 hours), asked, validated, grounded and cached exactly as live calls are.

:func:`submit` writes one ``/v1/chat/completions`` request per article the cache cannot
answer, whose body is the live path's first request (:meth:`Summarizer.pending_request`),
uploads them as a ``purpose=batch`` file and creates the batch.  Each request's
``custom_id`` is the item's cache key.  A small JSON manifest (batch id, input file id,
each item's source, date and key, the settings that shape the key) lets :func:`poll`
and :func:`collect` run in another process days later.

:func:`collect` reads the output and error files and hands each answer to
:meth:`Summarizer.extract_completion`: the same instructor parser under strict
grounding against the cleaned article, date and quantity resolution, and the cache
write of a live answer, so a later ``summarize`` of the same article is a cache hit.
A batch cannot re-ask: an answer that fails validation, and a request the provider
failed, is a per-item error (``reask_live=True`` sends those through the live path,
with its re-asks, instead).  Collecting twice is harmless: answers already cached
come from the cache, and results are keyed by ``custom_id``, never by line order.

Management calls (upload, batch creation, status, file content) are
:mod:`summarizer.llm.provider_batch_api`'s: reads are retried like chat calls, the two
writes only after a 429, because a retried timeout could create a second batch that is
billed too.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel

from summarizer.core.results import Extraction
from summarizer.core.schema import OperationReport
from summarizer.errors import ConfigError, InputError, SummarizerError, Usage
from summarizer.llm import provider_batch_api
from summarizer.llm.transport import mode_for
from summarizer.pipeline.inputs import Article, load_article
from summarizer.pipeline.keys import model_identity
from summarizer.pipeline.prompts import Prompt
from summarizer.pipeline.summarizer import Summarizer
from summarizer.runs.budget import Prices
from summarizer.runs.many import Item, ItemError, ItemResult, item_label, split_item
from summarizer.settings import Settings

__all__ = [
    "BATCH_DISCOUNT",
    "BatchJob",
    "BatchNotReady",
    "BatchStatus",
    "ManifestItem",
    "acollect",
    "apoll",
    "asubmit",
    "batch_prices",
    "build_requests",
    "collect",
    "job_settings",
    "load_job",
    "poll",
    "submit",
    "wait",
]

#: the one endpoint these batches call
ENDPOINT = "/v1/chat/completions"
#: the only completion window OpenAI offers
COMPLETION_WINDOW = "24h"
#: OpenAI's Batch API price relative to the same synchronous request
BATCH_DISCOUNT = 0.5
#: OpenAI's limits for one batch's input file
MAX_REQUESTS = 50_000
MAX_INPUT_BYTES = 200 * 1024 * 1024
#: batch states after which nothing changes
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})

MANIFEST_FORMAT = "summarizer-provider-batch/1"
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class BatchNotReady(SummarizerError, kind="batch_pending"):
    """The batch has not reached a final state; poll again later."""


# --------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class ManifestItem:
    """One input of a submitted batch, enough to find its answer and check it again."""

    index: int
    source: str | None
    published: date | None
    key: str | None = None
    sha256: str | None = None
    #: absolute path to read the article from again (inputs given as files)
    path: str | None = None
    #: the article itself, for inputs that have no file (inline text, bytes, Articles)
    text: str | None = None
    from_html: bool = False
    #: False when the cache already had the answer: not in the batch
    submitted: bool = False
    #: why the input could not be prepared (it is not in the batch either)
    error: ItemError | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["published"] = self.published.isoformat() if self.published else None
        if self.error is not None:
            data["error"] = {"kind": self.error.kind, "message": self.error.message}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ManifestItem:
        err = data.get("error")
        pub = data.get("published")
        return cls(
            index=int(data["index"]),
            source=data.get("source"),
            published=date.fromisoformat(pub) if pub else None,
            key=data.get("key"),
            sha256=data.get("sha256"),
            path=data.get("path"),
            text=data.get("text"),
            from_html=bool(data.get("from_html", False)),
            submitted=bool(data.get("submitted", False)),
            error=ItemError(str(err["kind"]), str(err["message"])) if err else None,
        )


@dataclass(frozen=True)
class BatchJob:
    """A submitted batch as the manifest file keeps it (no secrets: no key, no
    credentials in the URL)."""

    batch_id: str | None
    input_file_id: str | None
    base_url: str
    model: str
    #: the settings that shape every item's key (see :func:`_fingerprint`)
    settings: dict[str, Any]
    settings_digest: str
    #: ``module:QualName`` of a custom schema, None for OperationReport
    schema: str | None
    #: a prompt file given by path, None for the schema's default prompt
    prompt: str | None
    created_at: str
    items: tuple[ManifestItem, ...]
    path: Path | None = None

    @property
    def requests(self) -> int:
        """Requests in the batch (identical inputs share one)."""
        return len({i.key for i in self.items if i.submitted})

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "batch_id": self.batch_id,
            "input_file_id": self.input_file_id,
            "base_url": self.base_url,
            "model": self.model,
            "settings": self.settings,
            "settings_digest": self.settings_digest,
            "schema": self.schema,
            "prompt": self.prompt,
            "created_at": self.created_at,
            "items": [i.to_json() for i in self.items],
        }

    def save(self, path: str | Path) -> BatchJob:
        """Write the manifest atomically (readable by its owner only); returns the job
        with ``path`` set."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".batch-", suffix=".json", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_json(), fh, ensure_ascii=False, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return replace(self, path=target)

    @classmethod
    def load(cls, path: str | Path) -> BatchJob:
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            if data.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"format is {data.get('format')!r}, not {MANIFEST_FORMAT!r}")
            return cls(
                batch_id=data["batch_id"],
                input_file_id=data["input_file_id"],
                base_url=data["base_url"],
                model=data["model"],
                settings=dict(data["settings"]),
                settings_digest=data["settings_digest"],
                schema=data.get("schema"),
                prompt=data.get("prompt"),
                created_at=data["created_at"],
                items=tuple(ManifestItem.from_json(i) for i in data["items"]),
                path=p,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"cannot read the batch manifest {p}: {exc}") from None


def load_job(ref: str | Path, settings: Settings | None = None) -> BatchJob:
    """A manifest by path, or by batch id from the cache's ``batches/`` directory."""
    p = Path(ref)
    if p.is_file():
        return BatchJob.load(p)
    folder = (settings or Settings.from_env()).resolved_cache_dir / "batches"
    candidate = folder / f"{ref}.json"
    if re.fullmatch(r"[A-Za-z0-9_\-]+", str(ref)) and candidate.is_file():
        return BatchJob.load(candidate)
    raise ConfigError(f"no batch manifest at {ref!s} (nor {candidate})")


@dataclass(frozen=True)
class BatchStatus:
    """What the provider says about a batch now."""

    batch_id: str | None
    status: str
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    #: why the provider rejected the whole batch (``code`` and input line)
    errors: tuple[str, ...] = ()
    created_at: int | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "errors": list(self.errors), "done": self.done}

    @classmethod
    def from_batch(cls, batch: Any) -> BatchStatus:
        counts = getattr(batch, "request_counts", None)
        errs = getattr(getattr(batch, "errors", None), "data", None) or []
        return cls(
            batch_id=batch.id,
            status=str(batch.status),
            total=int(getattr(counts, "total", 0) or 0),
            completed=int(getattr(counts, "completed", 0) or 0),
            failed=int(getattr(counts, "failed", 0) or 0),
            output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
            errors=tuple(
                f"{_code(e.code) or 'error'}"
                + (f" (input line {e.line})" if e.line is not None else "")
                for e in errs
            ),
            created_at=getattr(batch, "created_at", None),
        )


# --------------------------------------------------------------------------- helpers


def batch_prices(
    prices: Prices, discount: float = BATCH_DISCOUNT
) -> dict[str, tuple[float, float]]:
    """A price table for batch requests: every list price times ``discount``."""
    return {m: (p[0] * discount, p[1] * discount) for m, p in prices.items()}


def _code(value: Any) -> str | None:
    """A provider's error code, if it looks like one (free text might echo a key)."""
    return value if isinstance(value, str) and _CODE.match(value) else None


def _public_url(url: str) -> str:
    """The endpoint without credentials a URL may carry (user info, query)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _fingerprint(s: Summarizer) -> dict[str, Any]:
    """The settings every item's key depends on, beside the article and the prompt."""
    st = s.settings
    return {
        "endpoint_kind": st.resolved_endpoint_kind,
        "model": model_identity(st),
        "mode": mode_for(st),
        "temperature": st.temperature,
        "seed": st.seed,
        "max_tokens": st.max_tokens,
        "clean": st.clean,
        "max_input_chars": st.resolved_max_input_chars,
    }


def _digest(fingerprint: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()


def _schema_ref(schema: type[BaseModel] | None) -> str | None:
    if schema is None or schema is OperationReport:
        return None
    return f"{schema.__module__}:{schema.__qualname__}"


def _import_schema(ref: str) -> type[BaseModel]:
    module, _, qualname = ref.partition(":")
    try:
        obj: Any = import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise ConfigError(f"cannot import the batch's schema {ref!r}; pass schema=") from None
    if not (isinstance(obj, type) and issubclass(obj, BaseModel)):
        raise ConfigError(f"{ref!r} is not a Pydantic model")
    return obj


def _remote(settings: Settings) -> None:
    if settings.embedded:
        raise ConfigError(
            "provider batches need a remote endpoint that implements the Batch API "
            "(SUMMARIZER_BASE_URL and SUMMARIZER_MODEL); the embedded server has none"
        )


@contextlib.contextmanager
def _using(
    settings: Settings | None, summarizer: Summarizer | None
) -> Generator[Summarizer, None, None]:
    if summarizer is not None:
        yield summarizer
        return
    with Summarizer(settings) as s:
        yield s


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------- submit


def build_requests(
    items: Iterable[Item],
    summarizer: Summarizer,
    *,
    published: date | None = None,
    schema: type[BaseModel] | None = None,
    prompt: Prompt | str | Path | None = None,
) -> tuple[list[ManifestItem], list[dict[str, Any]]]:
    """The manifest entries and the batch input lines for ``items``; nothing is sent.

    Items the cache answers are not requested; identical inputs share one request;
    an input that cannot be read is recorded with its error and not requested.
    """
    entries: list[ManifestItem] = []
    lines: list[dict[str, Any]] = []
    requested: set[str] = set()
    for index, item in enumerate(items):
        src, pub = split_item(item, published)
        label = item_label(src)
        try:
            article = load_article(src)
            pending = summarizer.pending_request(
                article, published=pub, schema=schema, prompt=prompt
            )
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
            entries.append(ManifestItem(index, label, pub, error=ItemError.from_exception(exc)))
            continue
        by_path = isinstance(src, (str, Path)) and label is not None
        entries.append(
            ManifestItem(
                index,
                label,
                pub,
                key=pending.key,
                sha256=article.sha256,
                path=str(Path(label).resolve()) if by_path and label else None,
                text=None if by_path else article.text,
                from_html=article.from_html,
                submitted=pending.body is not None,
            )
        )
        if pending.body is not None and pending.key not in requested:
            requested.add(pending.key)
            lines.append(
                {"custom_id": pending.key, "method": "POST", "url": ENDPOINT, "body": pending.body}
            )
    return entries, lines


def _jsonl(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(
        json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        for line in lines
    )


def submit(
    items: Iterable[Item],
    settings: Settings | None = None,
    *,
    summarizer: Summarizer | None = None,
    published: date | None = None,
    schema: type[BaseModel] | None = None,
    prompt: Prompt | str | Path | None = None,
    manifest: str | Path | None = None,
    metadata: Mapping[str, str] | None = None,
) -> BatchJob:
    """Upload the requests the cache cannot answer as one batch; returns the job, whose
    manifest is saved at ``manifest`` (default: ``<cache_dir>/batches/<batch id>.json``).

    With nothing to ask (every item cached or unreadable) no batch is created and the
    job's ``batch_id`` is None; :func:`collect` then serves everything from the cache.
    """
    with _using(settings, summarizer) as s:
        st = s.settings
        _remote(st)
        entries, lines = build_requests(items, s, published=published, schema=schema, prompt=prompt)
        fingerprint = _fingerprint(s)
        job = BatchJob(
            batch_id=None,
            input_file_id=None,
            base_url=_public_url(st.base_url or ""),
            model=s.model_name,
            settings=fingerprint,
            settings_digest=_digest(fingerprint),
            schema=_schema_ref(schema),
            prompt=str(Path(prompt).resolve()) if isinstance(prompt, (str, Path)) else None,
            created_at=_now(),
            items=tuple(entries),
        )
        if lines:
            data = _jsonl(lines)
            if len(lines) > MAX_REQUESTS or len(data) > MAX_INPUT_BYTES:
                raise ConfigError(
                    f"{len(lines)} requests, {len(data):,} bytes: one batch takes at most "
                    f"{MAX_REQUESTS:,} requests and {MAX_INPUT_BYTES:,} bytes; split the input"
                )
            file_id, batch_id = provider_batch_api.create_batch(
                st, data, endpoint=ENDPOINT, completion_window=COMPLETION_WINDOW, metadata=metadata
            )
            job = replace(job, batch_id=batch_id, input_file_id=file_id)
        name = job.batch_id or f"cached-{job.created_at.replace(':', '')}"
        return job.save(manifest or st.resolved_cache_dir / "batches" / f"{name}.json")


# --------------------------------------------------------------------------- poll


def job_settings(job: BatchJob, **overrides: Any) -> Settings:
    """Settings for another process to poll and collect ``job``: the environment's,
    with what the manifest recorded (endpoint, model, sampling) filled in so the keys
    come out the same, then ``overrides`` (None values ignored)."""
    base = Settings.from_env()
    restored: dict[str, Any] = {"base_url": job.base_url, "model": job.model}
    fp = job.settings
    for name in ("endpoint_kind", "temperature", "seed", "max_tokens", "clean"):
        if name in fp:
            restored[name] = fp[name]
    if base.max_input_chars is None and isinstance(fp.get("max_input_chars"), int):
        restored["max_input_chars"] = fp["max_input_chars"]
    restored.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**{**base.model_dump(), **restored})


def _settings_for(job: BatchJob, settings: Settings | None) -> Settings:
    return settings if settings is not None else job_settings(job)


def poll(job: BatchJob, settings: Settings | None = None) -> BatchStatus:
    """The batch's state and request counts now (one read; see :func:`wait`)."""
    if job.batch_id is None:
        return BatchStatus(None, "completed")
    st = _settings_for(job, settings)
    _remote(st)
    return BatchStatus.from_batch(provider_batch_api.retrieve_batch(st, job.batch_id))


def wait(
    job: BatchJob,
    settings: Settings | None = None,
    *,
    interval: float = 60.0,
    timeout: float | None = None,
) -> BatchStatus:
    """Poll every ``interval`` seconds until the batch is final (or ``timeout``)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        status = poll(job, settings)
        if status.done or (deadline is not None and time.monotonic() >= deadline):
            return status
        left = interval if deadline is None else deadline - time.monotonic()
        time.sleep(max(0.0, min(interval, left)))


# --------------------------------------------------------------------------- collect


def _lines(text: str) -> dict[str, dict[str, Any]]:
    """Output or error file lines by ``custom_id`` (lines come in any order)."""
    found: dict[str, dict[str, Any]] = {}
    for raw in text.splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and isinstance(line.get("custom_id"), str):
            found[line["custom_id"]] = line
    return found


def _fetch(st: Settings, status: BatchStatus) -> dict[str, dict[str, Any]]:
    """Every answered line, from the output file and then the error file."""
    answered: dict[str, dict[str, Any]] = {}
    file_ids = [f for f in (status.error_file_id, status.output_file_id) if f]
    if not file_ids:
        return answered
    for text in provider_batch_api.file_texts(st, file_ids):
        answered.update(_lines(text))  # output last: it wins for a custom_id in both
    return answered


def _reload(item: ManifestItem) -> Article:
    """The article as it was submitted; a file that changed since is an error."""
    if item.text is not None:
        return Article(item.text, item.source, item.from_html)
    if item.path is None:
        raise InputError("the manifest holds neither the article nor its path")
    article = load_article(Path(item.path))
    if article.sha256 != item.sha256:
        raise InputError(f"{item.source or item.path} changed since the batch was submitted")
    return Article(article.text, item.source, article.from_html)


@dataclass(frozen=True)
class _Collect:
    """What every item of one collect needs: read-only."""

    job: BatchJob
    summarizer: Summarizer
    status: BatchStatus
    answered: dict[str, dict[str, Any]]
    schema: type[BaseModel] | None
    prompt: Prompt | str | Path | None
    reask_live: bool
    lenient: bool


def _ok(item: ManifestItem, ex: Extraction[Any]) -> ItemResult:
    return ItemResult(item.index, item.source, item.key, ex.value, ex.meta, None)


def _error(item: ManifestItem, error: ItemError) -> ItemResult:
    return ItemResult(item.index, item.source, item.key, None, None, error)


def _failed_line(line: Mapping[str, Any]) -> ItemError:
    """A request the provider answered with an error, or did not run."""
    response = line.get("response")
    if isinstance(response, dict) and response.get("status_code") is not None:
        body = response.get("body")
        err = body.get("error") if isinstance(body, dict) else None
        code = _code(err.get("code") or err.get("type")) if isinstance(err, dict) else None
        detail = f" ({code})" if code else ""
        return ItemError(
            "provider", f"the provider answered HTTP {response['status_code']}{detail}"
        )
    err = line.get("error")
    code = _code(err.get("code")) if isinstance(err, dict) else None
    return ItemError("provider", f"the provider did not run this request ({code or 'no code'})")


def _answer(run: _Collect, item: ManifestItem, article: Article) -> ItemResult:
    s, key = run.summarizer, item.key
    kw: dict[str, Any] = {"published": item.published, "schema": run.schema, "prompt": run.prompt}
    if not item.submitted:
        pending = s.pending_request(article, **kw)
        if pending.cached is not None and pending.key == key:
            return _ok(item, pending.cached)
        return _error(
            item,
            ItemError("missing", "the cache answered this item at submit and no longer does"),
        )
    line = run.answered.get(key or "")
    if line is None:
        why = (
            f"the batch ended {run.status.status}"
            if run.status.status != "completed"
            else "missing from the batch's output"
        )
        return _error(item, ItemError("provider", f"no answer: {why}"))
    response = line.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    if not (
        isinstance(response, dict) and response.get("status_code") == 200 and isinstance(body, dict)
    ):
        return _error(item, _failed_line(line))
    try:
        ex = s.extract_completion(article, body, key=key, lenient=run.lenient, **kw)
    except Exception as exc:  # noqa: BLE001 - a failed item is a value
        return _error(item, ItemError.from_exception(exc))
    return _ok(item, ex)


def _live(run: _Collect, item: ManifestItem, article: Article, first: ItemResult) -> ItemResult:
    """A failed item sent through the live path (with its re-asks)."""
    try:
        ex = run.summarizer.extract(
            article, published=item.published, schema=run.schema, prompt=run.prompt
        )
    except Exception as exc:  # noqa: BLE001 - a failed item is a value
        error = ItemError.from_exception(exc)
        before = first.error.usage if first.error is not None else None
        if before is not None and error.usage is not None:  # both were paid for
            error = replace(
                error, usage=Usage(*(a + b for a, b in zip(before, error.usage, strict=True)))
            )
        return _error(item, error)
    return _ok(item, ex)


def _results(run: _Collect, close: bool) -> Generator[ItemResult, None, None]:
    try:
        for item in run.job.items:
            if item.error is not None:
                yield _error(item, item.error)
                continue
            try:
                article = _reload(item)
            except SummarizerError as exc:
                yield _error(item, ItemError.from_exception(exc))
                continue
            try:
                result = _answer(run, item, article)
            except Exception as exc:  # noqa: BLE001 - a failed item is a value
                result = _error(item, ItemError.from_exception(exc))
            if run.reask_live and not result.ok:
                result = _live(run, item, article, result)
            yield result
    finally:
        if close:
            run.summarizer.close()


def collect(
    job: BatchJob,
    settings: Settings | None = None,
    *,
    summarizer: Summarizer | None = None,
    schema: type[BaseModel] | None = None,
    prompt: Prompt | str | Path | None = None,
    reask_live: bool = False,
    lenient: bool = False,
) -> Iterator[ItemResult]:
    """One :class:`~summarizer.runs.many.ItemResult` per submitted input, in input order.

    The batch must be final (else :class:`BatchNotReady`, raised at the call).  Each
    answer is validated, grounded, resolved and cached like a live first answer;
    failures are values.  ``reask_live`` sends failed items through the live path
    (which re-asks); ``lenient`` keeps a structurally valid answer whose quotes are
    not found, marked, as the live path does after its last re-ask.  ``schema`` and
    ``prompt`` default to what the manifest recorded.  Without ``summarizer`` one is
    made from ``settings`` (default: the environment plus the manifest's endpoint,
    model and sampling) and closed when the iterator ends.
    """
    owned = summarizer is None
    s = summarizer or Summarizer(_settings_for(job, settings))
    try:
        fingerprint = _fingerprint(s)
        if _digest(fingerprint) != job.settings_digest:
            changed = sorted(k for k in fingerprint if fingerprint[k] != job.settings.get(k))
            raise ConfigError(
                "these settings do not give the keys the batch was submitted with "
                f"(differs: {', '.join(changed) or 'unknown'})"
            )
        schema_cls = schema or (_import_schema(job.schema) if job.schema else None)
        the_prompt = prompt if prompt is not None else job.prompt
        status = poll(job, s.settings)
        if not status.done:
            raise BatchNotReady(
                f"batch {job.batch_id} is {status.status} "
                f"({status.completed + status.failed} of {status.total} requests done)"
            )
        answered = _fetch(s.settings, status) if job.batch_id is not None else {}
    except BaseException:
        if owned:
            s.close()
        raise
    run = _Collect(job, s, status, answered, schema_cls, the_prompt, reask_live, lenient)
    return _results(run, close=owned)


# --------------------------------------------------------------------------- async


async def asubmit(
    items: Iterable[Item], settings: Settings | None = None, **kwargs: Any
) -> BatchJob:
    """:func:`submit` off the event loop (its work is file reads, hashing and two
    HTTP calls)."""
    return await asyncio.to_thread(submit, list(items), settings, **kwargs)


async def apoll(job: BatchJob, settings: Settings | None = None) -> BatchStatus:
    """:func:`poll` off the event loop."""
    return await asyncio.to_thread(poll, job, settings)


async def acollect(
    job: BatchJob, settings: Settings | None = None, **kwargs: Any
) -> AsyncIterator[ItemResult]:
    """:func:`collect` as an async iterator; each item is validated on a worker thread."""
    results = await asyncio.to_thread(collect, job, settings, **kwargs)
    done = object()
    try:
        while True:
            result = await asyncio.to_thread(next, results, done)
            if result is done:
                return
            assert isinstance(result, ItemResult)
            yield result
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            await asyncio.to_thread(close)
