"""Scale-out figures: one process against a Dask ``LocalCluster``, and the Redis cache
against diskcache, on the same loopback stub server.

    python bench/scale.py [--n 400] [--concurrency 16] [--delay 0.25] [--workers 2]

The stub (``bench/loopback.py``'s server, in its own process) answers every example
with the answer the embedded model gave it (the last response in its cassette) after
a fixed delay, so the run measures how many requests each setup keeps in flight and
what the library costs around them, not a model.  Every item is an example article
under its own publication date: a distinct cache key, one request.

Prints, and writes to ``bench/out/scale.json``, items per second for:

* ``single_cold``, ``dask_cold``: a first pass of each on other keys, in fresh
  processes (not compared: the runs below are the steady state);
* ``single``: ``summarize_many`` in this process at ``--concurrency`` C;
* ``single_2c``: the same at ``--workers`` x C (the control: what the cluster's extra requests in
  flight alone would give, without more processes);
* ``dask``: ``summarize_partitioned`` on a ``LocalCluster`` of ``--workers`` processes
  (one thread each), each partition at concurrency C, partitions of 3C items;
  diskcache, as ``single``; cluster start-up is reported apart, not timed;
* ``dask_redis``: the same with the answers written to a real ``redis-server``;
* cached reruns with the server gone: ``single`` from diskcache, ``single`` from Redis,
  ``dask`` from Redis (the answers the cluster wrote, read by the cluster); each the
  best of three, as they take about a second and noise from other load dominates.

``speedup`` is ``dask`` over ``single``.  ``cpu_ms_per_item`` is the CPU the
library's processes spent (this one, and for Dask the workers too; the stub's own is
not counted): when it times the items per second comes near the cores there are, the
run is bound by CPU, not by the server.  On a machine that is busy with something
else the figures come out lower; note the load average printed beside them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from loopback import LoopbackServer, recorded_answers  # bench scripts import siblings by name

from summarizer import Settings, Summarizer
from summarizer.pipeline.cleaning import clean_page
from summarizer.runs.many import summarize_many

ROOT = Path(__file__).resolve().parent.parent
MODEL = "qwen2.5-coder-1.5b-instruct"
#: a closed loopback port: a run pointed here can only be answered by the cache
DEAD_URL = "http://127.0.0.1:9/v1"


# --------------------------------------------------------------------------- redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_binary() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


class RedisServer:
    """A real ``redis-server`` on a free loopback port, in a temporary directory, with
    no persistence (``--save '' --appendonly no``); stopped on exit."""

    def __init__(self, password: str | None = None, binary: str | None = None) -> None:
        found = binary or redis_binary()
        if found is None:
            raise FileNotFoundError("redis-server not found (apt-get install redis-server)")
        self.binary = found
        self.password = password
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self._dir = tempfile.TemporaryDirectory(prefix="summarizer-redis-")
        for _ in range(5):  # the port may be taken between choosing and binding it
            self.port = free_port()
            args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            args += ["--save", "", "--appendonly", "no", "--dir", self._dir.name]
            if self.password:
                args += ["--requirepass", self.password]
            self._proc = subprocess.Popen(
                args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            if self._wait_ready():
                return self
            self._kill()
        raise RuntimeError("redis-server did not start")

    def _wait_ready(self, timeout: float = 10.0) -> bool:
        """PING over a raw socket until the server answers (``NOAUTH`` counts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1) as s,
            ):
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                    return True
            time.sleep(0.02)
        return False

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def stop(self) -> None:
        self._kill()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- corpus


def stub_answers() -> tuple[dict[str, tuple[str, bytes]], list[tuple[Path, date]]]:
    """For the stub server: per example, a line of its text the model is shown (the
    server picks the answer by it) and the recorded answer; and the examples whose
    cassette holds one, with their publication dates."""
    manifest = json.loads((ROOT / "examples" / "manifest.json").read_text())
    bodies = recorded_answers()
    answers: dict[str, tuple[str, bytes]] = {}
    articles: list[tuple[Path, date]] = []
    for e in manifest:
        stem = Path(e["file"]).stem
        if stem not in bodies:
            continue
        path = ROOT / "examples" / e["file"]
        text = clean_page(path.read_text(encoding="utf-8")).main.text
        answers[stem] = (max(text.splitlines(), key=len)[:80], bodies[stem])
        articles.append((path, date.fromisoformat(e["published"])))
    return answers, articles


@contextlib.contextmanager
def replay_stub() -> Iterator[tuple[str, list[tuple[Path, date]]]]:
    """A loopback server replaying the examples' recorded answers: its URL and the
    examples it answers for; stopped on exit."""
    answers, articles = stub_answers()
    server = LoopbackServer(answers, 0.0)
    try:
        yield server.url, articles
    finally:
        server.shutdown()


def corpus(articles: list[tuple[Path, date]], n: int, shift: int = 0) -> list[Any]:
    """``n`` items cycling over the examples, each under its own publication date (a
    distinct cache key); ``shift`` moves the dates so two corpora never share a key."""
    return [
        (articles[i % len(articles)][0], articles[i % len(articles)][1] + timedelta(days=i + shift))
        for i in range(n)
    ]


def stub_settings(url: str, cache_dir: Path, **kw: Any) -> Settings:
    return Settings(
        base_url=url,
        model=MODEL,
        endpoint_kind="llamacpp",
        cache_dir=cache_dir,
        max_reasks=0,
        max_transport_retries=0,
        **kw,
    )


# --------------------------------------------------------------------------- runs


def run_single(items: list[Any], settings: Settings, concurrency: int) -> dict[str, Any]:
    with Summarizer(settings) as s:
        started, cpu = time.perf_counter(), time.process_time()
        results = list(summarize_many(items, summarizer=s, concurrency=concurrency))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return _figures(
        wall,
        cpu,
        len(items),
        ok=sum(r.ok for r in results),
        hits=sum(r.meta is not None and r.meta.cache_hit for r in results),
    )


def best(run: Callable[[], dict[str, Any]], times: int = 3) -> dict[str, Any]:
    """The fastest of ``times`` runs (repeatable: cached runs change nothing)."""
    return max((run() for _ in range(times)), key=lambda r: float(r["items_per_s"]))


def _workers_cpu(client: Any) -> float:
    """CPU seconds the cluster's worker processes have used so far."""
    return float(sum(client.run(time.process_time).values()))


def run_dask(
    items: list[Any], settings: Settings, client: Any, concurrency: int, partition_size: int
) -> dict[str, Any]:
    from summarizer.runs.scale import summarize_partitioned

    started, cpu, workers_cpu = time.perf_counter(), time.process_time(), _workers_cpu(client)
    records = list(
        summarize_partitioned(
            items, client, settings, partition_size=partition_size, concurrency=concurrency
        )
    )
    wall = time.perf_counter() - started
    # this process (client and the LocalCluster's scheduler) plus the workers
    cpu = time.process_time() - cpu + _workers_cpu(client) - workers_cpu
    assert [r["index"] for r in records] == list(range(len(items)))
    ok = [r for r in records if r["status"] == "ok"]
    return _figures(
        wall,
        cpu,
        len(items),
        ok=len(ok),
        hits=sum(bool(r["report"]["extraction"]["cache_hit"]) for r in ok),
    )


def _figures(wall: float, cpu: float, n: int, *, ok: int, hits: int) -> dict[str, Any]:
    return {
        "items": n,
        "ok": ok,
        "cache_hits": hits,
        "wall_s": round(wall, 3),
        "items_per_s": round(n / wall, 1),
        "cpu_ms_per_item": round(1000 * cpu / n, 2),
    }


@contextlib.contextmanager
def cluster(workers: int) -> Iterator[tuple[Any, float]]:
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        ) as c,
        Client(c) as client,  # type: ignore[no-untyped-call]
    ):
        client.wait_for_workers(workers, timeout=120)  # fail loudly, never wait forever
        yield client, time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--delay", type=float, default=0.25)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partition-size", type=int, default=None, help="default 3 x concurrency")
    args = ap.parse_args()
    c, n = args.concurrency, args.n
    psize = args.partition_size or 3 * c
    answers, articles = stub_answers()
    out: dict[str, Any] = {
        "n": n,
        "concurrency": c,
        "delay_s": args.delay,
        "workers": args.workers,
        "partition_size": psize,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    srv = LoopbackServer(answers, args.delay)
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            RedisServer() as redis,
            cluster(args.workers) as (client, startup),
        ):
            base = Path(tmp)
            out["cluster_start_s"] = round(startup, 2)
            # a first pass of the same shape on other keys: the first run in fresh worker
            # processes cost about 1.7x the CPU of the next ones here (imports, lazy
            # set-up, heap growth); reported as *_cold, the steady state is compared
            cold = stub_settings(srv.url, base / "cold")
            out["single_cold"] = run_single(corpus(articles, n, shift=-10 * n), cold, c)
            out["dask_cold"] = run_dask(corpus(articles, n, shift=-20 * n), cold, client, c, psize)

            items = corpus(articles, n)
            # 1. the answers come from the stub (each run has its own empty cache)
            out["single"] = run_single(items, stub_settings(srv.url, base / "single"), c)
            wide = args.workers * c
            out["single_2c"] = run_single(items, stub_settings(srv.url, base / "single2c"), wide)
            out["dask"] = run_dask(items, stub_settings(srv.url, base / "dask"), client, c, psize)
            redis_settings = stub_settings(srv.url, base / "dask_redis", cache_url=redis.url)
            out["dask_redis"] = run_dask(items, redis_settings, client, c, psize)
            out["speedup"] = round(out["dask"]["items_per_s"] / out["single"]["items_per_s"], 2)
            out["speedup_vs_single_2c"] = round(
                out["dask"]["items_per_s"] / out["single_2c"]["items_per_s"], 2
            )
            # 2. cached reruns, nothing to ask: only the cache can answer
            dead = base / "single"  # diskcache answers and input index of run 1
            disk_dead = stub_settings(DEAD_URL, dead)
            out["cached_diskcache"] = best(lambda: run_single(items, disk_dead, c))
            # the Redis answers, with the input index the cluster's run left on this disk
            redis_dead = stub_settings(DEAD_URL, base / "dask_redis", cache_url=redis.url)
            out["cached_redis"] = best(lambda: run_single(items, redis_dead, c))
            out["cached_redis_dask"] = best(lambda: run_dask(items, redis_dead, client, c, psize))
    finally:
        srv.shutdown()
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    dest = ROOT / "bench" / "out"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "scale.json").write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
