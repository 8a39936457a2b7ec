"""Throughput of ``summarizer serve`` when the cache answers: the service's own cost.

    python bench/serve_load.py [--requests 1000] [--concurrency 8]

Starts the loopback replay server of ``bench/loopback.py`` (each example article gets
the answer the embedded model gave it) and ``summarizer serve`` in their own
processes, fills the cache with one request per example article, then times:

* ``health``: ``GET /v1/health``, the floor (uvicorn, FastAPI, the guard middleware);
* ``single``: ``POST /v1/reports`` of a cached article, requests/s and latency;
* ``batch``: ``POST /v1/reports`` with all seven examples cached, reports/s.

The load comes from threads in this process (one keep-alive ``requests`` session
each), on the same two cores as the service, so the figures are a lower bound; note
the load average printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    items, answers = _examples()
    model = LoopbackServer(answers, 0.0)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SUMMARIZER_")},
            "SUMMARIZER_BASE_URL": model.url,
            "SUMMARIZER_MODEL": EMBEDDED_MODEL_NAME,
            "SUMMARIZER_ENDPOINT_KIND": "llamacpp",
            "SUMMARIZER_CACHE_DIR": tmp,
        }
        service = subprocess.Popen(
            [sys.executable, "-m", "summarizer.apps.cli", "serve", "--port", str(port)],
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
        finally:
            service.terminate()
            service.wait(timeout=60)
            model.shutdown()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "serve_load.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
