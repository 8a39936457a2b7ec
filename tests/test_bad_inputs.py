"""The bad-input corpus, generated here: each gets a clear error or a handled result."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.apps.cli import app, expand_inputs
from summarizer.errors import InputError
from summarizer.pipeline.inputs import load_article
from summarizer.pipeline.summarizer import Summarizer, truncation_point


def test_html_page_becomes_its_visible_text() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>t</title><style>p{color:red}</style>"
        "<script>var x = '<p>fake</p>';</script></head><body><nav>Home</nav>"
        "<h1>Troops clear Wadi Houran</h1><p>Troops cleared <b>40</b> hideouts.</p>"
        "<p>A spokesman said &quot;done&quot;.</p></body></html>"
    )
    a = load_article(page.encode())
    assert a.from_html
    assert "<" not in a.text and "fake" not in a.text and "color" not in a.text
    assert "Troops cleared 40 hideouts." in a.text and 'said "done".' in a.text


def test_html_warning_reaches_the_job(settings_for: Any) -> None:
    with Summarizer(settings_for()) as s:
        job = s._job(
            b"<html><body><p>Police raided a farm near Kukawa.</p></body></html>", None, None, None
        )
    assert any("HTML" in w for w in job.warnings)
    assert "<p>" not in job.messages[1]["content"]


def test_five_megabyte_page_is_truncated_with_a_warning(settings_for: Any) -> None:
    para = "Troops searched the valley and found weapons caches near the border. " * 20
    page = "\n\n".join(f"{i}. {para}" for i in range(3700))  # about 5 MB
    assert len(page.encode()) > 5_000_000
    with Summarizer(settings_for(max_input_chars=20_000)) as s:
        job = s._job(page, None, None, None)
    assert any("truncated" in w for w in job.warnings)
    assert len(job.source.text) <= 20_000
    assert job.source.text.endswith(".") or job.source.text.endswith(". ")


def test_embedded_limit_follows_the_context() -> None:
    from summarizer.settings import Settings

    assert Settings(local_ctx=8192, max_tokens=2048).resolved_max_input_chars == 15432
    assert Settings(base_url="http://x/v1", model="m").resolved_max_input_chars == 100_000


def test_truncation_point_prefers_paragraphs_then_sentences() -> None:
    text = "A first paragraph of some length.\n\nSecond para has two sentences. Here"
    assert text[: truncation_point(text, 45)] == "A first paragraph of some length."
    # the paragraph break is in the first half (too much lost): the last sentence end wins
    assert text[: truncation_point(text, 70)].endswith("two sentences.")
    long = "One sentence here. Another sentence there. And a third"
    assert long[: truncation_point(long, 50)] == "One sentence here. Another sentence there."


def test_arabic_text_is_handled(settings_for: Any) -> None:
    text = "أطلقت القوات عملية.\n"
    with Summarizer(settings_for()) as s:
        job = s._job(text.encode("utf-8"), None, None, None)
    assert text.strip() in job.messages[1]["content"]


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"", "empty"), (b"\x00\x01\x02binary", "binary"), ("caf\u00e9".encode("latin-1"), "UTF-8")],
)
def test_bad_bytes_give_input_errors(data: bytes, kind: str) -> None:
    with pytest.raises(InputError, match=kind):
        load_article(data)


def test_directory_with_symlink_loop_and_binary_file(tmp_path: Path, monkeypatch: Any) -> None:
    d = tmp_path / "pages"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "loop").symlink_to(d)
    (d / "bad.txt").write_bytes(b"\x00\x00\x00")
    (d / "empty.txt").write_text("")
    files = list(expand_inputs([str(d)]))
    assert sorted(Path(f).name for f in files) == ["bad.txt", "empty.txt"]
    monkeypatch.setenv("SUMMARIZER_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("SUMMARIZER_MODEL", "m")
    monkeypatch.setenv("SUMMARIZER_CACHE_DIR", str(tmp_path / "c"))
    r = CliRunner().invoke(app, ["summarize", str(d), "-f", "jsonl"])
    assert r.exit_code == 1
    records = [json.loads(x) for x in r.stdout.splitlines()]
    assert {x["status"] for x in records} == {"error"}
    assert {x["error"]["kind"] for x in records} == {"input"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path: Path) -> None:
    f = tmp_path / "locked.txt"
    f.write_text("text")
    f.chmod(0)
    with pytest.raises(InputError, match="cannot read"):
        load_article(f)
