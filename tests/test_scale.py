"""Scale-out on a real Dask ``LocalCluster`` of worker processes against the loopback
stub (``bench/loopback.py``'s server replaying the embedded model's recorded answers),
with the answers shared through a real ``redis-server``.  Not timed:
``bench/scale.py`` reports the throughput."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from summarizer.errors import ConfigError
from summarizer.pipeline.inputs import Article
from summarizer.runs.scale import CLUSTER_ERROR, SummarizerPlugin, summarize_partitioned
from summarizer.settings import Settings
from tests.conftest import ROOT

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))  # bench scripts import their siblings by name

from scale import DEAD_URL, MODEL, RedisServer, corpus, redis_binary, replay_stub, stub_settings

PASSWORD = "Cluster-Pa55word"
API_KEY = "sk-test-NOT-A-REAL-KEY-42"
N_GOOD = 36
#: where the bad items go, and the error kind each must come back as
BAD = {
    5: ("", "input"),  # empty text
    17: (b"\x00\x01binary", "input"),
    28: (Path("/nonexistent/article.txt"), "input"),
    39: ("An article the stub never saw.\n\nNobody did anything anywhere.", "extraction"),
}


@pytest.fixture(scope="module")
def stub() -> Iterator[tuple[str, list[tuple[Path, date]]]]:
    with replay_stub() as served:
        yield served


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scale")


def _worker_env(stub_url: str, workdir: Path) -> dict[str, str]:
    """The workers' own environment (for ``settings=None``), blanking anything the
    developer's shell might pass on."""
    env = {k: "" for k in os.environ if k.startswith("SUMMARIZER_") or k == "OPENAI_API_KEY"}
    env.update(
        SUMMARIZER_BASE_URL=stub_url,
        SUMMARIZER_MODEL=MODEL,
        SUMMARIZER_ENDPOINT_KIND="llamacpp",
        SUMMARIZER_CACHE_DIR=str(workdir / "env-cache"),
        XDG_CACHE_HOME=str(workdir / "xdg"),
    )
    return env


@pytest.fixture(scope="module")
def client(stub: tuple[str, list[tuple[Path, date]]], workdir: Path) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=2,
            processes=True,
            dashboard_address=":0",
            env=_worker_env(stub[0], workdir),
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    if redis_binary() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with RedisServer(password=PASSWORD) as server:
        yield server.url


def _items(articles: list[tuple[Path, date]]) -> list[Any]:
    good = iter(corpus(articles, N_GOOD))
    return [BAD[i][0] if i in BAD else next(good) for i in range(N_GOOD + len(BAD))]


def _check(
    records: list[dict[str, Any]], items: list[Any], unknown: str = "extraction"
) -> list[dict[str, Any]]:
    """Every item exactly once, in order, bad ones as error values (``unknown``: the
    kind for the article the stub cannot answer); the ok records."""
    assert [r["index"] for r in records] == list(range(len(items)))
    for i, record in enumerate(records):
        if i in BAD:
            assert record["status"] == "error", record
            kind = unknown if BAD[i][1] == "extraction" else BAD[i][1]
            assert record["error"]["kind"] == kind, record["error"]
        else:
            assert record["status"] == "ok", record.get("error")
            path, published = items[i]
            assert record["source"] == str(path)
            assert record["report"]["extraction"]["published"] == published.isoformat()
    return [r for r in records if r["status"] == "ok"]


def _hits(records: list[dict[str, Any]]) -> list[bool]:
    return [bool(r["report"]["extraction"]["cache_hit"]) for r in records]


def test_partitioned_run_shares_answers_through_redis(
    client: Any, stub: tuple[str, list[tuple[Path, date]]], redis_url: str, workdir: Path
) -> None:
    from distributed import get_task_stream

    url, articles = stub
    items = _items(articles)
    settings = stub_settings(
        url, workdir / "run1", cache_url=redis_url, api_key=API_KEY, timeout=5.0
    )
    with get_task_stream(client) as stream:
        first = list(
            summarize_partitioned(items, client, settings, partition_size=6, concurrency=3)
        )
    ok = _check(first, items)
    assert not any(_hits(ok))
    assert len({r["key"] for r in ok}) == N_GOOD  # distinct items, distinct keys
    workers = {t["worker"] for t in stream.data}
    assert len(workers) == 2  # both worker processes ran partitions

    # a rerun from other "machines": no endpoint, fresh disks; only Redis can answer
    dead = stub_settings(DEAD_URL, workdir / "run2", cache_url=redis_url, timeout=5.0)
    again = list(summarize_partitioned(items, client, dead, partition_size=8, concurrency=3))
    ok_again = _check(again, items, unknown="transport")  # not cached, nobody to ask
    assert all(_hits(ok_again))
    assert [r["key"] for r in ok_again] == [r["key"] for r in ok]
    assert [r["report"]["operation_name"] for r in ok_again] == [
        r["report"]["operation_name"] for r in ok
    ]

    # the run's plugin is gone (its Summarizers closed), and no secret reached a log
    plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
    assert not any(n.startswith("summarizer-") for names in plugins.values() for n in names)
    logs = str(client.get_scheduler_logs()) + str(client.get_worker_logs())
    assert PASSWORD not in logs and API_KEY not in logs
    assert PASSWORD not in repr(SummarizerPlugin(settings, "x"))
    assert API_KEY not in repr(settings)


def test_settings_none_means_the_workers_environment(
    client: Any, stub: tuple[str, list[tuple[Path, date]]], workdir: Path
) -> None:
    _, articles = stub
    items: list[Any] = [*corpus(articles, 5, shift=500), Article("  ", "blank.txt")]
    records = list(summarize_partitioned(items, client, None, partition_size=2))
    assert [r["status"] for r in records] == ["ok"] * 5 + ["error"]
    assert records[-1]["source"] == "blank.txt" and records[-1]["error"]["kind"] == "input"
    # the answers went to the cache directory the workers' environment names
    assert (workdir / "env-cache" / "responses").is_dir()


def test_bad_settings_fail_the_call_not_each_item(client: Any) -> None:
    remote_without_model = Settings(base_url=DEAD_URL)
    with pytest.raises(ConfigError, match="model name"):
        list(summarize_partitioned(["some text"], client, remote_without_model))
    plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
    assert not any(n.startswith("summarizer-") for names in plugins.values() for n in names)
    with pytest.raises(ValueError, match="partition_size"):
        summarize_partitioned(["x"], client, remote_without_model, partition_size=0)
    assert list(summarize_partitioned([], client, remote_without_model)) == []


def test_closing_early_cancels_the_rest(
    client: Any, stub: tuple[str, list[tuple[Path, date]]], workdir: Path
) -> None:
    url, articles = stub
    items = corpus(articles, 12, shift=900)
    settings = stub_settings(url, workdir / "early")
    run = summarize_partitioned(items, client, settings, partition_size=1, concurrency=1)
    first = next(run)
    run.close()
    assert first["index"] == 0 and first["status"] == "ok"
    plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
    assert not any(n.startswith("summarizer-") for names in plugins.values() for n in names)


@dataclass(frozen=True)
class _KillsItsWorker(Article):
    """An article that ends the process that reads it, except the one that made it (the
    client tokenizes the items it partitions)."""

    maker: int = 0

    def __getattribute__(self, name: str) -> Any:
        if name == "text" and os.getpid() != object.__getattribute__(self, "maker"):
            os._exit(17)
        return object.__getattribute__(self, name)


def test_a_partition_whose_worker_dies_comes_back_as_error_values(
    stub: tuple[str, list[tuple[Path, date]]], workdir: Path
) -> None:
    import dask
    from distributed import Client, LocalCluster

    url, articles = stub
    items: list[Any] = corpus(articles, 6, shift=1200)
    items[4] = _KillsItsWorker("never read", "killer.txt", maker=os.getpid())
    with (
        # no retry of a task whose worker died, and one task per worker at a time, so
        # the killer's partition is the only one on the worker it ends
        dask.config.set(
            {
                "distributed.scheduler.allowed-failures": 0,
                "distributed.scheduler.worker-saturation": 1.0,
            }
        ),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as c,
    ):
        settings = stub_settings(url, workdir / "killed")
        records = list(summarize_partitioned(items, c, settings, partition_size=2))
    assert [r["index"] for r in records] == list(range(6))
    assert [r["status"] for r in records] == ["ok"] * 4 + ["error"] * 2
    assert {r["error"]["kind"] for r in records[4:]} == {CLUSTER_ERROR}
    assert [r["source"] for r in records[4:]] == ["killer.txt", str(items[5][0])]
