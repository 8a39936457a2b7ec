"""Library cost without the model: overhead, concurrency efficiency, cached throughput.

    python bench/loopback.py [--overhead-n 200] [--concurrency-n 200] [--cache-n 1000]

A loopback OpenAI-compatible server answers each example with the answer the embedded
model gave it (the last response in its cassette), after a fixed delay.  It runs in its
own process, as a model server does, so its request parsing and threads do not take
the measured process's GIL; it keeps connections alive (HTTP/1.1), as real servers do.
Prints:

* overhead: wall time per article for everything but the model (input, cleaning,
  prompt, cache lookup and write, HTTP over loopback, validation, grounding,
  resolve), server delay 0; every timed call misses the response cache (the
  publication date varies the key) and aligns its quotes afresh (the alignment memo
  lives with one article's extraction, nothing is carried across calls); also the
  CPU time of this process per article (here and below: the share that is ours when
  other processes compete for the two cores);
* concurrency: 200 articles at concurrency 16 against a 250 ms server, against the
  ideal 200 / 16 x 0.25 s;
* cache: a fully cached rerun of 1,000 articles, reports per second;
* import: ``import summarizer`` in a fresh interpreter.

Figures are wall-clock: on a machine that is busy with something else (a model server
running its own benchmark) they come out slower, so note the load beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from summarizer import Settings, Summarizer
from summarizer.pipeline.cleaning import clean_page
from summarizer.runs.many import summarize_many

ROOT = Path(__file__).resolve().parent.parent


def recorded_answers() -> dict[str, bytes]:
    """Article stem -> the embedded model's final recorded answer for it."""
    out = {}
    for tape in sorted((ROOT / "cassettes").glob("example_*.yaml")):
        data = yaml.safe_load(tape.read_text())
        body = data["interactions"][-1]["response"]["body"]["string"]
        out[tape.stem.removeprefix("example_")] = body.encode()
    return out


def _run_server(answers: list[tuple[str, str]], delay: float) -> None:
    """The server process: answer with the body whose marker text is in the request;
    print the port, serve until stdin closes."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server
        disable_nagle_algorithm = True  # headers and body are separate writes

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            user = json.loads(raw)["messages"][1]["content"]
            body = next((b.encode() for marker, b in answers if marker in user), b"{}")
            if delay:
                time.sleep(delay)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.request_queue_size = 128
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(srv.server_address[1], flush=True)
    sys.stdin.read()  # the parent closes it (or dies): stop
    srv.shutdown()


class LoopbackServer:
    """A :func:`_run_server` process on a free loopback port."""

    def __init__(self, answers: dict[str, tuple[str, bytes]], delay: float) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        pairs = [(marker, body.decode()) for marker, body in answers.values()]
        self._proc.stdin.write(json.dumps(pairs) + "\n")
        self._proc.stdin.flush()
        self.url = f"http://127.0.0.1:{int(self._proc.stdout.readline())}/v1"

    def shutdown(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--overhead-n", type=int, default=200)
    ap.add_argument("--concurrency-n", type=int, default=200)
    ap.add_argument("--cache-n", type=int, default=1000)
    ap.add_argument("--serve", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve is not None:
        _run_server(json.loads(sys.stdin.readline()), args.serve)
        return
    manifest = json.loads((ROOT / "examples" / "manifest.json").read_text())
    bodies = recorded_answers()
    articles = []
    answers = {}
    for e in manifest:
        stem = Path(e["file"]).stem
        text = clean_page((ROOT / "examples" / e["file"]).read_text(encoding="utf-8")).main.text
        marker = max(text.splitlines(), key=len)[:80]  # a body line the model is shown
        answers[stem] = (marker, bodies[stem])
        articles.append((ROOT / "examples" / e["file"], date.fromisoformat(e["published"])))

    def settings(url: str, cache: Path, **kw: Any) -> Settings:
        return Settings(
            base_url=url,
            model="qwen2.5-coder-1.5b-instruct",
            endpoint_kind="llamacpp",
            cache_dir=cache,
            max_reasks=0,
            **kw,
        )

    results: dict[str, Any] = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    # 1. overhead: each call is a cache miss (the publication date varies the key)
    srv = LoopbackServer(answers, 0.0)
    with tempfile.TemporaryDirectory() as tmp, Summarizer(settings(srv.url, Path(tmp))) as s:
        for path, pub in articles:  # warm-up: imports, schema, client
            s.extract(path, published=pub)
        times, cpu = [], []
        for i in range(args.overhead_n):
            path, pub = articles[i % len(articles)]
            t, c = time.perf_counter(), time.process_time()
            meta = s.extract(path, published=pub + timedelta(days=1 + i)).meta
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            assert not meta.cache_hit
    srv.shutdown()
    results["overhead_ms"] = {
        "median": round(1000 * statistics.median(times), 2),
        "p95": round(1000 * pct(times, 0.95), 2),
        "cpu_median": round(1000 * statistics.median(cpu), 2),
        "n": len(times),
    }
    # 2. concurrency efficiency
    srv = LoopbackServer(answers, 0.25)
    n, c = args.concurrency_n, 16
    items = [
        (articles[i % len(articles)][0], articles[i % len(articles)][1] + timedelta(days=i))
        for i in range(n)
    ]
    with tempfile.TemporaryDirectory() as tmp, Summarizer(settings(srv.url, Path(tmp))) as s:
        # warm-up outside the timing, on a date no timed item uses
        s.extract(articles[0][0], published=articles[0][1] - timedelta(days=1))
        t, cpu0 = time.perf_counter(), time.process_time()
        done = [r for r in summarize_many(items, summarizer=s, concurrency=c) if r.ok]
        wall, cpu_s = time.perf_counter() - t, time.process_time() - cpu0
    srv.shutdown()
    ideal = n / c * 0.25
    results["concurrency"] = {
        "items": n,
        "ok": len(done),
        "cache_hits": sum(r.meta is not None and r.meta.cache_hit for r in done),
        "concurrency": c,
        "wall_s": round(wall, 3),
        "ideal_s": ideal,
        "ratio": round(wall / ideal, 3),
        "cpu_ms_per_item": round(1000 * cpu_s / n, 2),
    }
    # 3. fully cached rerun
    srv = LoopbackServer(answers, 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        items = [
            (articles[i % len(articles)][0], articles[i % len(articles)][1] + timedelta(days=i))
            for i in range(args.cache_n)
        ]
        with Summarizer(settings(srv.url, Path(tmp))) as s:
            for _ in summarize_many(items, summarizer=s, concurrency=8):
                pass
        with Summarizer(settings("http://127.0.0.1:9/v1", Path(tmp))) as s:  # no server
            t, cpu0 = time.perf_counter(), time.process_time()
            hits = sum(s.extract(p, published=d).meta.cache_hit for p, d in items)
            wall, cpu_s = time.perf_counter() - t, time.process_time() - cpu0
    srv.shutdown()
    results["cache"] = {
        "items": args.cache_n,
        "hits": hits,
        "wall_s": round(wall, 3),
        "reports_per_s": round(args.cache_n / wall, 1),
        "cpu_ms_per_report": round(1000 * cpu_s / args.cache_n, 3),
    }
    # 4. import time, in a fresh interpreter
    code = "import time; t=time.perf_counter(); import summarizer; print(time.perf_counter()-t)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(5)
    ]
    results["import_ms"] = round(1000 * statistics.median(runs), 1)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "loopback.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
