"""What the shared prompt prefix saves on the embedded model.

    python bench/prefix_reuse.py [--limit N] [--own-server]

For N example articles (default 3) the library's real prompt (``prompts`` template,
fixed instructions first and the cleaned article last, exactly as ``Summarizer``
renders it) is sent to the embedded llama-cpp-python server with ``max_tokens=1``, so
the request is almost only prompt evaluation, twice:

* **cold**: the previous request was an unrelated prompt, so nothing but the chat
  template's first few tokens can be reused;
* **prefix reused**: the previous request was *another* article with the same
  instructions, the library's steady state.

Prints prompt tokens, seconds, tokens/s and the saving per article (seconds and
percent), and writes bench/out/prefix_reuse.json.  A benchmark, not a test: it needs
the 'local' extra and takes a few minutes on 2 cores.

How llama-cpp-python 0.3.36 reuses a prompt (read from ``llama_cpp/llama.py`` and
``llama_cpp/server``): every request is compared token by token with what the one
context holds from the previous request, and only the rest is evaluated
(``Llama.generate: N prefix-match hit``); this is unconditional.  There is no
``cache_prompt`` request field (unknown fields are ignored) and no per-request way to
turn reuse off, so the cold case is made by sending an unrelated prompt first (a
server restart would also do, at ~5 s a time).  The optional RAM prompt-state cache
(``--cache``, ``Settings.local_prompt_cache_mb``) would restore another article's
state and spoil the cold case, so a running server started with it is not used.

Figures: the server's log gives the tokens actually evaluated and llama.cpp's own
prompt-eval time (``llama_perf_context_print``); the wall time is the HTTP round trip
(prompt evaluation, one sampled token, the server's Python overhead).  The response
format (grammar) is not sent: it constrains sampling and adds no prompt tokens; the
request JSON Schema travels as a grammar, not in the prompt text.

Reuses a healthy ``summarizer local start`` server (without the prompt-state cache),
else (or with ``--own-server``) starts its own on a free loopback port.  Nothing else
may use that server while this runs: another request in between changes what the next
one can reuse.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import re
import statistics
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from summarizer.core.schema import OperationReport, request_schema
from summarizer.llm import local
from summarizer.pipeline.inputs import load_article
from summarizer.pipeline.prompts import load_prompt
from summarizer.pipeline.summarizer import prepare_text
from summarizer.settings import EMBEDDED_MODEL_NAME, Settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

#: shares nothing with the library's prompt after the chat template's first tokens
UNRELATED = [{"role": "user", "content": "Name three colours of the rainbow."}]

_PREFIX = re.compile(r"Llama\.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens")
_PROMPT_EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Timing:
    """One request: what the server reports and how long the round trip took."""

    prompt_tokens: int  # the whole prompt (``usage``)
    evaluated: int | None  # tokens llama.cpp actually evaluated (log)
    reused: int  # prefix tokens taken from the previous request (log; 0 if none)
    eval_s: float | None  # llama.cpp's prompt-eval time (log)
    wall_s: float

    @property
    def tokens_per_s(self) -> float:
        """Prompt tokens the caller got through per wall second (reused ones count)."""
        return self.prompt_tokens / self.wall_s if self.wall_s else 0.0


def library_messages(path: Path, published: date, settings: Settings) -> list[dict[str, str]]:
    """The messages ``Summarizer`` sends for this article (same functions, same order)."""
    article = load_article(path)
    source, _, _ = prepare_text(article, settings, published)
    prompt = load_prompt("operation_report")
    return prompt.render(source.text, published=published, schema=request_schema(OperationReport))


class Server:
    """A base URL plus the log file its llama.cpp diagnostics go to."""

    def __init__(self, base_url: str, log: Path | None) -> None:
        self.base_url = base_url
        self.log = log

    def _log_size(self) -> int:
        try:
            return self.log.stat().st_size if self.log else 0
        except OSError:
            return 0

    def _log_since(self, offset: int) -> str:
        if self.log is None:
            return ""
        with open(self.log, "rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", errors="replace")

    def ask(self, messages: list[dict[str, str]]) -> Timing:
        """One chat completion of a single token; parse this request's log lines."""
        body = {
            "model": EMBEDDED_MODEL_NAME,
            "messages": messages,
            "max_tokens": 1,
            "temperature": 0,
            "seed": 0,
        }
        req = urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        offset = self._log_size()
        t = time.perf_counter()
        with _NO_PROXY.open(req, timeout=900) as resp:
            reply = json.loads(resp.read())
        wall = time.perf_counter() - t
        text = ""
        for _ in range(20):  # the timings are printed before the reply; allow a flush
            text = self._log_since(offset)
            if self.log is None or _PROMPT_EVAL.search(text):
                break
            time.sleep(0.05)
        prefix = _PREFIX.search(text)
        evals = _PROMPT_EVAL.search(text)
        return Timing(
            prompt_tokens=int(reply["usage"]["prompt_tokens"]),
            evaluated=int(evals.group(2)) if evals else None,
            reused=int(prefix.group(1)) if prefix else 0,
            eval_s=float(evals.group(1)) / 1000 if evals else None,
            wall_s=wall,
        )


def _has_prompt_cache(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # cannot tell: do not trust it for a cold measurement
    return any(a == b"--cache" and b == b"true" for a, b in itertools.pairwise(cmdline))


def open_server(settings: Settings, stack: Any, own: bool) -> tuple[Server, str]:
    """A running long-lived server when it fits, else our own (stopped at exit)."""
    url = None if own else local.find_running_server(settings)
    status = local.background_status(settings) if url else None
    if url and status and not _has_prompt_cache(int(status["pid"])):
        return Server(url, local._local_dir(settings) / "server.log"), "reused"
    server = stack.enter_context(
        local.LocalServer(settings.model_copy(update={"local_prompt_cache_mb": 0}))
    )
    return Server(str(server.base_url), server.log_path), "started"


def main() -> None:
    ap = argparse.ArgumentParser(description="What the shared prompt prefix saves.")
    ap.add_argument("--limit", type=int, default=3, help="example articles (default 3)")
    ap.add_argument("--own-server", action="store_true", help="never reuse a running server")
    args = ap.parse_args()
    manifest = json.loads((ROOT / "examples" / "manifest.json").read_text())
    entries = manifest[: max(1, args.limit)]
    settings = Settings.from_env()
    if not settings.embedded:
        raise SystemExit("SUMMARIZER_BASE_URL is set: this measures the embedded server")
    prompts = {
        Path(e["file"]).stem: library_messages(
            ROOT / "examples" / e["file"], date.fromisoformat(e["published"]), settings
        )
        for e in manifest
    }
    names = [Path(e["file"]).stem for e in entries]

    with contextlib.ExitStack() as stack:
        t0 = time.perf_counter()
        server, how = open_server(settings, stack, args.own_server)
        print(f"server {how} at {server.base_url} in {time.perf_counter() - t0:.1f} s", flush=True)
        server.ask(UNRELATED)  # page the weights in before anything is timed

        cold: dict[str, Timing] = {}
        for name in names:
            server.ask(UNRELATED)
            cold[name] = server.ask(prompts[name])
            print(f"cold   {name}: {_fmt(cold[name])}", flush=True)

        warm: dict[str, Timing] = {}
        # the previous request must be a *different* article (the last cold one is, when
        # there are several); with one article, prime with the next example
        if len(names) == 1:
            server.ask(prompts[Path(manifest[1]["file"]).stem])
        for name in names:
            warm[name] = server.ask(prompts[name])
            print(f"reused {name}: {_fmt(warm[name])}", flush=True)

    rows = []
    for name in names:
        c, w = cold[name], warm[name]
        rows.append(
            {
                "article": name,
                "prompt_tokens": c.prompt_tokens,
                "cold": {**asdict(c), "tokens_per_s": round(c.tokens_per_s, 1)},
                "reused": {**asdict(w), "tokens_per_s": round(w.tokens_per_s, 1)},
                "saving_s": round(c.wall_s - w.wall_s, 2),
                "saving_pct": round(100 * (c.wall_s - w.wall_s) / c.wall_s, 1),
            }
        )
    print()
    print(_table(rows))
    savings = [cold[n].wall_s - warm[n].wall_s for n in names]
    pcts = [100 * saved / cold[n].wall_s for saved, n in zip(savings, names, strict=True)]
    summary = {
        "machine": f"{platform.machine()} cores={os.cpu_count()}",
        "server": how,
        "articles": len(rows),
        "median_prompt_tokens": statistics.median(cold[n].prompt_tokens for n in names),
        "median_reused_tokens": statistics.median(warm[n].reused for n in names),
        "median_cold_s": round(statistics.median(cold[n].wall_s for n in names), 2),
        "median_reused_s": round(statistics.median(warm[n].wall_s for n in names), 2),
        "median_saving_s": round(statistics.median(savings), 2),
        "median_saving_pct": round(statistics.median(pcts), 1),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "prefix_reuse.json").write_text(
        json.dumps({"summary": summary, "rows": rows}, indent=2), encoding="utf-8"
    )
    print(json.dumps(summary, indent=2))


def _fmt(t: Timing) -> str:
    evaluated = "?" if t.evaluated is None else str(t.evaluated)
    return (
        f"{t.prompt_tokens} prompt tokens, {t.reused} reused, {evaluated} evaluated, "
        f"{t.wall_s:.2f} s, {t.tokens_per_s:.0f} tok/s"
    )


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "article",
        "prompt tok",
        "cold s",
        "cold tok/s",
        "reused tok",
        "reused s",
        "reused tok/s",
        "saving s",
        "saving %",
    )
    lines = [head]
    for r in rows:
        c, w = r["cold"], r["reused"]
        lines.append(
            (
                r["article"],
                str(r["prompt_tokens"]),
                f"{c['wall_s']:.2f}",
                f"{c['tokens_per_s']:.0f}",
                str(w["reused"]),
                f"{w['wall_s']:.2f}",
                f"{w['tokens_per_s']:.0f}",
                f"{r['saving_s']:.2f}",
                f"{r['saving_pct']:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in lines
    )


if __name__ == "__main__":
    main()
