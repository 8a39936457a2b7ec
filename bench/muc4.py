"""MUC-4 benchmark: a user-defined incident template through the generic path.

    python bench/muc4.py [--limit 50] [--data ../shared/evaldata/muc4] [--cache DIR]

Reads TST3 + TST4 (200 newswire texts, 24-slot keys) from the shared evaluation data
by path (never copied), extracts :class:`Muc4Incidents` with ``summarize(...,
schema=...)`` on the configured model (the embedded one by default), and scores the
five standard role fillers (PerpInd, PerpOrg, Target, Victim, Weapon) document by
document, the way the document-level MUC-4 literature does (Du & Cardie 2020's
head-noun scorer): a role's fillers are pooled over the document's templates; a key
entity (its " / " alternatives are coreferent mentions; a victim's description tied
to the name is one more mention) is recalled when some prediction matches one of its
mentions; a prediction is correct when it matches some key entity; predictions with
the same head noun count once; optional ('?') fills count as required, as in the
published scorers; macro = F1 of the mean precision and mean recall over the five
roles.  "head" matches equal normalised strings or a shared head noun
(:func:`head_noun`); "exact" only equal normalised strings, each key entity credited
once (the one-to-one alignment of the CEAF-REE scorer used by GRIT and TempGen).
Documents are taken in file order (TST3 first), so ``--limit 50`` is always the same 50.

Responses go through the library's cache (the user cache unless ``--cache``), so a
rerun is instant and only new documents reach the model.  Prints per-role P/R/F1,
micro and macro averages, and writes bench/out/muc4.json and the predictions.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from summarizer import Settings, Summarizer
from summarizer.core.schema import Evidence
from summarizer.errors import SummarizerError
from summarizer.pipeline.inputs import Article

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "evaldata" / "muc4"
ROLES = ("PerpInd", "PerpOrg", "Target", "Victim", "Weapon")


# ----------------------------------------------------------------- the user's schema


class Incident(BaseModel):
    """One violent incident (attack, bombing, kidnapping, arson, robbery) the text reports."""

    evidence: Evidence = Field(
        description="The sentence that reports the incident, copied exactly."
    )
    incident_type: Literal[
        "attack", "bombing", "kidnapping", "arson", "robbery", "forced work stoppage"
    ]
    perpetrators: list[str] = Field(
        default_factory=list,
        description="Who did it: people named or described in the text, e.g. 'urban guerrillas'.",
        json_schema_extra={"maxItems": 4},
    )
    perpetrator_organizations: list[str] = Field(
        default_factory=list,
        description="Group blamed or claiming it, e.g. 'FMLN', 'Shining Path'.",
        json_schema_extra={"maxItems": 3},
    )
    victims: list[str] = Field(
        default_factory=list,
        description="People killed, wounded, kidnapped or attacked: names or descriptions.",
        json_schema_extra={"maxItems": 5},
    )
    damaged_targets: list[str] = Field(
        default_factory=list,
        description="Buildings, vehicles, power lines or other things attacked or damaged.",
        json_schema_extra={"maxItems": 4},
    )
    weapons: list[str] = Field(
        default_factory=list,
        description="Weapons or explosives the text says were used.",
        json_schema_extra={"maxItems": 3},
    )


class Muc4Incidents(BaseModel):
    """Violent incidents the text reports; an empty list when it reports none."""

    incidents: list[Incident] = Field(default_factory=list, json_schema_extra={"maxItems": 4})


# ------------------------------------------------------------------------- the key

_MENTION = re.compile(r'"((?:[^"\\]|\\.)*)"')
_SLOTS: dict[str, tuple[str, ...]] = {
    "PerpInd": ("PERP: INDIVIDUAL ID",),
    "PerpOrg": ("PERP: ORGANIZATION ID",),
    "Target": ("PHYS TGT: ID",),
    "Victim": ("HUM TGT: NAME", "HUM TGT: DESCRIPTION"),
    "Weapon": ("INCIDENT: INSTRUMENT ID",),
}


@dataclass
class Entity:
    """One key filler: its coreferent mentions, and whether the key marks it optional."""

    mentions: list[str]
    optional: bool = False


@dataclass
class Doc:
    docid: str
    text: str
    gold: dict[str, list[Entity]] = field(default_factory=dict)


def _mentions(fill: str) -> list[str]:
    return [m.replace('\\"', '"') for m in _MENTION.findall(fill)]


def parse_role(templates: list[dict[str, list[str]]], role: str) -> list[Entity]:
    """Pool one role's fillers over a document's templates.

    A description tied to a name (``"CONTRA COMMANDER": "MANUEL ANTONIO RUGAMA"``)
    is another mention of that named victim, not a separate entity.  An entity that is
    optional in one template but required in another is required.
    """
    entities: list[Entity] = []

    def add(mentions: list[str], optional: bool) -> None:
        keys = {_norm(m) for m in mentions}
        for e in entities:
            if keys & {_norm(m) for m in e.mentions}:
                e.mentions += [
                    m for m in mentions if _norm(m) not in {_norm(x) for x in e.mentions}
                ]
                e.optional = e.optional and optional
                return
        entities.append(Entity(mentions, optional))

    for t in templates:
        for slot in _SLOTS[role]:
            for fill in t.get(slot, []):
                fill = fill.strip()
                if fill in ("-", "*", ""):
                    continue
                optional = fill.startswith("?")
                if slot == "HUM TGT: DESCRIPTION" and '": "' in fill:
                    desc, _, name = fill.rpartition(": ")
                    add(_mentions(name) + _mentions(desc), optional)
                else:
                    ms = _mentions(fill)
                    if ms:
                        add(ms, optional)
    return entities


def load_docs(data: Path, limit: int | None) -> list[Doc]:
    docs: list[Doc] = []
    with (data / "muc4_tst3_tst4.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            templates = rec.get("templates") or []
            gold = {role: parse_role(templates, role) for role in ROLES}
            docs.append(Doc(rec["docid"], rec["text"], gold))
    return docs[:limit]


# ---------------------------------------------------------------------- matching

_DROP = {"a", "an", "the", "some", "several", "his", "her", "their", "its", "two", "three"}
_CUT = re.compile(r"\s(?:of|in|from|who|which|that|at|on|with|for|by|near)\s|,|--|\(|\[")


def _norm(s: str) -> str:
    s = re.sub(r"[^\w\s]", " ", s.lower())
    return " ".join(w for w in s.split() if w not in _DROP)


def head_noun(s: str) -> str:
    """The last word of the phrase before its first preposition, clause or apposition:
    "MEMBERS OF THE SHINING PATH" → "members", "HEAVILY ARMED MEN" → "men"."""
    first = _CUT.split(" " + s.lower() + " ", maxsplit=1)[0]
    words = _norm(first).split()
    return words[-1] if words else ""


def matches(pred: str, entity: Entity, mode: str = "head") -> bool:
    """Exact: normalised strings equal.  Head: also a shared head noun (Du & Cardie's
    rule, which takes spaCy noun-chunk roots; :func:`head_noun` is a dependency-free
    approximation)."""
    p, ph = _norm(pred), head_noun(pred)
    for m in entity.mentions:
        if p and p == _norm(m):
            return True
        if mode == "head" and ph and ph == head_noun(m):
            return True
    return False


@dataclass
class Counts:
    """Precision counts predictions that match some key entity; recall counts key
    entities matched by some prediction (the Du & Cardie 2020 scorer's rule)."""

    p_hit: int = 0
    n_pred: int = 0
    r_hit: int = 0
    n_gold: int = 0

    def add(self, other: Counts) -> None:
        self.p_hit += other.p_hit
        self.n_pred += other.n_pred
        self.r_hit += other.r_hit
        self.n_gold += other.n_gold

    def pr(self) -> tuple[float, float]:
        return (
            self.p_hit / self.n_pred if self.n_pred else 0.0,
            self.r_hit / self.n_gold if self.n_gold else 0.0,
        )

    def prf(self) -> tuple[float, float, float]:
        p, r = self.pr()
        return p, r, f1(p, r)


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score_role(pred: list[str], gold: list[Entity], mode: str = "head") -> Counts:
    """Predictions with the same head noun (or, exact mode, the same string) count once;
    optional ('?') key fills count as required, as in the published scorers."""
    seen: set[str] = set()
    uniq: list[str] = []
    for p in pred:
        k = head_noun(p) if mode == "head" else _norm(p)
        if p.strip() and k not in seen:
            seen.add(k)
            uniq.append(p)
    if mode == "exact":
        # one-to-one, as CEAF-REE aligns entities (GRIT, TempGen): two mentions of one
        # key entity predicted as two fillers earn one hit
        free = list(gold)
        hits = 0
        for p in uniq:
            e = next((e for e in free if matches(p, e, mode)), None)
            if e is not None:
                free.remove(e)
                hits += 1
        return Counts(hits, len(uniq), hits, len(gold))
    p_hit = sum(1 for p in uniq if any(matches(p, e, mode) for e in gold))
    r_hit = sum(1 for e in gold if any(matches(p, e, mode) for p in uniq))
    return Counts(p_hit, len(uniq), r_hit, len(gold))


def macro(per_role: dict[str, Counts]) -> tuple[float, float, float]:
    """Mean precision and mean recall over the roles, F1 of the means (Du & Cardie)."""
    ps, rs = zip(*(c.pr() for c in per_role.values()), strict=True)
    p, r = statistics.mean(ps), statistics.mean(rs)
    return p, r, f1(p, r)


class _Incident(Protocol):
    """What role pooling reads of an incident (the library's or a peer's schema)."""

    @property
    def perpetrators(self) -> list[str]: ...
    @property
    def perpetrator_organizations(self) -> list[str]: ...
    @property
    def damaged_targets(self) -> list[str]: ...
    @property
    def victims(self) -> list[str]: ...
    @property
    def weapons(self) -> list[str]: ...


class _Incidents(Protocol):
    @property
    def incidents(self) -> Sequence[_Incident]: ...


def predicted_roles(value: _Incidents | None) -> dict[str, list[str]]:
    """Role fillers pooled over the incidents of any incidents schema."""
    out: dict[str, list[str]] = {r: [] for r in ROLES}
    for inc in value.incidents if value else []:
        out["PerpInd"] += inc.perpetrators
        out["PerpOrg"] += inc.perpetrator_organizations
        out["Target"] += inc.damaged_targets
        out["Victim"] += inc.victims
        out["Weapon"] += inc.weapons
    return out


# --------------------------------------------------------------------------- run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=50)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cache", type=Path, default=None, help="response cache directory")
    args = ap.parse_args()
    run(args.limit, args.data, args.cache)


def run(
    limit: int | None = 50, data: Path = DATA, cache: Path | None = None, verbose: bool = True
) -> dict[str, Any]:
    """Extract (through the cache), score, print and return the summary."""
    docs = load_docs(data, limit)
    kw: dict[str, Any] = {"clean": False}  # newswire text has no page furniture to strip
    if cache:
        kw["cache_dir"] = cache
    settings = Settings(**kw)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    modes = ("head", "exact")
    per_role = {m: {r: Counts() for r in ROLES} for m in modes}
    t_all = time.perf_counter()
    with Summarizer(settings) as s, (out / "muc4_predictions.jsonl").open("w") as pred_fh:
        for doc in docs:
            t = time.perf_counter()
            value: Muc4Incidents | None = None
            row: dict[str, Any] = {"docid": doc.docid}
            try:
                ex = s.extract(Article(doc.text, source=doc.docid), schema=Muc4Incidents)
                value = ex.value
                u = ex.meta.usage
                row |= {
                    "cache_hit": ex.meta.cache_hit,
                    "prompt_tokens": u.prompt_tokens,
                    "completion_tokens": u.completion_tokens,
                    "requests": u.requests,
                    "grounded_share": ex.meta.grounded_share,
                }
            except SummarizerError as exc:
                row["error"] = exc.kind
            row["seconds"] = round(time.perf_counter() - t, 2)
            preds = predicted_roles(value)
            row["head"] = {}
            for mode in modes:
                for role in ROLES:
                    c = score_role(preds[role], doc.gold[role], mode)
                    per_role[mode][role].add(c)
                    if mode == "head":
                        row["head"][role] = [c.p_hit, c.n_pred, c.r_hit, c.n_gold]
            rows.append(row)
            pred_fh.write(json.dumps({"docid": doc.docid, "predicted": preds}) + "\n")
            pred_fh.flush()
            if verbose:
                print(json.dumps(row), flush=True)
    results: dict[str, Any] = {}
    for mode in modes:
        micro = Counts()
        for c in per_role[mode].values():
            micro.add(c)
        results[mode] = {
            "roles": {r: _prf(per_role[mode][r].prf()) for r in ROLES},
            "micro": _prf(micro.prf()),
            "macro": _prf(macro(per_role[mode])),
        }
    fresh = [r["seconds"] for r in rows if not r.get("cache_hit") and "error" not in r]
    summary = {
        "documents": len(rows),
        "errors": sum("error" in r for r in rows),
        "scores": results,
        "median_s_uncached": round(statistics.median(fresh), 2) if fresh else None,
        "wall_s": round(time.perf_counter() - t_all, 2),
    }
    (out / "muc4.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))
    print(f"\nMUC-4 TST3+TST4, first {len(rows)} documents ({summary['errors']} errors)")
    print(f"{'role':<8} {'head P':>7} {'R':>6} {'F1':>6}   {'exact P':>7} {'R':>6} {'F1':>6}")
    for r in (*ROLES, "micro", "macro"):
        h = results["head"]["roles"][r] if r in ROLES else results["head"][r]
        e = results["exact"]["roles"][r] if r in ROLES else results["exact"][r]
        print(
            f"{r:<8} {h['P']:7.3f} {h['R']:6.3f} {h['F1']:6.3f}   "
            f"{e['P']:7.3f} {e['R']:6.3f} {e['F1']:6.3f}"
        )
    print(json.dumps({k: v for k, v in summary.items() if k != "scores"}))
    return summary


def _prf(t: tuple[float, float, float]) -> dict[str, float]:
    return {"P": round(t[0], 4), "R": round(t[1], 4), "F1": round(t[2], 4)}


if __name__ == "__main__":
    main()
