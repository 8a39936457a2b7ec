"""Merging one field across sources, collecting an operation's conflicts on the way.

Every disagreement becomes a :class:`~summarizer.consolidate.models.Conflict` with
every claim; a display policy may pick a value to show, and the conflict says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from summarizer.consolidate.compare import (
    agreement_key,
    all_compatible,
    explain,
    pick,
    published_day,
    specificity,
)
from summarizer.consolidate.models import Claim, Conflict, ConflictField, MergedField, Policy
from summarizer.consolidate.names import slug


class Merged(NamedTuple):
    """How one field came out: the value shown, why, and the conflict if any."""

    agreed: bool
    value: str | None
    chosen_by: str
    shown: Claim | None
    conflict: str | None


@dataclass
class Merger:
    """Merges the fields of one operation, collecting its conflicts as they are found."""

    operation: str
    policy: Policy | None
    conflicts: list[Conflict] = field(default_factory=list)

    def conflict_id(self, phase: int | None, field_name: str, subject: str | None) -> str:
        scope = "campaign" if phase is None else f"phase-{phase}"
        parts = [self.operation, scope, field_name] + ([slug(subject)] if subject else [])
        return "/".join(parts)

    def merge(
        self,
        field_name: ConflictField,
        claims: list[Claim],
        phase: int | None,
        subject: str | None = None,
        *,
        raise_conflict: bool = True,
    ) -> Merged:
        """The field's agreed value, or a disputed one listed as a conflict (unless
        ``raise_conflict`` is false: the caller reports it another way)."""
        comparable = sorted(
            (c for c in claims if agreement_key(c) is not None),
            key=lambda c: (published_day(c), c.source),
        )
        if len(set(map(agreement_key, comparable))) <= 1:
            return _agreed(comparable, claims)
        chosen, why = (None, "disputed; no policy chosen")
        if self.policy is not None:
            chosen, reason = pick(comparable, self.policy)
            why = f"policy {self.policy}: {reason}" if chosen else f"disputed; {reason}"
        cid = self.conflict_id(phase, field_name, subject) if raise_conflict else None
        if cid is not None:
            self.conflicts.append(
                self._conflict(cid, field_name, comparable, phase, subject, chosen)
            )
        return Merged(False, chosen.value if chosen else None, why, chosen, cid)

    def _conflict(
        self,
        cid: str,
        field_name: ConflictField,
        comparable: list[Claim],
        phase: int | None,
        subject: str | None,
        chosen: Claim | None,
    ) -> Conflict:
        compatible = all_compatible(comparable)
        return Conflict(
            id=cid,
            operation=self.operation,
            phase=phase,
            field=field_name,
            explanation=explain(subject or field_name, comparable, compatible),
            subject=subject,
            compatible=compatible,
            claims=comparable,
            display=chosen.value if chosen else None,
            policy=self.policy if chosen else None,
            chosen_source=chosen.source if chosen else None,
        )

    def field(
        self, name: ConflictField, claims: list[Claim], phase: int | None, **kw: Any
    ) -> MergedField | None:
        """A :class:`MergedField` of the claims (None when no source gives the field)."""
        if not claims:
            return None
        agreed, value, why, _, cid = self.merge(name, claims, phase, **kw)
        return MergedField(
            field=name, claims=claims, agreed=agreed, value=value, chosen_by=why, conflict=cid
        )


def _agreed(comparable: list[Claim], claims: list[Claim]) -> Merged:
    """Sources that agree (or one source): the most specific wording is shown."""
    pool = comparable or claims
    best = max(pool, key=lambda c: (specificity(c), published_day(c))) if pool else None
    n_sources = len({c.source for c in comparable})
    if n_sources > 1:
        why = f"{n_sources} sources agree"
    else:
        why = "one source" if comparable else "no figure given"
    return Merged(True, best.value if best else None, why, best, None)
