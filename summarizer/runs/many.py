"""Many articles through one :class:`~summarizer.Summarizer`: bounded concurrency,
per-item failures as values, token/cost budgets and resumable JSONL output.

Results arrive as they finish, not in input order (``ItemResult.index`` says where
each came from).  A failed item never ends the run: its error is in the result.
Only the results already yielded are final; closing the generator (or Ctrl-C) stops
new work, and a resumed run skips the items a :class:`JsonlSink` recorded as done.
With a cache, an answer is claimed before it is asked for
(:class:`~summarizer.cache.store.Claims`): items with the same cleaned text, and runs
sharing the cache, ask for it once and read it from the cache after.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import (
    AsyncGenerator,
    Callable,
    Container,
    Generator,
    Iterable,
    Iterator,
    Sized,
)
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel

from summarizer.cache.claims import Claims
from summarizer.core.results import Extraction
from summarizer.core.schema import ExtractionMeta
from summarizer.errors import SummarizerError, Usage
from summarizer.pipeline.inputs import Article, load_article
from summarizer.pipeline.summarizer import PreparedJob, Source, Summarizer
from summarizer.runs.budget import Budget, Prices, cost_of, token_cost
from summarizer.settings import Settings

if sys.platform != "win32":
    import fcntl

__all__ = [
    "THREAD_PREFIX",
    "Item",
    "ItemError",
    "ItemResult",
    "JsonlSink",
    "RunTotals",
    "Tally",
    "asummarize_many",
    "item_label",
    "split_item",
    "summarize_many",
    "totals",
]

#: an input, optionally with its own publication date (``None`` = the run's default)
Item = Source | tuple[Source, date | None]

#: thread names of the sync pool, so callers (and tests) can tell its workers apart
THREAD_PREFIX = "summarizer-batch"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ItemError:
    """Why an item has no report; ``kind`` is machine-readable, ``message`` secret-free."""

    kind: str
    message: str
    #: what the failed attempts spent at the endpoint (None: nothing was sent)
    usage: Usage | None = None

    @classmethod
    def from_exception(cls, exc: BaseException) -> ItemError:
        """Only our own messages are trusted not to echo keys; others give a class name."""
        if isinstance(exc, SummarizerError):
            return cls(exc.kind, str(exc), exc.usage)
        return cls("internal", type(exc).__name__)


@dataclass(frozen=True)
class ItemResult:
    """One input's outcome.  ``key`` is :meth:`Summarizer.item_key`; it is ``None`` when
    the input was never read (unreadable, or skipped for the budget)."""

    index: int
    source: str | None
    key: str | None
    value: BaseModel | None
    meta: ExtractionMeta | None
    error: ItemError | None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.value is not None and self.error is None and not self.skipped

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        return "ok" if self.ok else "error"

    def to_record(self) -> dict[str, Any]:
        """The JSONL line: same shape as the CLI's records, plus ``key`` for resuming."""
        record: dict[str, Any] = {"source": self.source, "key": self.key, "status": self.status}
        if self.ok and self.value is not None:
            record["report"] = self.value.model_dump(mode="json")
        if self.error is not None:
            record["error"] = {"kind": self.error.kind, "message": self.error.message}
        return record


# --------------------------------------------------------------------------- totals


@dataclass
class RunTotals:
    """What a run did and cost.  ``cost`` is ``None`` when some model has no price."""

    items: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    cache_hits: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    wall_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Tally:
    """Accumulates :class:`RunTotals` while results stream past (thread-safe).

    ``wall_s`` runs from the tally's creation to the latest result, so create it
    just before the run starts.
    """

    def __init__(self, prices: Prices | None = None, model: str | None = None) -> None:
        self._prices: Prices = prices or {}
        self._model = model  # prices failed items, which carry no metadata
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._totals = RunTotals(cost=0.0 if self._prices else None)

    def add(self, result: ItemResult) -> None:
        with self._lock:
            t = self._totals
            t.items += 1
            t.wall_s = round(time.monotonic() - self._started, 4)
            if result.skipped:
                t.skipped += 1
                return
            if not result.ok:
                t.failed += 1
                spent = result.error.usage if result.error is not None else None
                if spent is not None:  # failed attempts were paid for too
                    t.requests += spent.requests
                    t.prompt_tokens += spent.prompt_tokens
                    t.completion_tokens += spent.completion_tokens
                    if t.cost is not None:
                        cost = token_cost(
                            spent.prompt_tokens,
                            spent.completion_tokens,
                            self._model or "",
                            self._prices,
                        )
                        t.cost = None if cost is None else t.cost + cost
                return
            t.ok += 1
            meta = result.meta
            if meta is None:
                return  # a hand-made result: nothing known about its cost
            if meta.cache_hit:
                t.cache_hits += 1  # free: its stored usage belongs to the first run
            else:
                t.requests += meta.usage.requests
                t.prompt_tokens += meta.usage.prompt_tokens
                t.completion_tokens += meta.usage.completion_tokens
            if t.cost is not None:
                cost = cost_of(meta, self._prices)
                t.cost = None if cost is None else t.cost + cost

    def totals(self) -> RunTotals:
        """A snapshot; the tally keeps counting."""
        with self._lock:
            return RunTotals(**asdict(self._totals))


def totals(
    results: Iterable[ItemResult], prices: Prices | None = None, model: str | None = None
) -> RunTotals:
    """Consume ``results`` and add them up (pass the live run to get its wall time)."""
    tally = Tally(prices, model)
    for result in results:
        tally.add(result)
    return tally.totals()


# --------------------------------------------------------------------------- one item


@dataclass(frozen=True)
class _Run:
    """Everything a worker needs besides the item: read-only, shared by all workers."""

    summarizer: Summarizer
    published: date | None
    schema: type[BaseModel] | None
    skip_keys: Container[str]
    budget: Budget | None
    #: claims on answers being asked for, shared through the cache (None: no cache)
    claims: Claims | None = None
    #: set when the run stops: a worker waiting for another's claim gives up
    stop: threading.Event = field(default_factory=threading.Event)


def split_item(item: Item, default: date | None) -> tuple[Source, date | None]:
    """An item's input and publication date (its own, else ``default``); every runner
    of items (threads, tasks, provider batches, a cluster) reads items this way."""
    if isinstance(item, tuple):
        src, pub = item
        return src, pub if pub is not None else default
    return item, default


def item_label(item: Item) -> str | None:
    """A name for an item's results before its input is read (text given inline has
    none): what a runner reports for an item that fails or is skipped unread."""
    src = split_item(item, None)[0]
    if isinstance(src, Article):
        return src.source
    if isinstance(src, Path):
        return str(src)
    if isinstance(src, bytes):
        return None
    if "\n" not in src and 0 < len(src) < 4096:
        with contextlib.suppress(OSError):
            if Path(src).is_file():
                return src
    return None


def _budget_skip(index: int, label: str | None) -> ItemResult:
    return ItemResult(
        index, label, None, None, None, ItemError("budget", "budget exhausted"), skipped=True
    )


def _cancelled(index: int) -> ItemResult:
    return ItemResult(index, None, None, None, None, ItemError("cancelled", "CancelledError"))


def _prepare(run: _Run, index: int, item: Item) -> tuple[Article, date | None] | ItemResult:
    """Read the input and decide whether it needs the model; a result means "no"."""
    src, pub = split_item(item, run.published)
    label = item_label(src)
    if run.budget is not None and run.budget.exceeded():
        return _budget_skip(index, label)
    try:
        article = load_article(src)
    except Exception as exc:  # noqa: BLE001 - one bad item must not end the batch
        return ItemResult(index, label, None, None, None, ItemError.from_exception(exc))
    return article, pub


def _done(run: _Run, index: int, article: Article, key: str, ex: Extraction[Any]) -> ItemResult:
    if run.budget is not None:
        run.budget.add(ex.meta)
    return ItemResult(index, article.source, key, ex.value, ex.meta, None)


def _failed(run: _Run, index: int, article: Article, key: str | None, exc: Exception) -> ItemResult:
    error = ItemError.from_exception(exc)
    if run.budget is not None and error.usage is not None:
        run.budget.add_failed(error.usage, run.summarizer.model_name)
    return ItemResult(index, article.source, key, None, None, error)


def _recorded(skip_keys: Container[str], key: str, source: str | None) -> bool:
    """Whether the item is done.  A :class:`JsonlSink` knows which source each answer
    was recorded for, and an item is done when its own record is there, not merely an
    answer for its text: a copy under another name (same cleaned text, same key) still
    gets its record.  Any other container holds keys."""
    if isinstance(skip_keys, JsonlSink):
        return (key, source) in skip_keys
    return key in skip_keys


class _Stopped(Exception):
    """The run stopped while this item waited for another's claim."""


#: seconds between looks at a claim someone else holds: from the first to the most
_POLL = (0.02, 0.5)


def _claim(run: _Run, claims: Claims, key: str) -> str:
    """Wait until the claim on ``key`` is ours (its holder released it, or it lapsed)."""
    delay = _POLL[0]
    while (token := claims.acquire(key)) is None:
        if run.stop.wait(delay):
            raise _Stopped("the run stopped")
        delay = min(delay * 2, _POLL[1])
    return token


def _extract(run: _Run, job: PreparedJob) -> Extraction[Any]:
    """The job's answer, asked for under its claim, so a run sharing the cache (or an
    item of this run with the same cleaned text) waits for it and then reads it from
    the cache instead of paying for it again.  A job the input index found has an
    answer cached: no claim (a fully cached rerun writes nothing)."""
    claims = run.claims
    if claims is None or job.from_index:
        return run.summarizer.extract_prepared(job)
    token = _claim(run, claims, job.key)
    try:
        return run.summarizer.extract_prepared(job)
    finally:
        claims.release(job.key, token)


async def _aextract(run: _Run, job: PreparedJob) -> Extraction[Any]:
    """Async :func:`_extract`; cancelling the task ends a wait."""
    claims = run.claims
    if claims is None or job.from_index:
        return await run.summarizer.aextract_prepared(job)
    delay = _POLL[0]
    while (token := await asyncio.to_thread(claims.acquire, job.key)) is None:
        await asyncio.sleep(delay)
        delay = min(delay * 2, _POLL[1])
    try:
        return await run.summarizer.aextract_prepared(job)
    finally:
        claims.release(job.key, token)  # one local write: not worth a thread hop


def _process(run: _Run, index: int, item: Item) -> ItemResult:
    """One item on a worker thread; every failure becomes a value."""
    prepared = _prepare(run, index, item)
    if isinstance(prepared, ItemResult):
        return prepared
    article, pub = prepared
    key: str | None = None
    try:
        job = run.summarizer.prepare(article, published=pub, schema=run.schema)
        key = job.key
        if _recorded(run.skip_keys, key, article.source):
            return ItemResult(index, article.source, key, None, None, None, skipped=True)
        ex = _extract(run, job)
    except Exception as exc:  # noqa: BLE001 - one bad item must not end the batch
        return _failed(run, index, article, key, exc)
    return _done(run, index, article, key, ex)


async def _aprocess(run: _Run, sem: asyncio.Semaphore, index: int, item: Item) -> ItemResult:
    """Async twin of :func:`_process`; file reads and hashing stay off the event loop."""
    async with sem:
        prepared = await asyncio.to_thread(_prepare, run, index, item)
        if isinstance(prepared, ItemResult):
            return prepared
        article, pub = prepared
        key: str | None = None
        try:
            job = await asyncio.to_thread(
                run.summarizer.prepare, article, published=pub, schema=run.schema
            )
            key = job.key
            if _recorded(run.skip_keys, key, article.source):
                return ItemResult(index, article.source, key, None, None, None, skipped=True)
            ex = await _aextract(run, job)
        except Exception as exc:  # noqa: BLE001 - CancelledError is not an Exception
            return _failed(run, index, article, key, exc)
        return _done(run, index, article, key, ex)


# --------------------------------------------------------------------------- runners


def _start(
    summarizer: Summarizer,
    concurrency: int,
    published: date | None,
    schema: type[BaseModel] | None,
    skip_keys: Container[str],
    budget: Budget | None,
) -> _Run:
    """Argument checks that must fail at the call, not at the first ``next()``."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    if budget is not None:
        budget.check(summarizer.model_name)
    settings = getattr(summarizer, "settings", None)  # stand-ins for tests may have none
    claims = Claims.for_settings(settings) if isinstance(settings, Settings) else None
    return _Run(summarizer, published, schema, skip_keys, budget, claims)


def summarize_many(
    items: Iterable[Item],
    *,
    summarizer: Summarizer,
    concurrency: int = 4,
    published: date | None = None,
    schema: type[BaseModel] | None = None,
    skip_keys: Container[str] = frozenset(),
    budget: Budget | None = None,
) -> Generator[ItemResult, None, None]:
    """Extract every item on ``concurrency`` threads, yielding results as they finish.

    ``items`` is read lazily (at most ``2 * concurrency`` submitted at a time), so it
    may be a generator over a huge directory.  Items whose key is in ``skip_keys``
    come back ``skipped`` without a request.  Closing the generator (or Ctrl-C)
    cancels queued items; running ones finish in the background and are dropped.
    Use ``contextlib.closing`` when you may stop early.
    """
    run = _start(summarizer, concurrency, published, schema, skip_keys, budget)
    return _run_threads(run, iter(items), concurrency)


class _Feed:
    """The items, read lazily and numbered, one window ahead of the workers: the core
    both runners share.  An item the budget rules out becomes its result at once,
    without taking a worker."""

    def __init__(self, run: _Run, items: Iterator[Item], window: int) -> None:
        self.run, self.items, self.window = run, items, window
        self.index = 0
        self.exhausted = False

    def fill(self, pending: Sized, start: Callable[[int, Item], object]) -> Iterator[ItemResult]:
        """``start(index, item)`` until ``pending`` holds a window of items or none is
        left; yields the budget's skips as they are read."""
        while not self.exhausted and len(pending) < self.window:
            try:
                item = next(self.items)
            except StopIteration:
                self.exhausted = True
                break
            if self.run.budget is not None and self.run.budget.exceeded():
                yield _budget_skip(self.index, item_label(item))
            else:
                start(self.index, item)
            self.index += 1


def _run_threads(
    run: _Run, source: Iterator[Item], concurrency: int
) -> Generator[ItemResult, None, None]:
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=THREAD_PREFIX)
    pending: dict[Future[ItemResult], int] = {}

    def start(index: int, item: Item) -> None:
        pending[pool.submit(_process, run, index, item)] = index

    feed = _Feed(run, source, 2 * concurrency)
    finished = False
    try:
        while True:
            yield from feed.fill(pending, start)
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                idx = pending.pop(future)
                # _process never raises an Exception; only a foreign cancel gets here
                yield _cancelled(idx) if future.cancelled() else future.result()
        finished = True
    finally:
        run.stop.set()  # workers waiting for a claim give up
        for future in pending:
            future.cancel()
        # on close/interrupt do not wait: running requests finish on their own threads
        pool.shutdown(wait=finished, cancel_futures=True)
        if run.claims is not None:
            run.claims.close()  # an abandoned request's claim: no one should wait for it


def asummarize_many(
    items: Iterable[Item],
    *,
    summarizer: Summarizer,
    concurrency: int = 4,
    published: date | None = None,
    schema: type[BaseModel] | None = None,
    skip_keys: Container[str] = frozenset(),
    budget: Budget | None = None,
) -> AsyncGenerator[ItemResult, None]:
    """Async twin of :func:`summarize_many`: tasks bounded by a semaphore.

    Use it with ``async for``.  Cancelling the consumer or ``aclose()`` cancels every
    unfinished task (and waits for them to unwind) before returning.
    """
    run = _start(summarizer, concurrency, published, schema, skip_keys, budget)
    return _run_tasks(run, iter(items), concurrency)


async def _run_tasks(
    run: _Run, source: Iterator[Item], concurrency: int
) -> AsyncGenerator[ItemResult, None]:
    sem = asyncio.Semaphore(concurrency)
    pending: dict[asyncio.Task[ItemResult], int] = {}

    def start(index: int, item: Item) -> None:
        pending[asyncio.create_task(_aprocess(run, sem, index, item))] = index

    feed = _Feed(run, source, 2 * concurrency)
    try:
        while True:
            for skipped in feed.fill(pending, start):
                yield skipped
            if not pending:
                break
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                idx = pending.pop(task)
                yield _cancelled(idx) if task.cancelled() else task.result()
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        if run.claims is not None:
            run.claims.close()


# --------------------------------------------------------------------------- output


class JsonlSink:
    """Append-only JSONL output for resumable runs: one line per finished item, flushed
    and fsynced per line, under an ``flock`` on the file so two processes writing the
    same output never interleave lines (POSIX; on Windows only threads are serialised).

    An item is its key (the answer) *and* its source: two files whose cleaned text is
    the same share a key, and each gets its own line.  An item is never recorded twice,
    even by two processes sharing the file: under the exclusive lock a writer first
    reads what others appended since it last looked, and drops any record for an item
    that already has an ``ok`` line (:meth:`write` returns ``False``).  Deduplicating at
    write time, not on read, keeps the file itself the answer: one ``ok`` line per
    item, whoever reads it.  Two runs do not both ask for an item they start at the
    same moment: the runner claims each answer in the shared cache before asking
    (:class:`~summarizer.cache.store.Claims`), and the later run reads it from the
    cache.  Passed as ``skip_keys`` the file is re-read before each item (``(key,
    source) in sink``), so concurrent runs skip what the other has already finished.
    ``error`` lines are attempts, not results: a rerun retries the item and its ``ok``
    line is then the result.  A line torn by a killed writer is ignored, and the next
    write starts on a fresh line.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
        self._done: set[str] = set()
        self._done_items: set[tuple[str, str | None]] = set()  # (key, source)
        self._read_to = 0  # bytes of complete lines already parsed into _done

    def _open_fd(self) -> int:
        if self._fd is None:
            raise ValueError("I/O on a closed JsonlSink")
        return self._fd

    def _catch_up(self, fd: int) -> None:
        """Parse complete lines appended since the last look (holding ``_lock`` and an
        flock); a torn last line is left for a later look, when a newline ends it."""
        size = os.fstat(fd).st_size
        if size < self._read_to:  # truncated under us: start over
            self._done.clear()
            self._done_items.clear()
            self._read_to = 0
        pos, tail = self._read_to, b""
        while pos < size:
            chunk = os.pread(fd, min(size - pos, 1 << 20), pos)
            if not chunk:
                break
            pos += len(chunk)
            *lines, tail = (tail + chunk).split(b"\n")
            for raw in lines:
                self._note(raw)
        self._read_to = pos - len(tail)

    def _note(self, raw: bytes) -> None:
        try:
            record = json.loads(raw)
        except ValueError:
            return  # a line cut short by a killed writer
        if isinstance(record, dict) and record.get("status") == "ok":
            key, source = record.get("key"), record.get("source")
            if isinstance(key, str) and (source is None or isinstance(source, str)):
                self._done.add(key)
                self._done_items.add((key, source))

    def done_keys(self) -> set[str]:
        """Keys of items already written as ``ok``; torn or foreign lines are ignored."""
        with self._lock:
            fd = self._open_fd()
            with _flocked(fd, shared=True):
                self._catch_up(fd)
            return set(self._done)

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` (an answer's key, or a ``(key, source)`` item) has an ``ok``
        line now (re-reads what others appended)."""
        with self._lock:
            fd = self._open_fd()
            with _flocked(fd, shared=True):
                self._catch_up(fd)
            return key in (self._done_items if isinstance(key, tuple) else self._done)

    def write(self, result: ItemResult) -> bool:
        """Append one record, durable when this returns ``True``; ``False`` when the
        item (its key and source) already has an ``ok`` line, written by another writer
        or for the same source earlier, and nothing was written."""
        line = json.dumps(result.to_record(), ensure_ascii=False).encode("utf-8") + b"\n"
        with self._lock:
            fd = self._open_fd()
            with _flocked(fd, shared=False):
                self._catch_up(fd)
                if result.key is not None and (result.key, result.source) in self._done_items:
                    return False
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line  # a killed writer left a torn line: do not glue onto it
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
        return True

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _flocked(fd: int, *, shared: bool) -> Generator[None, None, None]:
    """Inter-process lock on an open file; released by the OS if the holder dies."""
    if sys.platform == "win32":
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
