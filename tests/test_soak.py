"""The fault server's faults through the real stack: each kind alone (how it ends),
then mixed in a small soak of 200 articles at concurrency 32 (``bench/soak.py``
reports the figures at 2,000; this is not timed).  The soak checks that every item is
accounted for, nothing is lost or doubled, every failure is typed and traceable to an
injected fault, and no thread, socket or file descriptor outlives the run."""

from __future__ import annotations

import sys
import time
from datetime import date
from typing import Any

import pytest

from summarizer.errors import ExtractionError
from summarizer.pipeline.summarizer import Summarizer
from tests.conftest import EXAMPLES, ROOT

if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))  # bench scripts import their siblings by name

from fault_server import FAULTS, OK, FaultServer, script
from loopback import recorded_answers
from soak import PUBLISHED, STEM, run_soak

FD_SLACK = 2  # the baseline is taken with the warm-up's pool thread already gone

#: how each fault ends when it hits the first request and the second is fine:
#: transport faults are retried by tenacity, unreadable or invalid answers are re-asked
#: by instructor (a 200 that is not JSON counts as one), and an answer with no choices
#: is not retried: it is the item's ExtractionError at once
OUTCOME = {
    "rate_limit": "ok",
    "server_error": "ok",
    "unavailable": "ok",
    "hang": "ok",
    "drop": "ok",
    "not_json": "ok",
    "invalid_json": "ok",
    "bad_schema": "ok",
    "truncated": "ok",
    "empty_choices": "extraction",
}


def test_outcomes_cover_every_fault() -> None:
    assert set(OUTCOME) == set(FAULTS)


#: faults that use up the one re-ask (instructor reads the answer and asks again);
#: the rest are transport faults, retried by tenacity without touching the re-asks
REASKED = {"not_json", "invalid_json", "bad_schema"}


def _clean_requests(settings_for: Any, article: str) -> int:
    """Requests a fault-free run makes: the recorded answer may leave a quote
    ungrounded, which costs the one re-ask whatever the faults."""
    with FaultServer(recorded_answers()[STEM], script([OK, OK])) as srv:
        settings = settings_for(base_url=srv.url, use_cache=False, max_reasks=1)
        with Summarizer(settings) as s:
            s.extract(article, published=PUBLISHED)
    return int(srv.stats()["kinds"][OK])


@pytest.mark.parametrize("kind", FAULTS)
def test_each_fault_kind_alone(settings_for: Any, kind: str) -> None:
    article = (EXAMPLES / "articles" / f"{STEM}.txt").read_text(encoding="utf-8")
    published: date = PUBLISHED
    clean = _clean_requests(settings_for, article)
    with FaultServer(recorded_answers()[STEM], script([kind, OK, OK]), hang_s=60.0) as srv:
        settings = settings_for(
            base_url=srv.url,
            use_cache=False,
            timeout=0.5,
            retry_max_wait=0.05,
            max_transport_retries=2,
            max_reasks=1,
        )
        t0 = time.monotonic()
        with Summarizer(settings) as s:
            if OUTCOME[kind] == "ok":
                ex = s.extract(article, published=published)
                assert ex.value.relevance == "operation_report"  # type: ignore[attr-defined]
            else:
                with pytest.raises(ExtractionError, match="could not be read"):
                    s.extract(article, published=published)
        took = time.monotonic() - t0
    asked = srv.stats()["kinds"]
    assert asked.get(kind) == 1
    if OUTCOME[kind] != "ok":
        assert asked.get(OK, 0) == 0
    elif kind in REASKED:
        assert asked.get(OK, 0) == 1  # the fault took the re-ask; the answer is final
    else:
        assert asked.get(OK, 0) == clean  # retried below instructor: same as no fault
    assert took < 20.0  # bounded: a hang costs one 0.5 s timeout, not the server's 60 s


def test_soak_accounts_for_every_item_and_leaks_nothing() -> None:
    n = 200
    report = run_soak(n, concurrency=32, fault_rate=0.1, seed=5, timeout=0.5, checkpoints=2)

    assert report.results == n and report.lost == 0 and report.duplicates == 0
    assert report.ok + sum(report.failed.values()) == n
    assert set(report.failed) <= {"transport", "extraction"}, report.error_samples
    assert report.unexplained_failures == 0  # every failure met an injected fault
    assert report.ok >= 0.9 * n  # faults are transient: retries and re-asks absorb most

    injected = report.faults_injected
    assert injected >= 10 and set(report.faults) <= set(FAULTS)
    assert len(report.faults) >= 5  # a real mix, not one kind
    assert sum(report.survived.values()) + sum(report.fatal.values()) == injected
    assert sum(report.survived.values()) > sum(report.fatal.values())
    assert report.requests >= n + injected - sum(report.fatal.values())

    before, after = report.handles_before, report.handles_after
    assert after["threads"] == before["threads"]  # the pool's threads are gone
    assert after["sockets"] <= before["sockets"]  # no connection left open
    # per-thread SQLite connections are freed by the cyclic GC, not at thread exit
    assert report.handles_gc["fds"] <= before["fds"] + FD_SLACK
    assert report.handles_closed["fds"] <= before["fds"] + FD_SLACK
