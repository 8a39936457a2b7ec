"""The ``diskcache`` side of the cache: a :class:`TextOnlyDisk` that stores and reads
JSON text only, and the directory rules every cache directory follows.

``diskcache``'s own ``Disk`` unpickles a row stored in its pickle mode, and a row is
whatever the cache database says it is: anyone who can write the database can make a
read run code.  :class:`TextOnlyDisk` never calls :mod:`pickle`; a row in any other mode
than text (inline or in a value file it names the way ``diskcache`` does) is refused,
logged without its content, and reads as a miss.

Imported on first use of a disk cache (``diskcache`` is not imported by
``import summarizer``).
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

import diskcache
from diskcache.core import MODE_BINARY, MODE_PICKLE, MODE_RAW, MODE_TEXT, UNKNOWN

log = logging.getLogger("summarizer.cache.store")

#: the relative name ``Disk.filename`` gives a value file: ``ab/cd/<28 hex>.val``
_SEP = re.escape(os.sep)
_VALUE_FILE = re.compile(rf"[0-9a-f]{{2}}{_SEP}[0-9a-f]{{2}}{_SEP}[0-9a-f]{{28}}\.val")

#: a value file longer than this is not something the cache wrote (answers are KBs)
MAX_VALUE_BYTES = 64 * 2**20


class RefusedEntry(OSError):
    """A row :class:`TextOnlyDisk` will not turn into a value.  An ``OSError``, which
    ``diskcache`` takes as "the entry is gone": the read is a miss."""


def _refuse(directory: str, what: str) -> RefusedEntry:
    log.warning("cache %s: refused an entry that is %s; it reads as a miss", directory, what)
    return RefusedEntry(what)


class TextOnlyDisk(diskcache.Disk):  # type: ignore[misc]
    """Keys and values are ``str``; nothing is ever pickled or unpickled."""

    def __init__(self, directory: str, min_file_size: int = 0, **_ignored: Any) -> None:
        # pickle_protocol (from the database's Settings table) is accepted and unused
        super().__init__(directory, min_file_size=min_file_size, pickle_protocol=0)

    def put(self, key: Any) -> tuple[str, bool]:
        if type(key) is not str:
            raise TypeError(f"cache keys are str, not {type(key).__name__}")
        return key, True

    def get(self, key: Any, raw: bool) -> str:
        if raw and type(key) is str:
            return key
        raise _refuse(self._directory, "a key that is not text")

    def store(self, value: Any, read: bool, key: Any = UNKNOWN) -> tuple[int, int, Any, Any]:
        if read or type(value) is not str:
            raise TypeError(f"the cache stores JSON text, not {type(value).__name__}")
        size, mode, filename, db_value = super().store(value, False, key)
        assert mode in (MODE_RAW, MODE_TEXT)  # str: inline or a text file, never a pickle
        return size, mode, filename, db_value

    def fetch(self, mode: int, filename: Any, value: Any, read: bool) -> str:
        if not read and mode == MODE_RAW and type(value) is str:
            return value
        if not read and mode == MODE_TEXT and self._ours(filename):
            path = os.path.join(self._directory, filename)
            try:
                with open(path, encoding="utf-8") as reader:  # gone: an OSError, a miss
                    text = reader.read(MAX_VALUE_BYTES + 1)
            except UnicodeDecodeError:
                raise _refuse(self._directory, "a value file that is not UTF-8 text") from None
            if len(text) > MAX_VALUE_BYTES:
                raise _refuse(self._directory, "a value file too large to be ours")
            return text
        what = {
            MODE_RAW: "an inline value that is not text",
            MODE_BINARY: "stored as binary",
            MODE_TEXT: "a value file it did not write",
            MODE_PICKLE: "stored as a pickle",
        }.get(mode, f"stored in mode {mode!r}")
        raise _refuse(self._directory, "opened as a file" if read else what)

    def remove(self, file_path: Any) -> None:
        # a row may name any path ("../../x"): delete only what we could have written
        if self._ours(file_path):
            super().remove(file_path)

    @staticmethod
    def _ours(filename: Any) -> bool:
        return isinstance(filename, str) and _VALUE_FILE.fullmatch(filename) is not None


def open_cache(directory: str, **settings: Any) -> Any:
    """A ``diskcache.Cache`` on ``directory`` (already made private) with
    :class:`TextOnlyDisk`."""
    return diskcache.Cache(directory, disk=TextOnlyDisk, **settings)
