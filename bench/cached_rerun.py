"""Does a code change keep the response cache's keys?  Fill a cache, rerun offline.

    python bench/cached_rerun.py fill DIR    # the seven examples through a loopback
                                             # server that replays their recorded answers
    python bench/cached_rerun.py check DIR   # the same seven against an endpoint that
                                             # refuses every connection

Run ``fill`` with the code before a change (e.g. a checkout of the previous commit on
``PYTHONPATH``) and ``check`` with the code after it: ``check`` prints how many of the
seven were served from the cache and how many asked the model (a refused connection
is a failure, so any request at all shows).  Uses only the public API.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from summarizer import Settings, Summarizer, SummarizerError

ROOT = Path(__file__).resolve().parent.parent


def _examples() -> list[tuple[Path, date]]:
    manifest = json.loads((ROOT / "examples" / "manifest.json").read_text())
    return [(ROOT / "examples" / e["file"], date.fromisoformat(e["published"])) for e in manifest]


def _settings(url: str, cache: Path) -> Settings:
    return Settings(
        base_url=url,
        model="qwen2.5-coder-1.5b-instruct",
        endpoint_kind="llamacpp",
        cache_dir=cache,
        max_reasks=0,
        timeout=5,
    )


def _refusing_url() -> str:
    """A loopback port nobody listens on: every request to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def fill(cache: Path) -> None:
    from scale import replay_stub  # bench helper: a server replaying the cassettes' answers

    with replay_stub() as (url, articles), Summarizer(_settings(url, cache)) as s:
        for path, pub in articles:
            s.extract(path, published=pub)
    print(f"filled {cache} with {len(articles)} examples")


def check(cache: Path) -> int:
    hits, asked = 0, []
    with Summarizer(_settings(_refusing_url(), cache)) as s:
        for path, pub in _examples():
            try:
                hits += s.extract(path, published=pub).meta.cache_hit
            except SummarizerError as exc:
                asked.append(f"{path.stem}: {type(exc).__name__}")
    print(f"{hits}/{len(_examples())} served from the cache; {len(asked)} asked the model")
    for line in asked:
        print("  " + line)
    return 0 if not asked else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=["fill", "check"])
    ap.add_argument("cache", type=Path)
    args = ap.parse_args()
    if args.action == "fill":
        fill(args.cache)
        return 0
    return check(args.cache)


if __name__ == "__main__":
    sys.exit(main())
