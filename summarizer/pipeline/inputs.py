"""Turn what the caller hands us (text, a path, bytes) into article text, or say why not.

Failures are :class:`~summarizer.errors.InputError` with a message a person can act
on; nothing here guesses an encoding silently.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from summarizer.errors import InputError

#: refuse inputs larger than this before decoding (a scraped page is far smaller)
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Article:
    text: str
    source: str | None = None
    #: the input was an HTML page; ``text`` is its visible text
    from_html: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def decode(data: bytes, source: str | None = None, encoding: str | None = None) -> str:
    where = f" ({source})" if source else ""
    if b"\x00" in data[:8192]:
        raise InputError(f"input looks binary, not text{where}")
    try:
        text = data.decode(encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"input is not valid {encoding or 'UTF-8'} at byte {exc.start}{where}; "
            "convert it to UTF-8 or pass its encoding"
        ) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None
    return text


_HTML_START = re.compile(r"\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.I)
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "figcaption",
        "figure",
        "pre",
        "hr",
        "nav",
        "aside",
        "main",
    ]
)
_SKIP = frozenset(["script", "style", "noscript", "template", "svg", "head", "iframe"])


class _TextExtractor(HTMLParser):
    """Visible text of a page, one line per block element; scripts and styles dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)

    def text(self) -> str:
        raw = "".join(self.parts)
        lines = [" ".join(line.split()) for line in raw.splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def html_to_text(page: str) -> str:
    parser = _TextExtractor()
    parser.feed(page)
    parser.close()
    return parser.text()


def _check(text: str, source: str | None) -> Article:
    from_html = bool(_HTML_START.match(text[:2048]))
    if from_html:
        text = html_to_text(text)
    if not text.strip():
        where = f" ({source})" if source else ""
        raise InputError(f"input is empty{where}")
    return Article(text=text, source=source, from_html=from_html)


def read_file(path: str | Path, encoding: str | None = None) -> Article:
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(f"{p} is a directory, not an article")
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"{p} is {size} bytes; the limit is {MAX_BYTES}")
        data = p.read_bytes()
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError(f"no such file: {p}") from None
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or type(exc).__name__}") from None
    return _check(decode(data, str(p), encoding), str(p))


def load_article(source: str | Path | bytes | Article, encoding: str | None = None) -> Article:
    """A ``Path``, or a one-line ``str`` naming an existing file, is read from disk;
    any other ``str`` is the article text itself."""
    if isinstance(source, Article):
        return source if source.text.strip() else _check(source.text, source.source)
    if isinstance(source, Path):
        return read_file(source, encoding)
    if isinstance(source, bytes):
        return _check(decode(source, None, encoding), None)
    if "\n" not in source and 0 < len(source) < 4096:
        try:
            is_file = Path(source).is_file()
        except OSError:
            is_file = False
        if is_file:
            return read_file(source, encoding)
    return _check(source, None)
