"""Library cost without the model: overhead, concurrency efficiency, cached throughput.

    python bench/loopback.py [--overhead-n 200] [--concurrency-n 200] [--cache-n 1000]

A loopback OpenAI-compatible server answers each example with the answer the embedded
model gave it (the last response in its cassette), after a fixed delay.  Prints:

* overhead: wall time per article for everything but the model (input, cleaning,
  prompt, cache lookup and write, HTTP over loopback, validation, grounding,
  resolve), server delay 0;
* concurrency: 200 articles at concurrency 16 against a 250 ms server, against the
  ideal 200 / 16 x 0.25 s;
* cache: a fully cached rerun of 1,000 articles, reports per second.
"""

from __future__ import annotations

import argparse
import json
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
from summarizer.batch import summarize_many
from summarizer.clean import clean_page

ROOT = Path(__file__).resolve().parent.parent


def recorded_answers() -> dict[str, bytes]:
    """Article stem -> the embedded model's final recorded answer for it."""
    out = {}
    for tape in sorted((ROOT / "cassettes").glob("example_*.yaml")):
        data = yaml.safe_load(tape.read_text())
        body = data["interactions"][-1]["response"]["body"]["string"]
        out[tape.stem.removeprefix("example_")] = body.encode()
    return out


def serve(answers: dict[str, tuple[str, bytes]], delay: float) -> tuple[ThreadingHTTPServer, str]:
    """Answer with the body whose marker text appears in the request."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            user = json.loads(raw)["messages"][1]["content"]
            body = next((b for marker, b in answers.values() if marker in user), b"{}")
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
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/v1"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--overhead-n", type=int, default=200)
    ap.add_argument("--concurrency-n", type=int, default=200)
    ap.add_argument("--cache-n", type=int, default=1000)
    args = ap.parse_args()
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

    results: dict[str, Any] = {}
    # 1. overhead: each call is a cache miss (the publication date varies the key)
    srv, url = serve(answers, 0.0)
    with tempfile.TemporaryDirectory() as tmp, Summarizer(settings(url, Path(tmp))) as s:
        for path, pub in articles:  # warm-up: imports, schema, client
            s.extract(path, published=pub)
        times = []
        for i in range(args.overhead_n):
            path, pub = articles[i % len(articles)]
            t = time.perf_counter()
            s.extract(path, published=pub + timedelta(days=1 + i))
            times.append(time.perf_counter() - t)
    srv.shutdown()
    results["overhead_ms"] = {
        "median": round(1000 * statistics.median(times), 2),
        "p95": round(1000 * pct(times, 0.95), 2),
        "n": len(times),
    }
    # 2. concurrency efficiency
    srv, url = serve(answers, 0.25)
    n, c = args.concurrency_n, 16
    items = [
        (articles[i % len(articles)][0], articles[i % len(articles)][1] + timedelta(days=i))
        for i in range(n)
    ]
    with tempfile.TemporaryDirectory() as tmp, Summarizer(settings(url, Path(tmp))) as s:
        s.extract(articles[0][0], published=articles[0][1])  # warm-up outside the timing
        t = time.perf_counter()
        done = [r for r in summarize_many(items, summarizer=s, concurrency=c) if r.ok]
        wall = time.perf_counter() - t
    srv.shutdown()
    ideal = n / c * 0.25
    results["concurrency"] = {
        "items": n,
        "ok": len(done),
        "concurrency": c,
        "wall_s": round(wall, 3),
        "ideal_s": ideal,
        "ratio": round(wall / ideal, 3),
    }
    # 3. fully cached rerun
    srv, url = serve(answers, 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        items = [
            (articles[i % len(articles)][0], articles[i % len(articles)][1] + timedelta(days=i))
            for i in range(args.cache_n)
        ]
        with Summarizer(settings(url, Path(tmp))) as s:
            for _ in summarize_many(items, summarizer=s, concurrency=8):
                pass
        with Summarizer(settings("http://127.0.0.1:9/v1", Path(tmp))) as s:  # no server
            t = time.perf_counter()
            hits = sum(s.extract(p, published=d).meta.cache_hit for p, d in items)
            wall = time.perf_counter() - t
    srv.shutdown()
    results["cache"] = {
        "items": args.cache_n,
        "hits": hits,
        "wall_s": round(wall, 3),
        "reports_per_s": round(args.cache_n / wall, 1),
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
