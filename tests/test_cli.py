"""The command line: formats, exit codes, error records, stdin, globs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.apps.cli import app, expand_inputs
from tests.conftest import EXAMPLES, load_manifest

ENTRY = load_manifest()[0]
ARTICLE = EXAMPLES / ENTRY["file"]
CASSETTE = f"example_{Path(ENTRY['file']).stem}"


@pytest.fixture
def env(settings_for: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    s = settings_for()
    values = {
        "SUMMARIZER_BASE_URL": s.base_url,
        "SUMMARIZER_MODEL": s.model,
        "SUMMARIZER_ENDPOINT_KIND": "llamacpp",
        "SUMMARIZER_CACHE_DIR": str(s.cache_dir),
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input)


def _to_jsonl(out: Path, *files: Path) -> Any:
    """``summarize FILES -f jsonl --out OUT``, published as the example is."""
    args = ["summarize", *map(str, files), "--published", ENTRY["published"]]
    return run(*args, "--format", "jsonl", "--out", str(out))


def test_json_single_item_prints_the_report(env: Any, cassette: Any) -> None:
    with cassette(CASSETTE):
        r = run("summarize", str(ARTICLE), "--published", ENTRY["published"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["relevance"] in {"operation_report", "mentions_operation"}
    assert data["extraction"]["prompt_version"].startswith("operation_report.v")


def test_jsonl_keeps_going_and_records_failures(env: Any, cassette: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("   ")
    out = tmp_path / "out.jsonl"
    with cassette(CASSETTE):
        r = _to_jsonl(out, empty, ARTICLE, tmp_path / "missing.txt")
    assert r.exit_code == 2  # an input named no file: a usage error, after every record
    assert "first failure: " in r.stderr and ": input: " in r.stderr
    lines = {Path(x["source"]).name: x for x in map(json.loads, out.read_text().splitlines())}
    assert {k: v["status"] for k, v in lines.items()} == {
        "empty.txt": "error",
        ARTICLE.name: "ok",
        "missing.txt": "error",
    }
    assert lines["empty.txt"]["error"]["kind"] == "input"
    assert "empty" in lines["empty.txt"]["error"]["message"]
    assert lines["missing.txt"]["error"]["kind"] == "input"
    assert lines[ARTICLE.name]["report"]["summary"] and lines[ARTICLE.name]["key"]

    # a rerun skips what is done and retries only the failures
    with cassette(CASSETTE) as tape:
        again = _to_jsonl(out, empty, ARTICLE)
        assert tape.play_count == 0
    assert again.exit_code == 1
    assert "1 skipped" in again.stderr
    assert len(out.read_text().splitlines()) == 4  # one new error line, nothing redone


def test_markdown_and_stdin(env: Any, cassette: Any) -> None:
    with cassette(CASSETTE):
        r = run(
            "summarize",
            "-",
            "--published",
            ENTRY["published"],
            "-f",
            "markdown",
            input=ARTICLE.read_text(encoding="utf-8"),
        )
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("<!-- - -->\n## ")
    assert "*Relevance:*" in r.stdout


def test_usage_errors_exit_2(env: Any) -> None:
    assert run("summarize", str(ARTICLE), "--published", "last tuesday").exit_code == 2
    assert run("summarize", str(ARTICLE), "--format", "xml").exit_code == 2
    assert run("summarize").exit_code == 2


def test_expand_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.html").write_text("x")
    (tmp_path / "c.bin").write_text("x")
    assert list(expand_inputs([str(tmp_path)])) == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "b.html"),
    ]
    assert list(expand_inputs([str(tmp_path / "*.txt")])) == [str(tmp_path / "a.txt")]
    assert list(expand_inputs([str(tmp_path / "*.none")])) == [str(tmp_path / "*.none")]
    assert list(expand_inputs(["-"])) == ["-"]


def test_cache_info_and_clear(env: Any) -> None:
    r = run("cache", "info")
    assert r.exit_code == 0 and json.loads(r.stdout)["entries"] == 0
    assert run("cache", "clear").exit_code == 0


def test_schema_command_matches_files() -> None:
    r = run("schema")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["title"] == "OperationReport"


def test_version() -> None:
    r = run("--version")
    assert r.exit_code == 0 and r.stdout.startswith("summarizer ")


def test_eval_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    r = run(
        "eval",
        str(EXAMPLES / "gold"),
        "--predictions",
        str(EXAMPLES / "expected"),
        "--json",
        str(out),
    )
    assert r.exit_code == 0, r.output
    assert "F1 macro" in r.stdout and "overall" in r.stdout
    data = json.loads(out.read_text())
    assert data and isinstance(data, dict)
    assert run("eval", str(EXAMPLES / "gold")).exit_code == 2  # neither --predictions nor --run
