"""Runs LangExtract on a list of texts; called by :mod:`peers.langextract_peer`.

    bench/.venv-peers/bin/python bench/peers/langextract_worker.py < job.json

Lives in its own interpreter (``bench/.venv-peers``: LangExtract's dependencies would
change versions in the project's venv).  The job (JSON on stdin) holds the server, the
settings, the prompt, the few-shot examples and the texts; one JSON line per text goes
to stdout with the extractions (class, text, attributes, LangExtract's character
interval and alignment status), the requests, tokens and cache hits, and the seconds.

The model is built the way LangExtract's README builds one for an OpenAI-compatible
endpoint (``ModelConfig(provider="openai", provider_kwargs={"api_key", "base_url"})``),
with ``use_schema_constraints=False``: LangExtract's default asks for an OpenAI
``json_schema`` response format, which llama-cpp-python's server refuses (HTTP 500),
so a user of this server turns it off and gets JSON mode.  The model's OpenAI client
goes through the peers' response cache, so a rerun sends nothing.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
for _path in (str(ROOT), str(BENCH)):  # summarizer.cache.disk, peers.cache: no install here
    if _path not in sys.path:
        sys.path.insert(0, _path)

from peers.cache import JsonCache, install  # noqa: E402


def _example(lx: Any, spec: dict[str, Any]) -> Any:
    return lx.data.ExampleData(
        text=spec["text"],
        extractions=[
            lx.data.Extraction(
                extraction_class=e["class"],
                extraction_text=e["text"],
                attributes=e.get("attributes") or None,
            )
            for e in spec["extractions"]
        ],
    )


def _extraction(e: Any) -> dict[str, Any]:
    interval = e.char_interval
    status = e.alignment_status
    return {
        "class": e.extraction_class,
        "text": e.extraction_text,
        "attributes": dict(e.attributes or {}),
        "start": interval.start_pos if interval is not None else None,
        "end": interval.end_pos if interval is not None else None,
        "status": status.value if status is not None else None,
    }


def run(job: dict[str, Any], out: Any) -> None:
    """Extract every text of the job; one JSON line per text to ``out``."""
    lx = importlib.import_module("langextract")
    factory = importlib.import_module("langextract.factory")
    config = factory.ModelConfig(
        model_id=job["model"],
        provider="openai",
        provider_kwargs={
            "api_key": "not-needed",
            "base_url": job["base_url"],
            "temperature": job["temperature"],
            "max_output_tokens": job["max_tokens"],
            "seed": job["seed"],
        },
    )
    # what lx.extract(config=..., use_schema_constraints=False) builds, kept in hand so
    # its client can be routed through the cache
    model = factory.create_model(config=config, examples=None, use_schema_constraints=False)
    # the library's request timeout (LangExtract's OpenAI provider takes none)
    model._client = model._client.with_options(timeout=job["timeout"])
    cache = JsonCache(Path(job["cache_dir"]))
    cached = install(model._client, cache, f"langextract:{job['namespace']}")
    examples = [_example(lx, spec) for spec in job["examples"]]
    for doc in job["docs"]:
        cached.reset()
        started = time.perf_counter()
        row: dict[str, Any] = {"id": doc["id"], "extractions": []}
        try:
            result = lx.extract(
                text_or_documents=doc["text"],
                prompt_description=job["prompt"],
                examples=examples,
                model=model,
                use_schema_constraints=False,
                show_progress=False,
            )
            row["extractions"] = [_extraction(e) for e in result.extractions or []]
        except Exception as exc:  # noqa: BLE001 - a failed article is a figure, not a crash
            row["error"] = (
                f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            )
        row["seconds"] = time.perf_counter() - started
        row |= cached.reset().as_dict()
        out.write(json.dumps(row) + "\n")
        out.flush()
    cache.close()


def main() -> None:
    job = json.load(sys.stdin)
    out = sys.stdout
    sys.stdout = sys.stderr  # LangExtract prints progress lines; stdout carries results
    run(job, out)


if __name__ == "__main__":
    main()
