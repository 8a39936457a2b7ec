"""The entry point: reports in, one :class:`Consolidation` out.

Steps, each in its own module: set aside ungrounded facts (:mod:`.grounded`), group
reports by operation (:mod:`.grouping`), then build each operation's timeline
(:mod:`.operations`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from summarizer.consolidate.grounded import grounded_view
from summarizer.consolidate.grouping import Cluster, Mention, Rules, group_mentions, mention_of
from summarizer.consolidate.matcher import Matcher
from summarizer.consolidate.models import (
    POLICIES,
    Consolidation,
    GroupingDecision,
    OperationTimeline,
    Policy,
    SetAside,
)
from summarizer.consolidate.names import AliasTable, slug
from summarizer.consolidate.operations import display_name, operation_timeline
from summarizer.consolidate.sources import SourcedReport, as_sourced
from summarizer.core.schema import OperationReport
from summarizer.errors import ConfigError


def consolidate(
    reports: Iterable[SourcedReport | OperationReport],
    *,
    aliases: AliasTable | Mapping[str, Any] | None = None,
    policy: Policy | None = None,
    matcher: Matcher | None = None,
    rules: Rules | None = None,
) -> Consolidation:
    """Group reports by operation, merge them per phase, list every disagreement.

    ``aliases`` maps names the rules cannot match; ``policy`` picks a display value
    for disputed fields (the conflict stays listed); ``matcher`` decides hard cases
    (names differ, places and dates overlap) and is never asked otherwise; wrap it in
    :class:`CachedMatcher` to keep its decisions.
    """
    if policy is not None and policy not in POLICIES:
        raise ConfigError(f"unknown policy {policy!r}; use one of {', '.join(POLICIES)}")
    table = _alias_table(aliases)
    rules = rules or Rules()
    items = as_sourced(reports)
    set_aside: list[SetAside] = []
    if rules.grounded_only:
        views = [grounded_view(sr) for sr in items]
        items = [v for v, _ in views]
        set_aside = [a for _, left in views for a in left]
    decisions: list[GroupingDecision] = []
    mentions = _mentions(items, table, decisions)
    clusters = group_mentions(mentions, rules, matcher, decisions)
    operations: list[OperationTimeline] = []
    used: set[str] = set()
    for cluster in clusters:
        key = _unique_key(cluster, table, used)
        operations.append(operation_timeline(key, cluster, table, policy, decisions))
    for d in decisions:
        if d.operation is None:
            d.operation = next(
                (op.key for op in operations if {s.source for s in op.sources} & set(d.sources)),
                None,
            )
    operations.sort(key=lambda op: (min(s.published or date.max for s in op.sources), op.key))
    return Consolidation(
        operations=operations, decisions=decisions, policy=policy, set_aside=set_aside
    )


def _alias_table(aliases: AliasTable | Mapping[str, Any] | None) -> AliasTable:
    if isinstance(aliases, AliasTable):
        return aliases
    return AliasTable.from_data(aliases) if aliases is not None else AliasTable()


def _mentions(
    items: list[SourcedReport], table: AliasTable, decisions: list[GroupingDecision]
) -> list[Mention]:
    """The reports to group; one whose article is not about an operation is excluded
    (and the exclusion recorded)."""
    mentions: list[Mention] = []
    for i, sr in enumerate(items):
        if sr.report.relevance == "not_about_operations":
            decisions.append(
                GroupingDecision(
                    decision="excluded",
                    rule="not_about_operations",
                    sources=[sr.stem],
                    reason="the report says the article is not about an operation",
                )
            )
            continue
        mentions.append(mention_of(i, sr, table))
    return mentions


def _unique_key(cluster: Cluster, table: AliasTable, used: set[str]) -> str:
    """A readable operation key ("mountain-lightning"), numbered when already taken."""
    base = slug(display_name(cluster.members, table))
    if not cluster.words:
        base = f"unnamed-{slug(cluster.members[0].item.stem)}"
    key, n = base, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
    used.add(key)
    return key
