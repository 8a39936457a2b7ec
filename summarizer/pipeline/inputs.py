"""Turn what the caller hands us (text, a path, bytes) into article text, or say why not.

Failures are :class:`~summarizer.errors.InputError` with a message a person can act
on; nothing here guesses an encoding silently.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

from summarizer.errors import InputError

#: refuse inputs larger than this before decoding (a scraped page is far smaller); no
#: source (file, stdin, bytes, text) is read or kept past this many bytes plus one
MAX_BYTES = 20 * 1024 * 1024

#: file endings of articles: a one-line ``str`` ending so names a file (see :func:`load_article`)
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".html", ".htm"})

#: longest ``str`` that may be taken for a path
_MAX_PATH_CHARS = 4096


class Text(str):
    """A ``str`` that is article text, never a path (what ``text=`` makes of its value)."""

    __slots__ = ()


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


def _too_big(source: str | None) -> InputError:
    where = f" ({source})" if source else ""
    return InputError(f"input is over the limit of {MAX_BYTES} bytes{where}")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def read_limited(stream: BinaryIO, limit: int | None = None) -> bytes:
    """At most ``limit + 1`` bytes of ``stream`` (``limit`` defaults to
    :data:`MAX_BYTES`): enough to tell an input over the limit without holding more of
    it.  Stops at end of stream."""
    cap = (MAX_BYTES if limit is None else limit) + 1
    chunks: list[bytes] = []
    got = 0
    while got < cap:
        chunk = stream.read(min(cap - got, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_file(path: str | Path, encoding: str | None = None) -> Article:
    """A regular file's article.  A FIFO, device or socket is refused by name before it
    is opened (so nothing blocks and ``/dev/zero`` is not read), and no file is read
    past :data:`MAX_BYTES` + 1 bytes whatever its reported size."""
    p = Path(path)
    try:
        st = os.stat(p)
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{p} is a directory, not an article")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{p} is not a regular file ({_kind(st.st_mode)}); not read")
        if st.st_size > MAX_BYTES:
            raise InputError(f"{p} is {st.st_size} bytes; the limit is {MAX_BYTES}")
        # O_NONBLOCK: if the file was swapped for a FIFO since the stat, open returns
        # at once instead of waiting for a writer; fstat then refuses it
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise InputError(f"{p} is not a regular file ({_kind(mode)}); not read")
            data = read_limited(f)
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError(f"no such file: {p}") from None
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_BYTES:
        raise _too_big(str(p))
    return _check(decode(data, str(p), encoding), str(p))


def looks_like_path(s: str) -> bool:
    """A ``str`` a caller probably meant as a path: one line, no surrounding blanks,
    at most 4,096 characters, and either ending in an article file ending
    (:data:`TEXT_SUFFIXES`), starting ``/``, ``./``, ``../`` or ``~/``, or holding a
    path separator and no blank (``articles/a``; ``2/3 of the troops`` is text)."""
    if not s or len(s) > _MAX_PATH_CHARS or "\n" in s or "\r" in s or s != s.strip():
        return False
    if Path(s).suffix.lower() in TEXT_SUFFIXES:
        return True
    if s.startswith(("/", "./", "../", "~/")):
        return True
    seps = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return any(c in s for c in seps) and not any(c.isspace() for c in s)


def as_source(
    source: str | Path | bytes | Article | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    text: str | bytes | None = None,
) -> str | Path | bytes | Article:
    """The one input a caller gave, positionally or as ``path=``/``text=``, in a form
    :func:`load_article` reads without guessing; nothing is read here.  Giving none or
    more than one is a ``TypeError``."""
    given = [x is not None for x in (source, path, text)]
    if sum(given) != 1:
        raise TypeError("pass exactly one input: positionally, as path=, or as text=")
    if path is not None:
        return Path(path)
    if text is not None:
        return text if isinstance(text, bytes) else Text(text)
    assert source is not None
    return source


def load_article(
    source: str | Path | bytes | Article | None = None,
    encoding: str | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    text: str | bytes | None = None,
) -> Article:
    """The article in exactly one of ``source``, ``path=`` or ``text=``.

    ``path=`` is always read from disk and ``text=`` is never read (say which you mean
    and nothing is guessed).  Positionally: a ``Path`` is a file; ``bytes`` are the
    page; a ``str`` is the article text unless it :func:`looks like a path
    <looks_like_path>`, and then

    * naming nothing: ``InputError`` "no such file" (never sent as text);
    * naming a regular file ending in an article ending (``.txt``, ``.md``, ``.html``
      ...): that file is read (the documented ``summarize("article.txt")``);
    * naming anything else (``/etc/passwd``, ``./.env``): ``InputError`` asking for
      ``path=`` or ``text=``; neither read nor sent.

    So a string is read only when it is unmistakably the name of an article file, and a
    secrets file (no article ending) or a bare word that happens to name a file in the
    working directory is never read by accident.  No input is taken past
    :data:`MAX_BYTES`."""
    source = as_source(source, path=path, text=text)
    if isinstance(source, Article):
        return source if source.text.strip() else _check(source.text, source.source)
    if isinstance(source, Path):
        return read_file(source, encoding)
    if isinstance(source, bytes):
        if len(source) > MAX_BYTES:
            raise _too_big(None)
        return _check(decode(source, None, encoding), None)
    if len(source) > MAX_BYTES:  # characters: at least as many bytes
        raise _too_big(None)
    if isinstance(source, Text) or not looks_like_path(source):
        return _check(str(source), None)
    p = Path(source).expanduser()
    try:
        st = os.stat(p)
    except OSError:
        raise InputError(
            f"no such file: {source} (pass text=... if this string is the article)"
        ) from None
    if stat.S_ISREG(st.st_mode) and p.suffix.lower() in TEXT_SUFFIXES:
        return read_file(source if not source.startswith("~") else p, encoding)
    raise InputError(
        f"{source} is not an article file (not a regular file ending in "
        f"{', '.join(sorted(TEXT_SUFFIXES))}); pass path=... to read it "
        "or text=... to send the string itself"
    )
