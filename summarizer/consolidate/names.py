"""Matching keys for names: operations, places, forces, officials; the alias table.

Outlets spell one thing many ways ("Operation Iron Dawn", "Dawn of Iron",
"Iron Dawn Operation"); every comparison in the package goes through these keys so
that one set of folding rules decides what counts as the same name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from summarizer.consolidate.sources import read_json
from summarizer.core.names import name_key, normalize_name
from summarizer.errors import ConfigError


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: words that name no operation on their own ("Operation X", "the X campaign")
_OP_STOP = _set(
    "the of a an operation operations op campaign offensive named called dubbed known "
    "as codenamed code military security"
)
#: a "name" made only of these (and stop words) is a description, not a name
_GENERIC_OP = _set(
    "joint search clearance sweep sweeps raid raids army police counter terrorism "
    "counterterrorism counter-terrorism large scale new wide major ground air strike "
    "strikes mission phase first second third fourth fifth cordon combing crackdown"
)
FORCE_GENERIC = _set(
    "forces force units unit troops brigades brigade battalions battalion personnel "
    "fighters soldiers members elements aircraft jets helicopters the of"
)
FORCE_MODIFIERS = _set(
    "iraqi kurdish kurdistan syrian nigerian nigerien malian national international "
    "government allied regional region from"
)
PLACE_GENERIC = _set(
    "province governorate district city town village region area areas subdistrict "
    "mountains mountain range desert valley hills western eastern northern southern "
    "west east north south the of lga local government"
)


def fold_plural(word: str) -> str:
    """Crude plural folding, applied to both sides of every comparison."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def plain_words(name: str) -> list[str]:
    folded = normalize_name(name).casefold()
    return re.findall(r"[a-z0-9]+", folded)


def key_of(words: Iterable[str]) -> str:
    joined = " ".join(fold_plural(w) for w in words)
    return name_key(joined) if joined else ""


def operation_key(name: str) -> tuple[str, ...]:
    """Words of an operation name, in any order, for matching across outlets.

    "Operation Iron Dawn", "Iron Dawn Operation" and "Dawn of Iron" share one key; so
    do transliterations that differ only in vowels.  Empty for a description such as
    "a security operation"."""
    words = [w for w in plain_words(name) if w not in _OP_STOP]
    if not words or all(w in _GENERIC_OP for w in words):
        return ()
    return tuple(sorted(key_of([w]) for w in words))


def entity_key(name: str, generic: frozenset[str], modifiers: frozenset[str] = frozenset()) -> str:
    words = plain_words(name)
    kept = [w for w in words if w not in generic] or words
    core = [w for w in kept if w not in modifiers] or kept
    return key_of(core)


class AliasTable:
    """User-supplied names that mean the same thing (translations, transliterations).

    Built from ``{canonical: [alias, ...]}``, ``{alias: canonical}`` or
    ``[[canonical, alias, ...], ...]``; names are compared by :func:`operation_key`
    words, so "Operation Barq al-Jibal" matches an entry "Barq al-Jibal".  Applies to
    operation names and to places, forces and officials.
    """

    def __init__(self, groups: Mapping[str, Iterable[str]] | None = None) -> None:
        self._canonical: dict[tuple[str, ...], str] = {}
        for canonical, aliases in (groups or {}).items():
            for name in (canonical, *aliases):
                key = operation_key(name) or (key_of(plain_words(name)),)
                self._canonical[key] = canonical

    @classmethod
    def from_data(cls, data: Any) -> AliasTable:
        groups: dict[str, list[str]] = defaultdict(list)
        if isinstance(data, Mapping):
            for k, v in data.items():
                if isinstance(v, str):
                    groups[v].append(str(k))
                elif isinstance(v, list) and all(isinstance(x, str) for x in v):
                    groups[str(k)].extend(v)
                else:
                    raise ConfigError(f"alias table: {k!r} must map to a name or a list of names")
        elif isinstance(data, list):
            for row in data:
                if not (isinstance(row, list) and row and all(isinstance(x, str) for x in row)):
                    raise ConfigError("alias table: each row must be a list of names")
                groups[row[0]].extend(row[1:])
        else:
            raise ConfigError("alias table: expected a JSON object or a list of name lists")
        return cls(groups)

    @classmethod
    def from_file(cls, path: str | Path) -> AliasTable:
        return cls.from_data(read_json(path, "alias table"))

    def canonical(self, name: str) -> str | None:
        key = operation_key(name) or (key_of(plain_words(name)),)
        return self._canonical.get(key)

    def __len__(self) -> int:
        return len(self._canonical)


def place_key(name: str, aliases: AliasTable) -> str:
    """ "Sinjar District" and "Sinjar" are one place; the alias table applies first."""
    return entity_key(aliases.canonical(name) or name, PLACE_GENERIC)


def slug(text: str) -> str:
    """A readable id part: operation keys and conflict ids are built from these."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "x"
