"""Prompt-injection benchmark: how well the cleaning stage keeps text aimed at a model out.

    python bench/injection.py [--set bench/injection_set.jsonl] [--json] [--all]

Reads bench/injection_set.jsonl (our own writing: injection lines in many disguises and
benign news lines that use the same words innocently) and scores the library's *current*
injection filter through its public cleaning function, ``clean_page`` (it returns the
cleaned main story, with a map of every kept segment back to the page, and the spans it
set aside with a reason).  No model is involved; the run takes well under a second.

Each line is embedded in the same short synthetic page: a headline, two ordinary
paragraphs, the line as its own paragraph (it may itself hold line breaks), and a
closing paragraph.  Then, from the main story's segments:

* an injection line is **caught** when none of its visible characters (white space,
  zero-width characters and soft hyphens aside) reaches the cleaned text; **flagged**
  when what reaches it is marked (the result's ``flagged`` spans: the report warns);
  **partial** when some do and some do not, unmarked (a split trigger whose first half is
  removed still hands the rest to the model, so partial counts as a miss); **missed**
  otherwise.  ``as_injection`` says whether the span set aside carries the reason
  ``injection`` (a line can also go as furniture, an end marker or another story);
* an injection case with a ``fact`` (a real sentence sharing the line or paragraph with
  the injection) is **held** when the fact reaches the cleaned text whole and every
  other visible character is removed or flagged; **fact lost** when any of the fact is
  removed (the worst outcome: the filter took a real fact away); **missed** otherwise;
* a benign line is a **false drop** when any of its visible characters is missing from
  the cleaned text, whatever the reason; kept but flagged is a **false flag** (a
  needless warning, not a loss).  ``carries_fact`` lines (a figure, a place, a force)
  must never be dropped, so they are counted apart.

The catch rate is (caught + held) / injections.  ``batch`` says which lines were written
when: ``v1`` (the first 65 + 55) and ``v2`` (43 + 46 written for issue #17 while the
filter was rebuilt, kept apart so the figures show how well it generalises).

The page's own paragraphs are checked too: a line that makes the cleaner drop them
(e.g. by starting a new story) is reported as collateral damage.

Prints the catch rate (caught / injections), the false-drop rate (benign dropped /
benign), the misses and the false drops; ``--json`` also writes bench/out/injection.json.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Literal, Protocol

ROOT = Path(__file__).resolve().parent
DEFAULT_SET = ROOT / "injection_set.jsonl"
OUT = ROOT / "out" / "injection.json"

#: characters that carry nothing a reader (or a model) would read as text
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")

HEADLINE = "Army completes four-day sweep of villages along the Wadi Sarha road"
PARAGRAPHS_BEFORE = (
    "The army said on Wednesday that its units had completed a four-day sweep of "
    "villages along the Wadi Sarha road, arresting 9 suspects and seizing two rifles.",
    "Infantry and police units took part in the operation, and the road was closed to "
    "civilian traffic while the search went on, residents said.",
)
PARAGRAPH_AFTER = (
    "Officials did not say when the road would reopen, and the ministry gave no further "
    "details about the suspects."
)


# ------------------------------------------------------------ the library's result types


class _Segment(Protocol):
    @property
    def orig_start(self) -> int: ...
    @property
    def length(self) -> int: ...


class _Story(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def segments(self) -> Sequence[_Segment]: ...


class _Removed(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def reason(self) -> str: ...


class _CleanResult(Protocol):
    @property
    def main(self) -> _Story: ...
    @property
    def removed(self) -> Sequence[_Removed]: ...


def _flagged(result: _CleanResult) -> Sequence[_Removed]:
    """Kept spans marked for a warning (``CleanResult.flagged``; none before issue #17)."""
    spans: Sequence[_Removed] = getattr(result, "flagged", ())
    return spans


CleanPage = Callable[[str], _CleanResult]

#: where the cleaning function has lived; the package is being reorganised, so take the
#: first that imports rather than pin one path
_CLEAN_MODULES = ("summarizer.pipeline.cleaning", "summarizer.pipeline.clean", "summarizer.clean")


def find_clean_page() -> tuple[str, CleanPage]:
    """The library's public ``clean_page`` and the module it came from."""
    errors: list[str] = []
    for name in _CLEAN_MODULES:
        try:
            module = import_module(name)
        except ImportError as exc:
            errors.append(f"{name}: {exc}")
            continue
        fn: CleanPage = module.clean_page
        return name, fn
    raise SystemExit("cannot import clean_page: " + "; ".join(errors))


# ------------------------------------------------------------------------------ data


@dataclass(frozen=True)
class Case:
    id: str
    kind: Literal["injection", "benign"]
    text: str
    carries_fact: bool
    note: str
    #: for an injection sharing its line with a real fact: that fact, which must survive
    fact: str | None = None
    batch: str = "v1"


def load_set(path: Path) -> list[Case]:
    """The JSON-lines set; raises ValueError on a malformed line or a duplicate id."""
    cases: list[Case] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row: dict[str, Any] = json.loads(line)
            kind = row.get("kind")
            if kind not in ("injection", "benign"):
                raise ValueError(f"{path}:{n}: kind must be injection or benign, not {kind!r}")
            if not isinstance(row.get("text"), str) or not row["text"].strip():
                raise ValueError(f"{path}:{n}: empty text")
            if row["id"] in seen:
                raise ValueError(f"{path}:{n}: duplicate id {row['id']!r}")
            seen.add(row["id"])
            fact = row.get("fact")
            if fact is not None and fact not in row["text"]:
                raise ValueError(f"{path}:{n}: fact is not part of the text")
            cases.append(
                Case(
                    row["id"],
                    kind,
                    row["text"],
                    bool(row["carries_fact"]),
                    row.get("note", ""),
                    fact,
                    row.get("batch", "v1"),
                )
            )
    return cases


# --------------------------------------------------------------------------- scoring


def build_page(line: str) -> tuple[str, tuple[int, int], list[tuple[int, int]]]:
    """The synthetic page, the span of ``line`` in it, and the spans of its own paragraphs."""
    parts: list[str] = [HEADLINE, ""]
    spans: list[tuple[int, int]] = []
    pos = len(HEADLINE) + 2
    for para in PARAGRAPHS_BEFORE:
        spans.append((pos, pos + len(para)))
        parts += [para, ""]
        pos += len(para) + 2
    line_span = (pos, pos + len(line))
    parts += [line, ""]
    pos += len(line) + 2
    spans.append((pos, pos + len(PARAGRAPH_AFTER)))
    parts += [PARAGRAPH_AFTER, ""]
    page = "\n".join(parts)
    assert page[line_span[0] : line_span[1]] == line
    return page, line_span, spans


def _visible(page: str, start: int, end: int) -> set[int]:
    return {i for i in range(start, end) if not page[i].isspace() and page[i] not in _INVISIBLE}


def _kept(story: _Story) -> set[int]:
    kept: set[int] = set()
    for seg in story.segments:
        kept.update(range(seg.orig_start, seg.orig_start + seg.length))
    return kept


@dataclass
class LineResult:
    id: str
    kind: str
    carries_fact: bool
    note: str
    text: str
    #: injection: caught / flagged / partial / missed, or held / fact_lost / missed for a
    #: case with a fact; benign: kept / flagged / partial / dropped
    status: str
    kept_chars: int
    visible_chars: int
    reasons: list[str] = field(default_factory=list)
    collateral: bool = False
    batch: str = "v1"

    @property
    def as_injection(self) -> bool:
        return "injection" in self.reasons


def score_line(clean_page: CleanPage, case: Case) -> LineResult:
    page, (start, end), own = build_page(case.text)
    result = clean_page(page)
    kept = _kept(result.main)
    marked: set[int] = set()
    for f in _flagged(result):
        marked.update(range(f.start, f.end))
    visible = _visible(page, start, end)
    n_kept = len(visible & kept)
    reasons = sorted({r.reason for r in result.removed if r.start < end and r.end > start})
    unmarked = (visible & kept) - marked
    if case.kind == "injection" and case.fact is not None:
        f0 = start + case.text.index(case.fact)
        fact = _visible(page, f0, f0 + len(case.fact))
        rest = (visible - fact) & kept
        status = "fact_lost" if not fact <= kept else "held" if not rest - marked else "missed"
    elif case.kind == "injection":
        status = (
            "caught"
            if n_kept == 0
            else "flagged"
            if not unmarked
            else "missed"
            if n_kept == len(visible)
            else "partial"
        )
    else:
        status = (
            ("flagged" if visible & marked else "kept")
            if n_kept == len(visible)
            else "dropped"
            if n_kept == 0
            else "partial"
        )
    collateral = any(not _visible(page, a, b) <= kept for a, b in own)
    return LineResult(
        case.id,
        case.kind,
        case.carries_fact,
        case.note,
        case.text,
        status,
        n_kept,
        len(visible),
        reasons,
        collateral,
        case.batch,
    )


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def summarise(results: list[LineResult]) -> dict[str, Any]:
    inj = [r for r in results if r.kind == "injection"]
    ben = [r for r in results if r.kind == "benign"]
    caught = [r for r in inj if r.status in ("caught", "held")]
    dropped = [r for r in ben if r.status in ("dropped", "partial")]
    fact_lines = [r for r in ben if r.carries_fact]
    fact_dropped = [r for r in dropped if r.carries_fact]
    return {
        "injections": len(inj),
        "caught": len(caught),
        "caught_as_injection": sum(r.as_injection for r in caught),
        "held": sum(r.status == "held" for r in inj),
        "flagged": sum(r.status == "flagged" for r in inj),
        "partial": sum(r.status == "partial" for r in inj),
        "missed": sum(r.status == "missed" for r in inj),
        "fact_lost": sum(r.status == "fact_lost" for r in inj),
        "catch_rate": _rate(len(caught), len(inj)),
        "benign": len(ben),
        "false_drops": len(dropped),
        "false_drop_rate": _rate(len(dropped), len(ben)),
        "false_flags": sum(r.status == "flagged" for r in ben),
        "fact_lines": len(fact_lines),
        "fact_lines_dropped": len(fact_dropped),
        "fact_drop_rate": _rate(len(fact_dropped), len(fact_lines)),
        "collateral_pages": sum(r.collateral for r in results),
    }


def _show(text: str, width: int = 90) -> str:
    """One printable line: escapes for line breaks and invisible characters."""
    s = "".join(f"\\u{ord(c):04x}" if c in _INVISIBLE else "\\n" if c == "\n" else c for c in text)
    return s if len(s) <= width else s[: width - 3] + "..."


def report(module: str, summary: dict[str, Any], results: list[LineResult], show_all: bool) -> None:
    s = summary
    print(f"injection filter of {module}.clean_page")
    print(
        f"catch rate      {s['caught']}/{s['injections']} = {s['catch_rate']:.1%}"
        f"  ({s['caught_as_injection']} as 'injection', {s['held']} held beside a fact,"
        f" {s['flagged']} kept but flagged, {s['partial']} partial, {s['missed']} missed,"
        f" {s['fact_lost']} fact lost)"
    )
    print(
        f"false-drop rate {s['false_drops']}/{s['benign']} = {s['false_drop_rate']:.1%}"
        f"  ({s['false_flags']} kept but flagged)"
    )
    for batch, b in s.get("batches", {}).items():
        print(
            f"  batch {batch}: catch {b['caught']}/{b['injections']} = {b['catch_rate']:.1%},"
            f" false drops {b['false_drops']}/{b['benign']} = {b['false_drop_rate']:.1%}"
        )
    print(
        f"  fact-carrying benign lines dropped: {s['fact_lines_dropped']}/{s['fact_lines']}"
        f"  (must be 0)"
    )
    if s["collateral_pages"]:
        print(f"pages whose own paragraphs were also dropped: {s['collateral_pages']}")
    misses = [r for r in results if r.kind == "injection" and r.status not in ("caught", "held")]
    if misses:
        print(f"\nmisses ({len(misses)}):")
        for r in misses:
            print(f"  {r.id}  {r.status:<7}  {r.note}")
            print(f"           {_show(r.text)}")
    drops = [r for r in results if r.kind == "benign" and r.status != "kept"]
    if drops:
        print(f"\nfalse drops ({len(drops)}):")
        for r in drops:
            fact = "FACT " if r.carries_fact else ""
            why = ",".join(r.reasons) or "?"
            print(f"  {r.id}  {fact}{r.status} as {why}  {r.note}")
            print(f"           {_show(r.text)}")
    if show_all:
        print("\ncaught:")
        for r in results:
            if r.kind == "injection" and r.status in ("caught", "held"):
                print(f"  {r.id}  as {','.join(r.reasons)}  {r.note}")
    collateral = [r for r in results if r.collateral]
    if collateral:
        print("\ncollateral damage to the page's own paragraphs:")
        for r in collateral:
            print(f"  {r.id}  {r.note}")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET, help="JSON-lines case set")
    ap.add_argument(
        "--json", action="store_true", help=f"also write {OUT.relative_to(ROOT.parent)}"
    )
    ap.add_argument("--all", action="store_true", help="also list the caught injections")
    args = ap.parse_args(argv)
    module, clean_page = find_clean_page()
    cases = load_set(args.set)
    results = [score_line(clean_page, c) for c in cases]
    summary = summarise(results)
    batches = sorted({r.batch for r in results})
    if len(batches) > 1:
        summary["batches"] = {b: summarise([r for r in results if r.batch == b]) for b in batches}
    report(module, summary, results, args.all)
    if args.json:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "module": module,
            "set": str(args.set),
            "summary": summary,
            "results": [asdict(r) | {"as_injection": r.as_injection} for r in results],
        }
        OUT.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
