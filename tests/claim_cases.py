"""Claim-check cases: does this sentence of an article STATE this fact?

Loads tests/data/claims.jsonl, one JSON object a line::

    {"id": "c-001", "type": "outcome", "fact": {...}, "quote": "...", "source": "...",
     "expect": "pass", "why": "..."}

``type`` is one of ``outcome`` (fact ``{"category", "object", "value"}``), ``force_role``
(``{"name", "role"}``), ``official`` (``{"name", "role"}``, role may be null), ``area``
(``{"value"}`` in km²) or ``phase`` (``{"value"}``).  ``expect`` is ``pass`` when the
sentence states the fact and ``fail`` when it does not (a contradicted category, a
figure that belongs to another tally, a negated participation...); ``why`` says which.

A case holds its sentence in one of two ways:

* ``"quote"``: the sentence itself, with ``"source"`` saying where it comes from: a
  path under the repository (our own example pages, quoted verbatim) or ``"own"`` (a
  sentence written for this set);
* ``"ref"``: ``{"set": "re3d/CENTCOM", "id": <document _id>, "start": int, "end": int,
  "sha256": <first 16 hex digits of the sentence's SHA-256>}`` pointing at a sentence
  of a third-party document in the shared evaluation data, which is read at load time
  and never copied into this repository.  The offsets index the document's ``text``
  (Python string offsets); ``sha256`` is optional and guards against a changed file.

The re3d data is looked up at ``<repo>/../shared/evaldata/re3d``.  When that folder is
absent, re3d cases come back with ``skipped=True`` and an empty quote; when it is
present, a ref that does not fall on its document's text raises :class:`ClaimDataError`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "tests" / "data" / "claims.jsonl"
RE3D_ROOT = ROOT.parent / "shared" / "evaldata" / "re3d"

CaseType = Literal["outcome", "force_role", "official", "area", "phase"]
Expect = Literal["pass", "fail"]
CASE_TYPES: tuple[CaseType, ...] = get_args(CaseType)
EXPECTS: tuple[Expect, ...] = get_args(Expect)
#: ``source`` of a sentence written for this set
OWN = "own"


class ClaimDataError(ValueError):
    """A malformed case, or a re3d ref that does not fall on its document's text."""


@dataclass(frozen=True)
class ClaimCase:
    id: str
    type: CaseType
    fact: dict[str, Any]
    #: the sentence; empty only when ``skipped``
    quote: str
    expect: Expect
    why: str
    #: ``"own"``, a repository path (an example page) or a re3d set (``"re3d/CENTCOM"``)
    source: str
    ref: dict[str, Any] | None = None
    #: a re3d case whose sentence could not be read: the shared data folder is absent
    skipped: bool = False

    @property
    def is_re3d(self) -> bool:
        return self.ref is not None


def re3d_available(re3d_root: Path | None = None) -> bool:
    return (re3d_root or RE3D_ROOT).is_dir()


def load_cases(path: Path | str | None = None, *, re3d_root: Path | None = None) -> list[ClaimCase]:
    """Every case of the file (tests/data/claims.jsonl by default), refs resolved.

    Raises :class:`ClaimDataError` for a malformed line or a ref whose offsets do not
    fall on a sentence of its document; re3d cases are returned with ``skipped=True``
    when the shared re3d folder is absent.
    """
    file = Path(path) if path is not None else DEFAULT_PATH
    root = re3d_root or RE3D_ROOT
    documents = _Documents(root)
    cases: list[ClaimCase] = []
    with file.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{file.name}:{n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ClaimDataError(f"{where}: not JSON: {exc}") from exc
            if not isinstance(row, dict):
                raise ClaimDataError(f"{where}: expected a JSON object")
            cases.append(_case(row, where, documents))
    return cases


# ------------------------------------------------------------------------- internals


def _case(row: dict[str, Any], where: str, documents: _Documents) -> ClaimCase:
    case_id = row.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise ClaimDataError(f"{where}: missing id")
    where = f"{where} ({case_id})"
    kind = row.get("type")
    if kind not in CASE_TYPES:
        raise ClaimDataError(f"{where}: type must be one of {CASE_TYPES}, not {kind!r}")
    expect = row.get("expect")
    if expect not in EXPECTS:
        raise ClaimDataError(f"{where}: expect must be pass or fail, not {expect!r}")
    fact = row.get("fact")
    if not isinstance(fact, dict):
        raise ClaimDataError(f"{where}: fact must be an object")
    case_type, direction = cast(CaseType, kind), cast(Expect, expect)
    _check_fact(case_type, fact, where)
    why = row.get("why")
    if not isinstance(why, str) or not why.strip():
        raise ClaimDataError(f"{where}: missing why")
    has_quote, has_ref = "quote" in row, "ref" in row
    if has_quote == has_ref:
        raise ClaimDataError(f"{where}: give exactly one of quote and ref")
    if has_quote:
        quote = row["quote"]
        if not isinstance(quote, str):
            raise ClaimDataError(f"{where}: quote must be a string")
        source = row.get("source", OWN)
        if not isinstance(source, str) or not source:
            raise ClaimDataError(f"{where}: source must be a non-empty string")
        return ClaimCase(case_id, case_type, fact, quote, direction, why, source)
    ref = row["ref"]
    if not isinstance(ref, dict):
        raise ClaimDataError(f"{where}: ref must be an object")
    set_name = ref.get("set")
    if not isinstance(set_name, str) or not set_name.startswith("re3d/"):
        raise ClaimDataError(f"{where}: ref set must look like 're3d/CENTCOM', not {set_name!r}")
    if not documents.available:
        return ClaimCase(case_id, case_type, fact, "", direction, why, set_name, ref, skipped=True)
    quote = documents.sentence(ref, where)
    return ClaimCase(case_id, case_type, fact, quote, direction, why, set_name, ref)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _name(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _check_fact(kind: CaseType, fact: dict[str, Any], where: str) -> None:
    keys: dict[CaseType, set[str]] = {
        "outcome": {"category", "object", "value"},
        "force_role": {"name", "role"},
        "official": {"name", "role"},
        "area": {"value"},
        "phase": {"value"},
    }
    if set(fact) != keys[kind]:
        raise ClaimDataError(f"{where}: a {kind} fact has keys {sorted(keys[kind])}")
    ok = True
    if kind == "outcome":
        ok = _name(fact["category"]) and _name(fact["object"]) and _number(fact["value"])
    elif kind == "force_role":
        ok = _name(fact["name"]) and _name(fact["role"])
    elif kind == "official":
        ok = _name(fact["name"]) and (fact["role"] is None or _name(fact["role"]))
    elif kind == "area":
        ok = _number(fact["value"]) and fact["value"] > 0
    elif kind == "phase":
        ok = isinstance(fact["value"], int) and not isinstance(fact["value"], bool)
    if not ok:
        raise ClaimDataError(f"{where}: malformed {kind} fact {fact!r}")


class _Documents:
    """re3d documents by set and id, each file read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.available = root.is_dir()
        self._sets: dict[str, dict[str, str]] = {}

    def _texts(self, set_name: str, where: str) -> dict[str, str]:
        if set_name not in self._sets:
            path = self.root / set_name.removeprefix("re3d/") / "documents.json"
            if not path.is_file():
                raise ClaimDataError(f"{where}: no re3d documents at {path}")
            texts: dict[str, str] = {}
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        doc = json.loads(line)
                        texts[doc["_id"]] = doc["text"]
            self._sets[set_name] = texts
        return self._sets[set_name]

    def sentence(self, ref: dict[str, Any], where: str) -> str:
        set_name, doc_id = ref["set"], ref.get("id")
        text = self._texts(set_name, where).get(doc_id) if isinstance(doc_id, str) else None
        if text is None:
            raise ClaimDataError(f"{where}: no document {doc_id!r} in {set_name}")
        start, end = ref.get("start"), ref.get("end")
        label = f"{where}: ref {set_name}/{doc_id} [{start}:{end}]"
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise ClaimDataError(f"{label} is outside the text ({len(text)} chars)")
        span = text[start:end]
        problem = None
        if span != span.strip():
            problem = "starts or ends with white space"
        elif start > 0 and text[start - 1].isalnum():
            problem = f"starts inside a word ({text[max(0, start - 10) : start + 10]!r})"
        elif end < len(text) and text[end].isalnum():
            problem = f"ends inside a word ({text[max(0, end - 10) : end + 10]!r})"
        elif "sha256" in ref:
            digest = hashlib.sha256(span.encode("utf-8")).hexdigest()
            if not digest.startswith(str(ref["sha256"])):
                problem = "sha256 differs: the document text has changed"
        if problem:
            raise ClaimDataError(f"{label} does not fall on a sentence of the text: {problem}")
        return span


def verdict(case: ClaimCase) -> Any:
    """The library's claim check for one case (``summarizer.core.claims.Verdict``): the one
    dispatch the tests and ``bench/claim_checks.py`` share."""
    from summarizer.core import claims

    f = case.fact
    if case.type == "outcome":
        return claims.outcome(f["category"], f["object"], (float(f["value"]),), case.quote)
    if case.type == "force_role":
        return claims.force_role(f["name"], f["role"], case.quote)
    if case.type == "official":
        return claims.official(f["name"], f.get("role"), case.quote)
    if case.type == "area":
        return claims.area(float(f["value"]), case.quote)
    return claims.phase(int(f["value"]), case.quote)
