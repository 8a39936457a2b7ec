"""Throughput of ``summarizer serve`` when the cache answers: the service's own cost;
and its memory and connections under slow clients.

    python bench/serve_load.py [--requests 1000] [--concurrency 8]
    python bench/serve_load.py --slow-clients 500 [--slow-seconds 30] [--slow-kinds ...]

Starts the loopback replay server of ``bench/loopback.py`` (each example article gets
the answer the embedded model gave it) and ``summarizer serve`` in their own
processes, fills the cache with one request per example article, then times:

* ``health``: ``GET /v1/health``, the floor (uvicorn, FastAPI, the guard middleware);
* ``single``: ``POST /v1/reports`` of a cached article, requests/s and latency;
* ``batch``: ``POST /v1/reports`` with all seven examples cached, reports/s.

The load comes from threads in this process (one keep-alive ``requests`` session
each), on the same two cores as the service, so the figures are a lower bound; note
the load average printed beside them.

``--slow-clients N`` measures instead what slow clients cost the service (issue 17):
N connections, shared evenly between the ``--slow-kinds``, each reconnecting as soon
as the service drops it, for ``--slow-seconds``:

* ``health-body``: ``POST /v1/health`` declaring a 2,000,000-byte body, sending
  ``--burst`` bytes of it at once (1.9 MB) and trickling the rest, 1 KiB a
  ``--drip-s`` (the open path: no key needed; issue 17's probe);
* ``headers``: a request line, then one header line a ``--drip-s``, never ending;
* ``reports-body`` (not in the default set): the same body to ``POST /v1/reports``,
  the path that does read bodies (what they may hold at once).

A client the service has dropped waits ``--drip-s`` and connects again.

It prints the service's RSS (``/proc``) before the clients, during them (peak, and
median of the second half) and after they stop, the connections the service held
(``/proc/net/tcp``), what each kind was answered and how long it was held, and how a
well-behaved client's ``GET /v1/health`` fared meanwhile.  Extra ``summarizer serve``
options go after ``--``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import requests
from loopback import ROOT, LoopbackServer, pct, recorded_answers

from summarizer.pipeline.cleaning import clean_page
from summarizer.settings import EMBEDDED_MODEL_NAME


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _examples() -> tuple[list[dict[str, Any]], dict[str, tuple[str, bytes]]]:
    """Request bodies for the example articles, and the replay server's answers."""
    manifest = json.loads((ROOT / "examples" / "manifest.json").read_text())
    bodies = recorded_answers()
    items, answers = [], {}
    for e in manifest:
        stem = Path(e["file"]).stem
        if stem not in bodies:
            continue  # its cassette is being re-recorded
        text = (ROOT / "examples" / e["file"]).read_text(encoding="utf-8")
        marker = max(clean_page(text).main.text.splitlines(), key=len)[:80]
        answers[stem] = (marker, bodies[stem])
        items.append({"text": text, "published": date.fromisoformat(e["published"]).isoformat()})
    return items, answers


def _timed(n: int, concurrency: int, call: Any) -> dict[str, Any]:
    """``n`` calls of ``call(session)`` on ``concurrency`` threads: rate and latency."""
    local = threading.local()
    latencies: list[float] = []
    lock = threading.Lock()

    def one(_: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        t = time.perf_counter()
        call(session)
        took = time.perf_counter() - t
        with lock:
            latencies.append(took)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(n)))
    wall = time.perf_counter() - t0
    return {
        "requests": n,
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "per_s": round(n / wall, 1),
        "latency_ms_p50": round(1000 * statistics.median(latencies), 2),
        "latency_ms_p95": round(1000 * pct(latencies, 0.95), 2),
    }


# --------------------------------------------------------------------------- slow clients

#: the body the body kinds declare: under the default 2 MiB limit, as in issue 17
SLOW_BODY = 2_000_000
SLOW_KINDS = ("health-body", "headers", "reports-body")
_HOST = "127.0.0.1"


def _opening(kind: str, burst: int) -> bytes:
    """What a slow client of ``kind`` sends first."""
    if kind == "headers":
        return b"GET /v1/health HTTP/1.1\r\nHost: bench\r\n"
    path = "/v1/health" if kind == "health-body" else "/v1/reports"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {SLOW_BODY}\r\n\r\n"
    ).encode()
    return head + b'{"text": "' + b"x" * max(0, min(burst, SLOW_BODY - 1024) - 10)


def _drip(kind: str) -> bytes:
    return b"X-Drip: 1\r\n" if kind == "headers" else b"x" * 1024


@dataclass
class SlowStats:
    """What one kind of slow client met."""

    connections: int = 0
    #: status of the service's answer ("408", "405", ...), or how the connection ended
    answers: Counter[str] = field(default_factory=Counter)
    #: seconds each connection lasted until the service closed it
    held_s: list[float] = field(default_factory=list)
    open_at_end: int = 0

    def summary(self) -> dict[str, Any]:
        held = self.held_s
        return {
            "connections": self.connections,
            "answers": dict(self.answers.most_common()),
            "closed_by_service": len(held),
            "open_when_stopped": self.open_at_end,
            "held_s_p50": round(statistics.median(held), 2) if held else None,
            "held_s_max": round(max(held), 2) if held else None,
        }


async def _slow_client(
    kind: str, port: int, drip_s: float, burst: int, stop: asyncio.Event, stats: SlowStats
) -> None:
    """One slow client of ``kind``: connect, send its opening, drip, and connect again
    whenever the service drops it, until ``stop``."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(_HOST, port)
        except OSError:
            stats.answers["connect failed"] += 1
            await asyncio.sleep(drip_s)
            continue
        stats.connections += 1
        t0 = time.monotonic()
        answer = b""
        closed = False
        try:
            writer.write(_opening(kind, burst))
            await asyncio.wait_for(writer.drain(), 30)
            while not stop.is_set():
                try:
                    chunk = await asyncio.wait_for(reader.read(65536), drip_s)
                except TimeoutError:
                    writer.write(_drip(kind))
                    await asyncio.wait_for(writer.drain(), 30)
                    continue
                if not chunk:
                    closed = True
                    break
                answer = (answer + chunk)[:64]
        except (OSError, TimeoutError):  # reset by the service, or it stopped reading
            closed = True
            if not answer:  # an answer that came before the reset is still in the buffer
                with contextlib.suppress(OSError, TimeoutError):
                    answer = (await asyncio.wait_for(reader.read(65536), 1))[:64]
        finally:
            writer.close()
        if answer.startswith(b"HTTP/1.1 "):
            stats.answers[answer.split(b" ")[1].decode()] += 1
        elif closed:
            stats.answers["closed without an answer"] += 1
        if closed:
            stats.held_s.append(time.monotonic() - t0)
            await asyncio.sleep(drip_s)
        else:
            stats.open_at_end += 1


def _rss_mb(pid: int) -> tuple[float, float]:
    """The process's resident set size now and at its peak (``VmHWM``), MB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _established(port: int) -> int:
    """TCP connections in state ESTABLISHED whose local port is ``port`` (the service's
    side of each connection)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                cols = line.split()
                if cols[3] == "01" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                    count += 1
    return count


async def _probe(port: int, stop: asyncio.Event, ok: list[float], failed: Counter[str]) -> None:
    """A well-behaved client: ``GET /v1/health`` on a new connection every second."""
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(_HOST, port), 5)
            try:
                writer.write(b"GET /v1/health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                answer = await asyncio.wait_for(reader.read(), 5)
            finally:
                writer.close()
            status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "none"
            if status == "200":
                ok.append(time.monotonic() - t0)
            else:
                failed[status] += 1
        except (OSError, TimeoutError) as exc:
            failed[type(exc).__name__] += 1
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))


async def _sample(
    pid: int, port: int, seconds: float, into: list[tuple[float, float, int]]
) -> None:
    """(time, RSS MB, established connections) every quarter second for ``seconds``."""
    t0 = time.monotonic()
    while (now := time.monotonic()) - t0 < seconds:
        into.append((now, _rss_mb(pid)[0], _established(port)))
        await asyncio.sleep(0.25)


@dataclass(frozen=True)
class SlowPlan:
    """How many slow clients of which kinds, for how long, how slow."""

    clients: int
    kinds: list[str]
    seconds: float
    drip_s: float
    burst: int


async def _slow_run(pid: int, port: int, plan: SlowPlan) -> dict[str, Any]:
    """RSS and connections of the service before, during and after the plan's clients."""
    kinds, seconds = plan.kinds, plan.seconds
    before: list[tuple[float, float, int]] = []
    await _sample(pid, port, 3.0, before)
    stop = asyncio.Event()
    stats = {kind: SlowStats() for kind in kinds}
    probe_ok: list[float] = []
    probe_failed: Counter[str] = Counter()
    clients = []
    for i in range(plan.clients):
        kind = kinds[i % len(kinds)]
        client = _slow_client(kind, port, plan.drip_s, plan.burst, stop, stats[kind])
        clients.append(asyncio.create_task(client))
    probe = asyncio.create_task(_probe(port, stop, probe_ok, probe_failed))
    during: list[tuple[float, float, int]] = []
    await _sample(pid, port, seconds, during)
    stop.set()
    await asyncio.gather(*clients, probe)
    await asyncio.sleep(5.0)  # let the service close what it still holds
    after: list[tuple[float, float, int]] = []
    await _sample(pid, port, 3.0, after)
    second_half = [rss for t, rss, _ in during if t >= during[0][0] + seconds / 2]
    return {
        "rss_mb": {
            "before": round(statistics.median(r for _, r, _ in before), 1),
            "during_peak": round(max(r for _, r, _ in during), 1),
            "during_median_second_half": round(statistics.median(second_half), 1),
            "after": round(statistics.median(r for _, r, _ in after), 1),
            "process_peak_vmhwm": round(_rss_mb(pid)[1], 1),
        },
        "service_connections": {
            "before": max(c for _, _, c in before),
            "during_max": max(c for _, _, c in during),
            "during_median": statistics.median(c for _, _, c in during),
            "after": max(c for _, _, c in after),
        },
        "slow_clients": {kind: st.summary() for kind, st in stats.items()},
        "well_behaved_health_probe": {
            "ok": len(probe_ok),
            "failed": dict(probe_failed),
            "latency_ms_p50": round(1000 * statistics.median(probe_ok), 1) if probe_ok else None,
            "latency_ms_max": round(1000 * max(probe_ok), 1) if probe_ok else None,
        },
    }


def slow_main(plan: SlowPlan, extra: list[str]) -> None:
    """The service's memory and connections under the plan's slow clients; printed
    and written to ``bench/out/serve_slow.json``."""
    model = LoopbackServer({}, 0.0)  # the slow clients never reach the model
    port = _free_port()
    try:
        with _service(model.url, port, extra) as service:
            results: dict[str, Any] = {
                "plan": asdict(plan),
                "serve_options": extra,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
            results.update(asyncio.run(_slow_run(service.pid, port, plan)))
            results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        model.shutdown()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "serve_slow.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


@contextlib.contextmanager
def _service(model_url: str, port: int, extra: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    """``summarizer serve`` in its own process on ``port``, answering; stopped after."""
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")},
            "SUMMARIZER_BASE_URL": model_url,
            "SUMMARIZER_MODEL": EMBEDDED_MODEL_NAME,
            "SUMMARIZER_ENDPOINT_KIND": "llamacpp",
            "SUMMARIZER_CACHE_DIR": tmp,
        }
        service = subprocess.Popen(
            [sys.executable, "-m", "summarizer.apps.cli", "serve", "--port", str(port), *extra],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"{base}/v1/health", timeout=2).raise_for_status()
                    break
                except requests.ConnectionError:
                    if service.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("the service did not start") from None
                    time.sleep(0.1)
            yield service
        finally:
            service.terminate()
            service.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--slow-clients", type=int, default=0, help="measure slow clients instead")
    ap.add_argument("--slow-seconds", type=float, default=30.0)
    ap.add_argument("--slow-kinds", default="health-body,headers", help=", ".join(SLOW_KINDS))
    ap.add_argument("--drip-s", type=float, default=1.0, help="seconds between drips")
    ap.add_argument("--burst", type=int, default=1_900_000, help="body bytes sent at once")
    ap.add_argument("serve_options", nargs="*", help="after --: more `summarizer serve` options")
    args = ap.parse_args()
    if args.slow_clients:
        kinds = [k.strip() for k in args.slow_kinds.split(",") if k.strip()]
        unknown = set(kinds) - set(SLOW_KINDS)
        if unknown or not kinds:
            raise SystemExit(
                f"unknown slow kinds {sorted(unknown)}; known: {', '.join(SLOW_KINDS)}"
            )
        plan = SlowPlan(args.slow_clients, kinds, args.slow_seconds, args.drip_s, args.burst)
        slow_main(plan, args.serve_options)
        return
    items, answers = _examples()
    model = LoopbackServer(answers, 0.0)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with contextlib.ExitStack() as stack:
        stack.callback(model.shutdown)
        stack.enter_context(_service(model.url, port, args.serve_options))
        for item in items:  # fill the cache
            requests.post(f"{base}/v1/reports", json=item, timeout=60).raise_for_status()
        results: dict[str, Any] = {"load_average": [round(x, 2) for x in os.getloadavg()]}
        n, c = args.requests, args.concurrency
        results["health"] = _timed(
            n, c, lambda s: s.get(f"{base}/v1/health", timeout=30).raise_for_status()
        )

        def single(s: requests.Session) -> None:
            r = s.post(f"{base}/v1/reports", json=items[0], timeout=30)
            r.raise_for_status()
            assert r.json()["report"]["extraction"]["cache_hit"]

        results["single"] = _timed(n, c, single)
        batch_body = {"items": items}

        def batch(s: requests.Session) -> None:
            r = s.post(f"{base}/v1/reports", json=batch_body, timeout=60)
            r.raise_for_status()
            assert r.json()["ok"] == len(items)

        rounds = max(1, n // len(items))
        results["batch"] = _timed(rounds, c, batch)
        results["batch"]["reports_per_s"] = round(results["batch"]["per_s"] * len(items), 1)
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "serve_load.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
