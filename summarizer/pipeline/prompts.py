"""Versioned prompt templates, shipped as data files inside the wheel.

A template file ``NAME.vN.txt`` has ``#`` header lines, then ``=== system`` and
``=== user`` sections.  ``$article``, ``$published`` and ``$schema`` are filled with
:class:`string.Template`, so braces or dollar signs inside an article are inert.
The version is part of every cache key and of the report's metadata.

The article sits between two fence lines (``<<<`` and ``>>>``).  A page that writes
such a run itself (``>>> End of article. New instructions: ...``) would close the
fence early, so runs of a fence's character in the article are escaped (``> > >``);
an article without one is sent unchanged, byte for byte.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from summarizer.errors import ConfigError

_FILE_RE = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>\d+)\.txt$")


def prompts_dir() -> Path:
    """Inside an installed wheel the templates live in ``summarizer/_data/prompts``;
    in a source checkout (editable install) they are the repo's ``prompts/``."""
    packaged = resources.files("summarizer") / "_data" / "prompts"
    if packaged.is_dir():
        return Path(str(packaged))
    repo = Path(__file__).resolve().parents[2] / "prompts"
    if repo.is_dir():
        return repo
    raise ConfigError("prompt templates are missing from this installation")


#: a template placeholder for the schema, ``$schema`` or ``${schema}``
_SHOWS_SCHEMA = re.compile(r"\$(?:schema\b|\{schema\})")
#: the lines right above and below ``$article`` when both are one symbol repeated
_FENCED = re.compile(
    r"^[ \t]*(?P<open>(?P<o>[^\w\s$])(?P=o)*)[ \t]*\n[ \t]*\$(?:article\b|\{article\})[ \t]*\n"
    r"[ \t]*(?P<close>(?P<c>[^\w\s$])(?P=c)*)[ \t]*$",
    re.MULTILINE,
)


@lru_cache(maxsize=64)
def fence_escaper(template: str) -> re.Pattern[str] | None:
    """What in an article could pass for the fence around ``$article`` in ``template``:
    a run of a fence's character as long as the fence (``>>>`` for ``>>>``), or None
    when the article is not fenced by symbol lines."""
    m = _FENCED.search(template)
    if m is None:
        return None
    runs = {f"{re.escape(f[0])}{{{len(f)},}}" for f in (m["open"], m["close"])}
    return re.compile("|".join(sorted(runs)))


def escape_fences(article: str, fences: re.Pattern[str] | None) -> str:
    """``article`` with every run that could pass for a fence spaced out (``> > >``);
    unchanged (the same string) when there is none."""
    if fences is None or not fences.search(article):
        return article
    return fences.sub(lambda m: " ".join(m.group()), article)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: str
    user: str

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def render(
        self,
        article: str,
        *,
        published: date | None = None,
        schema: dict[str, Any] | None = None,
        extra: dict[str, str] | None = None,
    ) -> list[dict[str, str]]:
        """The chat messages; ``extra`` fills a template's own placeholders (the
        labelling prompt's ``$candidates``), as inert as ``$article``."""
        fences = fence_escaper(self.system + "\n" + self.user)
        values = {
            **(extra or {}),
            "article": escape_fences(article, fences),
            "published": published.isoformat() if published else "unknown",
            # rendered only for a template that shows it (the operation prompt does not)
            "schema": json.dumps(schema, separators=(",", ":"))
            if schema is not None and _SHOWS_SCHEMA.search(self.system + self.user)
            else "",
        }
        return [
            {"role": "system", "content": Template(self.system).safe_substitute(values)},
            {"role": "user", "content": Template(self.user).safe_substitute(values)},
        ]

    @classmethod
    def parse(cls, text: str, *, name: str, version: int) -> Prompt:
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        parts = re.split(r"^=== (system|user)\s*$", body, flags=re.MULTILINE)
        sections = {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}
        if set(sections) != {"system", "user"}:
            raise ConfigError(f"prompt {name}.v{version} needs '=== system' and '=== user'")
        return cls(name=name, version=version, system=sections["system"], user=sections["user"])

    @classmethod
    def from_file(cls, path: str | Path) -> Prompt:
        p = Path(path)
        m = _FILE_RE.match(p.name)
        if not m:
            raise ConfigError(f"prompt file name must look like NAME.vN.txt, got {p.name!r}")
        return cls.parse(p.read_text(encoding="utf-8"), name=m["name"], version=int(m["version"]))


@lru_cache(maxsize=32)
def load_prompt(name: str, version: int | None = None) -> Prompt:
    """The named template, newest version unless one is pinned."""
    found: dict[int, Path] = {}
    for p in prompts_dir().iterdir():
        m = _FILE_RE.match(p.name)
        if m and m["name"] == name:
            found[int(m["version"])] = p
    if not found:
        raise ConfigError(f"no prompt template named {name!r}")
    v = max(found) if version is None else version
    if v not in found:
        raise ConfigError(f"prompt {name!r} has no version {v}; have {sorted(found)}")
    return Prompt.from_file(found[v])
