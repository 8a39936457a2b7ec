"""LangExtract 1.7.1 as a user sets it up for this task, and its extractions as reports.

What a user writes: a prompt description, one few-shot example (written for this
project: an invented release, no dataset text), and ``lx.extract`` pointed at the
OpenAI-compatible server with LangExtract's documented ``ModelConfig(provider="openai",
...)``; everything else is LangExtract's default (1,000-character chunks, one pass,
parallel chunk requests), except ``use_schema_constraints=False`` (the server refuses
the ``json_schema`` response format LangExtract would send) and the library's sampling
settings.  It runs in ``bench/.venv-peers`` through :mod:`peers.langextract_worker`.

LangExtract returns spans of text with a class and attributes, not a document, so
:func:`to_operation_report` maps them: one class per report field, attributes for the
role, phase, title and outcome figures, and relevance from what was found (no
document-level label exists).  Every fact's evidence is its extraction text, grounded
against the page by the library, as the library's own quotes are.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from peers.instructor_peer import PeerRun, PeerSettings
from summarizer.core.ground import GroundingContext
from summarizer.core.schema import ForceRole, OperationReport, OutcomeCategory

BENCH = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "langextract_worker.py"
PEERS_PYTHON = BENCH / ".venv-peers" / "bin" / "python"
SETUP_HINT = (
    "python -m venv bench/.venv-peers && "
    "bench/.venv-peers/bin/pip install -r bench/peers/requirements.txt"
)

PROMPT = (
    "Extract the facts of the military or security operation the article reports, in "
    "order of appearance: the operation's name (attribute: phase number), the country, "
    "the places where it happened, the government or allied forces taking part "
    "(attribute: role, one of lead, participating, supporting, air_support, "
    "not_participating), the groups they fight, the officials who command or speak for "
    "it (attribute: title), each result (attributes: category, one of killed, wounded, "
    "arrested, captured, destroyed, seized, cleared, searched, defused, other; count as "
    "written; object), the area it covers and its start date. Use exact text from the "
    "article. Extract nothing when the article is not about a military or security "
    "operation."
)

#: written for this project: an invented release (no dataset text)
EXAMPLE: dict[str, Any] = {
    "text": (
        "Iraqi Counter-Terrorism Service units launched the second phase of Operation "
        "Desert Lantern on March 10, 2024 to clear remaining Islamic State cells from "
        "Iraq's Salahuddin province, a military spokesman said. Federal Police brigades "
        "joined the offensive, and coalition aircraft carried out strikes in support. The "
        "operation covers more than 1,500 square kilometres between Baiji and Tuz "
        "Khurmatu, said Brig. Gen. Adel Mahmoud, spokesman for the Joint Operations "
        "Command. Troops killed 14 militants, destroyed 6 hideouts and seized 22 explosive "
        "devices, he said."
    ),
    "extractions": [
        {
            "class": "force",
            "text": "Iraqi Counter-Terrorism Service units",
            "attributes": {"role": "lead"},
        },
        {"class": "operation", "text": "Operation Desert Lantern", "attributes": {"phase": "2"}},
        {"class": "start_date", "text": "March 10, 2024"},
        {"class": "adversary", "text": "Islamic State"},
        {"class": "country", "text": "Iraq"},
        {"class": "location", "text": "Salahuddin province"},
        {
            "class": "force",
            "text": "Federal Police brigades",
            "attributes": {"role": "participating"},
        },
        {"class": "force", "text": "coalition aircraft", "attributes": {"role": "air_support"}},
        {"class": "area", "text": "more than 1,500 square kilometres"},
        {"class": "location", "text": "Baiji"},
        {"class": "location", "text": "Tuz Khurmatu"},
        {
            "class": "official",
            "text": "Adel Mahmoud",
            "attributes": {"title": "spokesman for the Joint Operations Command"},
        },
        {
            "class": "outcome",
            "text": "killed 14 militants",
            "attributes": {"category": "killed", "count": "14", "object": "militants"},
        },
        {
            "class": "outcome",
            "text": "destroyed 6 hideouts",
            "attributes": {"category": "destroyed", "count": "6", "object": "hideouts"},
        },
        {
            "class": "outcome",
            "text": "seized 22 explosive devices",
            "attributes": {"category": "seized", "count": "22", "object": "explosive devices"},
        },
    ],
}

MUC4_PROMPT = (
    "Extract the violent incidents (attacks, bombings, kidnappings, arson, robberies) the "
    "news report describes, in order of appearance: who did it (perpetrator: people named "
    "or described; perpetrator_organization: the group blamed or claiming it), the victims "
    "(people killed, wounded, kidnapped or attacked), the targets (things attacked or "
    "damaged) and the weapons used. Use exact text from the report."
)

#: written for this project: an invented wire story (no MUC-4 text)
MUC4_EXAMPLE: dict[str, Any] = {
    "text": (
        "URBAN GUERRILLAS OF THE PEOPLE'S LIBERATION FRONT ATTACKED A POWER SUBSTATION IN "
        "THE CAPITAL WITH DYNAMITE LAST NIGHT, POLICE SAID. TWO GUARDS WERE WOUNDED. "
        "EARLIER, ARMED MEN KIDNAPPED BUSINESSMAN CARLOS MENDEZ IN THE TOWN OF SAN RAFAEL."
    ),
    "extractions": [
        {"class": "perpetrator", "text": "URBAN GUERRILLAS"},
        {"class": "perpetrator_organization", "text": "PEOPLE'S LIBERATION FRONT"},
        {"class": "target", "text": "A POWER SUBSTATION"},
        {"class": "weapon", "text": "DYNAMITE"},
        {"class": "victim", "text": "TWO GUARDS"},
        {"class": "perpetrator", "text": "ARMED MEN"},
        {"class": "victim", "text": "BUSINESSMAN CARLOS MENDEZ"},
    ],
}

MUC4_CLASSES = {
    "perpetrator": "PerpInd",
    "perpetrator_organization": "PerpOrg",
    "target": "Target",
    "victim": "Victim",
    "weapon": "Weapon",
}


def record(settings: PeerSettings) -> dict[str, Any]:
    """The settings a reader needs to redo this peer."""
    return {
        **settings.record(),
        "version": "langextract[openai]==1.7.1",
        "provider": "openai (ModelConfig, base_url of the shared server)",
        "mode": "JSON mode (response_format json_object); use_schema_constraints=False",
        "defaults": "max_char_buffer=1000, extraction_passes=1, batch_length=10, "
        "max_workers=10, fence_output auto",
        "prompt": PROMPT,
        "example": EXAMPLE,
        "muc4_prompt": MUC4_PROMPT,
        "muc4_example": MUC4_EXAMPLE,
    }


def run(
    texts: Iterable[tuple[str, str]],
    *,
    task: str,
    base_url: str,
    settings: PeerSettings,
    cache_dir: Path,
    namespace: str,
    python: Path = PEERS_PYTHON,
    log: Path | None = None,
) -> Iterator[dict[str, Any]]:
    """Run the worker over ``(id, text)`` pairs; yields its rows as they come.

    ``task`` is "report" or "muc4"; the worker's stderr (LangExtract's warnings and
    progress) is appended to ``log``.  Raises FileNotFoundError with the setup command
    when the peers' interpreter is missing."""
    if not Path(python).exists():
        raise FileNotFoundError(f"no LangExtract interpreter at {python}; set it up: {SETUP_HINT}")
    prompt, example = (MUC4_PROMPT, MUC4_EXAMPLE) if task == "muc4" else (PROMPT, EXAMPLE)
    job = {
        "base_url": base_url,
        "model": settings.model,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "seed": settings.seed,
        "timeout": settings.timeout,
        "cache_dir": str(cache_dir),
        "namespace": namespace,
        "prompt": prompt,
        "examples": [example],
        "docs": [{"id": i, "text": t} for i, t in texts],
    }
    with contextlib.ExitStack() as stack:
        err: Any = subprocess.DEVNULL
        if log is not None:
            err = stack.enter_context(log.open("a", encoding="utf-8"))
        proc = stack.enter_context(
            subprocess.Popen(
                [str(python), str(WORKER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        )
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(job))
        proc.stdin.close()
        for line in proc.stdout:
            if line.strip():
                yield json.loads(line)
    if proc.returncode:
        print(f"langextract worker exited with {proc.returncode}", file=sys.stderr)


def peer_run(row: dict[str, Any], value: Any) -> PeerRun:
    """A worker row as a :class:`PeerRun` holding ``value``."""
    return PeerRun(
        value,
        int(row.get("requests", 0)),
        int(row.get("cache_hits", 0)),
        int(row.get("prompt_tokens", 0)),
        int(row.get("completion_tokens", 0)),
        float(row.get("seconds", 0.0)),
        row.get("error"),
    )


# --------------------------------------------------------------------------- mapping

#: classes that make a text an operation report, and those that only mention one
_REPORT_CLASSES = frozenset({"force", "outcome"})
_MENTION_CLASSES = frozenset(
    {"operation", "location", "adversary", "official", "area", "start_date", "country"}
)
_ROLES = frozenset(get_args(ForceRole))
_CATEGORIES = frozenset(get_args(OutcomeCategory))


def _text(e: dict[str, Any]) -> str | None:
    value = " ".join(str(e.get("text") or "").split())
    return value or None


def _attr(e: dict[str, Any], name: str) -> str | None:
    value = (e.get("attributes") or {}).get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    value = " ".join(str(value).split()) if value is not None else ""
    return value or None


def _phase(value: str | None) -> int | None:
    words = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "one": 1, "two": 2}
    if value is None:
        return None
    v = value.strip().casefold()
    number = int(v) if v.isdigit() else words.get(v)
    return number if number is not None and number >= 1 else None


def relevance_of(classes: set[str]) -> str:
    """A force or an outcome: an operation report; only names, places, dates or an
    operation's name: a mention; nothing: not about operations."""
    if classes & _REPORT_CLASSES:
        return "operation_report"
    if classes & _MENTION_CLASSES:
        return "mentions_operation"
    return "not_about_operations"


def report_data(extractions: list[dict[str, Any]]) -> dict[str, Any]:
    """Extractions (worker rows) as ``OperationReport`` input; the quote of every fact
    is its extraction text."""
    data: dict[str, Any] = {
        "forces": [],
        "locations": [],
        "adversaries": [],
        "officials": [],
        "outcomes": [],
        "summary": "",
    }
    classes: set[str] = set()
    for e in extractions:
        cls, text = str(e.get("class") or "").strip().casefold(), _text(e)
        if text is None:
            continue
        classes.add(cls)
        if cls == "operation" and "operation_name" not in data:
            data["operation_name"] = text
            data["operation_evidence"] = text
            data["phase"] = _phase(_attr(e, "phase"))
        elif cls == "country" and "country" not in data:
            data["country"] = {"name": text, "evidence": text}
        elif cls == "start_date" and "start_date" not in data:
            data["start_date"] = {"raw": text, "evidence": text}
        elif cls == "area" and "area" not in data:
            data["area"] = {"raw": text, "evidence": text}
        elif cls == "location":
            data["locations"].append({"name": text, "kind": "other", "evidence": text})
        elif cls == "force":
            role = _attr(e, "role")
            role = role if role in _ROLES else "participating"
            data["forces"].append(
                {"name": text, "category": "other", "role": role, "evidence": text}
            )
        elif cls == "adversary":
            data["adversaries"].append({"name": text, "evidence": text})
        elif cls == "official":
            data["officials"].append(
                {"name": text, "title": _attr(e, "title"), "role": "other", "evidence": text}
            )
        elif cls == "outcome":
            category = (_attr(e, "category") or "other").casefold()
            data["outcomes"].append(
                {
                    "category": category if category in _CATEGORIES else "other",
                    "object": _attr(e, "object") or text,
                    "quantity": _attr(e, "count"),
                    "evidence": text,
                }
            )
    data["relevance"] = relevance_of(classes)
    return data


def to_operation_report(
    extractions: list[dict[str, Any]], page: str, published: date | None = None
) -> OperationReport | None:
    """The extractions as a report, every quote grounded leniently against ``page`` (the
    text LangExtract read), as the library grounds its own answer after the last
    attempt: located and marked, nothing dropped.  None if the report type refuses it."""
    ctx = GroundingContext(page, published, False, None)
    try:
        return OperationReport.model_validate(report_data(extractions), context=ctx)
    except (ValidationError, ValueError):
        return None


def incident_roles(extractions: list[dict[str, Any]]) -> dict[str, list[str]]:
    """MUC-4 role fillers: each extraction class is one role."""
    out: dict[str, list[str]] = {role: [] for role in MUC4_CLASSES.values()}
    for e in extractions:
        role = MUC4_CLASSES.get(str(e.get("class") or "").strip().casefold())
        text = _text(e)
        if role and text:
            out[role].append(text)
    return out
