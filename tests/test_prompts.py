"""Prompt templates: versioned files, fixed part first, article inert."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from summarizer.errors import ConfigError
from summarizer.pipeline.prompts import Prompt, load_prompt, prompts_dir


def test_operation_prompt_loads_with_version() -> None:
    p = load_prompt("operation_report")
    assert p.name == "operation_report" and p.version >= 1
    assert p.id == f"operation_report.v{p.version}"


def test_article_comes_last_and_fixed_part_is_shared() -> None:
    p = load_prompt("operation_report")
    a = p.render("Article one.", published=date(2025, 1, 2))
    b = p.render("Another article entirely.", published=None)
    assert a[0] == b[0]  # system message identical: the server's prompt cache reuses it
    assert a[1]["content"].rstrip().endswith("Article one.\n>>>")
    assert "2025-01-02" in a[1]["content"] and "unknown" in b[1]["content"]


def test_article_text_is_inert() -> None:
    p = load_prompt("operation_report")
    tricky = "Price: $published {{ 7*7 }} {% raw %} $article ${schema}"
    user = p.render(tricky, published=date(2025, 1, 2))[1]["content"]
    assert tricky in user


def test_generic_prompt_embeds_the_schema() -> None:
    p = load_prompt("generic")
    msgs = p.render("doc", schema={"type": "object", "title": "Mine"})
    assert '"title":"Mine"' in msgs[0]["content"]


def test_unknown_prompt_and_version() -> None:
    with pytest.raises(ConfigError):
        load_prompt("nope")
    with pytest.raises(ConfigError):
        load_prompt("operation_report", 999)


def test_custom_prompt_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.v3.txt"
    f.write_text("# name: mine\n=== system\nBe brief.\n=== user\n$article\n", encoding="utf-8")
    p = Prompt.from_file(f)
    assert p.id == "mine.v3"
    assert p.render("x")[0]["content"] == "Be brief."
    bad = tmp_path / "broken.v1.txt"
    bad.write_text("no sections", encoding="utf-8")
    with pytest.raises(ConfigError):
        Prompt.from_file(bad)


def test_every_shipped_template_parses() -> None:
    files = sorted(prompts_dir().glob("*.v*.txt"))
    assert files
    for f in files:
        Prompt.from_file(f)
