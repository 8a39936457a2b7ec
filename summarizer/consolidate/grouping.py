"""Identity: which reports are about the same operation (deterministic rules).

Names match by :func:`~summarizer.consolidate.names.operation_key` or the alias table;
country and dates can veto a match; a report without a name joins an operation only
on shared places and dates.  Every decision is recorded with its rule and reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from summarizer.consolidate.claims import date_claim
from summarizer.consolidate.matcher import CachedMatcher, Matcher, OperationSketch, matcher_name
from summarizer.consolidate.models import GroupingDecision, day_span
from summarizer.consolidate.names import (
    PLACE_GENERIC,
    AliasTable,
    entity_key,
    operation_key,
    place_key,
    plain_words,
)
from summarizer.consolidate.phases import phase_of
from summarizer.consolidate.sources import SourcedReport


@dataclass(frozen=True)
class Rules:
    """Thresholds of the identity rules (all deterministic)."""

    #: same name, reports further apart than this: different operations
    max_gap_days: int = 365
    #: an unnamed report joins an operation sharing at least this many places ...
    unnamed_min_shared_places: int = 2
    #: ... and dated within this many days of it
    unnamed_window_days: int = 31
    #: merge only facts whose quote is grounded; the rest are listed as set aside
    grounded_only: bool = True


@dataclass
class Mention:
    """What grouping reads of one report: its name's key, country, places and day."""

    index: int
    item: SourcedReport
    name: str | None
    words: tuple[str, ...]
    alias: str | None
    country: str | None
    places: frozenset[str]
    when: date | None


@dataclass
class Cluster:
    """Reports grouped as one operation so far (``words``: its name key, or empty)."""

    members: list[Mention]
    words: tuple[str, ...]

    @property
    def places(self) -> frozenset[str]:
        return frozenset().union(*(m.places for m in self.members))

    @property
    def countries(self) -> set[str]:
        return {m.country for m in self.members if m.country}

    def span(self) -> tuple[date | None, date | None]:
        days = [m.when for m in self.members if m.when]
        return (min(days), max(days)) if days else (None, None)

    def label(self) -> str:
        names = [m.name for m in self.members if m.name]
        return Counter(names).most_common(1)[0][0] if names else "unnamed"


def mention_of(i: int, sr: SourcedReport, aliases: AliasTable) -> Mention:
    """The report as grouping sees it; a name in the alias table takes its canonical key."""
    r = sr.report
    name = (r.operation_name or "").strip() or None
    words = operation_key(name) if name else ()
    canonical = aliases.canonical(name) if name else None
    alias = None
    if canonical is not None and words:
        new_words = operation_key(canonical)
        if new_words != words:
            alias = f"alias table: {name!r} is {canonical!r}"
        words = new_words
    country = entity_key(r.country.name, PLACE_GENERIC) if r.country else None
    places = frozenset(place_key(loc.name, aliases) for loc in r.locations)
    when = None
    if r.start_date is not None:
        span = day_span(date_claim(sr, r.start_date))
        when = span[0] if span else None
    return Mention(i, sr, name, words, alias, country, places, when or sr.published)


def _days_apart(a: date | None, lo: date | None, hi: date | None) -> int:
    if a is None or lo is None or hi is None:
        return 0
    if a < lo:
        return (lo - a).days
    if a > hi:
        return (a - hi).days
    return 0


def _veto(m: Mention, c: Cluster, rules: Rules) -> str | None:
    """Why a report with the same name cannot be this cluster's operation, if it cannot."""
    if m.country and c.countries and m.country not in c.countries and not (m.places & c.places):
        return f"same name but another country ({m.country} vs {', '.join(sorted(c.countries))})"
    gap = _days_apart(m.when, *c.span())
    if gap > rules.max_gap_days:
        return f"same name but {gap} days from the other reports (limit {rules.max_gap_days})"
    return None


def group_mentions(
    mentions: list[Mention],
    rules: Rules,
    matcher: Matcher | None,
    decisions: list[GroupingDecision],
) -> list[Cluster]:
    """Named reports by name key (earliest first), then hard cases, then the unnamed."""
    order = sorted(mentions, key=lambda m: (m.when or date.max, m.item.stem))
    named: list[Cluster] = []
    unnamed: list[Mention] = []
    for m in order:
        if m.words:
            _add_named(m, named, rules, decisions)
        else:
            unnamed.append(m)
    named = _hard_cases(named, rules, matcher, decisions)
    return named + _place_unnamed(unnamed, named, rules, decisions)


def _add_named(
    m: Mention, named: list[Cluster], rules: Rules, decisions: list[GroupingDecision]
) -> None:
    """Join the best cluster with the same name key that no veto excludes, or start one."""
    same = [c for c in named if c.words == m.words]
    fits = [c for c in same if _veto(m, c, rules) is None]
    if fits:
        best = max(fits, key=lambda c: len(m.places & c.places))
        first = best.members[0]
        why = m.alias or (
            "same name"
            if first.name and plain_words(first.name) == plain_words(m.name or "")
            else f"same words in any order: {m.name!r} and {first.name!r}"
        )
        best.members.append(m)
        decisions.append(
            GroupingDecision(
                decision="grouped",
                rule="alias" if m.alias else "same_name",
                sources=[m.item.stem, first.item.stem],
                reason=why,
            )
        )
        return
    for c in same:
        decisions.append(
            GroupingDecision(
                decision="separate",
                rule="veto",
                sources=[m.item.stem, c.members[0].item.stem],
                reason=_veto(m, c, rules) or "",
            )
        )
    named.append(Cluster([m], m.words))
    decisions.append(
        GroupingDecision(
            decision="new_operation",
            rule="alias" if m.alias else "first_report",
            sources=[m.item.stem],
            reason=m.alias or f"first report naming {m.name!r}",
        )
    )


def _sketch(c: Cluster) -> OperationSketch:
    first, last = c.span()
    return OperationSketch(
        names=sorted({m.name for m in c.members if m.name}),
        country=next(
            (m.item.report.country.name for m in c.members if m.item.report.country), None
        ),
        places=sorted({loc.name for m in c.members for loc in m.item.report.locations}),
        phases=sorted({p for m in c.members if (p := phase_of(m.item.report)[0]) is not None}),
        first=first,
        last=last,
    )


def _hard_case(a: Cluster, b: Cluster, rules: Rules) -> bool:
    """Differently named clusters that could still be one operation: a shared place,
    no conflicting country, dates within the gap."""
    if a.countries and b.countries and not (a.countries & b.countries):
        return False
    if not a.places & b.places:
        return False
    a0, a1 = a.span()
    b0, b1 = b.span()
    if a0 and a1 and b0 and b1:
        return max((b0 - a1).days, (a0 - b1).days) <= rules.max_gap_days
    return True


def _hard_cases(
    clusters: list[Cluster],
    rules: Rules,
    matcher: Matcher | None,
    decisions: list[GroupingDecision],
) -> list[Cluster]:
    """Clusters the matcher calls one operation merged (union-find over pairs); without
    a matcher each hard case is only recorded as a candidate."""
    parent = list(range(len(clusters)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(clusters)):
        for j in range(i + 1, len(clusters)):
            a, b = clusters[i], clusters[j]
            if not _hard_case(a, b, rules):
                continue
            decision = _decide_hard_case(a, b, matcher)
            decisions.append(decision)
            if decision.decision == "grouped":
                parent[root(j)] = root(i)
    merged: dict[int, Cluster] = {}
    for i, c in enumerate(clusters):
        r = root(i)
        if r in merged:
            merged[r].members.extend(c.members)
        else:
            merged[r] = Cluster(list(c.members), c.words)
    return list(merged.values())


def _decide_hard_case(a: Cluster, b: Cluster, matcher: Matcher | None) -> GroupingDecision:
    sources = [a.members[0].item.stem, b.members[0].item.stem]
    if matcher is None:
        return GroupingDecision(
            decision="candidate",
            rule="names_differ",
            sources=sources,
            reason=f"names differ ({a.label()!r} vs {b.label()!r}) but they share "
            f"places and dates; not merged: add an alias or use a matcher",
        )
    if isinstance(matcher, CachedMatcher):
        verdict, cached = matcher.decide(_sketch(a), _sketch(b))
    else:
        verdict, cached = matcher(_sketch(a), _sketch(b)), False
    return GroupingDecision(
        decision="grouped" if verdict.same else "separate",
        rule="matcher",
        sources=sources,
        reason=f"{a.label()!r} vs {b.label()!r}: {verdict.reason}",
        by=f"matcher:{matcher_name(matcher)}",
        cached=cached,
    )


def _place_unnamed(
    unnamed: list[Mention],
    named: list[Cluster],
    rules: Rules,
    decisions: list[GroupingDecision],
) -> list[Cluster]:
    """A report without an operation name joins an operation only on shared places and
    dates (and a compatible country); otherwise it is its own unnamed operation."""
    own: list[Cluster] = []
    for m in unnamed:
        best = _best_context(m, [*named, *own], rules)
        if best is None:
            own.append(Cluster([m], ()))
            decisions.append(
                GroupingDecision(
                    decision="new_operation",
                    rule="unnamed",
                    sources=[m.item.stem],
                    reason="no operation name, and no operation shares "
                    f"{rules.unnamed_min_shared_places}+ places and dates with it",
                )
            )
            continue
        shared, c = best
        c.members.append(m)
        decisions.append(
            GroupingDecision(
                decision="grouped",
                rule="unnamed_context",
                sources=[m.item.stem, c.members[0].item.stem],
                reason=f"no operation name; shares {shared} places and dates "
                f"within {rules.unnamed_window_days} days with {c.label()!r}",
            )
        )
    return own


def _best_context(m: Mention, clusters: list[Cluster], rules: Rules) -> tuple[int, Cluster] | None:
    """The cluster sharing the most places with an unnamed report, within the window."""
    best: tuple[int, Cluster] | None = None
    for c in clusters:
        shared = len(m.places & c.places)
        if shared < rules.unnamed_min_shared_places:
            continue
        if m.country and c.countries and m.country not in c.countries:
            continue
        if _days_apart(m.when, *c.span()) > rules.unnamed_window_days:
            continue
        if best is None or shared > best[0]:
            best = (shared, c)
    return best
