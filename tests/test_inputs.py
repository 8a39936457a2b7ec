"""Input loading: clear errors for what is not an article."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.errors import InputError
from summarizer.pipeline.inputs import Article, load_article


def test_text_and_path(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("Troops advanced.\n", encoding="utf-8")
    assert load_article(f).text == "Troops advanced.\n"
    assert load_article(str(f)).source == str(f)
    assert load_article("Troops advanced.").source is None
    assert load_article(b"\xef\xbb\xbfTroops").text == "Troops"  # BOM dropped


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("\u0639\u0645\u0644\u064a\u0629".encode("cp1256"), "not valid UTF-8"),
        ("Op\u00e9ration".encode("latin-1"), "not valid UTF-8"),
    ],
)
def test_bad_bytes(tmp_path: Path, data: bytes, message: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_bytes(data)
    with pytest.raises(InputError, match=message):
        load_article(f)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_article(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="directory"):
        load_article(tmp_path)


def test_explicit_encoding(tmp_path: Path) -> None:
    f = tmp_path / "w.txt"
    f.write_bytes("Op\u00e9ration".encode("latin-1"))
    assert load_article(Path(f), encoding="latin-1").text == "Op\u00e9ration"


def test_article_hash_is_stable() -> None:
    assert Article("x").sha256 == Article("x").sha256 != Article("y").sha256
