"""Quotes vs sentence ids: which grounding costs less and grounds more on the embedded model?

    python bench/grounding_modes.py [--limit N]

*quote* mode is the library's: the model copies an evidence quote for every fact.
*cite* mode shows the model the cleaned article as numbered sentences and asks for
the sentence number instead; the library maps the number to that sentence's exact
offsets and checks the value against it with the same validators.  Both are scored
with the same gold files.  Prints seconds, completion tokens, grounded share and F1
per mode; writes bench/out/grounding_modes.json.  Quote-mode figures come from
``bench/embedded.py``'s last run (bench/out/embedded.json and embedded_reports/) when
present, so the slow quote-mode extraction is not run twice; otherwise they are run.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any, cast

from summarizer import Settings, Summarizer, evaluate
from summarizer.core.ground import GroundingContext
from summarizer.core.schema import OperationReport, grounded_share, request_schema
from summarizer.pipeline.cleaning import clean_page
from summarizer.pipeline.prompts import load_prompt
from summarizer.pipeline.resolve import resolve_report

ROOT = Path(__file__).resolve().parent.parent
_SENTENCE_END = re.compile(r"(?<=[.!?\u201d\"])\s+(?=[A-Z\u201c\"'(])|\n+")

CITE_RULE = (
    '- Every "evidence" value is the number N of the sentence [N] in the article that '
    "states that one fact."
)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence or line of the cleaned text."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def cite_schema() -> dict[str, Any]:
    schema = copy.deepcopy(request_schema(OperationReport))
    schema["$defs"]["Evidence"] = {
        "type": "integer",
        "description": "Number of the sentence that states this fact.",
    }
    return schema


def cite_messages(text: str, spans: list[tuple[int, int]], published: date) -> list[dict[str, str]]:
    prompt = load_prompt("operation_report")
    numbered = "\n".join(f"[{i}] {text[s:e]}" for i, (s, e) in enumerate(spans, 1))
    msgs = prompt.render(numbered, published=published)
    rules = [
        line
        for line in msgs[0]["content"].splitlines()
        if not line.startswith('- Every "evidence" value')
    ]
    idx = next(i for i, line in enumerate(rules) if line.startswith("- Names are written"))
    rules.insert(idx, CITE_RULE)
    msgs[0]["content"] = "\n".join(rules)
    return msgs


def ids_to_quotes(node: Any, text: str, spans: list[tuple[int, int]], key: str = "") -> Any:
    """Replace every evidence sentence number by that sentence's text."""
    if isinstance(node, dict):
        return {k: ids_to_quotes(v, text, spans, k) for k, v in node.items()}
    if isinstance(node, list):
        return [ids_to_quotes(v, text, spans, key) for v in node]
    if key.endswith("evidence") and isinstance(node, int):
        if 1 <= node <= len(spans):
            s, e = spans[node - 1]
            return text[s:e]
        return f"<no sentence {node}>"
    return node


def run_cite(entry: dict[str, Any], base_url: str) -> dict[str, Any]:
    import openai

    page = clean_page((ROOT / "examples" / entry["file"]).read_text(encoding="utf-8"))
    text = page.main.text
    spans = sentences(text)
    pub = date.fromisoformat(entry["published"])
    client = openai.OpenAI(base_url=base_url, api_key="not-needed", max_retries=0, timeout=900)
    t = time.perf_counter()
    r = cast(Any, client.chat.completions).create(
        model="qwen2.5-coder-1.5b-instruct",
        messages=cite_messages(text, spans, pub),
        temperature=0,
        seed=0,
        max_tokens=2048,
        response_format={"type": "json_object", "schema": cite_schema()},
    )
    secs = time.perf_counter() - t
    data = ids_to_quotes(json.loads(r.choices[0].message.content or "{}"), text, spans)
    ctx = GroundingContext(text, pub, False, page.main.to_original)
    report = OperationReport.model_validate(data, context=ctx)
    resolve_report(report, ctx)
    usage = r.usage
    return {
        "article": Path(entry["file"]).stem,
        "seconds": round(secs, 2),
        "prompt_tokens": usage.prompt_tokens if usage else 0,
        "completion_tokens": usage.completion_tokens if usage else 0,
        "grounded_share": grounded_share(report),
        "report": report,
    }


def summarize_mode(rows: list[dict[str, Any]], gold_dir: Path) -> dict[str, Any]:
    preds = {r["article"]: r["report"] for r in rows}
    summary = evaluate.evaluate(gold_dir, preds)
    scores = evaluate.to_json(summary)
    secs = [r["seconds"] for r in rows]
    shares = [r["grounded_share"] for r in rows if r["grounded_share"] is not None]
    return {
        "median_s": round(statistics.median(secs), 1),
        "median_completion_tokens": statistics.median(r["completion_tokens"] for r in rows),
        "median_grounded_share": round(statistics.median(shares), 3) if shares else None,
        "overall": scores.get("overall", scores),
    }


def previous_quote_rows() -> dict[str, dict[str, Any]]:
    """Quote-mode rows from the last ``bench/embedded.py`` run, keyed by article."""
    out = ROOT / "bench" / "out"
    summary = out / "embedded.json"
    if not summary.is_file():
        return {}
    rows = {}
    for row in json.loads(summary.read_text())["rows"]:
        report_file = out / "embedded_reports" / f"{row['article']}.json"
        if report_file.is_file() and not row["cache_hit"]:
            report = OperationReport.model_validate_json(report_file.read_text())
            rows[row["article"]] = {**row, "report": report}
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    manifest = json.loads((ROOT / "examples" / "manifest.json").read_text())[: args.limit]
    gold_dir = ROOT / "examples" / "gold"
    settings = Settings(use_cache=False, model_dir=Settings().resolved_model_dir)
    quote_rows: list[dict[str, Any]] = []
    cite_rows: list[dict[str, Any]] = []
    previous = previous_quote_rows()
    with Summarizer(settings) as s:
        base_url = s._endpoint()
        for entry in manifest:
            stem = Path(entry["file"]).stem
            if stem in previous:
                quote_rows.append(previous[stem])
            else:
                pub = date.fromisoformat(entry["published"])
                t = time.perf_counter()
                ex: Any = s.extract(ROOT / "examples" / entry["file"], published=pub)
                quote_rows.append(
                    {
                        "article": stem,
                        "seconds": round(time.perf_counter() - t, 2),
                        "completion_tokens": ex.meta.usage.completion_tokens,
                        "grounded_share": ex.meta.grounded_share,
                        "report": ex.value,
                    }
                )
            cite_rows.append(run_cite(entry, base_url))
            for row in (quote_rows[-1], cite_rows[-1]):
                print({k: v for k, v in row.items() if k != "report"}, flush=True)
    result = {
        "quote": summarize_mode(quote_rows, gold_dir),
        "cite": summarize_mode(cite_rows, gold_dir),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "grounding_modes.json").write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
