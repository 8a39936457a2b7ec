"""``summarizer summarize`` budgets, price tables, the run summary and the progress bar.

The CLI runs the real stack against a loopback server that answers every request
with the body recorded from the embedded model for the first example (taken from its
cassette, never written by hand), so token counts are the model's own.  No model runs.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from summarizer.apps.cli import app
from summarizer.apps.cli.progress import ProgressBar, progress_text
from summarizer.errors import ConfigError
from summarizer.runs.budget import DEFAULT_PRICES, load_prices, price_for
from summarizer.runs.many import ItemError, ItemResult
from summarizer.settings import EMBEDDED_MODEL_NAME
from tests.conftest import EXAMPLES, load_manifest, recorded_answer

ENTRY = load_manifest()[0]
ARTICLE = EXAMPLES / ENTRY["file"]


BODY = recorded_answer(Path(ENTRY["file"]).stem)


@dataclass
class Counter:
    url: str = ""
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self) -> None:
        with self.lock:
            self.requests += 1


@pytest.fixture
def server() -> Iterator[Counter]:
    """A loopback endpoint replaying the recorded answer; counts requests."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            counter.hit()
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    counter.url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
    yield counter
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def env(server: Counter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def set_env(model: str = EMBEDDED_MODEL_NAME) -> None:
        monkeypatch.setenv("SUMMARIZER_BASE_URL", server.url)
        monkeypatch.setenv("SUMMARIZER_MODEL", model)
        monkeypatch.setenv("SUMMARIZER_ENDPOINT_KIND", "llamacpp")
        monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "cache"))

    set_env()
    return set_env


@pytest.fixture
def articles(tmp_path: Path) -> list[Path]:
    """Three copies of the example, each with its own dateline (so its own key; an
    added last line would be cut with the page's comment form)."""
    out = []
    text = ARTICLE.read_text(encoding="utf-8")
    assert text.count("BAGHDAD (Tigris Wire)") == 1
    for i in range(3):
        p = tmp_path / "in" / f"item{i}.txt"
        p.parent.mkdir(exist_ok=True)
        copy = text.replace("BAGHDAD (Tigris Wire)", f"BAGHDAD (Tigris Wire, copy {i})")
        p.write_text(copy, encoding="utf-8")
        out.append(p)
    return out


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["summarize", *args, "--published", ENTRY["published"]])


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _usage(record: dict[str, Any]) -> dict[str, int]:
    usage: dict[str, int] = record["report"]["extraction"]["usage"]
    return usage


# --------------------------------------------------------------------------- budgets


def test_token_budget_stops_the_run_and_records_the_rest_as_skipped(
    env: Any, server: Counter, articles: list[Path], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    args = [*map(str, articles), "-f", "jsonl", "--out", str(out), "--concurrency", "1"]
    r = run(*args, "--no-cache", "--max-tokens-total", "1")
    assert r.exit_code == 3, r.output
    records = _records(out)
    assert [x["status"] for x in records].count("ok") == 1
    skipped = [x for x in records if x["status"] == "skipped"]
    assert len(skipped) == 2
    assert all(x["error"]["kind"] == "budget" for x in skipped)  # not a model failure
    assert {Path(x["source"]).name for x in records} == {p.name for p in articles}
    ok = next(x for x in records if x["status"] == "ok")
    assert server.requests == _usage(ok)["requests"]  # nothing started after the cap
    used = _usage(ok)["prompt_tokens"] + _usage(ok)["completion_tokens"]
    assert "1 ok, 0 failed, 2 skipped" in r.stderr
    assert f"budget reached ({used:,} of 1 tokens): 2 item(s) not started" in r.stderr

    # nothing was lost: a rerun without a cap does exactly the two skipped items
    before = server.requests
    again = run(*args, "--no-cache")
    assert again.exit_code == 0, again.output
    final = {Path(x["source"]).name: x["status"] for x in _records(out)}
    assert set(final.values()) == {"ok"}  # the last line per source wins
    assert sum(x["status"] == "ok" for x in _records(out)) == 3
    assert server.requests - before == 2 * _usage(ok)["requests"]


def test_cost_budget_uses_the_price_table(
    env: Any, server: Counter, articles: list[Path], tmp_path: Path
) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({EMBEDDED_MODEL_NAME: {"prompt": 100.0, "completion": 300.0}}))
    r = run(*map(str, articles), "-f", "markdown", "--no-cache", "--concurrency", "1",
            "--max-cost", "0.01", "--prices", str(prices))  # fmt: skip
    assert r.exit_code == 3, r.output
    assert r.stdout.count("**skipped** (budget): budget exhausted") == 2
    assert "**failed**" not in r.stdout
    # the one report's usage (every attempt) priced by the table
    m = re.search(r"(\d[\d,]*) prompt \+ (\d[\d,]*) completion tokens", r.stderr)
    assert m is not None
    prompt, completion = (int(g.replace(",", "")) for g in m.groups())
    assert prompt > 0 and completion > 0
    cost = (prompt * 100.0 + completion * 300.0) / 1e6
    assert f"est. cost ${cost:.4f}" in r.stderr
    assert f"${cost:.4f} of $0.0100" in r.stderr
    assert server.requests >= 1


def test_max_cost_without_a_price_is_a_usage_error(
    env: Any, server: Counter, articles: list[Path]
) -> None:
    env(model="someone/unpriced-model")
    r = run(str(articles[0]), "--max-cost", "1")
    assert r.exit_code == 2
    assert "--max-cost needs a price for 'someone/unpriced-model'" in r.stderr
    assert server.requests == 0
    # a token cap needs no price; the summary then says the cost is unknown
    r = run(str(articles[0]), "--max-tokens-total", "10000000")
    assert r.exit_code == 0, r.output
    assert "cost unknown (no price for 'someone/unpriced-model'" in r.stderr


@pytest.mark.parametrize(
    "spec", ['{"m": [1]}', '{"m": [1, -2]}', '{"m": {"prompt": 1}}', '["m"]', "no-such-file.json"]
)
def test_bad_price_tables_are_usage_errors(
    env: Any, server: Counter, articles: list[Path], spec: str
) -> None:
    r = run(str(articles[0]), "--prices", spec)
    assert r.exit_code == 2
    assert r.stderr.startswith("error:")
    assert server.requests == 0


# --------------------------------------------------------------------------- summary


def test_summary_counts_tokens_and_prices_a_snapshot_name(
    env: Any, server: Counter, articles: list[Path], tmp_path: Path
) -> None:
    env(model="gpt-4o-mini-2024-07-18")  # a dated snapshot falls back to its family
    out = tmp_path / "out.jsonl"
    missing = tmp_path / "missing.txt"
    r = run(str(articles[0]), str(articles[1]), str(missing), "-f", "jsonl", "-o", str(out))
    assert r.exit_code == 2  # the missing file is a usage error; no budget involved
    oks = [x for x in _records(out) if x["status"] == "ok"]
    assert len(oks) == 2
    prompt = sum(_usage(x)["prompt_tokens"] for x in oks)
    completion = sum(_usage(x)["completion_tokens"] for x in oks)
    requests = sum(_usage(x)["requests"] for x in oks)
    p, c = DEFAULT_PRICES["gpt-4o-mini"]
    cost = (prompt * p + completion * c) / 1e6
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith("2 ok, 1 failed, 0 skipped, 0 cached; ")
    assert f"{prompt:,} prompt + {completion:,} completion tokens in {requests} requests" in line
    assert f"est. cost ${cost:.4f}" in line
    assert "budget" not in r.stderr

    # same inputs again through the cache: free, no requests
    before = server.requests
    again = run(str(articles[0]), str(articles[1]), "-f", "jsonl")
    assert again.exit_code == 0
    assert server.requests == before
    assert (
        "2 ok, 0 failed, 0 skipped, 2 cached; 0 prompt + 0 completion tokens in 0 requests; "
        "est. cost $0.0000" in again.stderr
    )


def test_embedded_model_costs_nothing_and_no_progress_off_a_terminal(
    env: Any, articles: list[Path]
) -> None:
    r = run(str(articles[0]), str(articles[1]), "-f", "jsonl", "--no-cache")
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert len(lines) == 1  # the summary only: CliRunner's stderr is not a terminal
    assert lines[0].startswith("2 ok, 0 failed, 0 skipped, 0 cached; ")
    assert "est. cost $0.0000" in lines[0]
    assert "\x1b" not in r.stderr and "summarizing" not in r.stderr


# --------------------------------------------------------------------------- prices


def test_price_lookup_and_loading(tmp_path: Path) -> None:
    assert price_for(EMBEDDED_MODEL_NAME, DEFAULT_PRICES) == (0.0, 0.0)
    assert price_for("gpt-4o-2024-08-06", DEFAULT_PRICES) == DEFAULT_PRICES["gpt-4o"]
    assert price_for("gpt-4o-mini-tts", DEFAULT_PRICES) is None  # no prefix guessing
    assert price_for("unknown", DEFAULT_PRICES) is None
    assert load_prices('{"a": [1, 2.5], "b": {"prompt": 0, "completion": 3}}') == {
        "a": (1.0, 2.5),
        "b": (0.0, 3.0),
    }
    f = tmp_path / "p.json"
    f.write_text('{"x": [0.5, 1]}')
    assert load_prices(f) == {"x": (0.5, 1.0)}
    with pytest.raises(ConfigError):
        load_prices('{"x": [true, 1]}')


# --------------------------------------------------------------------------- progress


def test_progress_text_rate_and_eta() -> None:
    text = progress_text(2, 5, 240.0, failed=1, cached=0, skipped=0)
    assert text == "0.5/min · ETA 0:06:00 · 1 failed · 0 cached"
    fast = progress_text(10, 30, 4.0, failed=0, cached=7, skipped=2)
    assert fast == "2.50/s · ETA 0:00:08 · 0 failed · 7 cached · 2 skipped"
    assert progress_text(0, 3, 0.0, 0, 0, 0).startswith("ETA -:--:--")


def test_progress_bar_on_a_terminal_shows_failures_and_cache_hits() -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=160, color_system=None)
    cached = ItemResult(0, "a", "k", SimpleNamespace(), SimpleNamespace(cache_hit=True), None)  # type: ignore[arg-type]
    failed = ItemResult(1, "b", None, None, None, ItemError("input", "empty"))
    skipped = ItemResult(2, "c", None, None, None, ItemError("budget", "budget exhausted"), True)
    with ProgressBar(4, console=console) as advance:
        advance(cached)
        advance(failed)
        advance(skipped)
    shown = buf.getvalue()
    assert "summarizing" in shown and "3/4" in shown
    assert "1 failed · 1 cached · 1 skipped" in shown
    assert "ETA" in shown and ("/min" in shown or "/s" in shown)
