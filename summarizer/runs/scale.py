"""Scale-out on Dask: :func:`~summarizer.runs.many.summarize_many` per partition of a corpus,
on the workers of a Dask cluster (the ``scale`` extra: ``dask[distributed]``).

Why Dask and not Ray: the work is I/O-bound HTTP calls plus a few milliseconds of
Python per article, so what a cluster adds is more processes (more GIL-free cores for
cleaning and validation) and more machines, not a shared-memory object store or
accelerator scheduling.  Dask is pure Python, installs from wheels with no daemons,
and a ``LocalCluster`` of processes starts in about a second on two cores, so the
tests run the real thing; ``dask.bag`` partitions are exactly "a list of articles for
one ``summarize_many`` call".  Ray brings its own object store, raylet and GCS
processes and a far larger install for nothing this workload uses.

How it runs: every worker process gets one :class:`~summarizer.Summarizer` for the
run (a worker plugin creates it when registered and closes it when the run ends), so
its HTTP clients and cache connection are shared by the partitions that worker runs;
each partition task runs ``summarize_many`` at ``concurrency`` and returns plain
``ItemResult.to_record()`` dicts.  Results come back in input order, partition by
partition as they finish, each item exactly once, failures as values.

Secrets: ``settings`` travel inside the worker plugin, pickled, through the scheduler
(which keeps the plugin until the run ends).  Their ``repr`` masks the API key and the
cache URL's password, so Dask's logs never show them; the bytes on the wire do carry
them, so use ``tls://`` between machines, or pass ``settings=None`` and every worker
reads its own environment (``SUMMARIZER_*``, ``OPENAI_API_KEY``) and no secret crosses
the cluster.  Share answers between machines with a Redis cache
(``Settings.cache_url``); the default diskcache is shared only by the workers of one
machine.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Generator, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from summarizer.pipeline.summarizer import Summarizer
from summarizer.runs.many import Item, item_label, summarize_many
from summarizer.settings import Settings

try:
    from distributed import WorkerPlugin
except ImportError as exc:  # pragma: no cover - the extra is in the dev install
    raise ImportError(
        'summarizer.runs.scale needs Dask: pip install "operation-summarizer[scale]"'
    ) from exc

if TYPE_CHECKING:
    from distributed import Client, Worker

__all__ = ["DEFAULT_PARTITION_SIZE", "SummarizerPlugin", "summarize_partitioned"]

#: articles per partition: enough that a worker keeps ``concurrency`` requests in
#: flight, few enough that the partitions spread over the workers
DEFAULT_PARTITION_SIZE = 16

#: error kind of the items of a partition that the cluster could not run
CLUSTER_ERROR = "cluster"


class SummarizerPlugin(WorkerPlugin):
    """A Dask worker plugin holding one :class:`Summarizer` per worker process.

    Registered under a name unique to the run; the partition tasks find it through
    ``get_worker().plugins[name]`` (Dask's own per-worker state, no module globals).
    ``settings=None``: the worker builds them from its own environment.
    """

    def __init__(self, settings: Settings | None, name: str) -> None:
        self.settings = settings
        self.name = name
        self.summarizer: Summarizer | None = None

    def __repr__(self) -> str:  # Dask may log plugins: never the settings
        return f"<SummarizerPlugin {self.name}>"

    def setup(self, worker: Worker) -> None:
        # a remote endpoint without a model, a bad cache URL: fails the registration,
        # so the caller sees the ConfigError before any task runs
        self.summarizer = Summarizer(self.settings)

    def teardown(self, worker: Worker) -> None:
        if self.summarizer is not None:
            self.summarizer.close()
            self.summarizer = None


def _run_partition(
    items: list[Item],
    plugin: str,
    concurrency: int,
    published: date | None,
    schema: type[BaseModel] | None,
) -> list[dict[str, Any]]:
    """One partition on a worker: ``summarize_many`` on the worker's Summarizer,
    records back in the partition's order."""
    from distributed import get_worker

    summarizer = get_worker().plugins[plugin].summarizer  # type: ignore[attr-defined]
    if summarizer is None:
        raise RuntimeError(f"worker plugin {plugin} was torn down")
    records: list[dict[str, Any] | None] = [None] * len(items)
    for result in summarize_many(
        items,
        summarizer=summarizer,
        concurrency=concurrency,
        published=published,
        schema=schema,
    ):
        records[result.index] = result.to_record()
    if any(r is None for r in records):  # summarize_many yields every item once
        raise RuntimeError("a partition lost an item")
    return [r for r in records if r is not None]


def _cluster_error(index: int, item: Item, exc: BaseException) -> dict[str, Any]:
    """The record of an item whose partition never came back (a worker died too often,
    the task was cancelled): only the exception's class, foreign messages may echo
    settings."""
    try:
        label = item_label(item)
    except Exception:  # noqa: BLE001 - not an input summarize_many knows: no name
        label = None
    return {
        "index": index,
        "source": label,
        "key": None,
        "status": "error",
        "error": {
            "kind": CLUSTER_ERROR,
            "message": f"the cluster could not run this item's partition ({type(exc).__name__})",
        },
    }


def summarize_partitioned(
    items: Iterable[Item],
    client: Client | str | None = None,
    settings: Settings | None = None,
    *,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    concurrency: int = 4,
    published: date | None = None,
    schema: type[BaseModel] | None = None,
) -> Iterator[dict[str, Any]]:
    """Summarize ``items`` on a Dask cluster; yield one record per item, in input order.

    ``items`` are what :func:`~summarizer.runs.many.summarize_many` takes (paths the
    workers can read, texts, bytes, ``Article`` objects, optionally paired with a
    publication date); they are cut into ``dask.bag`` partitions of
    ``partition_size``.  ``client`` is a ``distributed.Client``, a scheduler address
    (``tcp://host:8786``; a client is opened and closed for the run) or ``None`` for
    the current default client.  ``concurrency`` is per partition task: a worker with
    ``threads_per_worker=T`` has up to ``T x concurrency`` requests in flight.

    Each record is ``ItemResult.to_record()`` plus ``index`` (the item's position).
    A failed item is a record with ``status: "error"``; if the cluster cannot run a
    partition at all (its workers keep dying), each of its items is an error record of
    kind ``cluster``.  Closing the iterator early cancels the partitions not yet done.
    """
    if partition_size < 1:
        raise ValueError(f"partition_size must be at least 1, got {partition_size}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    return _run(list(items), client, settings, partition_size, concurrency, published, schema)


def _run(
    items: list[Item],
    client: Client | str | None,
    settings: Settings | None,
    partition_size: int,
    concurrency: int,
    published: date | None,
    schema: type[BaseModel] | None,
) -> Generator[dict[str, Any], None, None]:
    import dask.bag as db
    from distributed import Client, get_client

    if not items:
        return
    with contextlib.ExitStack() as stack:
        c: Client
        if isinstance(client, str):
            c = stack.enter_context(Client(client))  # type: ignore[no-untyped-call]
        else:
            c = client if client is not None else get_client()
        name = f"summarizer-{uuid.uuid4().hex[:12]}"
        # first: a plugin whose setup failed on some worker stays registered there
        stack.callback(_unregister, c, name)
        c.register_plugin(SummarizerPlugin(settings, name), name=name)
        bag = db.from_sequence(items, partition_size=partition_size)  # type: ignore[no-untyped-call]
        if bag.npartitions != -(-len(items) // partition_size):
            raise RuntimeError("dask.bag did not cut the partitions this code expects")
        parts = bag.map_partitions(_run_partition, name, concurrency, published, schema)
        futures = c.compute(parts.to_delayed())  # type: ignore[no-untyped-call]
        stack.callback(c.cancel, futures)
        offset = 0
        for future in futures:
            # from_sequence cuts exactly partition_size items per partition
            chunk = items[offset : offset + partition_size]
            try:
                records = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost partition is its items' error
                records = [_cluster_error(offset + i, it, exc) for i, it in enumerate(chunk)]
            else:
                if len(records) != len(chunk):
                    raise RuntimeError("a partition came back with a different item count")
                for i, record in enumerate(records):
                    record["index"] = offset + i
            future.release()
            offset += len(chunk)
            yield from records


def _unregister(client: Client, name: str) -> None:
    """Close the workers' Summarizers (a cluster already gone has nothing to close)."""
    with contextlib.suppress(Exception):
        client.unregister_worker_plugin(name)  # type: ignore[no-untyped-call]
